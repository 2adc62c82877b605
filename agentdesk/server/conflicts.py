"""Conflicts are data (design/SYNC.md): every edit the server refused — it lost a race
(`conflict`) or can never apply (`rejected`) — is a `sync_conflict` row, synced to the ticket's
team, so the agents involved and their supervisors see what collided, what won and where the
losing text went. Edits without a ticket stay with their author's outbox and the receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import numbering
from agentdesk.server import changes, intents
from agentdesk.server.accounts import Account
from agentdesk.server.tables import sync_conflict, ticket


def record(
    conn: Connection,
    who: Account,
    client_id: str,
    mutation_id: int,
    name: str,
    args: dict[str, Any],
    outcome: intents.Outcome,
    now: datetime,
) -> str | None:
    """The refused edit as a conflict row (its losing text kept as a note); its id, or None
    for an edit that names no existing ticket."""
    ticket_id = args.get("ticket_id")
    if not isinstance(ticket_id, str):
        return None
    team_id = conn.execute(sa.select(ticket.c.team_id).where(ticket.c.id == ticket_id)).first()
    if team_id is None:
        return None
    ident = numbering.new_id()
    note_id = None
    if outcome.losing_text:
        data = {"conflict_id": ident, "intent": name}
        note_id = intents.keep_as_note(conn, ticket_id, who, now, outcome.losing_text, data)
    conn.execute(
        sync_conflict.insert().values(
            id=ident,
            ticket_id=ticket_id,
            account_id=who.id,
            client_id=client_id,
            mutation_id=mutation_id,
            intent=name,
            outcome=outcome.status,
            detail=outcome.detail,
            losing_text=outcome.losing_text,
            note_event_id=note_id,
            at=now.isoformat(),
        )
    )
    changes.record(conn, "sync_conflict", ident, changes.ticket_scope(team_id[0]))
    return ident
