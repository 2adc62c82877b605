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
        _forget_previous(conn, chunk)
        rows = [{"entity_type": t, "entity_id": i, "scope": s, "op": op} for t, i, s in chunk]
        conn.execute(change_index.insert().values(xid=_xid(conn)), rows)


# PostgreSQL: the rows an IN list of row values would find, one unique-index probe per change
# (a scalar subquery is never turned into a join), without planning an OR of up to 500 probes
# (~60 ms each time) nor a hash join that reads the whole change index.
FORGET_PREVIOUS_PG = sa.text(
    "DELETE FROM change_index WHERE seq = ANY(ARRAY("
    "SELECT (SELECT c.seq FROM change_index AS c WHERE c.entity_type = d.entity_type "
    "AND c.entity_id = d.entity_id AND c.scope = d.scope) "
    "FROM unnest(CAST(:types AS text[]), CAST(:ids AS text[]), CAST(:scopes AS text[])) "
    "AS d (entity_type, entity_id, scope)))"
)


def _forget_previous(conn: Connection, chunk: list[tuple[str, str, str]]) -> None:
    """Delete the rows these (entity_type, entity_id, scope) changes replace."""
    if conn.dialect.name == "postgresql":
        types, ids, scopes = (list(column) for column in zip(*chunk, strict=True))
        conn.execute(FORGET_PREVIOUS_PG, {"types": types, "ids": ids, "scopes": scopes})
        return
    key = sa.tuple_(change_index.c.entity_type, change_index.c.entity_id, change_index.c.scope)
    conn.execute(change_index.delete().where(key.in_(chunk)))


def _xid(conn: Connection) -> sa.TextClause | None:
    if conn.dialect.name == "postgresql":
        return sa.text("pg_current_xact_id()::text::bigint")
    return None


def moved(conn: Connection, entity_type: str, entity_id: str, old: str, new: str) -> None:
    """The entity left scope `old` for `new`: `remove` for those who saw it there (T21)."""
    if old != new:
        record(conn, entity_type, entity_id, old, "remove")
    record(conn, entity_type, entity_id, new)
