"""Working a ticket: notes and replies, status moves, taking, creating, transferring,
resolving."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict, Field
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from agentdesk.domain import actions, authority, numbering, status_flow
from agentdesk.domain.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    EventKind,
    Priority,
    Role,
    Status,
)
from agentdesk.domain.phrase_check import RuleSet, check_before_send
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
    check_may_work,
    exists,
    locked_ticket,
    move_with_timeline,
    update_ticket,
)
from agentdesk.server.tables import account, customer, team, ticket


class AddEvent(IntentArgs):
    ticket_id: str
    event_id: str
    kind: str
    body: str
    override_reason: str | None = None  # a reply sent despite an `override` phrase rule


class SetStatus(IntentArgs):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    ticket_id: str
    from_: str = Field(alias="from")
    to: str
    event_id: str | None = None


class Claim(IntentArgs):
    ticket_id: str
    assignee_id: str
    event_id: str | None = None
    status_event_id: str | None = None  # new → assigned, when the claim moves it


class CreateTicket(IntentArgs):
    """The console's new ticket row (repository.create_ticket); what the server derives itself
    (status, clocks, timestamps, version, escalation) is not taken from it."""

    id: str
    number: str
    subject: str
    description: str
    customer_request: str = ""
    customer_id: str
    product_id: str | None = None
    order_id: str | None = None
    channel: str
    category: str
    complaint_level: str | None = None
    priority: str = Priority.NORMAL.value
    team_id: str | None = None
    assignee_id: str | None = None
    created_event_id: str | None = None  # the console's own event ids, when it sends them
    assignment_event_id: str | None = None
    routing_rule: str | None = None  # the routing rule that chose the team (on `created`)
    refund_amount_cents: int | None = Field(default=None, gt=0)  # asked for at intake


class Transfer(IntentArgs):
    ticket_id: str
    team_id: str
    note: str = ""
    event_id: str | None = None
    status_event_id: str | None = None  # back to assigned, when it was elsewhere


class Resolve(IntentArgs):
    ticket_id: str
    resolution: str = ""
    root_cause: str = ""
    event_id: str | None = None
    status_event_id: str | None = None


@lru_cache(maxsize=1)
def _rules() -> RuleSet:
    """The shipped banned-phrase rules replies are checked against (loaded once)."""
    from agentdesk.io.phrase_files import load_rules

    return load_rules()


def add_event(conn: Connection, who: Account, args: AddEvent, now: datetime) -> Outcome:
    """A reply, note or call log: append-only, keyed by the client's event id (never conflicts).
    A reply passes the pre-send phrase check here too; an override with a reason is kept on
    the reply and in the audit log, as the console does."""
    kind = actions.parse_enum(EventKind, args.kind, "kind")
    actions.check_message_kind(kind)
    body = actions.require_text(args.body, "body")
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    data: dict[str, Any] = {}
    if kind is EventKind.REPLY:
        overridden = check_before_send(_rules(), body, args.override_reason)
        data = {"direction": "outbound", "channel": row["channel"]}
        if overridden:
            data["phrase_override"] = overridden
    added = add_entry(conn, row, kind, who, now, body, data, args.event_id, record=False)
    if added and "phrase_override" in data:
        reason = str(data["phrase_override"]["reason"])
        audit(conn, who, now, "phrase_override", f"event:{args.event_id}", reason)
    update_ticket(conn, row, now, entries=[args.event_id] if added else [])
    return Outcome("applied", kept=(args.event_id,))  # added now, or there from before


def set_status(conn: Connection, who: Account, args: SetStatus, now: datetime) -> Outcome:
    """A status move with the status the agent saw: if it moved on meanwhile, a conflict."""
    expected = actions.parse_enum(Status, args.from_, "from")
    target = actions.parse_enum(Status, args.to, "to")
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    current = Status(row["status"])
    if current is target:
        return APPLIED  # already there (e.g. the same move from another console)
    if current is not expected:
        return Outcome("conflict", f"status is {current.value}, not {expected.value}")
    status_flow.check_transition(current, target)
    data = {"from": current.value, "to": target.value}
    ident = args.event_id or numbering.new_id()
    added = add_entry(
        conn, row, EventKind.STATUS_CHANGE, who, now, data=data, event_id=ident, record=False
    )
    resolved = None if status_flow.is_reopen(current, target) else row["resolved_at"]
    update_ticket(
        conn, row, now, entries=[ident] if added else [], status=target.value, resolved_at=resolved
    )
    return Outcome("applied", kept=(args.event_id,) if args.event_id else ())


def claim(conn: Connection, who: Account, args: Claim, now: datetime) -> Outcome:
    """Take a ticket: only while it is unassigned (or already the claimer's); first commit wins.
    A ticket without a team joins the claimer's, with its timeline."""
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if args.assignee_id != who.id:
        return Outcome("rejected", "a claim is for the signed-in agent only")
    if row["assignee_id"] == who.id:
        return APPLIED
    if row["assignee_id"] is not None:
        holder = conn.execute(
            sa.select(account.c.display_name, account.c.username).where(
                account.c.id == row["assignee_id"]
            )
        ).first()
        name = f"{holder.display_name} ({holder.username})" if holder else row["assignee_id"]
        return Outcome("conflict", f"already assigned to {name}")
    values: dict[str, Any] = {"assignee_id": who.id, "team_id": row["team_id"] or who.team_id}
    if row["status"] == Status.NEW.value:
        values["status"] = Status.ASSIGNED.value
        moved = {"from": Status.NEW.value, "to": Status.ASSIGNED.value}
        add_entry(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
    data = {"team_id": values["team_id"], "assignee_id": who.id}
    add_entry(conn, row, EventKind.ASSIGNMENT, who, now, data=data, event_id=args.event_id)
    update_ticket(conn, row, now, **values)
    move_with_timeline(conn, row["id"], row["team_id"], values["team_id"])
    return APPLIED


NUMBER_ATTEMPTS = 5  # a number taken by a concurrent commit: take the next one, this many times


def create_ticket(conn: Connection, who: Account, args: CreateTicket, now: datetime) -> Outcome:
    """A ticket made at the console, with its `created` (and `assignment`) timeline entries.
    The client numbers tickets itself: a number another ticket already holds is replaced by the
    day's next free one (the client learns it by pulling)."""
    actor = agent_of(who)
    authority.check_can_write(actor)
    if exists(conn, ticket, args.id):
        return APPLIED  # the same ticket again
    wanted = args.number.strip().upper()
    match = numbering.NUMBER_PATTERN.match(wanted)
    if match is None:
        raise ValidationFailed("error.bad_ticket_number", value=args.number)
    channel = actions.parse_enum(Channel, args.channel, "channel")
    category = actions.parse_enum(Category, args.category, "category")
    level = (
        actions.parse_enum(ComplaintLevel, args.complaint_level, "complaint_level")
        if args.complaint_level
        else None
    )
    actions.check_complaint_level(category, level)
    priority = actions.parse_enum(Priority, args.priority, "priority")
    subject = actions.require_text(args.subject, "subject")
    description = actions.require_text(args.description, "description")
    if args.team_id is not None:
        code = conn.execute(sa.select(team.c.code).where(team.c.id == args.team_id)).scalar()
        if code is None:
            raise NotFound("error.unknown_team", team=args.team_id)
        # routed to another team: it waits there unassigned (the creator takes only their own)
        if who.role is Role.AGENT and args.team_id != who.team_id and args.assignee_id:
            raise NotAllowed("error.create_other_team", team=code)
    if args.assignee_id not in (None, who.id):
        raise NotAllowed("error.create_assignee")
    if not exists(conn, customer, args.customer_id):
        raise NotFound("error.unknown_customer", customer=args.customer_id)
    values = {
        "id": args.id,
        "subject": subject,
        "description": description,
        "customer_request": args.customer_request.strip(),
        "customer_id": args.customer_id,
        "product_id": args.product_id,
        "order_id": args.order_id,
        "channel": channel.value,
        "category": category.value,
        "complaint_level": level.value if level else None,
        "priority": priority.value,
        "status": (Status.ASSIGNED if args.assignee_id else Status.NEW).value,
        "team_id": args.team_id,
        "assignee_id": args.assignee_id,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "version": 1,
    }
    number = _insert_numbered(conn, values, wanted, f"T-{match.group(1)}-")
    if number is None:
        return APPLIED  # the same ticket, committed meanwhile by a concurrent push
    row = {"id": args.id, "team_id": args.team_id}
    if who.role is Role.AGENT and args.team_id not in (None, who.team_id):
        # routed to a team its creator does not see: their console forgets its copy (T21)
        changes.record(conn, "ticket", args.id, changes.ticket_scope(who.team_id), "remove")
    changes.record(conn, "ticket", args.id, changes.ticket_scope(args.team_id))
    created: dict[str, Any] = {"channel": channel.value, "category": category.value}
    if args.routing_rule:
        created["routing_rule"] = args.routing_rule
    if args.refund_amount_cents is not None:
        created["refund_amount_cents"] = args.refund_amount_cents
    add_entry(conn, row, EventKind.CREATED, who, now, description, created, args.created_event_id)
    if args.assignee_id:
        assigned = {"team_id": args.team_id, "assignee_id": args.assignee_id}
        add_entry(conn, row, EventKind.ASSIGNMENT, who, now, "", assigned, args.assignment_event_id)
    if number != wanted:
        return Outcome("applied", f"renumbered {wanted} → {number}")
    return APPLIED


def _insert_numbered(
    conn: Connection, values: dict[str, Any], wanted: str, prefix: str
) -> str | None:
    """Insert the ticket under `wanted`, or the day's next free number when another ticket holds
    it (also one taken by a concurrent commit: the unique index refuses, we take the next).
    Returns the number used; None when a concurrent push inserted this very ticket."""
    number = wanted
    for attempt in range(NUMBER_ATTEMPTS):
        if conn.execute(sa.select(ticket.c.id).where(ticket.c.number == number)).first():
            number = _next_number(conn, prefix)
        savepoint = conn.begin_nested()
        try:
            conn.execute(ticket.insert().values(**values, number=number))
        except IntegrityError:
            savepoint.rollback()
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            if exists(conn, ticket, values["id"]):
                return None
            continue
        savepoint.commit()
        return number
    raise AssertionError("unreachable")  # pragma: no cover


def _next_number(conn: Connection, prefix: str) -> str:
    """The day's next number after the highest one in use (as the console counts)."""
    numbers = conn.execute(
        sa.select(ticket.c.number).where(ticket.c.number.like(prefix + "%"))
    ).scalars()
    suffixes = (n[len(prefix) :] for n in numbers)
    seq = max((int(s) for s in suffixes if s.isdigit()), default=0) + 1
    return f"{prefix}{seq:04d}"


def transfer(conn: Connection, who: Account, args: Transfer, now: datetime) -> Outcome:
    """Hand an open ticket to another team with a hand-off note: unassigned, back to assigned;
    the ticket and its whole timeline move to the new team's scope."""
    note = actions.require_text(args.note, "handoff_note")
    target = conn.execute(
        sa.select(team.c.id, team.c.code).where(team.c.id == args.team_id)
    ).first()
    if target is None:
        raise NotFound("error.unknown_team", team=args.team_id)
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    current = Status(row["status"])
    if not status_flow.is_open(current):
        raise ValidationFailed("error.transfer_closed", number=row["number"])
    if row["team_id"] == target.id:
        raise ValidationFailed("error.transfer_same_team", team=target.code)
    data = {"from_team": row["team_id"], "to_team": target.id, "from_assignee": row["assignee_id"]}
    add_entry(conn, row, EventKind.TRANSFER, who, now, note, data, args.event_id)
    values: dict[str, Any] = {"team_id": target.id, "assignee_id": None}
    if current is not Status.ASSIGNED:
        moved = {"from": current.value, "to": Status.ASSIGNED.value}
        add_entry(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
        values["status"] = Status.ASSIGNED.value
    update_ticket(conn, row, now, **values)
    move_with_timeline(conn, row["id"], row["team_id"], target.id)
    return APPLIED


def resolve(conn: Connection, who: Account, args: Resolve, now: datetime) -> Outcome:
    """Resolve with a resolution text and a root cause; a ticket whose status no longer allows
    resolving (already resolved, closed, still new) is a conflict."""
    text = actions.require_text(args.resolution, "resolution")
    if not args.root_cause.strip():
        raise ValidationFailed("error.required", field="root_cause")
    cause = actions.parse_root_cause(args.root_cause.strip())
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    current = Status(row["status"])
    try:
        status_flow.check_transition(current, Status.RESOLVED)
    except InvalidTransition as exc:  # resolved or closed meanwhile: the text is kept
        return Outcome("conflict", exc.message(), losing_text=text)
    add_entry(
        conn, row, EventKind.RESOLUTION, who, now, text, {"root_cause": cause.value}, args.event_id
    )
    moved = {"from": current.value, "to": Status.RESOLVED.value}
    add_entry(
        conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
    )
    update_ticket(
        conn,
        row,
        now,
        status=Status.RESOLVED.value,
        resolution=text,
        root_cause=cause.value,
        resolved_at=now.isoformat(),
    )
    return APPLIED


INTENTS: dict[str, Intent] = {
    "ticket.create.v1": Intent(CreateTicket, create_ticket),
    "ticket.add_event.v1": Intent(AddEvent, add_event, checks_first=True),
    "ticket.set_status.v1": Intent(SetStatus, set_status, checks_first=True),
    "ticket.claim.v1": Intent(Claim, claim),
    "ticket.transfer.v1": Intent(Transfer, transfer),
    "ticket.resolve.v1": Intent(Resolve, resolve),
}
