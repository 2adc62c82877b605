"""Reads and writes of tickets, customers and agents: store rows in, domain records out.

Every write is one transaction (BEGIN IMMEDIATE): domain checks on the current row, the change,
its timeline event(s), the search index and the outbox intent commit together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, or_, select

from agentdesk.domain import (
    actions,
    authority,
    consults,
    deadlines,
    follow_up,
    numbering,
    status_flow,
    validation,
)
from agentdesk.domain.authority import RefundAuthority
from agentdesk.domain.clocks import ClockState
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.escalation import (
    Firing,
    LeadLoad,
    due_firings,
    least_loaded,
    raised,
    recipients,
)
from agentdesk.domain.follow_up import FollowUpPolicy
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
    RootCause,
    Status,
)
from agentdesk.domain.phrase_check import RuleSet, check_before_send
from agentdesk.domain.phrases import Article, Phrase
from agentdesk.domain.records import (
    AgentRecord,
    CustomerRecord,
    EscalationResult,
    IncidentRecord,
    NewCustomer,
    NewTicket,
    TeamRecord,
    TicketRecord,
    TimelineEntry,
)
from agentdesk.domain.routing import RoutingOutcome
from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store import (
    clock_store,
    follow_up_query,
    library_store,
    outbox,
    refund_query,
    search_index,
)
from agentdesk.store.follow_up_query import PendingFollowUp
from agentdesk.store.refund_query import PendingRefund
from agentdesk.store.tables import (
    Agent,
    AuditLog,
    Customer,
    Incident,
    PolicySnapshot,
    Team,
    Ticket,
    TicketEvent,
)


def _iso(at: datetime) -> str:
    return at.isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def _raw(s: Session) -> sqlite3.Connection:
    """The sqlite3 connection under the session, inside the session's transaction."""
    conn = s.connection().connection.driver_connection
    assert isinstance(conn, sqlite3.Connection)
    return conn


def incident_links(conn: sqlite3.Connection, incident_id: str) -> list[str]:
    """Ids of the tickets linked to the incident, in the order they were linked."""
    rows = conn.execute(
        "SELECT ticket_id FROM ticket_event INDEXED BY ix_ticket_event_incident_link "
        "WHERE kind = 'incident_link' AND json_extract(data_json, '$.incident_id') = ? "
        "GROUP BY ticket_id ORDER BY min(at), ticket_id",
        (incident_id,),
    )
    return [str(r[0]) for r in rows]


def incident_record(row: Incident) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        title=row.title,
        description=row.description,
        status=row.status,
        opened_at=datetime.fromisoformat(row.opened_at),
        opened_by=row.opened_by,
        closed_at=_dt(row.closed_at),
    )


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
        due_clock=row.due_clock,
        escalation_level=row.escalation_level,
        follow_up_owner_id=row.follow_up_owner_id,
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


DERIVED_COLUMNS = ("pk", "due_at", "due_sort", "warn_sort", "due_clock")  # not sent to the server
RECOMPUTE_CHUNK = 2000  # open tickets per transaction when a policy change recomputes them


