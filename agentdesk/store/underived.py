"""Which tickets are waiting for their derived columns (clocks, deadline, search entry): a
first download or an import lists them when it writes their rows, store.sync_apply derives them
later (`derive_underived`). Plain SQL, for the import's writer process to use without the rest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def underived_left(conn: sqlite3.Connection) -> bool:
    """Whether a first download left tickets underived (it was cut short: it carries on)."""
    return conn.execute("SELECT 1 FROM sync_underived LIMIT 1").fetchone() is not None


def list_underived(conn: sqlite3.Connection, ticket_ids: Iterable[str]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO sync_underived (ticket_id) VALUES (?)", [(i,) for i in ticket_ids]
    )


def unlist_underived(conn: sqlite3.Connection, ticket_ids: Iterable[str]) -> None:
    conn.executemany("DELETE FROM sync_underived WHERE ticket_id = ?", [(i,) for i in ticket_ids])
