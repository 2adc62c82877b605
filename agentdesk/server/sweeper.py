"""The authoritative escalation ladder (R5): the server evaluates every open ticket's clocks
from its own timeline with the same domain engine as the console and fires the steps that are
due — even when every agent is offline. Escalations sync down like any other change.

Several server processes may share one PostgreSQL: a sweep runs under a transaction-level
advisory lock, so only one of them sweeps at a time (the others skip that round).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentdesk.domain.clocks import happenings_from_rows, ticket_clocks
from agentdesk.domain.escalation import (
    Firing,
    LeadLoad,
    due_firings,
    least_loaded,
    raised,
    recipients,
)
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.domain.sla_policy import SlaPolicy, TicketFacts
from agentdesk.server import intents
from agentdesk.server.tables import account, customer, ticket, ticket_event

SWEEP_LOCK = 0x61676465736B  # "agdesk": one sweeper at a time across server processes
OPEN = ("new", "assigned", "in_progress", "waiting_customer")


@dataclass(frozen=True)
class Fired:
    ticket_id: str
    number: str
    step: str
    clock: str


def sweep(engine: Engine, policy: SlaPolicy, now: datetime, limit: int = 500) -> list[Fired] | None:
    """Fire what is due on up to `limit` open tickets; None when another process is sweeping."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            lock = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
            if not conn.execute(lock, {"key": SWEEP_LOCK}).scalar():
                return None
        fired: list[Fired] = []
        at = int(now.timestamp())
        for row in _open_tickets(conn, limit):
            for firing in _due(conn, policy, row, at):
                _fire(conn, row["id"], firing, now)
                fired.append(Fired(row["id"], row["number"], firing.step.id, firing.clock.name))
        return fired


def _open_tickets(conn: Connection, limit: int) -> list[Any]:
    query = (
        sa.select(ticket, sa.func.coalesce(customer.c.tier, "standard").label("tier"))
        .join(customer, customer.c.id == ticket.c.customer_id, isouter=True)
        .where(ticket.c.status.in_(OPEN))
        .order_by(ticket.c.created_at)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def _facts(row: Any) -> TicketFacts:
    level = row["complaint_level"]
    return TicketFacts(
        category=Category(row["category"]),
        priority=Priority(row["priority"]),
        tier=CustomerTier(row["tier"]),
        channel=Channel(row["channel"]),
        complaint_level=ComplaintLevel(level) if level else None,
    )


def _due(conn: Connection, policy: SlaPolicy, row: Any, at: int) -> list[Firing]:
    events = conn.execute(
        sa.select(ticket_event.c.kind, ticket_event.c.at, ticket_event.c.data_json)
        .where(ticket_event.c.ticket_id == row["id"])
        .order_by(ticket_event.c.at, ticket_event.c.id)
    ).all()
    facts = _facts(row)
    clocks = ticket_clocks(policy, facts, happenings_from_rows(tuple(e) for e in events), at)
    done = {
        f"{step}:{clock}:{cycle}" for step, clock, cycle in intents.escalation_keys(conn, row["id"])
    }
    return due_firings(policy, facts, clocks, at, done)


def _fire(conn: Connection, ticket_id: str, firing: Firing, now: datetime) -> None:
    """The step's effects, recorded like a console's escalation (one system timeline entry),
    on the ticket as it is now (an earlier step of this sweep may have changed it)."""
    row = intents.locked_ticket(conn, ticket_id)
    step = firing.step
    owner = row["follow_up_owner_id"]
    if step.changes_ticket and step.follow_up_owner == "least_loaded_lead" and owner is None:
        owner = least_loaded(_lead_loads(conn))
    level = row["escalation_level"] + (1 if step.changes_ticket and step.escalate else 0)
    after = raised(Priority(row["priority"]), step.raise_priority)
    breached = datetime.fromtimestamp(firing.clock.breached_at or 0, UTC).isoformat()
    args = intents.Escalate(
        ticket_id=row["id"],
        step=step.id,
        clock=firing.clock.name,
        cycle=firing.clock.cycle,
        breached_at=breached,
        owner_id=owner,
        priority_to=after.value,
        level=level,
        notified=recipients(step.notify, row["assignee_id"], owner, lambda: _lead_loads(conn)),
    )
    intents.record_escalation(conn, row, args, now)


def _lead_loads(conn: Connection) -> list[LeadLoad]:
    owned = (
        sa.select(sa.func.count())
        .where(ticket.c.follow_up_owner_id == account.c.id, ticket.c.status.in_(OPEN))
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(account.c.id, account.c.username, owned).where(
            account.c.role == "lead", account.c.active.is_(True)
        )
    )
    return [LeadLoad(r[0], r[1], int(r[2])) for r in rows]
