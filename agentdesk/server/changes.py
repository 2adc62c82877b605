"""Change tracking: every server write records, in the same transaction, which entity changed
in which visibility scope (design/SYNC.md). One row per entity and scope, so a first download
is a pull from zero and the index never grows beyond the data.

Scopes: `team:<team id>` for a ticket and its timeline (`team:-` while it has no team), `all` for
what every account may see (teams, accounts, customers), `qa` for the QA reviews the roles
that see every team read (leads, supervisors, admins; an agent never sees a colleague's scores).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.server.tables import change_index

ALL = "all"
QA = "qa"
NO_TEAM = "team:-"


def ticket_scope(team_id: str | None) -> str:
    return f"team:{team_id}" if team_id else NO_TEAM


def record(
    conn: Connection, entity_type: str, entity_id: str, scope: str, op: str = "upsert"
) -> None:
    """This entity changed (op upsert), was deleted, or left `scope` (op remove)."""
    record_many(conn, [(entity_type, entity_id, scope)], op)


def record_many(conn: Connection, changes: list[tuple[str, str, str]], op: str = "upsert") -> None:
    """(entity_type, entity_id, scope) changes: each replaces the entity's last row in that
    scope, so it moves to the end of the pull order; on PostgreSQL stamped with the writing
    transaction's id (the pull's commit-safe horizon needs it)."""
    for start in range(0, len(changes), 500):
        chunk = changes[start : start + 500]
        if conn.dialect.name == "postgresql":
            types, ids, scopes = (list(column) for column in zip(*chunk, strict=True))
            conn.execute(RECORD_PG, {"types": types, "ids": ids, "scopes": scopes, "op": op})
            continue
        key = sa.tuple_(change_index.c.entity_type, change_index.c.entity_id, change_index.c.scope)
        conn.execute(change_index.delete().where(key.in_(chunk)))
        rows = [{"entity_type": t, "entity_id": i, "scope": s, "op": op} for t, i, s in chunk]
        conn.execute(change_index.insert(), rows)


# PostgreSQL: one statement per chunk, the same text whatever its size (arrays, not a list of
# values: prepared once per connection). A change already in the index takes a new seq (DEFAULT:
# the next of the sequence) and this transaction's id, which moves it to the end of the order.
RECORD_PG = sa.text(
    "INSERT INTO change_index (entity_type, entity_id, scope, op, xid) "
    "SELECT d.entity_type, d.entity_id, d.scope, CAST(:op AS text), "
    "pg_current_xact_id()::text::bigint "
    "FROM unnest(CAST(:types AS text[]), CAST(:ids AS text[]), CAST(:scopes AS text[])) "
    "AS d (entity_type, entity_id, scope) "
    "ON CONFLICT ON CONSTRAINT ux_change_entity_scope "
    "DO UPDATE SET seq = DEFAULT, op = EXCLUDED.op, xid = EXCLUDED.xid"
)


def moved(conn: Connection, entity_type: str, entity_id: str, old: str, new: str) -> None:
    """The entity left scope `old` for `new`: `remove` for those who saw it there (T21)."""
    if old != new:
        record(conn, entity_type, entity_id, old, "remove")
    record(conn, entity_type, entity_id, new)
