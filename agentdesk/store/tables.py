"""SQLModel tables of the local store. Times are stored as UTC ISO-8601 text.

Tickets, customers and events have an integer `pk` (rowid alias: stable keys for the queue's
keyset pages and the search index) and a client-generated UUID `id` used everywhere else.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Team(SQLModel, table=True):
    id: str = Field(primary_key=True)
    code: str = Field(unique=True)
    name_en: str
    name_zh: str
    kind: str = Field(description="front_line | technical | after_sales | leads")


class Agent(SQLModel, table=True):
    id: str = Field(primary_key=True)
    username: str = Field(unique=True)
    display_name: str
    role: str
    team_id: str = Field(foreign_key="team.id", index=True)
    language: str = "zh-CN"
    active: bool = True


class Customer(SQLModel, table=True):
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    name: str = Field(index=True)
    phone: str = Field(default="", index=True)
    email: str = ""
    address: str = ""
    tier: str = "standard"
    external_id: str | None = Field(default=None, unique=True)
    created_at: str


class Product(SQLModel, table=True):
    id: str = Field(primary_key=True)
    sku: str = Field(unique=True)
    name_en: str
    name_zh: str
    line: str


class CustomerOrder(SQLModel, table=True):
    __tablename__ = "customer_order"
    id: str = Field(primary_key=True)
    number: str = Field(unique=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    product_id: str = Field(foreign_key="product.id")
    amount_cents: int
    ordered_at: str


class Ticket(SQLModel, table=True):
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    number: str = Field(unique=True)
    subject: str
    description: str
    customer_request: str = ""
    customer_id: str = Field(foreign_key="customer.id", index=True)
    product_id: str | None = Field(default=None, foreign_key="product.id")
    order_id: str | None = Field(default=None, foreign_key="customer_order.id")
    channel: str
    category: str
    complaint_level: str | None = None
    priority: str = "normal"
    status: str = "new"
    team_id: str | None = Field(default=None, foreign_key="team.id")
    assignee_id: str | None = Field(default=None, foreign_key="agent.id")
    created_at: str
    updated_at: str
    due_at: str | None = None
    due_sort: int = Field(description="queue order: deadline epoch seconds, finished last")
    due_clock: str | None = Field(default=None, description="the clock `due_at` belongs to")
    warn_sort: int = Field(
        default=9_000_000_000_000, description="earliest warning of a running clock (epoch s)"
    )
    escalation_level: int = 0
    follow_up_owner_id: str | None = Field(default=None, description="an agent id")
    resolved_at: str | None = None
    resolution: str | None = None
    root_cause: str | None = None
    version: int = 1


class TicketEvent(SQLModel, table=True):
    """Append-only timeline entry; triggers in the migration refuse UPDATE and DELETE."""

    __tablename__ = "ticket_event"
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    ticket_id: str = Field(foreign_key="ticket.id", index=True)
    kind: str
    actor_id: str | None = None
    at: str
    body: str = ""
    data_json: str = "{}"


class TicketClock(SQLModel, table=True):
    """Each SLA clock of a ticket as last derived from its timeline (agentdesk.domain.clocks).

    A cache for queries across tickets (escalation sweep, reports); the timeline stays the truth.
    Instants are epoch seconds so the sweep compares integers.
    """

    __tablename__ = "ticket_clock"
    pk: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")  # ux_ticket_clock_name leads with it
    name: str
    cycle: int
    phase: str
    calendar: str
    target_s: int
    used_s: int
    started_epoch: int | None = None
    due_epoch: int | None = None
    warn_epoch: int | None = None
    stopped_epoch: int | None = None
    breach_epoch: int | None = None
    swept_cycle: int = Field(default=0, description="last cycle whose breach the sweep handled")


class EscalationFired(SQLModel, table=True):
    """Escalation steps that have fired: the unique key makes each fire exactly once."""

    __tablename__ = "escalation_fired"
    pk: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")
    fire_key: str
    at: str


class PolicySnapshot(SQLModel, table=True):
    """The last SLA policy that loaded cleanly: the console falls back to it on a bad edit."""

    __tablename__ = "policy_snapshot"
    id: int = Field(default=1, primary_key=True)
    fingerprint: str
    files_json: str
    loaded_at: str


class AuditLog(SQLModel, table=True):
    """Who looked at or took out protected data (PII reveals, exports)."""

    __tablename__ = "audit_log"
    pk: int | None = Field(default=None, primary_key=True)
    at: str
    actor_id: str | None
    action: str
    target: str
    reason: str


class Outbox(SQLModel, table=True):
    """Intents waiting to be sent to the server (design/SYNC.md)."""

    mutation_id: int = Field(primary_key=True)
    mutation_uuid: str = Field(unique=True)
    name: str
    args_json: str
    ticket_id: str | None = Field(default=None, index=True)
    client_time: str
    state: str = Field(default="pending", index=True)
    attempts: int = 0
    last_error: str | None = None
    server_result: str | None = None
    seen_at: str | None = None  # refused: when the agent saw it in the conflicts list


class SyncConflict(SQLModel, table=True):
    """An edit the server refused on a ticket of this console's scopes (design/SYNC.md)."""

    __tablename__ = "sync_conflict"
    id: str = Field(primary_key=True)
    ticket_id: str | None = Field(default=None, index=True)
    account_id: str  # whose edit lost
    client_id: str
    mutation_id: int
    intent: str  # e.g. ticket.set_status.v1
    outcome: str  # conflict | rejected
    detail: str = ""  # what won, or why it can never apply
    losing_text: str = ""
    note_event_id: str | None = None  # where the losing text went
    at: str
    seen_at: str | None = None


class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    id: int = Field(default=1, primary_key=True)
    client_id: str
    next_mutation_id: int = 1
    acked_mutation_id: int = 0
    pull_cursor: str | None = None
    protocol_version: int = 1
    schema_version: str
    signed_in_agent_id: str | None = None


class PhraseRow(SQLModel, table=True):
    """An approved phrase (agentdesk.domain.phrases.Phrase), with its pinyin for search."""

    __tablename__ = "phrase"
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    scenario: str
    language: str
    title: str
    body: str
    tags_json: str = "[]"
    teams_json: str = "[]"
    categories_json: str = "[]"
    head_pinyin: str = ""
    head_initials: str = ""
    body_pinyin: str = ""
    body_initials: str = ""
    source: str = "agentdesk"
    updated_at: str


class PhraseUse(SQLModel, table=True):
    """How often this console's agents inserted a phrase (ranks the helper's results)."""

    __tablename__ = "phrase_use"
    phrase_id: str = Field(primary_key=True)
    uses: int = 0
    last_used_at: str


class KbArticleRow(SQLModel, table=True):
    """A knowledge-base article (agentdesk.domain.phrases.Article), with its pinyin."""

    __tablename__ = "kb_article"
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str
    body: str
    language: str
    category: str = ""
    tags_json: str = "[]"
    head_pinyin: str = ""
    head_initials: str = ""
    body_pinyin: str = ""
    body_initials: str = ""
    source: str = "agentdesk"
    updated_at: str


class Incident(SQLModel, table=True):
    """A major incident declared by a lead (linking tickets and updates come with crisis mode)."""

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str
    description: str = ""
    status: str = Field(default="open", index=True)
    opened_at: str
    opened_by: str
    closed_at: str | None = None
    closed_by: str | None = None
