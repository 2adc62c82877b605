"""What a pushed intent does on the server: the same domain rules as the console (status graph,
who may work a ticket), applied in server order, recording every change for the pull.

A handler returns an Outcome; a domain error is a rejection (the receipt keeps the payload and
the reason), a stale expectation (status moved on, someone else claimed it) is a conflict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection

from agentdesk.domain import actions, authority, numbering, status_flow
from agentdesk.domain.errors import AgentdeskError, InvalidTransition, NotFound
from agentdesk.domain.model import Category, Channel, ComplaintLevel, EventKind, Priority, Status
from agentdesk.domain.records import AgentRecord, TicketRecord
from agentdesk.server import changes
from agentdesk.server.accounts import Account
from agentdesk.server.tables import ticket, ticket_event


@dataclass(frozen=True)
class Outcome:
    status: str  # applied | rejected | conflict
    detail: str = ""


APPLIED = Outcome("applied")


class _Args(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AddEvent(_Args):
    ticket_id: str
    event_id: str
    kind: str
    body: str


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


def _ticket(conn: Connection, ticket_id: str) -> Any:
    row = (
        conn.execute(sa.select(ticket).where(ticket.c.id == ticket_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("error.unknown_ticket", ticket=ticket_id)
    return row


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
    who: Account,
    now: datetime,
    body: str = "",
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> None:
    ident = event_id or numbering.new_id()
    if conn.execute(sa.select(ticket_event.c.id).where(ticket_event.c.id == ident)).first():
        return  # the same client-made event again: already there
    conn.execute(
        ticket_event.insert().values(
            id=ident,
            ticket_id=row["id"],
            kind=kind.value,
            actor_id=who.id,
            at=now.isoformat(),
            body=body,
            data_json=json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
        )
    )
    changes.record(conn, "ticket_event", ident, changes.ticket_scope(row["team_id"]))


def _update(conn: Connection, row: Any, now: datetime, **values: Any) -> None:
    conn.execute(
        ticket.update()
        .where(ticket.c.id == row["id"])
        .values(**values, updated_at=now.isoformat(), version=row["version"] + 1)
    )
    changes.record(conn, "ticket", row["id"], changes.ticket_scope(row["team_id"]))


# -- the intents ----------------------------------------------------------------------------------


def add_event(conn: Connection, who: Account, args: AddEvent, now: datetime) -> Outcome:
    """A reply, note or call log: append-only, keyed by the client's event id (never conflicts)."""
    kind = actions.parse_enum(EventKind, args.kind, "kind")
    actions.check_message_kind(kind)
    body = actions.require_text(args.body, "body")
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    _event(
        conn,
        row,
        kind,
        who,
        now,
        body,
        {"direction": "outbound"} if kind is EventKind.REPLY else {},
        args.event_id,
    )
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
    """Take a ticket: only while it is unassigned (or already the claimer's); first commit wins."""
    row = _ticket(conn, args.ticket_id)
    _may_work(who, row)
    if args.assignee_id != who.id:
        return Outcome("rejected", "a claim is for the signed-in agent only")
    if row["assignee_id"] == who.id:
        return APPLIED
    if row["assignee_id"] is not None:
        return Outcome("conflict", f"already assigned to {row['assignee_id']}")
    data = {"assignee_id": who.id}
    _event(conn, row, EventKind.ASSIGNMENT, who, now, data=data, event_id=args.event_id)
    values: dict[str, Any] = {"assignee_id": who.id, "team_id": row["team_id"] or who.team_id}
    if row["status"] == Status.NEW.value:
        values["status"] = Status.ASSIGNED.value
    _update(conn, row, now, **values)
    if values["team_id"] != row["team_id"]:
        changes.moved(
            conn,
            "ticket",
            row["id"],
            changes.ticket_scope(row["team_id"]),
            changes.ticket_scope(values["team_id"]),
        )
    return APPLIED


INTENTS: dict[str, Intent] = {
    "ticket.add_event.v1": Intent(AddEvent, add_event),
    "ticket.set_status.v1": Intent(SetStatus, set_status),
    "ticket.claim.v1": Intent(Claim, claim),
}
