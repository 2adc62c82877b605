"""Who may change what (SPEC section 1). Enforced here so the server can reuse the same rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.domain.model import Role
from agentdesk.domain.records import AgentRecord, TicketRecord

WRITING_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN})


def check_can_write(actor: AgentRecord) -> None:
    if actor.role not in WRITING_ROLES:
        raise NotAllowed("error.read_only_role", role=actor.role.value)


def check_can_work(actor: AgentRecord, ticket: TicketRecord) -> None:
    """Agents work tickets of their team (or assigned to them); leads and admins any."""
    check_can_write(actor)
    if actor.role in (Role.LEAD, Role.ADMIN):
        return
    if ticket.assignee_id == actor.id or ticket.team_id in (None, actor.team_id):
        return
    raise NotAllowed("error.other_team", number=ticket.number)


def check_can_take(actor: AgentRecord, ticket: TicketRecord) -> None:
    check_can_work(actor, ticket)
    if ticket.assignee_id not in (None, actor.id):
        raise NotAllowed("error.already_assigned", number=ticket.number)


INCIDENT_ROLES = frozenset({Role.LEAD, Role.ADMIN})


def check_can_declare_incident(actor: AgentRecord) -> None:
    """Incidents speak for the whole floor: team leads (and admins) declare and close them."""
    if actor.role not in INCIDENT_ROLES:
        raise NotAllowed("error.leads_only", role=actor.role.value)


# -- refund authority (R4) ---------------------------------------------------------------------

DECIDING_ROLES = frozenset({Role.LEAD, Role.ADMIN})
MAX_REFUND_CENTS = 100_000_000_00  # a hundred million yuan: anything above is a typing error


@dataclass(frozen=True)
class RefundAuthority:
    """The largest refund (in cents) each role, or a named agent, records without approval."""

    by_role: Mapping[Role, int]
    by_agent: Mapping[str, int] = field(default_factory=dict)

    def limit_for(self, actor: AgentRecord) -> int:
        if actor.username in self.by_agent:
            return self.by_agent[actor.username]
        return self.by_role.get(actor.role, 0)


DEFAULT_REFUND_AUTHORITY = RefundAuthority(
    {Role.AGENT: 500_00, Role.LEAD: 5000_00, Role.ADMIN: 50000_00}
)


def check_refund_amount(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise ValidationFailed("error.refund_not_positive")
    if amount_cents > MAX_REFUND_CENTS:
        raise ValidationFailed("error.refund_too_large", amount=format_yuan(amount_cents))


def needs_approval(actor: AgentRecord, amount_cents: int, authority: RefundAuthority) -> bool:
    """True when the refund is above what `actor` may record alone (it goes to the leads)."""
    check_refund_amount(amount_cents)
    return amount_cents > authority.limit_for(actor)


def check_can_decide_refund(
    actor: AgentRecord, amount_cents: int, authority: RefundAuthority
) -> None:
    """Approving or declining a refund request: a lead or admin whose own authority covers it."""
    check_can_write(actor)
    if actor.role not in DECIDING_ROLES:
        raise NotAllowed("error.refund_leads_only", role=actor.role.value)
    limit = authority.limit_for(actor)
    if amount_cents > limit:
        raise NotAllowed(
            "error.refund_above_authority",
            amount=format_yuan(amount_cents),
            limit=format_yuan(limit),
        )


def format_yuan(cents: int) -> str:
    """12345 → ¥123.45; whole amounts without decimals (¥500)."""
    yuan, rest = divmod(cents, 100)
    return f"¥{yuan:,}" + (f".{rest:02d}" if rest else "")


def parse_yuan(text: str) -> int:
    """An amount typed by an agent (500, 500.5, ¥1,200.00) in cents; refuses anything else."""
    cleaned = text.strip().lstrip("¥￥").replace(",", "").replace("，", "")
    whole, _, fraction = cleaned.partition(".")
    if not whole.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
        raise ValidationFailed("error.refund_amount_format", value=text.strip())
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    check_refund_amount(cents)
    return cents
