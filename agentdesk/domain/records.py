"""Domain objects the console and CLI work with (built from store rows by the repository)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
from agentdesk.domain.pii import mask_address, mask_email, mask_phone


@dataclass(frozen=True)
class TeamRecord:
    id: str
    code: str
    name_en: str
    name_zh: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh-CN" else self.name_en


@dataclass(frozen=True)
class AgentRecord:
    id: str
    username: str
    display_name: str
    role: Role
    team_id: str


@dataclass(frozen=True)
class CustomerRecord:
    id: str
    name: str
    phone: str
    email: str
    address: str
    tier: CustomerTier

    def masked(self) -> CustomerRecord:
        """The same customer with PII masked for the screen (R12)."""
        return CustomerRecord(
            id=self.id,
            name=self.name,
            phone=mask_phone(self.phone) if self.phone else "",
            email=mask_email(self.email) if self.email else "",
            address=mask_address(self.address),
            tier=self.tier,
        )


@dataclass(frozen=True)
class TicketRecord:
    pk: int
    id: str
    number: str
    subject: str
    description: str
    customer_request: str
    customer_id: str
    channel: Channel
    category: Category
    complaint_level: ComplaintLevel | None
    priority: Priority
    status: Status
    team_id: str | None
    assignee_id: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    root_cause: RootCause | None
    version: int
    product_id: str | None = None
    order_id: str | None = None
    due_clock: str | None = None
    escalation_level: int = 0
    follow_up_owner_id: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    id: str
    kind: EventKind
    actor_id: str | None
    at: datetime
    body: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewTicket:
    """What intake collects for a new contact (R1)."""

    customer_id: str
    channel: Channel
    category: Category
    subject: str
    description: str
    customer_request: str = ""
    complaint_level: ComplaintLevel | None = None
    priority: Priority = Priority.NORMAL
    product_id: str | None = None
    order_id: str | None = None


@dataclass(frozen=True)
class NewCustomer:
    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    tier: CustomerTier = CustomerTier.STANDARD


@dataclass(frozen=True)
class EscalationResult:
    """One escalation step fired (or, in a dry run, due) on one ticket."""

    ticket_id: str
    number: str
    step_id: str
    clock: str
    cycle: int
    breached_at: datetime
    owner_id: str | None
    priority_from: Priority
    priority_to: Priority
    escalation_level: int
    notified: tuple[str, ...] = ()

    def event_data(self) -> dict[str, Any]:
        return {
            "step": self.step_id,
            "clock": self.clock,
            "cycle": self.cycle,
            "breached_at": self.breached_at.isoformat(),
            "owner_id": self.owner_id,
            "priority_from": self.priority_from.value,
            "priority_to": self.priority_to.value,
            "level": self.escalation_level,
            "notified": list(self.notified),
        }


@dataclass(frozen=True)
class IncidentRecord:
    """A major incident (SPEC R13): while open, crisis phrases are pinned for everyone."""

    id: str
    title: str
    description: str
    status: str  # open | closed
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None = None
