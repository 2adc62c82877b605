"""Approvals and departments (R5, R6): return reviews, refund requests and decisions,
questions to other departments and their answers."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import actions, authority, status_flow
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.model import Category, Department, EventKind, ReviewDecision, Status
from agentdesk.io.authority_file import shipped_authority
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    add_entry,
    agent_of,
    check_may_work,
    exists,
    locked_ticket,
    update_ticket,
)
from agentdesk.server.tables import ticket_event


class Review(IntentArgs):
    ticket_id: str
    event_id: str
    decision: str
    note: str = ""


class Refund(IntentArgs):
    ticket_id: str
    event_id: str
    amount_cents: int
    reason: str = ""


class Consult(IntentArgs):
    ticket_id: str
    event_id: str
    department: str
    due_at: str
    question: str = ""


class ConsultAnswer(IntentArgs):
    ticket_id: str
    event_id: str
    request_id: str
    answer: str = ""


class RefundDecision(IntentArgs):
    ticket_id: str
    event_id: str
    request_id: str
    decision: str
    note: str = ""


def review(conn: Connection, who: Account, args: Review, now: datetime) -> Outcome:
    """The decision on an open return/exchange request, keyed by the client's event id."""
    note = actions.require_text(args.note, "reason")
    decision = actions.parse_enum(ReviewDecision, args.decision, "decision")
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if exists(conn, ticket_event, args.event_id):
        return APPLIED  # this review is already on the timeline
    if row["category"] != Category.RETURN_EXCHANGE.value:
        raise ValidationFailed("error.review_not_return", number=row["number"])
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.review_closed", number=row["number"])
    data = {"decision": decision.value}
    add_entry(conn, row, EventKind.REVIEW, who, now, note, data, args.event_id)
    update_ticket(conn, row, now)
    return APPLIED


def refund(conn: Connection, who: Account, args: Refund, now: datetime) -> Outcome:
    """Within the actor's authority the refund is recorded; above it, a request for the leads
    (the same rule and the same shipped authority.toml as the console)."""
    reason = actions.require_text(args.reason, "reason")
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if exists(conn, ticket_event, args.event_id):
        return APPLIED  # already on the timeline
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.refund_closed", number=row["number"])
    rules = shipped_authority()
    above = authority.needs_approval(agent_of(who), args.amount_cents, rules)
    kind = EventKind.REFUND_REQUEST if above else EventKind.REFUND
    data = {"amount_cents": args.amount_cents, "limit_cents": rules.limit_for(agent_of(who))}
    add_entry(conn, row, kind, who, now, reason, data, args.event_id)
    update_ticket(conn, row, now)
    return APPLIED


def refund_decision(conn: Connection, who: Account, args: RefundDecision, now: datetime) -> Outcome:
    """A lead's decision on a pending refund request; the first decision wins."""
    note = actions.require_text(args.note, "note")
    decision = actions.parse_enum(ReviewDecision, args.decision, "decision")
    row = locked_ticket(conn, args.ticket_id)
    if exists(conn, ticket_event, args.event_id):
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
    authority.check_can_decide_refund(agent_of(who), amount, shipped_authority())
    earlier = _decision_on(conn, row["id"], args.request_id)
    if earlier is not None:
        return Outcome("conflict", f"already {earlier}")
    data = {"request_id": args.request_id, "decision": decision.value, "amount_cents": amount}
    add_entry(conn, row, EventKind.REFUND_DECISION, who, now, note, data, args.event_id)
    update_ticket(conn, row, now)
    return APPLIED


def consult(conn: Connection, who: Account, args: Consult, now: datetime) -> Outcome:
    """A question to another department on an open ticket; the owner and clocks stay (R14)."""
    question = actions.require_text(args.question, "question")
    department = actions.parse_enum(Department, args.department, "department")
    try:
        due = datetime.fromisoformat(args.due_at)
    except ValueError:
        raise ValidationFailed("error.consult_due_at", value=args.due_at) from None
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if exists(conn, ticket_event, args.event_id):
        return APPLIED
    if not status_flow.is_open(Status(row["status"])):
        raise ValidationFailed("error.consult_closed", number=row["number"])
    data = {"department": department.value, "due_at": due.isoformat()}
    add_entry(conn, row, EventKind.CONSULT_REQUEST, who, now, question, data, args.event_id)
    update_ticket(conn, row, now)
    return APPLIED


def consult_answer(conn: Connection, who: Account, args: ConsultAnswer, now: datetime) -> Outcome:
    """The department's answer; a request answered meanwhile from another console conflicts
    (the losing text is kept as a note)."""
    answer = actions.require_text(args.answer, "answer")
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if exists(conn, ticket_event, args.event_id):
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
    add_entry(conn, row, EventKind.CONSULT_ANSWER, who, now, answer, data, args.event_id)
    update_ticket(conn, row, now)
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


INTENTS: dict[str, Intent] = {
    "ticket.review.v1": Intent(Review, review),
    "ticket.consult.v1": Intent(Consult, consult),
    "ticket.consult_answer.v1": Intent(ConsultAnswer, consult_answer),
    "ticket.refund.v1": Intent(Refund, refund),
    "ticket.refund_decision.v1": Intent(RefundDecision, refund_decision),
}
