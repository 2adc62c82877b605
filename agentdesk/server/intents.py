"""What a pushed intent does on the server: the same domain rules as the console (status graph,
who may work a ticket), applied in server order, recording every change for the pull.

A handler returns an Outcome; a domain error is a rejection (the receipt keeps the payload and
the reason), a stale expectation (status moved on, someone else claimed it) is a conflict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from agentdesk.domain import (
    actions,
    authority,
    follow_up,
    numbering,
    qa,
    status_flow,
    validation,
)
from agentdesk.domain.errors import (
    AgentdeskError,
    InvalidTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from agentdesk.domain.escalation import raised
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    Department,
    EventKind,
    Priority,
    ReviewDecision,
    Role,
    Status,
)
from agentdesk.domain.phrase_check import RuleSet, check_before_send
from agentdesk.domain.records import AgentRecord, NewCustomer, TicketRecord
from agentdesk.io.authority_file import shipped_authority
from agentdesk.server import changes
from agentdesk.server.accounts import Account, utc
from agentdesk.server.tables import (
    account,
    audit_log,
    customer,
    incident,
    qa_review,
    sync_conflict,
    team,
    ticket,
    ticket_event,
)


@dataclass(frozen=True)
class Outcome:
    status: str  # applied | rejected | conflict
    detail: str = ""
    losing_text: str = ""  # free text that lost a compare-and-set: kept as a note


APPLIED = Outcome("applied")


class _Args(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AddEvent(_Args):
    ticket_id: str
    event_id: str
    kind: str
    body: str
    override_reason: str | None = None  # a reply sent despite an `override` phrase rule


class SetStatus(_Args):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    ticket_id: str
    from_: str = Field(alias="from")
    to: str
    event_id: str | None = None


class Claim(_Args):
    ticket_id: str
    assignee_id: str
    event_id: str | None = None
    status_event_id: str | None = None  # new → assigned, when the claim moves it


class CreateCustomer(_Args):
    customer_id: str
    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    tier: str = CustomerTier.STANDARD.value


class CreateTicket(_Args):
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


class Transfer(_Args):
    ticket_id: str
    team_id: str
    note: str = ""
    event_id: str | None = None
    status_event_id: str | None = None  # back to assigned, when it was elsewhere


class Resolve(_Args):
    ticket_id: str
    resolution: str = ""
    root_cause: str = ""
    event_id: str | None = None
    status_event_id: str | None = None


class FollowUp(_Args):
    ticket_id: str
    event_id: str
    score: int
    comment: str = ""
    status_event_id: str | None = None  # back to in progress, when the console reopened it
    escalation_event_id: str | None = None  # and escalated it


class Review(_Args):
    ticket_id: str
    event_id: str
    decision: str
    note: str = ""


class Refund(_Args):
    ticket_id: str
    event_id: str
    amount_cents: int
    reason: str = ""


class Consult(_Args):
    ticket_id: str
    event_id: str
    department: str
    due_at: str
    question: str = ""


class ConsultAnswer(_Args):
    ticket_id: str
    event_id: str
    request_id: str
    answer: str = ""


class RefundDecision(_Args):
    ticket_id: str
    event_id: str
    request_id: str
    decision: str
    note: str = ""


class Escalate(_Args):
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


class RevealPii(_Args):
    customer_id: str
    reason: str = ""
    ticket_id: str | None = None


class QaDraw(_Args):
    ticket_id: str
    period_since: str
    period_until: str
    seed: int = Field(ge=-(2**63), lt=2**63)


class QaScoring(_Args):
    ticket_id: str
    tone: int
    professionalism: int
    efficiency: int
    compliance: int
    comment: str = ""


class DeclareIncident(_Args):
    incident_id: str
    title: str = ""
    description: str = ""


class CloseIncident(_Args):
    incident_id: str


class LinkIncident(_Args):
    ticket_id: str
    event_id: str
    incident_id: str


class PostIncidentUpdate(_Args):
    incident_id: str
    update_id: str
    body: str = ""


Handler = Callable[[Connection, Account, Any, datetime], Outcome]


@dataclass(frozen=True)
class Intent:
    args: type[_Args]
    apply: Handler


def apply(
    conn: Connection, who: Account, name: str, args: dict[str, Any], now: datetime
) -> Outcome:
    """Apply one intent inside the caller's transaction (a savepoint: a rejection undoes it)."""
    intent = INTENTS[name]
    try:
        parsed = intent.args(**args)
    except (ValidationError, TypeError) as exc:
        return Outcome("rejected", _first_problem(exc))
    savepoint = conn.begin_nested()
    try:
        outcome = intent.apply(conn, who, parsed, now)
    except InvalidTransition as exc:
        savepoint.rollback()
        return Outcome("conflict", exc.message())
    except AgentdeskError as exc:
        savepoint.rollback()
        return Outcome("rejected", exc.message())
    if outcome.status == "applied":
        savepoint.commit()
    else:
        savepoint.rollback()
    return outcome


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        return f"{'.'.join(str(s) for s in err['loc'])}: {err['msg']}"
    return str(exc)


