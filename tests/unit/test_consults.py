"""Consulting another department (R14): the ticket keeps its owner and clocks; the question has
its own due time and is answered on the same ticket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agentdesk.domain import consults
from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Department, EventKind
from tests.conftest import NOW


def test_a_department_has_a_usual_time_and_an_agent_may_set_another() -> None:
    assert consults.due_at(NOW, Department.WAREHOUSE, None) == NOW + timedelta(hours=8)
    assert consults.due_at(NOW, Department.RND, 3) == NOW + timedelta(hours=3)
    for hours in (0, -1, 24 * 15):
        with pytest.raises(ValidationFailed):
            consults.due_at(NOW, Department.RND, hours)


def test_a_consult_keeps_the_owner_and_is_answered_once(repo: Any) -> None:
    me = repo.agent_by_username("zhang.wei")
    ticket = repo.ticket("T-20261123-0001")
    asked = repo.consult(ticket.id, Department.FINANCE, "Was the refund sent?", None, me, NOW)
    assert asked.data["due_at"] == (NOW + timedelta(hours=24)).isoformat()
    [still_open] = consults.open_consults(repo.timeline(ticket.id))
    assert (still_open.request_id, still_open.department) == (asked.id, Department.FINANCE)
    after = repo.ticket(ticket.id)
    assert (after.assignee_id, after.team_id) == (ticket.assignee_id, ticket.team_id)
    answer = repo.answer_consult(ticket.id, asked.id, "Sent on the 21st", me, NOW)
    assert answer.kind is EventKind.CONSULT_ANSWER and answer.data["request_id"] == asked.id
    assert consults.open_consults(repo.timeline(ticket.id)) == []
    with pytest.raises(ValidationFailed):
        repo.answer_consult(ticket.id, asked.id, "again", me, NOW)


def test_an_empty_question_changes_nothing(repo: Any) -> None:
    me = repo.agent_by_username("zhang.wei")
    target = repo.ticket("T-20261123-0001").id
    before = len(repo.timeline(target))
    with pytest.raises(ValidationFailed):
        repo.consult(target, Department.RND, "  ", None, me, NOW)
    assert len(repo.timeline(target)) == before
