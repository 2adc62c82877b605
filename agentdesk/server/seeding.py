"""Fill an empty server database from a local store (the demo set, or a store being promoted to
the central one): teams, accounts, customers, tickets and their timelines, QA reviews, with the
change index that lets every client pull them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain.errors import AgentdeskError
from agentdesk.server import changes
from agentdesk.server.accounts import utc
from agentdesk.server.tables import (
    account,
    customer,
    customer_order,
    product,
    qa_review,
    team,
    ticket,
    ticket_event,
)

CHUNK = 2000
TICKET_COLUMNS = tuple(c.name for c in ticket.columns)
CUSTOMER_COLUMNS = tuple(c.name for c in customer.columns)
TEAM_COLUMNS = tuple(c.name for c in team.columns)
PRODUCT_COLUMNS = tuple(c.name for c in product.columns)
ORDER_COLUMNS = tuple(c.name for c in customer_order.columns)
EVENT_COLUMNS = tuple(c.name for c in ticket_event.columns)
QA_COLUMNS = tuple(c.name for c in qa_review.columns)


def seed_from_store(
    conn: Connection, store: Path, password_hash: str, now: datetime
) -> dict[str, int]:
    """Copy `store` into the (empty) server database; every account gets `password_hash`."""
    if conn.execute(sa.select(sa.func.count()).select_from(ticket)).scalar():
        raise AgentdeskError("error.server_not_empty")
    source = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        counts = {
            "teams": _copy(conn, source, team, TEAM_COLUMNS),
            "agents": _copy_agents(conn, source, password_hash, now),
            "customers": _copy(conn, source, customer, CUSTOMER_COLUMNS),
            "products": _copy(conn, source, product, PRODUCT_COLUMNS),
            "orders": _copy(conn, source, customer_order, ORDER_COLUMNS),
        }
        teams_of = _copy_tickets(conn, source)
        counts["tickets"] = len(teams_of)
        counts["events"] = _copy_events(conn, source, teams_of)
        counts["qa_reviews"] = _copy(conn, source, qa_review, QA_COLUMNS, changes.QA)
    finally:
        source.close()
    return counts


def _chunks(cursor: sqlite3.Cursor) -> Iterator[list[tuple[Any, ...]]]:
    while rows := cursor.fetchmany(CHUNK):
        yield rows


def _copy(
    conn: Connection,
    source: sqlite3.Connection,
    table: sa.Table,
    columns: Sequence[str],
    scope: str = changes.ALL,
) -> int:
    """A table, column for column, into one scope (by default `all`: everyone sees it)."""
    done = 0
    for rows in _chunks(source.execute(f"SELECT {', '.join(columns)} FROM {table.name}")):
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        changes.record_many(conn, [(table.name, row[0], scope) for row in rows])
        done += len(rows)
    return done


def _copy_agents(
    conn: Connection, source: sqlite3.Connection, password_hash: str, now: datetime
) -> int:
    sql = "SELECT id, username, display_name, role, team_id, language, active FROM agent"
    rows = source.execute(sql).fetchall()
    columns = ("id", "username", "display_name", "role", "team_id", "language", "active")
    values = [
        {**dict(zip(columns, row, strict=True)), "active": bool(row[6]),
         "password_hash": password_hash, "created_at": utc(now)}
        for row in rows
    ]  # fmt: skip
    if values:
        conn.execute(account.insert(), values)
        changes.record_many(conn, [("agent", row[0], changes.ALL) for row in rows])
    return len(rows)


def _copy_tickets(conn: Connection, source: sqlite3.Connection) -> dict[str, str | None]:
    teams_of: dict[str, str | None] = {}
    sql = f"SELECT {', '.join(TICKET_COLUMNS)} FROM ticket ORDER BY pk"
    team_at = TICKET_COLUMNS.index("team_id")
    for rows in _chunks(source.execute(sql)):
        conn.execute(ticket.insert(), [dict(zip(TICKET_COLUMNS, r, strict=True)) for r in rows])
        batch = [("ticket", r[0], changes.ticket_scope(r[team_at])) for r in rows]
        changes.record_many(conn, batch)
        teams_of.update((r[0], r[team_at]) for r in rows)
    return teams_of


def _copy_events(
    conn: Connection, source: sqlite3.Connection, teams_of: dict[str, str | None]
) -> int:
    done = 0
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM ticket_event ORDER BY pk"
    for rows in _chunks(source.execute(sql)):
        conn.execute(
            ticket_event.insert(), [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows]
        )
        batch = [("ticket_event", r[0], changes.ticket_scope(teams_of.get(r[1]))) for r in rows]
        changes.record_many(conn, batch)
        done += len(rows)
    return done