# -- helpers --------------------------------------------------------------------------------------


def _agent(who: Account) -> AgentRecord:
    return AgentRecord(who.id, who.username, who.display_name, who.role, who.team_id)


@lru_cache(maxsize=1)
def _rules() -> RuleSet:
    """The shipped banned-phrase rules replies are checked against (loaded once)."""
    from agentdesk.io.phrase_files import load_rules

    return load_rules()


def _ticket(conn: Connection, ticket_id: str) -> Any:
    row = (
        conn.execute(sa.select(ticket).where(ticket.c.id == ticket_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("error.unknown_ticket", ticket=ticket_id)
    return row


def _exists(conn: Connection, table: sa.Table, ident: str) -> bool:
    return conn.execute(sa.select(table.c.id).where(table.c.id == ident)).first() is not None


def locked_ticket(conn: Connection, ticket_id: str) -> Any:
    """The ticket's current row, locked until the transaction ends."""
    return _ticket(conn, ticket_id)


def _may_work(who: Account, row: Any) -> None:
    """The console's rule, on the server: agents work their team's tickets (or their own)."""
    authority.check_can_work(_agent(who), _record(row))


def _record(row: Any) -> TicketRecord:
    level = row["complaint_level"]
    return TicketRecord(
        pk=0,
        id=row["id"],
        number=row["number"],
        subject=row["subject"],
        description=row["description"],
        customer_request=row["customer_request"],
        customer_id=row["customer_id"],
        channel=Channel(row["channel"]),
        category=Category(row["category"]),
        complaint_level=ComplaintLevel(level) if level else None,
        priority=Priority(row["priority"]),
        status=Status(row["status"]),
        team_id=row["team_id"],
        assignee_id=row["assignee_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        due_at=None,
        resolved_at=None,
        resolution=row["resolution"],
        root_cause=None,
        version=row["version"],
    )


def _event(
    conn: Connection,
    row: Any,
    kind: EventKind,
    who: Account | None,
    now: datetime,
    body: str = "",
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> bool:
    """A timeline entry (`who` None: the system); False when that event id is already there."""
    ident = event_id or numbering.new_id()
    if _exists(conn, ticket_event, ident):
        return False  # the same client-made event again: already there
    conn.execute(
        ticket_event.insert().values(
            id=ident,
            ticket_id=row["id"],
            kind=kind.value,
            actor_id=who.id if who is not None else None,
            at=now.isoformat(),
            body=body,
            data_json=json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
        )
    )
    changes.record(conn, "ticket_event", ident, changes.ticket_scope(row["team_id"]))
    return True


def keep_as_note(
    conn: Connection, ticket_id: str, who: Account, now: datetime, text: str, data: dict[str, Any]
) -> str | None:
    """Text that lost a conflict, kept as an internal note by its author on the ticket
    (design/SYNC.md: the losing text is never dropped); the note's id, or None without a ticket."""
    row = conn.execute(sa.select(ticket.c.id, ticket.c.team_id).where(ticket.c.id == ticket_id))
    found = row.mappings().first()
    if found is None:
        return None
    ident = numbering.new_id()
    _event(conn, found, EventKind.NOTE, who, now, text, data, ident)
    return ident


def _update(conn: Connection, row: Any, now: datetime, **values: Any) -> None:
    conn.execute(
        ticket.update()
        .where(ticket.c.id == row["id"])
        .values(**values, updated_at=now.isoformat(), version=row["version"] + 1)
    )
    changes.record(conn, "ticket", row["id"], changes.ticket_scope(row["team_id"]))


def move_with_timeline(
    conn: Connection, ticket_id: str, old_team: str | None, new_team: str | None
) -> None:
    """The ticket and every entry of its timeline leave the old team's scope for the new one
    (`changes.moved` for each, batched): the old team's clients pull `remove`, the new team's
    `upsert` (SYNC T21). Call it after the ticket's last write in this transaction."""
    old, new = changes.ticket_scope(old_team), changes.ticket_scope(new_team)
    if old == new:
        return
    events = conn.execute(
        sa.select(ticket_event.c.id)
        .where(ticket_event.c.ticket_id == ticket_id)
        .order_by(ticket_event.c.at, ticket_event.c.id)
    ).scalars()
    collided = conn.execute(
        sa.select(sync_conflict.c.id).where(sync_conflict.c.ticket_id == ticket_id)
    ).scalars()
    entities = [("ticket", ticket_id)] + [("ticket_event", ident) for ident in events]
    entities += [("sync_conflict", ident) for ident in collided]
    changes.record_many(conn, [(kind, ident, old) for kind, ident in entities], "remove")
    changes.record_many(conn, [(kind, ident, new) for kind, ident in entities])


def _audit(
    conn: Connection, who: Account, now: datetime, action: str, target: str, reason: str
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=utc(now), actor_id=who.id, action=action, target=target, reason=reason
        )
    )


# -- the intents ----------------------------------------------------------------------------------


def add_event(conn: Connection, who: Account, args: AddEvent, now: datetime) -> Outcome:
    """A reply, note or call log: append-only, keyed by the client's event id (never conflicts).
    A reply passes the pre-send phrase check here too; an override with a reason is kept on
    the reply and in the audit log, as the console does."""
    kind = actions.parse_enum(EventKind, args.kind, "kind")
    actions.check_message_kind(kind)
    body = actions.require_text(args.body, "body")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    data: dict[str, Any] = {}
    if kind is EventKind.REPLY:
        overridden = check_before_send(_rules(), body, args.override_reason)
        data = {"direction": "outbound", "channel": row["channel"]}
        if overridden:
            data["phrase_override"] = overridden
    added = _event(conn, row, kind, who, now, body, data, args.event_id)
    if added and "phrase_override" in data:
        reason = str(data["phrase_override"]["reason"])
        _audit(conn, who, now, "phrase_override", f"event:{args.event_id}", reason)
    _update(conn, row, now)
    return APPLIED


def set_status(conn: Connection, who: Account, args: SetStatus, now: datetime) -> Outcome:
    """A status move with the status the agent saw: if it moved on meanwhile, a conflict."""
    expected = actions.parse_enum(Status, args.from_, "from")
    target = actions.parse_enum(Status, args.to, "to")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    current = Status(row["status"])
    if current is target:
        return APPLIED  # already there (e.g. the same move from another console)
    if current is not expected:
        return Outcome("conflict", f"status is {current.value}, not {expected.value}")
    status_flow.check_transition(current, target)
    data = {"from": current.value, "to": target.value}
    _event(conn, row, EventKind.STATUS_CHANGE, who, now, data=data, event_id=args.event_id)
    resolved = None if status_flow.is_reopen(current, target) else row["resolved_at"]
    _update(conn, row, now, status=target.value, resolved_at=resolved)
    return APPLIED


def claim(conn: Connection, who: Account, args: Claim, now: datetime) -> Outcome:
    """Take a ticket: only while it is unassigned (or already the claimer's); first commit wins.
    A ticket without a team joins the claimer's, with its timeline."""
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
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
        _event(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
    data = {"team_id": values["team_id"], "assignee_id": who.id}
    _event(conn, row, EventKind.ASSIGNMENT, who, now, data=data, event_id=args.event_id)
    _update(conn, row, now, **values)
    move_with_timeline(conn, row["id"], row["team_id"], values["team_id"])
    return APPLIED


def create_customer(conn: Connection, who: Account, args: CreateCustomer, now: datetime) -> Outcome:
    """A customer made at intake, checked as the console checks it; the same id again is a
    no-op (the first one stays)."""
    authority.check_can_write(_agent(who))
    tier = actions.parse_enum(CustomerTier, args.tier, "tier")
    new = validation.check_new_customer(
        NewCustomer(args.name, args.phone, args.email, args.address, tier)
    )
    if _exists(conn, customer, args.customer_id):
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


NUMBER_ATTEMPTS = 5  # a number taken by a concurrent commit: take the next one, this many times


def create_ticket(conn: Connection, who: Account, args: CreateTicket, now: datetime) -> Outcome:
    """A ticket made at the console, with its `created` (and `assignment`) timeline entries.
    The client numbers tickets itself: a number another ticket already holds is replaced by the
    day's next free one (the client learns it by pulling)."""
    actor = _agent(who)
    authority.check_can_write(actor)
    if _exists(conn, ticket, args.id):
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
    if not _exists(conn, customer, args.customer_id):
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
    _event(conn, row, EventKind.CREATED, who, now, description, created, args.created_event_id)
    if args.assignee_id:
        assigned = {"team_id": args.team_id, "assignee_id": args.assignee_id}
        _event(conn, row, EventKind.ASSIGNMENT, who, now, "", assigned, args.assignment_event_id)
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
            if _exists(conn, ticket, values["id"]):
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
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    current = Status(row["status"])
    if not status_flow.is_open(current):
        raise ValidationFailed("error.transfer_closed", number=row["number"])
    if row["team_id"] == target.id:
        raise ValidationFailed("error.transfer_same_team", team=target.code)
    data = {"from_team": row["team_id"], "to_team": target.id, "from_assignee": row["assignee_id"]}
    _event(conn, row, EventKind.TRANSFER, who, now, note, data, args.event_id)
    values: dict[str, Any] = {"team_id": target.id, "assignee_id": None}
    if current is not Status.ASSIGNED:
        moved = {"from": current.value, "to": Status.ASSIGNED.value}
        _event(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
        values["status"] = Status.ASSIGNED.value
    _update(conn, row, now, **values)
    move_with_timeline(conn, row["id"], row["team_id"], target.id)
    return APPLIED


def resolve(conn: Connection, who: Account, args: Resolve, now: datetime) -> Outcome:
    """Resolve with a resolution text and a root cause; a ticket whose status no longer allows
    resolving (already resolved, closed, still new) is a conflict."""
    text = actions.require_text(args.resolution, "resolution")
    if not args.root_cause.strip():
        raise ValidationFailed("error.required", field="root_cause")
    cause = actions.parse_root_cause(args.root_cause.strip())
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    current = Status(row["status"])
    try:
        status_flow.check_transition(current, Status.RESOLVED)
    except InvalidTransition as exc:  # resolved or closed meanwhile: the text is kept
        return Outcome("conflict", exc.message(), losing_text=text)
    _event(
        conn, row, EventKind.RESOLUTION, who, now, text, {"root_cause": cause.value}, args.event_id
    )
    moved = {"from": current.value, "to": Status.RESOLVED.value}
    _event(conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id)
    _update(
        conn,
        row,
        now,
        status=Status.RESOLVED.value,
        resolution=text,
        root_cause=cause.value,
        resolved_at=now.isoformat(),
    )
    return APPLIED


@lru_cache(maxsize=1)
def _follow_up_policy() -> follow_up.FollowUpPolicy:
    """The follow-up policy (quality.toml) the server decides low scores by: from the server's
    policy folder (AGENTDESK_POLICY_DIR, as for its SLA policy), else the shipped one."""
    import os
    from pathlib import Path

    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
    from agentdesk.io.quality_file import load_quality

    folder = os.environ.get("AGENTDESK_POLICY_DIR")
    return load_quality(Path(folder) if folder else SHIPPED_POLICY_DIR).follow_up


def record_follow_up(conn: Connection, who: Account, args: FollowUp, now: datetime) -> Outcome:
    """The customer's follow-up score and comment on a resolved or closed ticket (R10); a low
    score reopens it (and, by policy, escalates it) — the server's policy decides."""
    follow_up.check_score(args.score)
    comment = args.comment.strip()
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED  # this result is already on the timeline
    current = Status(row["status"])
    try:
        follow_up.check_can_follow_up(current, row["number"])
    except ValidationFailed as exc:  # reopened meanwhile: a conflict, the comment is kept
        return Outcome("conflict", exc.message(), losing_text=comment)
    data = {"score": args.score, "comment": comment}
    _event(conn, row, EventKind.FOLLOW_UP_RESULT, who, now, comment, data, args.event_id)
    outcome = follow_up.low_score_outcome(_follow_up_policy(), args.score)
    values: dict[str, Any] = {}
    if outcome.reopen:
        moved = {"from": current.value, "to": Status.IN_PROGRESS.value}
        _event(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
        values |= {"status": Status.IN_PROGRESS.value, "resolved_at": None}
    if outcome.escalate:
        cycle = _count_events(conn, row["id"], EventKind.FOLLOW_UP_RESULT)
        level = row["escalation_level"]
        escalated = follow_up.escalation_data(
            level, row["priority"], row["follow_up_owner_id"], cycle
        )
        ident = args.escalation_event_id
        _event(conn, row, EventKind.ESCALATION, None, now, "", escalated, ident)
        values["escalation_level"] = level + 1
    _update(conn, row, now, **values)
    return APPLIED


def _count_events(conn: Connection, ticket_id: str, kind: EventKind) -> int:
    query = sa.select(sa.func.count()).where(
        ticket_event.c.ticket_id == ticket_id, ticket_event.c.kind == kind.value
    )
    return int(conn.execute(query).scalar() or 0)


def review(conn: Connection, who: Account, args: Review, now: datetime) -> Outcome:
    """The decision on an open return/exchange request, keyed by the client's event id."""
    note = actions.require_text(args.note, "reason")
    decision = actions.parse_enum(ReviewDecision, args.decision, "decision")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED  # this review is already on the timeline
    if row["category"] != Category.RETURN_EXCHANGE.value:
        raise ValidationFailed("error.review_not_return", number=row["number"])
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.review_closed", number=row["number"])
    data = {"decision": decision.value}
    _event(conn, row, EventKind.REVIEW, who, now, note, data, args.event_id)
    _update(conn, row, now)
    return APPLIED


def refund(conn: Connection, who: Account, args: Refund, now: datetime) -> Outcome:
    """Within the actor's authority the refund is recorded; above it, a request for the leads
    (the same rule and the same shipped authority.toml as the console)."""
    reason = actions.require_text(args.reason, "reason")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED  # already on the timeline
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.refund_closed", number=row["number"])
    rules = shipped_authority()
    above = authority.needs_approval(_agent(who), args.amount_cents, rules)
    kind = EventKind.REFUND_REQUEST if above else EventKind.REFUND
    data = {"amount_cents": args.amount_cents, "limit_cents": rules.limit_for(_agent(who))}
    _event(conn, row, kind, who, now, reason, data, args.event_id)
    _update(conn, row, now)
    return APPLIED


def refund_decision(conn: Connection, who: Account, args: RefundDecision, now: datetime) -> Outcome:
    """A lead's decision on a pending refund request; the first decision wins."""
    note = actions.require_text(args.note, "note")
    decision = actions.parse_enum(ReviewDecision, args.decision, "decision")
    row = _ticket(conn, args.ticket_id)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED
    request = conn.execute(
        sa.select(ticket_event.c.data_json).where(
            ticket_event.c.id == args.request_id,
            ticket_event.c.ticket_id == row["id"],
            ticket_event.c.kind == EventKind.REFUND_REQUEST.value,
        )
    ).scalar()
    if request is None:
        raise NotFound("error.unknown_refund_request", request=args.request_id)
    amount = int(json.loads(request)["amount_cents"])
    authority.check_can_decide_refund(_agent(who), amount, shipped_authority())
    earlier = _decision_on(conn, row["id"], args.request_id)
    if earlier is not None:
        return Outcome("conflict", f"already {earlier}")
    data = {"request_id": args.request_id, "decision": decision.value, "amount_cents": amount}
    _event(conn, row, EventKind.REFUND_DECISION, who, now, note, data, args.event_id)
    _update(conn, row, now)
    return APPLIED


def consult(conn: Connection, who: Account, args: Consult, now: datetime) -> Outcome:
    """A question to another department on an open ticket; the owner and clocks stay (R14)."""
    question = actions.require_text(args.question, "question")
    department = actions.parse_enum(Department, args.department, "department")
    try:
        due = datetime.fromisoformat(args.due_at)
    except ValueError:
        raise ValidationFailed("error.consult_due_at", value=args.due_at) from None
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.consult_closed", number=row["number"])
    data = {"department": department.value, "due_at": due.isoformat()}
    _event(conn, row, EventKind.CONSULT_REQUEST, who, now, question, data, args.event_id)
    _update(conn, row, now)
    return APPLIED


def consult_answer(conn: Connection, who: Account, args: ConsultAnswer, now: datetime) -> Outcome:
    """The department's answer; a request answered meanwhile from another console conflicts
    (the losing text is kept as a note)."""
    answer = actions.require_text(args.answer, "answer")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if _exists(conn, ticket_event, args.event_id):
        return APPLIED
    kinds = (EventKind.CONSULT_REQUEST.value, EventKind.CONSULT_ANSWER.value)
    found = conn.execute(
        sa.select(ticket_event.c.id, ticket_event.c.kind, ticket_event.c.data_json).where(
            ticket_event.c.ticket_id == row["id"], ticket_event.c.kind.in_(kinds)
        )
    ).all()
    request = next((f for f in found if f.id == args.request_id and f.kind == kinds[0]), None)
    if request is None:
        raise NotFound("error.consult_not_open", number=row["number"])
    if any(json.loads(f.data_json).get("request_id") == args.request_id for f in found):
        return Outcome("conflict", "already answered", losing_text=answer)
    department = json.loads(request.data_json).get("department", "")
    data = {"request_id": args.request_id, "department": department}
    _event(conn, row, EventKind.CONSULT_ANSWER, who, now, answer, data, args.event_id)
    _update(conn, row, now)
    return APPLIED


def _decision_on(conn: Connection, ticket_id: str, request_id: str) -> str | None:
    """The decision already recorded on a refund request, if any."""
    found = conn.execute(
        sa.select(ticket_event.c.data_json).where(
            ticket_event.c.ticket_id == ticket_id,
            ticket_event.c.kind == EventKind.REFUND_DECISION.value,
        )
    ).scalars()
    for data_json in found:
        data = json.loads(data_json)
        if data.get("request_id") == request_id:
            return str(data.get("decision"))
    return None


ESCALATION_IDS = uuid.UUID("6f1c1d0e-8a53-4c8e-9a55-2f0c3f9e7d11")  # namespace of event ids


def escalate(conn: Connection, who: Account, args: Escalate, now: datetime) -> Outcome:
    """An escalation step a console fired for a ticket its agent may work."""
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
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
            if not _exists(conn, account, args.owner_id):
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
    _event(conn, row, EventKind.ESCALATION, None, now, "", data, ident)
    _update(conn, row, now, follow_up_owner_id=owner, escalation_level=level, priority=after.value)


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


def reveal_pii(conn: Connection, who: Account, args: RevealPii, now: datetime) -> Outcome:
    """A reveal of a customer's unmasked details, already shown at the console: the audit log
    always keeps who, when, whose and why; the ticket it was revealed on gets the timeline entry
    when that ticket is still there and the actor may work it (as the console writes it)."""
    authority.check_can_write(_agent(who))
    reason = actions.require_text(args.reason, "reason")
    _audit(conn, who, now, "pii_reveal", f"customer:{args.customer_id}", reason)
    if args.ticket_id:
        query = sa.select(ticket).where(ticket.c.id == args.ticket_id).with_for_update()
        row = conn.execute(query).mappings().first()
        if row is not None and _works_on(who, row):
            data = {"customer_id": args.customer_id}
            _event(conn, row, EventKind.PII_REVEAL, who, now, reason, data)
    return APPLIED


def _works_on(who: Account, row: Any) -> bool:
    try:
        _may_work(who, row)
    except NotAllowed:
        return False
    return True


def declare_incident(
    conn: Connection, who: Account, args: DeclareIncident, now: datetime
) -> Outcome:
    """A major incident, declared by a lead or an admin; the same id again is a no-op."""
    authority.check_can_declare_incident(_agent(who))
    title = actions.require_text(args.title, "title")
    if _exists(conn, incident, args.incident_id):
        return APPLIED
    conn.execute(
        incident.insert().values(
            id=args.incident_id,
            title=title,
            description=args.description.strip(),
            status="open",
            opened_at=now.isoformat(),
            opened_by=who.id,
        )
    )
    changes.record(conn, "incident", args.incident_id, changes.ALL)
    return APPLIED


def _open_incident(conn: Connection, incident_id: str) -> Any:
    found = conn.execute(sa.select(incident).where(incident.c.id == incident_id)).mappings().first()
    if found is None:
        raise NotFound("error.unknown_incident", incident=incident_id)
    if found["status"] != "open":
        raise ValidationFailed("error.incident_closed", title=found["title"])
    return found


def _linked_tickets(conn: Connection, incident_id: str) -> dict[str, str | None]:
    """Tickets linked to the incident (id → team): their `incident_link` timeline entries."""
    rows = conn.execute(
        sa.select(ticket_event.c.ticket_id, ticket_event.c.data_json, ticket.c.team_id)
        .join(ticket, ticket.c.id == ticket_event.c.ticket_id)
        .where(ticket_event.c.kind == EventKind.INCIDENT_LINK.value)
    )
    return {
        r.ticket_id: r.team_id
        for r in rows
        if json.loads(r.data_json).get("incident_id") == incident_id
    }


def link_incident(conn: Connection, who: Account, args: LinkIncident, now: datetime) -> Outcome:
    """A ticket joins an open incident (leads, R13); linked already: nothing more."""
    authority.check_can_declare_incident(_agent(who))
    found = _open_incident(conn, args.incident_id)
    row = _ticket(conn, args.ticket_id)
    links = conn.execute(
        sa.select(ticket_event.c.data_json).where(
            ticket_event.c.ticket_id == row["id"],
            ticket_event.c.kind == EventKind.INCIDENT_LINK.value,
        )
    ).scalars()
    if any(json.loads(data).get("incident_id") == args.incident_id for data in links):
        return APPLIED  # this ticket's own links, not every link on the server
    data = {"incident_id": args.incident_id, "title": found["title"]}
    _event(conn, row, EventKind.INCIDENT_LINK, who, now, "", data, args.event_id)
    return APPLIED


def post_incident_update(
    conn: Connection, who: Account, args: PostIncidentUpdate, now: datetime
) -> Outcome:
    """The incident's statement on every linked ticket's timeline, under the same entry ids the
    console used (numbering.incident_update_event_id): nothing doubles after a pull."""
    authority.check_can_declare_incident(_agent(who))
    body = actions.require_text(args.body, "text")
    found = _open_incident(conn, args.incident_id)
    data = {"incident_id": args.incident_id, "update_id": args.update_id, "title": found["title"]}
    for ticket_id, team_id in _linked_tickets(conn, args.incident_id).items():
        ident = numbering.incident_update_event_id(args.update_id, ticket_id)
        row = {"id": ticket_id, "team_id": team_id}
        _event(conn, row, EventKind.INCIDENT_UPDATE, who, now, body, data, ident)
    return APPLIED


def close_incident(conn: Connection, who: Account, args: CloseIncident, now: datetime) -> Outcome:
    """Close an open incident (a closed one stays as it was closed)."""
    authority.check_can_declare_incident(_agent(who))
    query = sa.select(incident).where(incident.c.id == args.incident_id).with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("error.unknown_incident", incident=args.incident_id)
    if row["status"] == "open":
        conn.execute(
            incident.update()
            .where(incident.c.id == args.incident_id)
            .values(status="closed", closed_at=now.isoformat(), closed_by=who.id)
        )
        changes.record(conn, "incident", args.incident_id, changes.ALL)
    return APPLIED


# -- QA reviews (R8) ------------------------------------------------------------------------------

HANDLED_STATUSES = (Status.RESOLVED.value, Status.CLOSED.value)


def qa_draw(conn: Connection, who: Account, args: QaDraw, now: datetime) -> Outcome:
    """A ticket a lead drew for QA review: one the server knows as handled (resolved or closed,
    by an agent), reviewed as that agent's. Drawn before (by anyone): it keeps its first review
    and score, sent again so the drawing console holds the server's."""
    qa.check_can_score(_agent(who))
    row = _ticket(conn, args.ticket_id)
    if row["assignee_id"] is None or row["status"] not in HANDLED_STATUSES:
        raise ValidationFailed("qa.not_handled", number=row["number"])
    qa.check_not_own(_agent(who), row["assignee_id"], row["number"])
    if not _exists(conn, qa_review, row["id"]):
        conn.execute(
            qa_review.insert().values(
                id=row["id"], ticket_id=row["id"], agent_id=row["assignee_id"],
                drawn_at=now.isoformat(), drawn_by=who.id, period_since=args.period_since,
                period_until=args.period_until, seed=args.seed,
            )
        )  # fmt: skip
    changes.record(conn, "qa_review", row["id"], changes.QA)
    return APPLIED


def qa_score(conn: Connection, who: Account, args: QaScoring, now: datetime) -> Outcome:
    """A lead's score of a drawn review; scoring again replaces it (the last one wins)."""
    qa.check_can_score(_agent(who))
    score = qa.QaScore(
        args.tone, args.professionalism, args.efficiency, args.compliance, args.comment.strip()
    )
    values = {name: getattr(score, name) for name in qa.DIMENSIONS}
    number = conn.execute(sa.select(ticket.c.number).where(ticket.c.id == args.ticket_id))
    shown = number.scalar() or args.ticket_id
    reviewed = conn.execute(sa.select(qa_review.c.agent_id).where(qa_review.c.id == args.ticket_id))
    agent_id = reviewed.scalar()
    if agent_id is None:
        raise NotFound("qa.not_drawn", number=shown)
    qa.check_not_own(_agent(who), agent_id, shown)
    conn.execute(
        qa_review.update()
        .where(qa_review.c.id == args.ticket_id)
        .values(**values, comment=score.comment, scored_at=now.isoformat(), scorer_id=who.id)
    )
    changes.record(conn, "qa_review", args.ticket_id, changes.QA)
    return APPLIED


INTENTS: dict[str, Intent] = {
    "customer.create.v1": Intent(CreateCustomer, create_customer),
    "ticket.create.v1": Intent(CreateTicket, create_ticket),
    "ticket.add_event.v1": Intent(AddEvent, add_event),
    "ticket.set_status.v1": Intent(SetStatus, set_status),
    "ticket.claim.v1": Intent(Claim, claim),
    "ticket.transfer.v1": Intent(Transfer, transfer),
    "ticket.resolve.v1": Intent(Resolve, resolve),
    "ticket.review.v1": Intent(Review, review),
    "ticket.follow_up.v1": Intent(FollowUp, record_follow_up),
    "ticket.link_incident.v1": Intent(LinkIncident, link_incident),
    "incident.post_update.v1": Intent(PostIncidentUpdate, post_incident_update),
    "ticket.consult.v1": Intent(Consult, consult),
    "ticket.consult_answer.v1": Intent(ConsultAnswer, consult_answer),
    "ticket.refund.v1": Intent(Refund, refund),
    "ticket.refund_decision.v1": Intent(RefundDecision, refund_decision),
    "ticket.escalate.v1": Intent(Escalate, escalate),
    "audit.pii_reveal.v1": Intent(RevealPii, reveal_pii),
    "incident.declare.v1": Intent(DeclareIncident, declare_incident),
    "incident.close.v1": Intent(CloseIncident, close_incident),
    "qa.draw.v1": Intent(QaDraw, qa_draw),
    "qa.score.v1": Intent(QaScoring, qa_score),
}