class Repository:
    """The store's tickets, customers and people, over an injected SQLAlchemy engine.

    `policy` is the SLA policy every write recomputes its ticket's clocks with (default: the
    shipped policy files)."""

    def __init__(self, engine: Engine, policy: SlaPolicy | None = None) -> None:
        self.engine = engine
        self._policy = policy
        self._rules: RuleSet | None = None
        self._authority: RefundAuthority | None = None
        self._follow_up: FollowUpPolicy | None = None

    @property
    def policy(self) -> SlaPolicy:
        if self._policy is None:
            from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy

            self._policy = load_policy(SHIPPED_POLICY_DIR)
        return self._policy

    def use_policy(self, policy: SlaPolicy) -> None:
        self._policy = policy

    @property
    def authority(self) -> RefundAuthority:
        """Refund authority by role and agent (the shipped authority.toml by default)."""
        if self._authority is None:
            from agentdesk.io.authority_file import shipped_authority

            self._authority = shipped_authority()
        return self._authority

    def use_authority(self, refund_authority: RefundAuthority) -> None:
        self._authority = refund_authority

    @property
    def follow_up_policy(self) -> FollowUpPolicy:
        """When follow-ups are due and what a low score does (default: the shipped quality.toml)."""
        if self._follow_up is None:
            from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
            from agentdesk.io.quality_file import load_quality

            self._follow_up = load_quality(SHIPPED_POLICY_DIR).follow_up
        return self._follow_up

    def use_follow_up(self, policy: FollowUpPolicy) -> None:
        self._follow_up = policy

    @property
    def rules(self) -> RuleSet:
        """The banned-phrase rules replies are checked against (the shipped ones by default)."""
        if self._rules is None:
            from agentdesk.io.phrase_files import load_rules

            self._rules = load_rules()
        return self._rules

    def use_rules(self, rules: RuleSet) -> None:
        self._rules = rules

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

    def agent_names(self) -> dict[str, str]:
        with self._read() as s:
            return {a.id: a.display_name for a in s.exec(select(Agent)).all()}

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
            return [timeline_entry(r) for r in self._events(s, ticket_id)]

    @staticmethod
    def _events(s: Session, ticket_id: str) -> Sequence[TicketEvent]:
        return s.exec(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(col(TicketEvent.at), col(TicketEvent.pk))
        ).all()

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
        routed: RoutingOutcome | None = None,
        refund_amount_cents: int | None = None,
    ) -> TicketRecord:
        """Record a contact; with `new_customer`, the customer is created in the same commit.
        `routed`: the ticket goes to that team at that priority, and `take` holds only when
        it is the actor's own team (else the ticket waits there unassigned). The routing rule
        and the refund amount asked for are kept on the `created` entry."""
        authority.check_can_write(actor)
        actions.check_complaint_level(new.category, new.complaint_level)
        subject = actions.require_text(new.subject, "subject")
        description = actions.require_text(new.description, "description")
        checked = validation.check_new_customer(new_customer) if new_customer else None
        if refund_amount_cents is not None:
            authority.check_refund_amount(refund_amount_cents)
        intake: dict[str, Any] = {}
        if routed is not None and routed.rule_name:
            intake["routing_rule"] = routed.rule_name
        if refund_amount_cents is not None:
            intake["refund_amount_cents"] = refund_amount_cents
        with self._write() as s:
            team_id = actor.team_id
            if routed is not None and routed.team is not None:
                team = s.exec(select(Team).where(Team.code == routed.team)).first()
                if team is None:
                    raise NotFound("error.unknown_team", team=routed.team)
                team_id = team.id
            take = take and team_id == actor.team_id
            status = Status.ASSIGNED if take else Status.NEW
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
                priority=(routed.priority if routed else new.priority).value,
                status=status.value,
                team_id=team_id,
                assignee_id=actor.id if take else None,
                created_at=_iso(now),
                updated_at=_iso(now),
                due_sort=deadlines.NO_CLOCK_SORT,
            )
            s.add(row)
            s.flush()
            created = {"channel": row.channel, "category": row.category, **intake}
            event = self._event(s, row, EventKind.CREATED, actor, now, description, created)
            args = {k: v for k, v in row.model_dump().items() if k not in DERIVED_COLUMNS}
            args["created_event_id"] = event.id  # the server keeps the console's event ids
            args |= intake
            if take:
                assigned = {"team_id": actor.team_id, "assignee_id": actor.id}
                event = self._event(s, row, EventKind.ASSIGNMENT, actor, now, "", assigned)
                args["assignment_event_id"] = event.id
            self._reindex(s, row, customer.name)
            outbox.enqueue(s, "ticket.create.v1", args, row.id, now)
            self._recompute(s, row, now)
        return ticket_record(row)

    def add_message(
        self,
        ref: str,
        kind: EventKind,
        body: str,
        actor: AgentRecord,
        now: datetime,
        *,
        override_reason: str | None = None,
    ) -> TimelineEntry:
        """A reply, internal note or call log on the timeline (append-only, never conflicts).
        A reply passes the pre-send phrase check first; a rule overridden with a reason is
        recorded on the reply and in the audit log."""
        actions.check_message_kind(kind)
        text = actions.require_text(body, "body")
        data: dict[str, Any] = {}
        with self._write() as s:
            row = self._ticket_row(s, ref)
            authority.check_can_work(actor, ticket_record(row))
            if kind is EventKind.REPLY:
                overridden = check_before_send(self.rules, text, override_reason)
                data = {"direction": "outbound", "channel": row.channel}
                if overridden:
                    data["phrase_override"] = overridden
            event = self._event(s, row, kind, actor, now, text, data)
            if "phrase_override" in data:
                s.add(
                    AuditLog(
                        at=_iso(now),
                        actor_id=actor.id,
                        action="phrase_override",
                        target=f"event:{event.id}",
                        reason=data["phrase_override"]["reason"],
                    )
                )
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "kind": kind.value, "body": text}
            if "phrase_override" in data:  # the server checks the reply again: same reason
                args["override_reason"] = data["phrase_override"]["reason"]
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
            args = {"ticket_id": row.id, "assignee_id": actor.id, "base_version": base_version}
            if record.status is Status.NEW:
                moved = self._set_status(s, row, Status.ASSIGNED, actor, now)
                args["status_event_id"] = moved.id
            assigned = {"team_id": row.team_id, "assignee_id": actor.id}
            args["event_id"] = self._event(
                s, row, EventKind.ASSIGNMENT, actor, now, "", assigned
            ).id
            self._touch(s, row, now)
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
            moved = self._set_status(s, row, target, actor, now)
            self._touch(s, row, now)
            args = {
                "ticket_id": row.id,
                "from": record.status.value,
                "to": target.value,
                "base_version": base_version,
                "event_id": moved.id,
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
            event = self._event(s, row, EventKind.TRANSFER, actor, now, note, data)
            args = {
                "ticket_id": row.id,
                "team_id": team.id,
                "note": note,
                "base_version": base_version,
                "event_id": event.id,
            }
            if record.status is not Status.ASSIGNED:
                moved = self._set_status(s, row, Status.ASSIGNED, actor, now)
                args["status_event_id"] = moved.id
            self._touch(s, row, now)
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
            event = self._event(s, row, EventKind.RESOLUTION, actor, now, text, data)
            moved = self._set_status(s, row, Status.RESOLVED, actor, now)
            self._touch(s, row, now)
            args = {
                "ticket_id": row.id,
                "resolution": text,
                "root_cause": root_cause.value,
                "base_version": base_version,
                "event_id": event.id,
                "status_event_id": moved.id,
            }
            outbox.enqueue(s, "ticket.resolve.v1", args, row.id, now)
            return ticket_record(row)

    # -- refunds and the leads' approval (R4) --------------------------------------------

    def refund(
        self, ref: str, amount_cents: int, reason: str, actor: AgentRecord, now: datetime
    ) -> TimelineEntry:
        """A refund within the actor's authority is recorded; above it, it becomes a request
        in the leads' approval queue (the returned entry's kind says which)."""
        text = actions.require_text(reason, "reason")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            if not status_flow.is_open(record.status):
                raise ValidationFailed("error.refund_closed", number=record.number)
            limit = self.authority.limit_for(actor)
            above = authority.needs_approval(actor, amount_cents, self.authority)
            kind = EventKind.REFUND_REQUEST if above else EventKind.REFUND
            data = {"amount_cents": amount_cents, "limit_cents": limit}
            event = self._event(s, row, kind, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "amount_cents": amount_cents}
            outbox.enqueue(s, "ticket.refund.v1", {**args, "reason": text}, row.id, now)
            return timeline_entry(event)

    def decide_refund(
        self,
        request_id: str,
        decision: ReviewDecision,
        note: str,
        actor: AgentRecord,
        now: datetime,
    ) -> TimelineEntry:
        """A lead approves (the refund is made) or declines a pending request, with a note."""
        text = actions.require_text(note, "note")
        with self._write() as s:
            request = s.exec(select(TicketEvent).where(TicketEvent.id == request_id)).first()
            if request is None or request.kind != EventKind.REFUND_REQUEST.value:
                raise NotFound("error.unknown_refund_request", request=request_id)
            row = self._ticket_row(s, request.ticket_id)
            pending = refund_query.pending_refunds(_raw(s), row.id)
            if request_id not in {p.request_id for p in pending}:
                raise ValidationFailed("error.refund_decided", number=row.number)
            amount = int(json.loads(request.data_json)["amount_cents"])
            authority.check_can_decide_refund(actor, amount, self.authority)
            data = {"request_id": request_id, "decision": decision.value, "amount_cents": amount}
            event = self._event(s, row, EventKind.REFUND_DECISION, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "request_id": request_id}
            args |= {"decision": decision.value, "note": text}
            outbox.enqueue(s, "ticket.refund_decision.v1", args, row.id, now)
            return timeline_entry(event)

    # -- consulting another department (R14) -------------------------------------------

    def consult(
        self,
        ref: str,
        department: Department,
        question: str,
        hours: float | None,
        actor: AgentRecord,
        now: datetime,
    ) -> TimelineEntry:
        """Ask another department without giving the ticket away; due in `hours` (or the
        department's usual time)."""
        text = actions.require_text(question, "question")
        due = consults.due_at(now, department, hours)
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            if not status_flow.is_open(record.status):
                raise ValidationFailed("error.consult_closed", number=record.number)
            data = {"department": department.value, "due_at": _iso(due)}
            event = self._event(s, row, EventKind.CONSULT_REQUEST, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, **data, "question": text}
            outbox.enqueue(s, "ticket.consult.v1", args, row.id, now)
            return timeline_entry(event)

    def answer_consult(
        self, ref: str, request_id: str, answer: str, actor: AgentRecord, now: datetime
    ) -> TimelineEntry:
        """The department's answer, recorded on the ticket by whoever works it."""
        text = actions.require_text(answer, "answer")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            authority.check_can_work(actor, ticket_record(row))
            timeline = [timeline_entry(e) for e in self._events(s, row.id)]
            still_open = {c.request_id: c for c in consults.open_consults(timeline)}
            asked = still_open.get(request_id)
            if asked is None:
                raise ValidationFailed("error.consult_not_open", number=row.number)
            data = {"request_id": request_id, "department": asked.department.value}
            event = self._event(s, row, EventKind.CONSULT_ANSWER, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "request_id": request_id}
            outbox.enqueue(s, "ticket.consult_answer.v1", {**args, "answer": text}, row.id, now)
            return timeline_entry(event)

    def pending_refunds(self, ticket_ref: str | None = None) -> list[PendingRefund]:
        with self._read() as s:
            ticket_id = self._ticket_row(s, ticket_ref).id if ticket_ref else None
            return refund_query.pending_refunds(_raw(s), ticket_id)

    def record_review(
        self, ref: str, decision: ReviewDecision, note: str, actor: AgentRecord, now: datetime
    ) -> TicketRecord:
        """The decision on a return/exchange request; stops its review clock (R3)."""
        text = actions.require_text(note, "reason")
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            if record.category is not Category.RETURN_EXCHANGE:
                raise ValidationFailed("error.review_not_return", number=record.number)
            if not status_flow.is_open(record.status):
                raise ValidationFailed("error.review_closed", number=record.number)
            data = {"decision": decision.value}
            event = self._event(s, row, EventKind.REVIEW, actor, now, text, data)
            self._touch(s, row, now)
            args = {"ticket_id": row.id, "event_id": event.id, "decision": decision.value}
            outbox.enqueue(s, "ticket.review.v1", {**args, "note": text}, row.id, now)
            return ticket_record(row)

    # -- follow-ups (R10) ---------------------------------------------------------------------

    def record_follow_up(
        self, ref: str, score: int, comment: str, actor: AgentRecord, now: datetime
    ) -> TicketRecord:
        """The customer's score (1-5) and comment on a resolved or closed ticket; a low score
        reopens the ticket (and, by policy, escalates it) at once, as the server will."""
        follow_up.check_score(score)
        text = comment.strip()
        policy = self.follow_up_policy
        with self._write() as s:
            row = self._ticket_row(s, ref)
            record = ticket_record(row)
            authority.check_can_work(actor, record)
            follow_up.check_can_follow_up(record.status, record.number)
            base_version = row.version
            data = {"score": score, "comment": text}
            event = self._event(s, row, EventKind.FOLLOW_UP_RESULT, actor, now, text, data)
            args: dict[str, Any] = {
                "ticket_id": row.id,
                "event_id": event.id,
                "score": score,
                "comment": text,
                "base_version": base_version,
            }
            outcome = follow_up.low_score_outcome(policy, score)
            if outcome.reopen:
                row.resolved_at = None
                args["status_event_id"] = self._set_status(
                    s, row, Status.IN_PROGRESS, actor, now
                ).id
            if outcome.escalate:
                cycle = self._follow_up_cycle(s, row.id)
                data = follow_up.escalation_data(
                    row.escalation_level, row.priority, row.follow_up_owner_id, cycle
                )
                row.escalation_level += 1
                escalated = self._event(s, row, EventKind.ESCALATION, None, now, "", data)
                args["escalation_event_id"] = escalated.id
            self._touch(s, row, now)
            outbox.enqueue(s, "ticket.follow_up.v1", args, row.id, now)
            return ticket_record(row)

    @staticmethod
    def _follow_up_cycle(s: Session, ticket_id: str) -> int:
        """How many follow-up results the ticket has had (this one included)."""
        found = s.exec(
            select(func.count())
            .select_from(TicketEvent)
            .where(
                TicketEvent.ticket_id == ticket_id,
                TicketEvent.kind == EventKind.FOLLOW_UP_RESULT.value,
            )
        ).one()
        return int(found)

    def pending_follow_ups(self, team_id: str | None = None) -> list[PendingFollowUp]:
        """Pending follow-ups (of one team, or all), the earliest due first."""
        with self._read() as s:
            return follow_up_query.pending(_raw(s), self.follow_up_policy, team_id)

    # -- SLA clocks and escalation ---------------------------------------------------------

    def clocks(self, ref: str, now: datetime) -> tuple[TicketRecord, list[ClockState]]:
        """The ticket and every clock of it as of `now`, replayed from the timeline."""
        with self._read() as s:
            row = self._ticket_row(s, ref)
            _, clocks, _ = clock_store.derive(_raw(s), row.id, self.policy, _epoch(now))
            return ticket_record(row), clocks

    def recompute_open(
        self,
        now: datetime,
        progress: Callable[[int], None] | None = None,
        *,
        reset_swept: bool = False,
    ) -> int:
        """Every open ticket's clocks under the current policy, a chunk per transaction (the
        write lock is never held for long; a write meanwhile recomputes its own ticket)."""
        done, after, at = 0, "", _epoch(now)
        while True:
            with self._write() as s:
                count, last = clock_store.recompute_chunk(
                    _raw(s), self.policy, at, after, RECOMPUTE_CHUNK, reset_swept=reset_swept
                )
            if last is None:
                return done
            done, after = done + count, last
            if progress is not None and count == RECOMPUTE_CHUNK:  # more to come
                progress(done)

    def last_good_policy(self) -> tuple[dict[str, str], str] | None:
        """The policy files' texts that last loaded cleanly on this store, and when."""
        with self._read() as s:
            snap = s.get(PolicySnapshot, 1)
        return (json.loads(snap.files_json), snap.loaded_at) if snap else None

    def adopt_policy(
        self,
        policy: SlaPolicy,
        texts: dict[str, str] | None,
        now: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> int | None:
        """Use `policy`; when it differs from the store's last good one (`texts` given: it
        loaded cleanly), recompute every open ticket and remember it. Returns how many
        tickets were recomputed (None: nothing changed)."""
        self.use_policy(policy)
        if texts is None:
            return None
        with self._read() as s:
            snap = s.get(PolicySnapshot, 1)
            if snap is not None and snap.fingerprint == policy.fingerprint:
                return None
        # New steps may concern old breaches: the sweep looks at every open ticket again.
        count = self.recompute_open(now, progress, reset_swept=True)
        with self._write() as s:
            snap = s.get(PolicySnapshot, 1) or PolicySnapshot(
                id=1, fingerprint="", files_json="", loaded_at=""
            )
            snap.fingerprint = policy.fingerprint
            snap.files_json = json.dumps(texts, ensure_ascii=False)
            snap.loaded_at = _iso(now)
            s.add(snap)
        return count

    def run_escalations(
        self,
        now: datetime,
        *,
        dry_run: bool = False,
        limit: int = 500,
        budget_seconds: float | None = None,
    ) -> list[EscalationResult]:
        """Fire the escalation steps due by `now` (each once); `dry_run` only lists them.

        One transaction per ticket, so a sweep over many breaches never holds the store long.
        With `budget_seconds`, stop after the ticket that used up that much work time (at least
        one ticket is handled); the rest waits for the next sweep.
        """
        at = _epoch(now)
        with self._read() as s:
            ticket_ids = clock_store.unswept_breaches(_raw(s), at, limit)
        started = time.perf_counter()
        results: list[EscalationResult] = []
        for ticket_id in ticket_ids:
            if dry_run:
                with self._read() as s:
                    results += self._escalate(s, ticket_id, now, dry_run=True)
            else:
                with self._write() as s:
                    results += self._escalate(s, ticket_id, now, dry_run=False)
            if budget_seconds is not None and time.perf_counter() - started >= budget_seconds:
                break
        return results

    def _escalate(
        self, s: Session, ticket_id: str, now: datetime, *, dry_run: bool
    ) -> list[EscalationResult]:
        conn = _raw(s)
        at = _epoch(now)
        facts, clocks, is_open = clock_store.derive(conn, ticket_id, self.policy, at)
        fired = clock_store.fired_keys(conn, ticket_id)
        firings = due_firings(self.policy, facts, clocks, at, fired)
        row = self._ticket_row(s, ticket_id)
        results = []
        for firing in firings:
            if not dry_run and not clock_store.mark_fired(conn, ticket_id, firing.key, _iso(now)):
                continue  # another sweep got there first
            result = self._apply_step(s, row, firing, is_open, now, dry_run)
            results.append(result)
        if not dry_run:
            if results:
                self._touch(s, row, now)
            clock_store.mark_swept(conn, ticket_id, at)
        return results

    def _apply_step(
        self, s: Session, row: Ticket, firing: Firing, is_open: bool, now: datetime, dry_run: bool
    ) -> EscalationResult:
        step = firing.step
        before = Priority(row.priority)
        owner_id = row.follow_up_owner_id
        level = row.escalation_level
        if is_open and step.changes_ticket:
            if step.follow_up_owner == "least_loaded_lead" and owner_id is None:
                owner_id = least_loaded(self._lead_loads(s))
            level += 1 if step.escalate else 0
        after = raised(before, step.raise_priority) if is_open else before
        notified = self._recipients(s, step.notify, row.assignee_id, owner_id)
        result = EscalationResult(
            ticket_id=row.id,
            number=row.number,
            step_id=step.id,
            clock=firing.clock.name,
            cycle=firing.clock.cycle,
            breached_at=datetime.fromtimestamp(firing.clock.breached_at or 0, now.tzinfo),
            owner_id=owner_id,
            priority_from=before,
            priority_to=after,
            escalation_level=level,
            notified=tuple(notified),
        )
        if dry_run:
            return result
        row.follow_up_owner_id, row.escalation_level, row.priority = owner_id, level, after.value
        data = result.event_data()
        self._event(s, row, EventKind.ESCALATION, None, now, "", data)
        outbox.enqueue(s, "ticket.escalate.v1", {"ticket_id": row.id, **data}, row.id, now)
        return result

    def _lead_loads(self, s: Session) -> list[LeadLoad]:
        conn = _raw(s)
        rows = conn.execute(
            "SELECT a.id, a.username, (SELECT count(*) FROM ticket t "
            "WHERE t.follow_up_owner_id = a.id AND t.due_sort < ?) "
            "FROM agent a WHERE a.role = 'lead' AND a.active",
            (deadlines.NO_DEADLINE_SORT,),
        ).fetchall()
        return [LeadLoad(*r) for r in rows]

    def _recipients(
        self, s: Session, who: Sequence[str], assignee_id: str | None, owner_id: str | None
    ) -> list[str]:
        return recipients(who, assignee_id, owner_id, lambda: self._lead_loads(s))

    # -- phrases and the knowledge base ----------------------------------------------------

    def phrases(self) -> list[tuple[Phrase, library_store.Stored]]:
        with self._read() as s:
            return library_store.read_phrases(_raw(s))

    def import_phrases(
        self, phrases: Sequence[Phrase], source: str, now: datetime, *, replace: bool = False
    ) -> library_store.ImportCount:
        """One transaction: the whole file lands, or nothing does."""
        with self._write() as s:
            return library_store.write_phrases(_raw(s), phrases, source, _iso(now), replace=replace)

    def product_and_order(
        self, product_id: str | None, order_id: str | None, language: str
    ) -> tuple[str, str]:
        """The product's name (in `language`) and the order's number, "" when there is none."""
        with self._read() as s:
            conn = _raw(s)
            product = conn.execute(
                "SELECT name_zh, name_en FROM product WHERE id = ?", (product_id,)
            ).fetchone()
            order = conn.execute(
                "SELECT number FROM customer_order WHERE id = ?", (order_id,)
            ).fetchone()
        name = (product[0] if language == "zh-CN" else product[1]) if product else ""
        return name, order[0] if order else ""

    def record_phrase_use(self, phrase_id: str, now: datetime) -> None:
        with self._write() as s:
            library_store.record_use(_raw(s), phrase_id, _iso(now))

    def articles(self) -> list[tuple[Article, library_store.Stored]]:
        with self._read() as s:
            return library_store.read_articles(_raw(s))

    def import_articles(
        self, articles: Sequence[Article], source: str, now: datetime, *, replace: bool = False
    ) -> library_store.ImportCount:
        with self._write() as s:
            return library_store.write_articles(
                _raw(s), articles, source, _iso(now), replace=replace
            )

    # -- incidents ---------------------------------------------------------------------------

    def declare_incident(
        self, title: str, description: str, actor: AgentRecord, now: datetime
    ) -> IncidentRecord:
        authority.check_can_declare_incident(actor)
        row = Incident(
            id=numbering.new_id(),
            title=actions.require_text(title, "title"),
            description=description.strip(),
            opened_at=_iso(now),
            opened_by=actor.id,
        )
        with self._write() as s:
            s.add(row)
            args = {"incident_id": row.id, "title": row.title, "description": row.description}
            outbox.enqueue(s, "incident.declare.v1", args, None, now)
        return incident_record(row)

    def close_incident(self, incident_id: str, actor: AgentRecord, now: datetime) -> IncidentRecord:
        authority.check_can_declare_incident(actor)
        with self._write() as s:
            row = s.exec(select(Incident).where(Incident.id == incident_id)).first()
            if row is None:
                raise NotFound("error.unknown_incident", incident=incident_id)
            if row.status == "open":
                row.status, row.closed_at, row.closed_by = "closed", _iso(now), actor.id
                s.add(row)
                outbox.enqueue(s, "incident.close.v1", {"incident_id": row.id}, None, now)
            return incident_record(row)

    def link_incident(
        self, incident_id: str, ticket_refs: Sequence[str], actor: AgentRecord, now: datetime
    ) -> int:
        """Link tickets to an open incident (leads; R13) — closed ones too: their customers were
        hit by the same fault; returns how many were newly linked."""
        authority.check_can_declare_incident(actor)
        with self._write() as s:
            incident = self._open_incident(s, incident_id)
            linked = set(incident_links(_raw(s), incident_id))
            added = 0
            for ref in ticket_refs:
                row = self._ticket_row(s, ref)
                if row.id in linked:
                    continue
                linked.add(row.id)
                data = {"incident_id": incident_id, "title": incident.title}
                event = self._event(s, row, EventKind.INCIDENT_LINK, actor, now, "", data)
                args = {"ticket_id": row.id, "event_id": event.id, "incident_id": incident_id}
                outbox.enqueue(s, "ticket.link_incident.v1", args, row.id, now)
                added += 1
            return added

    def post_incident_update(
        self, incident_id: str, text: str, actor: AgentRecord, now: datetime
    ) -> int:
        """One statement on every linked ticket's timeline at once; returns how many tickets."""
        authority.check_can_declare_incident(actor)
        body = actions.require_text(text, "text")
        update_id = numbering.new_id()
        with self._write() as s:
            incident = self._open_incident(s, incident_id)
            targets = incident_links(_raw(s), incident_id)
            data = {"incident_id": incident_id, "update_id": update_id, "title": incident.title}
            s.add_all(
                TicketEvent(
                    id=numbering.incident_update_event_id(update_id, ticket_id),
                    ticket_id=ticket_id,
                    kind=EventKind.INCIDENT_UPDATE.value,
                    actor_id=actor.id,
                    at=_iso(now),
                    body=body,
                    data_json=json.dumps(data, ensure_ascii=False, sort_keys=True),
                )
                for ticket_id in targets
            )
            args = {"incident_id": incident_id, "update_id": update_id, "body": body}
            outbox.enqueue(s, "incident.post_update.v1", args, None, now)
            return len(targets)

    def incident_tickets(self, incident_id: str) -> list[str]:
        with self._read() as s:
            return incident_links(_raw(s), incident_id)

    def _open_incident(self, s: Session, incident_id: str) -> Incident:
        row = s.exec(select(Incident).where(Incident.id == incident_id)).first()
        if row is None:
            raise NotFound("error.unknown_incident", incident=incident_id)
        if row.status != "open":
            raise ValidationFailed("error.incident_closed", title=row.title)
        return row

    def incidents(self, *, open_only: bool = True) -> list[IncidentRecord]:
        with self._read() as s:
            query = select(Incident).order_by(col(Incident.opened_at).desc())
            if open_only:
                query = query.where(Incident.status == "open")
            return [incident_record(row) for row in s.exec(query)]

    # -- helpers --------------------------------------------------------------------------

    def _set_status(
        self, s: Session, row: Ticket, target: Status, actor: AgentRecord, now: datetime
    ) -> TicketEvent:
        data = {"from": row.status, "to": target.value}
        row.status = target.value
        return self._event(s, row, EventKind.STATUS_CHANGE, actor, now, "", data)

    def _touch(self, s: Session, row: Ticket, now: datetime) -> None:
        """Bump the version and re-derive the clocks from the timeline as it now stands."""
        row.updated_at = _iso(now)
        row.version += 1
        s.add(row)
        self._recompute(s, row, now)

    def _recompute(self, s: Session, row: Ticket, now: datetime) -> None:
        s.flush()  # the raw connection below must see this transaction's events
        deadline = clock_store.recompute_ticket(_raw(s), row.id, self.policy, _epoch(now))
        row.due_at, row.due_sort, row.warn_sort, row.due_clock = deadline.columns()
        s.add(row)

    def _event(
        self,
        s: Session,
        row: Ticket,
        kind: EventKind,
        actor: AgentRecord | None,
        now: datetime,
        body: str,
        data: dict[str, Any],
    ) -> TicketEvent:
        """A timeline entry; `actor` None is the system (the escalation ladder)."""
        event = TicketEvent(
            id=numbering.new_id(),
            ticket_id=row.id,
            kind=kind.value,
            actor_id=actor.id if actor is not None else None,
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
        conn = _raw(s)
        text = search_index.document_text(row.number, row.subject, row.description, customer_name)
        search_index.index_ticket(conn, row.pk, text)
