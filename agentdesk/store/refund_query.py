"""The leads' approval queue: refund requests above an agent's authority with no decision yet
(SPEC R4). Plain sqlite3 over the timeline's partial refund indexes (migration 0008)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PendingRefund:
    request_id: str  # the refund_request timeline entry
    ticket_id: str
    ticket_number: str
    subject: str
    team_id: str | None
    requested_by: str  # display name
    requested_at: datetime
    amount_cents: int
    reason: str


_PENDING = (
    "SELECT r.id, r.ticket_id, t.number, t.subject, t.team_id, "
    "coalesce(a.display_name, r.actor_id, ''), r.at, r.data_json, r.body "
    "FROM ticket_event r INDEXED BY ix_ticket_event_refund_request "
    "JOIN ticket t ON t.id = r.ticket_id LEFT JOIN agent a ON a.id = r.actor_id "
    "WHERE r.kind = 'refund_request' AND NOT EXISTS ("
    "  SELECT 1 FROM ticket_event d INDEXED BY ix_ticket_event_refund_decision "
    "  WHERE d.kind = 'refund_decision' AND d.ticket_id = r.ticket_id "
    "  AND json_extract(d.data_json, '$.request_id') = r.id) "
)


def pending_refunds(conn: sqlite3.Connection, ticket_id: str | None = None) -> list[PendingRefund]:
    """Requests waiting for a decision, oldest first (of one ticket, when given)."""
    sql = _PENDING
    params: tuple[str, ...] = ()
    if ticket_id is not None:
        sql, params = sql + "AND r.ticket_id = ? ", (ticket_id,)
    rows = conn.execute(sql + "ORDER BY r.at, r.id", params).fetchall()
    return [
        PendingRefund(
            request_id=row[0], ticket_id=row[1], ticket_number=row[2], subject=row[3],
            team_id=row[4], requested_by=row[5], requested_at=datetime.fromisoformat(row[6]),
            amount_cents=int(json.loads(row[7]).get("amount_cents", 0)), reason=row[8],
        )
        for row in rows
    ]  # fmt: skip
