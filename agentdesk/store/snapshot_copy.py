"""Taking a ready-made first download (agentdesk.server.snapshots) into a fresh store.

The snapshot is a store file in this schema, filled by the same apply and derive code a pull
runs: its synced tables, the rows derived from them (clocks, search index, the tickets listed
for their quality facts) and, in its sync_state, the cursor of its last page. They are copied
into this store in one transaction, cursor included, or not at all; SQLite copies rows without
a Python step per row. The search index is copied whole, shadow tables included: the index
and the ticket rows it points at (by pk) come from one file, so they agree.

Only a store that has never pulled takes one: nothing synced is there to be overwritten, and
the outbox is never touched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agentdesk.domain.errors import AgentdeskError
from agentdesk.store import database
from agentdesk.store.sync_apply import (
    COLUMNS,
    save_cursor,
    saved_cursor,
    unchecked_transaction,
)

DERIVED_TABLES = ("ticket_clock", "escalation_fired", "quality_dirty")
FULL_TEXT_TABLES = ("ticket_search", "ticket_search_cjk")
ALIAS = "snapshot"


class SnapshotUnusable(AgentdeskError):
    """The file cannot be taken (another schema, damaged, or this store has pulled already);
    the store is as it was."""


def takes_snapshot(conn: sqlite3.Connection) -> bool:
    """Whether this store may take one: it never pulled, and holds no ticket."""
    return (
        saved_cursor(conn) is None
        and conn.execute("SELECT 1 FROM ticket LIMIT 1").fetchone() is None
    )


def copy_snapshot(conn: sqlite3.Connection, path: Path, *, rederive: bool = False) -> int:
    """Copy the snapshot at `path` into this store; returns its ticket count. With `rederive`
    (its clocks were derived under another SLA policy than this console's) every ticket is
    listed underived, for `derive_underived` to derive again."""
    try:
        revision = database.store_revision(path)
    except AgentdeskError as exc:
        raise SnapshotUnusable("error.snapshot_unusable", reason=exc.message()) from None
    if revision != database.HEAD_REVISION:
        raise SnapshotUnusable("error.snapshot_unusable", reason=f"schema {revision}")
    conn.execute(f"ATTACH DATABASE ? AS {ALIAS}", (str(path),))
    try:
        return _copy_attached(conn, rederive)
    except sqlite3.DatabaseError as exc:
        raise SnapshotUnusable("error.snapshot_unusable", reason=str(exc)) from None
    finally:
        conn.execute(f"DETACH DATABASE {ALIAS}")


def _copy_attached(conn: sqlite3.Connection, rederive: bool) -> int:
    found = conn.execute(f"SELECT pull_cursor FROM {ALIAS}.sync_state WHERE id = 1").fetchone()
    if found is None or not found[0]:
        raise SnapshotUnusable("error.snapshot_unusable", reason="no cursor")
    with unchecked_transaction(conn):
        if not takes_snapshot(conn):  # checked again inside the write transaction
            raise SnapshotUnusable("error.snapshot_unusable", reason="store not empty")
        for table in (*COLUMNS, *DERIVED_TABLES):
            _copy_table(conn, table, _columns(conn, table))
        for table in _shadow_tables(conn):
            conn.execute(f"DELETE FROM main.{table}")  # an empty index's own records
            _copy_table(conn, table, ["*"])
        if rederive:
            conn.execute("INSERT INTO sync_underived (ticket_id) SELECT id FROM ticket")
        save_cursor(conn, str(found[0]), 0)
        (tickets,) = conn.execute("SELECT count(*) FROM ticket").fetchone()
    return int(tickets)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """This store's columns of `table`, by name (the snapshot has the same schema revision)."""
    return [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]


def _copy_table(conn: sqlite3.Connection, table: str, columns: list[str]) -> None:
    names = ", ".join(columns)
    into = "" if columns == ["*"] else f" ({names})"
    conn.execute(f"INSERT INTO main.{table}{into} SELECT {names} FROM {ALIAS}.{table}")


def _shadow_tables(conn: sqlite3.Connection) -> list[str]:
    """The full-text tables' own storage (FTS5 shadow tables: data, idx, content, config...)."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    return sorted(n for n in names if any(n.startswith(f"{f}_") for f in FULL_TEXT_TABLES))
