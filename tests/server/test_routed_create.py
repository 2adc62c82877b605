"""A ticket routed at intake to another team: the server files it there unassigned, keeps the
routing rule and the refund amount on its `created` entry, and the creating agent's console
forgets its copy (it no longer sees that team); over PostgreSQL and SQLite."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from agentdesk.server.tables import ticket
from tests.server.conftest import pull_all, who
from tests.server.test_intents import first_customer, row_of, seen, send, ticket_args, timeline


def test_an_agent_files_a_routed_ticket_in_another_team(engine: Engine) -> None:
    agent, colleague, lead = (who(engine, n) for n in ("zhang.wei", "li.na", "chen.jing"))
    _, agent_cursor = pull_all(engine, agent)
    _, colleague_cursor = pull_all(engine, colleague)
    args = ticket_args(
        first_customer(engine),
        team_id="team-as",
        category="repair",
        routing_rule="product-fault",
        refund_amount_cents=None,
    )
    assert send(engine, agent, "ticket.create.v1", args).status == "applied"
    made = row_of(engine, ticket, args["id"])
    assert (made["team_id"], made["assignee_id"], made["status"]) == ("team-as", None, "new")
    created = timeline(engine, args["id"])[0]
    assert created["kind"] == "created" and created["data"]["routing_rule"] == "product-fault"

    pulled, _ = pull_all(engine, agent, agent_cursor)
    assert seen(pulled, args["id"]) == ["remove"]  # the creator's console forgets its copy
    pulled, _ = pull_all(engine, colleague, colleague_cursor)
    assert seen(pulled, args["id"]) == ["upsert"]  # after-sales sees it arrive
    pulled, _ = pull_all(engine, lead)
    assert seen(pulled, args["id"]) == ["remove", "upsert"]  # sees both teams: it stays


def test_a_refund_amount_asked_for_is_kept_on_the_created_entry(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    args = ticket_args(
        first_customer(engine),
        number="T-20261123-0021",
        team_id="team-ld",
        category="refund",
        routing_rule="refund-above-authority",
        refund_amount_cents=120000,
    )
    assert send(engine, agent, "ticket.create.v1", args).status == "applied"
    data = timeline(engine, args["id"])[0]["data"]
    assert data["refund_amount_cents"] == 120000
    assert data["routing_rule"] == "refund-above-authority"
    bad = ticket_args(first_customer(engine), number="T-20261123-0022", refund_amount_cents=-5)
    assert send(engine, agent, "ticket.create.v1", bad).status == "rejected"


def test_a_ticket_for_the_agents_own_team_is_not_forgotten(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    args = ticket_args(first_customer(engine), number="T-20261123-0023", assignee_id=agent.id)
    assert send(engine, agent, "ticket.create.v1", args).status == "applied"
    pulled, _ = pull_all(engine, agent, cursor)
    assert seen(pulled, args["id"]) == ["upsert"]
