"""QA sampling and scorecards (R8): reproducible draws, score bounds, no NaN."""

from __future__ import annotations

import pytest

from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.domain.model import Role
from agentdesk.domain.qa import QaScore, check_can_score, draw_sample, scorecard
from agentdesk.domain.records import AgentRecord

HANDLED = {"ag-1": [f"t{i:02d}" for i in range(20)], "ag-2": ["u1", "u2"], "ag-3": []}


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    first = draw_sample(HANDLED, 5, seed=7)
    assert first == draw_sample({k: list(reversed(v)) for k, v in HANDLED.items()}, 5, seed=7)
    assert len(first["ag-1"]) == 5 and set(first["ag-1"]) <= set(HANDLED["ag-1"])
    assert first["ag-2"] == ["u1", "u2"] and first["ag-3"] == []  # fewer handled: all of them
    assert any(draw_sample(HANDLED, 5, seed=s)["ag-1"] != first["ag-1"] for s in range(8, 12))


def test_each_agents_draw_does_not_depend_on_the_others() -> None:
    alone = draw_sample({"ag-1": HANDLED["ag-1"]}, 3, seed=1)
    assert alone["ag-1"] == draw_sample(HANDLED, 3, seed=1)["ag-1"]


@pytest.mark.parametrize("per_agent", [0, 101])
def test_a_sample_size_out_of_range_is_refused(per_agent: int) -> None:
    with pytest.raises(ValidationFailed):
        draw_sample(HANDLED, per_agent, seed=1)


def test_scores_are_one_to_five_and_scorecards_average_without_nan() -> None:
    with pytest.raises(ValidationFailed):
        QaScore(0, 5, 5, 5)
    scores = [QaScore(4, 5, 3, 5, "good"), QaScore(2, 3, 3, 4)]
    card = scorecard("ag-1", 5, scores)
    assert (card.sampled, card.scored) == (5, 2)
    assert card.averages == {
        "tone": 3.0,
        "professionalism": 4.0,
        "efficiency": 3.0,
        "compliance": 4.5,
    }
    assert card.overall == pytest.approx((4.25 + 3.0) / 2)
    empty = scorecard("ag-2", 3, [])
    assert empty.overall is None and set(empty.averages.values()) == {None}


def test_only_leads_and_admins_score() -> None:
    def person(role: Role) -> AgentRecord:
        return AgentRecord("a", "a", "A", role, "team-fl")

    check_can_score(person(Role.LEAD))
    check_can_score(person(Role.ADMIN))
    for role in (Role.AGENT, Role.SUPERVISOR):
        with pytest.raises(NotAllowed):
            check_can_score(person(role))
