"""Reviewing a return/exchange request stops its 24-hour review clock (R3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agentdesk.domain.clocks import Phase
from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Category, Channel, EventKind, ReviewDecision
from agentdesk.domain.records import NewTicket
from tests.conftest import NOW, agent


def test_a_review_decision_stops_the_review_clock(repo: Any) -> None:
    me = agent(repo)
    customer = repo.find_customers("13812345678")[0]
    new = NewTicket(customer.id, Channel.APP, Category.RETURN_EXCHANGE, "Return", "Wrong colour")
    ticket = repo.create_ticket(new, me, NOW, take=True)
    _, clocks = repo.clocks(ticket.id, NOW)
    review = next(c for c in clocks if c.name == "review")
    assert review.phase is Phase.RUNNING and review.due == int(
        (NOW + timedelta(hours=24)).timestamp()
    )
    later = NOW + timedelta(hours=3)
    repo.record_review(ticket.id, ReviewDecision.APPROVED, "Unopened, within 7 days", me, later)
    _, clocks = repo.clocks(ticket.id, later)
    review = next(c for c in clocks if c.name == "review")
    assert review.phase is Phase.STOPPED and review.met
    entries = [e for e in repo.timeline(ticket.id) if e.kind is EventKind.REVIEW]
    assert [e.data["decision"] for e in entries] == ["approved"]


def test_only_return_requests_are_reviewed_and_a_reason_is_required(repo: Any) -> None:
    me = agent(repo)
    with pytest.raises(ValidationFailed, match="not a return/exchange"):
        repo.record_review("T-20261123-0001", ReviewDecision.DECLINED, "No", me, NOW)
    customer = repo.find_customers("13812345678")[0]
    new = NewTicket(customer.id, Channel.APP, Category.RETURN_EXCHANGE, "Return", "Too small")
    ticket = repo.create_ticket(new, me, NOW, take=True)
    with pytest.raises(ValidationFailed, match="required"):
        repo.record_review(ticket.id, ReviewDecision.DECLINED, "  ", me, NOW)
