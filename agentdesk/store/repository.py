"""Reads and writes of tickets, customers and agents: store rows in, domain records out.

Every write is one transaction (BEGIN IMMEDIATE): domain checks on the current row, the change,
its timeline event(s), the search index and the outbox intent commit together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, or_, select

from agentdesk.domain import actions, authority, deadlines, numbering, status_flow, validation
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    EventKind,
    Priority,
    Role,
    RootCause,
    Status,
)
from agentdesk.domain.records import (
    AgentRecord,
    CustomerRecord,
    NewCustomer,
    NewTicket,
    TeamRecord,
    TicketRecord,
    TimelineEntry,
)
from agentdesk.store import outbox, search_index
from agentdesk.store.tables import Agent, AuditLog, Customer, Team, Ticket, TicketEvent


def _iso(at: datetime) -> str:
    return at.isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def ticket_record(row: Ticket) -> TicketRecord:
    assert row.pk is not None
    return TicketRecord(
        pk=row.pk,
        id=row.id,
        number=row.number,
        subject=row.subject,
        description=row.description,
        customer_request=row.customer_request,
        customer_id=row.customer_id,
        channel=Channel(row.channel),
        category=Category(row.category),
        complaint_level=ComplaintLevel(row.complaint_level) if row.complaint_level else None,
        priority=Priority(row.priority),
        status=Status(row.status),
        team_id=row.team_id,
        assignee_id=row.assignee_id,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
        due_at=_dt(row.due_at),
        resolved_at=_dt(row.resolved_at),
        resolution=row.resolution,
        root_cause=RootCause(row.root_cause) if row.root_cause else None,
        version=row.version,
        product_id=row.product_id,
        order_id=row.order_id,
    )


def customer_record(row: Customer) -> CustomerRecord:
    return CustomerRecord(
        id=row.id,
        name=row.name,
        phone=row.phone,
        email=row.email,
        address=row.address,
        tier=CustomerTier(row.tier),
    )


def agent_record(row: Agent) -> AgentRecord:
    return AgentRecord(row.id, row.username, row.display_name, Role(row.role), row.team_id)


def timeline_entry(row: TicketEvent) -> TimelineEntry:
    return TimelineEntry(
        id=row.id,
        kind=EventKind(row.kind),
        actor_id=row.actor_id,
        at=datetime.fromisoformat(row.at),
        body=row.body,
        data=json.loads(row.data_json),
    )


class Repository:
    """The store's tickets, customers and people, over an injected SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # -- people ---------------------------------------------------------------------------

    def agent_by_username(self, username: str) -> AgentRecord:
        with self._read() as s:
            row = s.exec(select(Agent).where(Agent.username == username)).first()
        if row is None:
            raise NotFound("error.unknown_agent", username=username)
        return agent_record(row)

    def teams(self) -> list[TeamRecord]:
        with self._read() as s:
            rows = s.exec(select(Team).order_by(Team.code)).all()
        return [TeamRecord(t.id, t.code, t.name_en, t.name_zh) for t in rows]

    def team_by_code(self, code: str) -> TeamRecord:
        for team in self.teams():
            if team.code == code or team.id == code:
                return team
        raise NotFound("error.unknown_team", team=code)

    # -- customers ------------------------------------------------------------------------

    def customer(self, customer_id: str) -> CustomerRecord:
        with self._read() as s:
            return customer_record(self._customer_row(s, customer_id))

    def _customer_row(self, s: Session, customer_id: str) -> Customer:
        row = s.exec(select(Customer).where(Customer.id == customer_id)).first()
        if row is None:
            raise NotFound("error.unknown_customer", customer=customer_id)
        return row

    def find_customers(self, query: str, limit: int = 20) -> list[CustomerRecord]:
        """Customers whose phone contains the digits typed, or whose name contains the text."""
        text = query.strip()
        if not text:
            return []
        digits = "".join(c for c in text if c.isdigit())
        with self._read() as s:
            stmt = select(Customer)
            if digits and len(digits) >= len(text.replace(" ", "").lstrip("+")) - 1:
                stmt = stmt.where(col(Customer.phone).contains(digits, autoescape=True))
            else:
                stmt = stmt.where(
                    or_(
                        col(Customer.name).contains(text, autoescape=True),
                        col(Customer.email).contains(text, autoescape=True),
                    )
                )
            rows = s.exec(stmt.order_by(Customer.name).limit(limit)).all()
        return [customer_record(r) for r in rows]

    def customer_ticket_count(self, customer_id: str) -> tuple[int, int]:
        """(all tickets, open tickets) of a customer: the history line on the customer card."""
        with self._read() as s:
            total = s.exec(
                select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer_id)
            ).one()
            open_ = s.exec(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.customer_id == customer_id)
                .where(col(Ticket.status).in_([s_.value for s_ in status_flow.OPEN_STATUSES]))
            ).one()
        return total, open_

    def create_customer(
        self, new: NewCustomer, actor: AgentRecord, now: datetime
    ) -> CustomerRecord:
        authority.check_can_write(actor)
        new = validation.check_new_customer(new)
        with self._write() as s:
            return self._insert_customer(s, new, now)

    def _insert_customer(self, s: Session, new: NewCustomer, now: datetime) -> CustomerRecord:
        row = Customer(
            id=numbering.new_id(),
            name=new.name,
            phone=new.phone,
            email=new.email,
            address=new.address,
            tier=new.tier.value,
            created_at=_iso(now),
        )
        s.add(row)
        args = {
            "customer_id": row.id,
            "name": row.name,
            "phone": row.phone,
            "email": row.email,
            "address": row.address,
            "tier": row.tier,
        }
        outbox.enqueue(s, "customer.create.v1", args, None, now)
        return customer_record(row)

    def reveal_customer(
        self,
        customer_id: str,
        reason: str,
        actor: AgentRecord,
        now: datetime,
        ticket_id: str | None = None,
    ) -> CustomerRecord:
        """Unmasked details, only with a reason; the reveal is audited and on the timeline."""
        reason = actions.require_text(reason, "reason")
        customer = self.customer(customer_id)
        with self._write() as s:
            s.add(
                AuditLog(
                    at=_iso(now),
                    actor_id=actor.id,
                    action="pii_reveal",
                    target=f"customer:{customer_id}",
                    reason=reason,
                )
            )
            if ticket_id is not None:
                ticket = self._ticket_row(s, ticket_id)
                self._event(
                    s,
                    ticket,
                    EventKind.PII_REVEAL,
                    actor,
                    now,
                    reason,
                    {"customer_id": customer_id},
                )
            args = {"customer_id": customer_id, "reason": reason, "ticket_id": ticket_id}
            outbox.enqueue(s, "audit.pii_reveal.v1", args, ticket_id, now)
        return customer

    # -- tickets: reads -------------------------------------------------------------------

    def ticket(self, ref: str) -> TicketRecord:
        """A ticket by UUID or human number (case-insensitive)."""
        with self._read() as s:
            return ticket_record(self._ticket_row(s, ref))

    def timeline(self, ticket_id: str) -> list[TimelineEntry]:
        with self._read() as s:
            rows = s.exec(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(col(TicketEvent.at), col(TicketEvent.pk))
            ).all()
        return [timeline_entry(r) for r in rows]

    def _ticket_row(self, s: Session, ref: str) -> Ticket:
        ref = ref.strip()
        stmt = select(Ticket).where(
            Ticket.number == ref.upper() if numbering.looks_like_number(ref) else Ticket.id == ref
        )
        row = s.exec(stmt).first()
        if row is None:
            raise NotFound("error.unknown_ticket", ticket=ref)
        return row

    # -- tickets: writes ------------------------------------------------------------------

    def create_ticket(
        self,
        new: NewTicket,
        actor: AgentRecord,
        now: datetime,
        *,
        take: bool = False,
        new_customer: NewCustomer | None = None,
    ) -> TicketRecord:
        """Record a contact; with `new_customer`, the customer is created in the same commit."""
        authority.check_can_write(actor)
        actions.check_complaint_level(new.category, new.complaint_level)
        subject = actions.require_text(new.subject, "subject")
        description = actions.require_text(new.description, "description")
        checked = validation.check_new_customer(new_customer) if new_customer else None
        due = deadlines.due_at(now, new.category, new.priority)
        status = Status.ASSIGNED if take else Status.NEW
        with self._write() as s:
            if checked is not None:
                customer = self._insert_customer(s, checked, now)
            else:
                customer = customer_record(self._customer_row(s, new.customer_id))
            row = Ticket(
                id=numbering.new_id(),
                number=self._next_number(s, now),
                subject=subject,
                description=description,
                customer_request=new.customer_request.strip(),
                customer_id=customer.id,
                product_id=new.product_id,
                order_id=new.order_id,
                channel=new.channel.value,
                category=new.category.value,
                complaint_level=new.complaint_level.value if new.complaint_level else None,
                priority=new.priority.value,
                status=status.value,
                team_id=actor.team_id,
                assignee_id=actor.id if take else None,
                created_at=_iso(now),
                updated_at=_iso(now),
                due_at=_iso(due),
                due_sort=deadlines.due_sort_key(due, status),
            )
            s.add(row)
            s.flush()
            created = {"channel": row.channel, "category": row.category}
            self._event(s, row, EventKind.CREATED, actor, now, description, created)
            if take:
                assigned = {"team_id": actor.team_id, "assignee_id": actor.id}
                self._event(s, row, EventKind.ASSIGNMENT, actor, now, "", assigned)
            self._reindex(s, row, customer.name)
            args = {k: v for k, v in row.model_dump().items() if k not in ("pk", "due_sort")}
            outbox.enqueue(s, "ticket.create.v1", args, row.id, now)
        return ticket_record(row)

    def add_message(
        self, ref: str, kind: EventKind, body: str, actor: AgentRecord, now: datetime
    ) -> TimelineEntry:
        """A reply, internal note or call log on the timeline (append-only, never conflicts)."""
        actions.check_message_kind(kind)
        text = actions.require_text(body, "body")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            authority.check_can_work(actor, ticket_record(row))
            data = (
                {"direction": "outbound", "channel": row.channel} if kind is EventKind.REPLY else {}
            )
            event = self._event(s, row, kind, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "kind": kind.value, "body": text}
            outbox.enqueue(s, "ticket.add_event.v1", args, row.id, now)
        return timeline_entry(event)

    def take(self, ref: str, actor: AgentRecord, now: datetime) -> TicketRecord:
        """Claim a ticket for the acting agent (new → assigned)."""
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_take(actor, record)
            if record.assignee_id == actor.id:
                return record
            base_version = row.version
            row.assignee_id = actor.id
            row.team_id = row.team_id or actor.team_id
            if record.status is Status.NEW:
                self._set_status(s, row, Status.ASSIGNED, actor, now)
            assigned = {"team_id": row.team_id, "assignee_id": actor.id}
            self._event(s, row, EventKind.ASSIGNMENT, actor, now, "", assigned)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "assignee_id": actor.id, "base_version": base_version}
            outbox.enqueue(s, "ticket.claim.v1", args, row.id, now)
            return ticket_record(row)

    def change_status(
        self, ref: str, target: Status, actor: AgentRecord, now: datetime
    ) -> TicketRecord:
        if target is Status.RESOLVED:
            raise ValidationFailed("error.resolve_needs_details")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            status_flow.check_transition(record.status, target)
            base_version = row.version
            if status_flow.is_reopen(record.status, target):
                row.resolved_at = None
                due = deadlines.due_at(now, record.category, record.priority)
                row.due_at = _iso(due)
            self._set_status(s, row, target, actor, now)
            self._touch(s, row, now)
            args = {
                "ticket_id": row.id,
                "from": record.status.value,
                "to": target.value,
                "base_version": base_version,
            }
            outbox.enqueue(s, "ticket.set_status.v1", args, row.id, now)
            return ticket_record(row)

    def transfer(
        self, ref: str, team_ref: str, note: str, actor: AgentRecord, now: datetime
    ) -> TicketRecord:
        """Hand a ticket to another team with a mandatory hand-off note (R4, R14)."""
        note = actions.require_text(note, "handoff_note")
        team = self.team_by_code(team_ref)
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            if not status_flow.is_open(record.status):
                raise ValidationFailed("error.transfer_closed", number=record.number)
            if record.team_id == team.id:
                raise ValidationFailed("error.transfer_same_team", team=team.code)
            base_version = row.version
            data = {
                "from_team": record.team_id,
                "to_team": team.id,
                "from_assignee": record.assignee_id,
            }
            row.team_id = team.id
            row.assignee_id = None
            self._event(s, row, EventKind.TRANSFER, actor, now, note, data)
            if record.status is not Status.ASSIGNED:
                self._set_status(s, row, Status.ASSIGNED, actor, now)
            self._touch(s, row, now)
            args = {
                "ticket_id": row.id,
                "team_id": team.id,
                "note": note,
                "base_version": base_version,
            }
            outbox.enqueue(s, "ticket.transfer.v1", args, row.id, now)
            return ticket_record(row)

    def resolve(
        self, ref: str, resolution: str, root_cause: RootCause, actor: AgentRecord, now: datetime
    ) -> TicketRecord:
        text = actions.require_text(resolution, "resolution")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            status_flow.check_transition(record.status, Status.RESOLVED)
            base_version = row.version
            row.resolution = text
            row.root_cause = root_cause.value
            row.resolved_at = _iso(now)
            data = {"root_cause": root_cause.value}
            self._event(s, row, EventKind.RESOLUTION, actor, now, text, data)
            self._set_status(s, row, Status.RESOLVED, actor, now)
            self._touch(s, row, now)
            args = {
                "ticket_id": row.id,
                "resolution": text,
                "root_cause": root_cause.value,
                "base_version": base_version,
            }
            outbox.enqueue(s, "ticket.resolve.v1", args, row.id, now)
            return ticket_record(row)

    # -- helpers --------------------------------------------------------------------------

    def _set_status(
        self, s: Session, row: Ticket, target: Status, actor: AgentRecord, now: datetime
    ) -> None:
        data = {"from": row.status, "to": target.value}
        row.status = target.value
        due = _dt(row.due_at)
        row.due_sort = deadlines.due_sort_key(due, target)
        self._event(s, row, EventKind.STATUS_CHANGE, actor, now, "", data)

    def _touch(self, s: Session, row: Ticket, now: datetime) -> None:
        row.updated_at = _iso(now)
        row.version += 1
        s.add(row)

    def _event(
        self,
        s: Session,
        row: Ticket,
        kind: EventKind,
        actor: AgentRecord,
        now: datetime,
        body: str,
        data: dict[str, Any],
    ) -> TicketEvent:
        event = TicketEvent(
            id=numbering.new_id(),
            ticket_id=row.id,
            kind=kind.value,
            actor_id=actor.id,
            at=_iso(now),
            body=body,
            data_json=json.dumps(data, ensure_ascii=False, sort_keys=True),
        )
        s.add(event)
        return event

    def _next_number(self, s: Session, now: datetime) -> str:
        local_day = now.astimezone(numbering.NUMBER_ZONE)
        prefix = numbering.day_prefix(local_day)
        numbers = s.exec(
            select(Ticket.number).where(
                col(Ticket.number) >= prefix, col(Ticket.number) < prefix + "~"
            )
        ).all()
        seq = max((int(n[len(prefix) :]) for n in numbers), default=0) + 1
        return numbering.ticket_number(local_day, seq)

    def _reindex(self, s: Session, row: Ticket, customer_name: str) -> None:
        assert row.pk is not None
        conn = s.connection().connection.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        text = search_index.document_text(row.number, row.subject, row.description, customer_name)
        search_index.index_ticket(conn, row.pk, text)
