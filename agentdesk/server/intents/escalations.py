"""The escalation ladder (R3): a step the console's sweeper fired, recorded once."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.engine import Connection

from agentdesk.domain import actions, status_flow
from agentdesk.domain.errors import NotFound
from agentdesk.domain.escalation import raised
from agentdesk.domain.model import EventKind, Priority, Status
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    add_entry,
    check_may_work,
    exists,
    locked_ticket,
    update_ticket,
)
from agentdesk.server.tables import account, ticket_event


class Escalate(IntentArgs):
    """One escalation step the console's sweeper fired (EscalationResult.event_data)."""

    ticket_id: str
    step: str
    clock: str
    cycle: int
    breached_at: str = ""
    owner_id: str | None = None
    priority_from: str | None = None
    priority_to: str | None = None
    level: int = 0
    notified: list[str] = Field(default_factory=list)


ESCALATION_IDS = uuid.UUID("6f1c1d0e-8a53-4c8e-9a55-2f0c3f9e7d11")  # namespace of event ids


def escalate(conn: Connection, who: Account, args: Escalate, now: datetime) -> Outcome:
    """An escalation step a console fired for a ticket its agent may work."""
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    record_escalation(conn, row, args, now)
    return APPLIED


def record_escalation(conn: Connection, row: Any, args: Escalate, now: datetime) -> None:
    """One escalation step, recorded once per (ticket, step, clock, cycle) as a system entry —
    whether a console or the server's own sweeper fired it. On an open ticket it never lowers
    anything: the follow-up owner is kept when there is one, priority only rises, the level
    only grows."""
    key = (args.step, args.clock, args.cycle)
    if key in escalation_keys(conn, row["id"]):
        return  # fired already (from this console, another one, or the server)
    before = Priority(row["priority"])
    owner, level, after = row["follow_up_owner_id"], row["escalation_level"], before
    if status_flow.is_open(Status(row["status"])):
        if owner is None and args.owner_id:
            if not exists(conn, account, args.owner_id):
                raise NotFound("error.unknown_agent", username=args.owner_id)
            owner = args.owner_id
        if args.priority_to:
            after = raised(before, actions.parse_enum(Priority, args.priority_to, "priority_to"))
        level = max(level, args.level)
    data = {
        "step": args.step,
        "clock": args.clock,
        "cycle": args.cycle,
        "breached_at": args.breached_at,
        "owner_id": owner,
        "priority_from": before.value,
        "priority_to": after.value,
        "level": level,
        "notified": list(args.notified),
    }
    ident = str(uuid.uuid5(ESCALATION_IDS, f"{row['id']}|{args.step}|{args.clock}|{args.cycle}"))
    add_entry(conn, row, EventKind.ESCALATION, None, now, "", data, ident)
    update_ticket(
        conn, row, now, follow_up_owner_id=owner, escalation_level=level, priority=after.value
    )


def escalation_keys(conn: Connection, ticket_id: str) -> set[tuple[str, str, int]]:
    rows = conn.execute(
        sa.select(ticket_event.c.data_json).where(
            ticket_event.c.ticket_id == ticket_id,
            ticket_event.c.kind == EventKind.ESCALATION.value,
        )
    ).scalars()
    keys = set()
    for text in rows:
        data = json.loads(text or "{}")
        keys.add((str(data.get("step")), str(data.get("clock")), int(data.get("cycle") or 0)))
    return keys


INTENTS: dict[str, Intent] = {
    "ticket.escalate.v1": Intent(Escalate, escalate),
}
