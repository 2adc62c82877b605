"""ticket.follow_up.v1 on the server (SPEC R10): the result recorded once by its id, a low score
reopening (or, by policy, escalating) the ticket on the server, the console's rules refusing,
supervisors refused, and the result reaching the team's other consoles by pull; over
PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agentdesk.domain.errors import NotAllowed
from agentdesk.domain.follow_up import LOW_SCORE_STEP, FollowUpPolicy, LowScoreAction
from agentdesk.server.intents import follow_ups
from agentdesk.server.tables import ticket
from tests.server.conftest import pull_all, who
from tests.server.test_intents import fresh_ticket, kinds, row_of, seen, send, timeline


def result_args(ticket_id: str, score: int, **more: Any) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "event_id": str(uuid.uuid4()), "score": score,
            "comment": "Thanks", **more}  # fmt: skip


@pytest.fixture
def escalating(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    policy = FollowUpPolicy(low_score=2, on_low_score=LowScoreAction.ESCALATE)
    monkeypatch.setattr(follow_ups, "_follow_up_policy", lambda: policy)
    yield


def test_a_result_is_recorded_once_and_syncs_down(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="resolved", assignee_id="ag-1")
    args = result_args(target, 5)
    assert send(engine, me, "ticket.follow_up.v1", args).status == "applied"
    assert send(engine, me, "ticket.follow_up.v1", args).status == "applied"
    [result] = [e for e in timeline(engine, target) if e["kind"] == "follow_up_result"]
    assert (result["id"], result["body"], result["data"]) == (
        args["event_id"], "Thanks", {"score": 5, "comment": "Thanks"}
    )  # fmt: skip
    assert row_of(engine, ticket, target)["status"] == "resolved"
    pulled, _ = pull_all(engine, who(engine, "emma.clark"))
    assert seen(pulled, args["event_id"]) == ["upsert"]


def test_a_low_score_reopens_the_ticket_on_the_server(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="closed", assignee_id="ag-1")
    moved = str(uuid.uuid4())
    args = result_args(target, 1, status_event_id=moved)
    assert send(engine, me, "ticket.follow_up.v1", args).status == "applied"
    row = row_of(engine, ticket, target)
    assert (row["status"], row["resolved_at"], row["escalation_level"]) == ("in_progress", None, 0)
    [change] = [e for e in timeline(engine, target) if e["id"] == moved]
    assert change["data"] == {"from": "closed", "to": "in_progress"}
    pulled, _ = pull_all(engine, who(engine, "emma.clark"))
    assert "upsert" in seen(pulled, target) and seen(pulled, moved) == ["upsert"]


def test_the_servers_policy_decides_an_escalation(engine: Engine, escalating: None) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="resolved", assignee_id="ag-1")
    assert send(engine, me, "ticket.follow_up.v1", result_args(target, 2)).status == "applied"
    row = row_of(engine, ticket, target)
    assert (row["status"], row["escalation_level"]) == ("in_progress", 1)
    [escalation] = [e for e in timeline(engine, target) if e["kind"] == "escalation"]
    assert escalation["data"]["step"] == LOW_SCORE_STEP and escalation["actor_id"] is None


def test_a_result_is_refused_by_the_consoles_rules(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    working = fresh_ticket(engine, status="in_progress")
    done = fresh_ticket(engine, status="resolved")
    number = row_of(engine, ticket, working)["number"]
    bad_score = send(engine, me, "ticket.follow_up.v1", result_args(done, 7))
    assert (bad_score.status, bad_score.detail) == (
        "rejected", "A follow-up score is 1 to 5, not 7."
    )  # fmt: skip
    reopened = send(engine, me, "ticket.follow_up.v1", result_args(working, 4))
    assert (reopened.status, reopened.detail) == (
        "conflict",
        f"{number} is not resolved or closed; only finished tickets are followed up.",
    )
    other_team = send(engine, who(engine, "li.na"), "ticket.follow_up.v1", result_args(done, 4))
    assert other_team.status == "rejected"
    with pytest.raises(NotAllowed):
        send(engine, who(engine, "sun.li"), "ticket.follow_up.v1", result_args(done, 4))
    assert kinds(engine, done) == ["created"]
    assert kinds(engine, working) == ["created", "note"]  # the losing comment, kept
