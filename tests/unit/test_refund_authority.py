"""Refund authority (R4): within it an agent records the refund; above it the ticket waits in
the leads' approval queue; a lead with enough authority approves or declines — both on the
timeline. Role checks are domain rules (the server applies the same)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain import authority
from agentdesk.domain.authority import (
    DEFAULT_REFUND_AUTHORITY,
    RefundAuthority,
    format_yuan,
    parse_yuan,
)
from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.domain.model import EventKind, ReviewDecision, Role
from agentdesk.domain.records import AgentRecord
from agentdesk.io.authority_file import SHIPPED_POLICY_DIR, load_authority, parse_authority
from agentdesk.io.policy_files import PolicyError
from tests.conftest import NOW, rows

AGENT = AgentRecord("ag-1", "zhang.wei", "张伟", Role.AGENT, "team-fl")
SENIOR = AgentRecord("ag-2", "emma.clark", "Emma Clark", Role.AGENT, "team-fl")
LEAD = AgentRecord("ag-4", "chen.jing", "陈静", Role.LEAD, "team-ld")
ADMIN = AgentRecord("ag-9", "root", "Root", Role.ADMIN, "team-ld")
SUPERVISOR = AgentRecord("ag-5", "sun.li", "孙丽", Role.SUPERVISOR, "team-ld")
RULES = RefundAuthority(
    {Role.AGENT: 500_00, Role.LEAD: 5000_00, Role.ADMIN: 50000_00}, {"emma.clark": 1000_00}
)


@pytest.mark.parametrize(
    ("actor", "amount", "needs_a_lead"),
    [
        (AGENT, 300_00, False),
        (AGENT, 500_00, False),  # the limit itself is within it
        (AGENT, 500_01, True),
        (SENIOR, 800_00, False),  # a named agent's own authority
        (SENIOR, 1000_01, True),
        (LEAD, 5000_00, False),
        (LEAD, 5000_01, True),
        (ADMIN, 50000_00, False),
    ],
)
def test_who_needs_a_lead_for_which_amount(
    actor: AgentRecord, amount: int, needs_a_lead: bool
) -> None:
    assert authority.needs_approval(actor, amount, RULES) is needs_a_lead


@pytest.mark.parametrize(
    ("actor", "amount", "refusal"),
    [
        (AGENT, 800_00, "error.refund_leads_only"),
        (SENIOR, 800_00, "error.refund_leads_only"),
        (SUPERVISOR, 800_00, "error.read_only_role"),
        (LEAD, 6000_00, "error.refund_above_authority"),
        (LEAD, 5000_00, None),
        (ADMIN, 6000_00, None),
    ],
)
def test_who_may_decide_a_request(actor: AgentRecord, amount: int, refusal: str | None) -> None:
    if refusal is None:
        authority.check_can_decide_refund(actor, amount, RULES)
        return
    with pytest.raises(NotAllowed) as refused:
        authority.check_can_decide_refund(actor, amount, RULES)
    assert refused.value.key == refusal


@pytest.mark.parametrize(
    ("typed", "cents"), [("300", 300_00), ("300.5", 300_50), ("¥1,200.00", 1200_00)]
)
def test_amounts_as_agents_type_them(typed: str, cents: int) -> None:
    assert parse_yuan(typed) == cents


@pytest.mark.parametrize("typed", ["-5", "0", "abc", "1.234", "", "1e5"])
def test_amounts_that_are_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_yuan(typed)


def test_yuan_are_shown_with_the_sign_and_cents_only_when_there_are_any() -> None:
    assert (format_yuan(500_00), format_yuan(1234_56)) == ("¥500", "¥1,234.56")


def test_the_shipped_file_gives_the_default_authority() -> None:
    assert load_authority(SHIPPED_POLICY_DIR) == DEFAULT_REFUND_AUTHORITY


def test_a_bad_authority_file_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "authority.toml").write_text("[refund]\nagent = -1\nlead = 1\nadmin = 1\n")
    with pytest.raises(PolicyError) as refused:
        load_authority(tmp_path)
    assert "refund.agent" in refused.value.message()
    with pytest.raises(PolicyError) as refused:
        parse_authority("[refund]\nagent = 1\nlead = 1\nadmin = 1\nboss = 3\n")
    assert "refund.boss" in refused.value.message()


# -- in the store ---------------------------------------------------------------------------


def test_a_refund_within_authority_is_recorded_and_one_above_waits_for_a_lead(repo: Any) -> None:
    me, lead = repo.agent_by_username("zhang.wei"), repo.agent_by_username("chen.jing")
    number = "T-20261123-0001"
    small = repo.refund(number, 300_00, "Shipping fee back", me, NOW)
    assert small.kind is EventKind.REFUND and repo.pending_refunds() == []
    large = repo.refund(number, 800_00, "Faulty unit, full price", me, NOW)
    assert large.kind is EventKind.REFUND_REQUEST
    [pending] = repo.pending_refunds()
    assert (pending.ticket_number, pending.amount_cents, pending.requested_by) == (
        number,
        800_00,
        "张伟",
    )
    with pytest.raises(NotAllowed):  # an agent cannot approve, not even their own request
        repo.decide_refund(pending.request_id, ReviewDecision.APPROVED, "ok", me, NOW)
    decided = repo.decide_refund(
        pending.request_id, ReviewDecision.APPROVED, "Approved: defect confirmed", lead, NOW
    )
    assert decided.data == {
        "request_id": pending.request_id,
        "decision": "approved",
        "amount_cents": 800_00,
    }
    assert repo.pending_refunds() == []
    with pytest.raises(ValidationFailed):  # decided once
        repo.decide_refund(pending.request_id, ReviewDecision.DECLINED, "no", lead, NOW)
    kinds = [e.kind for e in repo.timeline(repo.ticket(number).id)][-3:]
    assert kinds == [EventKind.REFUND, EventKind.REFUND_REQUEST, EventKind.REFUND_DECISION]
    path = Path(repo.engine.url.database)
    names = [r[0] for r in rows(path, "SELECT name FROM outbox ORDER BY mutation_id")][-3:]
    assert names == ["ticket.refund.v1", "ticket.refund.v1", "ticket.refund_decision.v1"]


@pytest.mark.parametrize("amount", [0, -100])
def test_a_refund_of_nothing_changes_nothing(repo: Any, amount: int) -> None:
    me = repo.agent_by_username("zhang.wei")
    target = repo.ticket("T-20261123-0001").id
    before = len(repo.timeline(target))
    with pytest.raises(ValidationFailed):
        repo.refund(target, amount, "oops", me, NOW)
    assert len(repo.timeline(target)) == before > 0
