"""Customers: a new customer from the console, and the audit of a PII reveal."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import actions, authority, validation
from agentdesk.domain.model import CustomerTier, EventKind
from agentdesk.domain.records import NewCustomer
from agentdesk.server import changes
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    add_entry,
    agent_of,
    audit,
    exists,
    works_on,
)
from agentdesk.server.tables import customer, ticket


class CreateCustomer(IntentArgs):
    customer_id: str
    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    tier: str = CustomerTier.STANDARD.value


class RevealPii(IntentArgs):
    customer_id: str
    reason: str = ""
    ticket_id: str | None = None


def create_customer(conn: Connection, who: Account, args: CreateCustomer, now: datetime) -> Outcome:
    """A customer made at intake, checked as the console checks it; the same id again is a
    no-op (the first one stays)."""
    authority.check_can_write(agent_of(who))
    tier = actions.parse_enum(CustomerTier, args.tier, "tier")
    new = validation.check_new_customer(
        NewCustomer(args.name, args.phone, args.email, args.address, tier)
    )
    if exists(conn, customer, args.customer_id):
        return APPLIED
    conn.execute(
        customer.insert().values(
            id=args.customer_id,
            name=new.name,
            phone=new.phone,
            email=new.email,
            address=new.address,
            tier=new.tier.value,
            created_at=now.isoformat(),
        )
    )
    changes.record(conn, "customer", args.customer_id, changes.ALL)
    return APPLIED


def reveal_pii(conn: Connection, who: Account, args: RevealPii, now: datetime) -> Outcome:
    """A reveal of a customer's unmasked details, already shown at the console: the audit log
    always keeps who, when, whose and why; the ticket it was revealed on gets the timeline entry
    when that ticket is still there and the actor may work it (as the console writes it)."""
    authority.check_can_write(agent_of(who))
    reason = actions.require_text(args.reason, "reason")
    audit(conn, who, now, "pii_reveal", f"customer:{args.customer_id}", reason)
    if args.ticket_id:
        query = sa.select(ticket).where(ticket.c.id == args.ticket_id).with_for_update()
        row = conn.execute(query).mappings().first()
        if row is not None and works_on(who, row):
            data = {"customer_id": args.customer_id}
            add_entry(conn, row, EventKind.PII_REVEAL, who, now, reason, data)
    return APPLIED


INTENTS: dict[str, Intent] = {
    "customer.create.v1": Intent(CreateCustomer, create_customer),
    "audit.pii_reveal.v1": Intent(RevealPii, reveal_pii),
}
