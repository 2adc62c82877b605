"""Who may change what (SPEC section 1). Enforced here so the server can reuse the same rules."""

from __future__ import annotations

from agentdesk.domain.errors import NotAllowed
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


def check_can_declare_incident(actor: AgentRecord) -> None:
    """Incidents speak for the whole floor: team leads (and admins) declare and close them."""
    if actor.role not in (Role.LEAD, Role.ADMIN):
        raise NotAllowed("error.leads_only", role=actor.role.value)
