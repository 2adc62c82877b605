"""repository.create_ticket with a routing outcome: the routed team and priority, "take it
myself" only within the agent's own team, the rule and refund amount on the `created` entry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.model import Category, Channel, Priority
from agentdesk.domain.records import NewTicket
from agentdesk.domain.routing import RoutingOutcome
from tests.conftest import agent, rows
from tests.unit.test_repository import repo_path


def draft(repo: Any, category: Category = Category.REFUND) -> NewTicket:
    customer = repo.find_customers("13812345678")[0]
    return NewTicket(customer.id, Channel.PHONE, category, "Refund please", "Cancelled order")


def routed(team: str | None, priority: Priority = Priority.NORMAL) -> RoutingOutcome:
    return RoutingOutcome(team=team, priority=priority, rule_number=6, rule_name="some-rule")


def test_a_ticket_routed_elsewhere_waits_there_unassigned(repo: Any, clock: FrozenClock) -> None:
    made = repo.create_ticket(
        draft(repo),
        agent(repo),
        clock.now(),
        take=True,
        routed=routed("leads", Priority.HIGH),
        refund_amount_cents=1200_00,
    )
    assert (made.team_id, made.assignee_id, made.status.value) == ("team-ld", None, "new")
    assert made.priority is Priority.HIGH
    path = repo_path(repo)
    kinds = rows(path, "SELECT kind, data_json FROM ticket_event WHERE ticket_id = ?", (made.id,))
    assert [k for k, _ in kinds] == ["created"]  # no assignment
    data = json.loads(str(kinds[0][1]))
    assert data["routing_rule"] == "some-rule" and data["refund_amount_cents"] == 120000
    sent = rows(path, "SELECT args_json FROM outbox WHERE ticket_id = ?", (made.id,))
    args = json.loads(str(sent[0][0]))
    assert (args["team_id"], args["assignee_id"], args["priority"]) == ("team-ld", None, "high")
    assert args["routing_rule"] == "some-rule" and args["refund_amount_cents"] == 120000


def test_a_ticket_routed_to_the_agents_team_is_taken(repo: Any, clock: FrozenClock) -> None:
    made = repo.create_ticket(
        draft(repo), agent(repo), clock.now(), take=True, routed=routed("front_line")
    )
    assert (made.team_id, made.assignee_id, made.status.value) == ("team-fl", "ag-1", "assigned")


def test_no_matching_rule_keeps_the_agents_team(repo: Any, clock: FrozenClock) -> None:
    made = repo.create_ticket(draft(repo), agent(repo), clock.now(), routed=routed(None))
    assert made.team_id == "team-fl" and made.assignee_id is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"routed": routed("warehouse")}, NotFound),
        ({"refund_amount_cents": 0}, ValidationFailed),
    ],
)
def test_bad_routing_input_changes_nothing(
    repo: Any, clock: FrozenClock, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    before = rows(repo_path(repo), "SELECT count(*) FROM ticket")
    with pytest.raises(error):
        repo.create_ticket(draft(repo), agent(repo), clock.now(), **kwargs)
    assert rows(repo_path(repo), "SELECT count(*) FROM ticket") == before
