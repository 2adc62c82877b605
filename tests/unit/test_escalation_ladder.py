"""The escalation ladder over the real store: steps fire once, on the timeline, with owners."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.model import Category, Channel, ComplaintLevel, EventKind, Priority
from agentdesk.domain.records import NewTicket
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, parse_policy, read_texts
from agentdesk.store import database
from agentdesk.store.queue_query import QueueFilter, QueuePager, View
from tests.conftest import NOW, agent, rows

COMPLAINT = "T-20261123-0002"  # major complaint, high priority, unassigned, created at NOW


def escalations(repo: Any, number: str) -> list[Any]:
    ticket = repo.ticket(number)
    return [e for e in repo.timeline(ticket.id) if e.kind is EventKind.ESCALATION]


def test_breached_dispatch_notifies_once_per_ticket(repo: Any) -> None:
    later = NOW + timedelta(minutes=10)  # dispatch (5 min) breached on the two unassigned
    fired = repo.run_escalations(later)
    assert sorted((r.number, r.step_id, r.clock) for r in fired) == [
        ("T-20261123-0002", "clock-breached", "dispatch"),
        ("T-20261123-0003", "clock-breached", "dispatch"),
    ]
    assert fired[0].notified == ("ag-4",)  # unassigned: the team lead is told
    assert repo.run_escalations(later) == []  # evaluated again: nothing new
    assert repo.run_escalations(later + timedelta(minutes=1)) == []
    assert len(escalations(repo, COMPLAINT)) == 1


def test_the_latest_breach_is_swept_first_and_a_spent_budget_leaves_the_rest(repo: Any) -> None:
    me = agent(repo)
    customer = repo.find_customers("13812345678")[0]
    new = NewTicket(customer.id, Channel.PHONE, Category.INQUIRY, "Invoice copy", "Last month's")
    late = repo.create_ticket(new, me, NOW + timedelta(minutes=3))  # dispatch breaches 3 min later
    later = NOW + timedelta(minutes=10)
    first = repo.run_escalations(later, budget_seconds=0)  # one ticket, then the budget is out
    assert [(r.number, r.clock) for r in first] == [(late.number, "dispatch")]
    second = repo.run_escalations(later, budget_seconds=0)
    third = repo.run_escalations(later, budget_seconds=0)
    assert sorted(r.number for r in second + third) == ["T-20261123-0002", "T-20261123-0003"]
    assert repo.run_escalations(later) == []


def test_complaint_unresolved_after_24_hours_goes_to_a_named_lead(repo: Any) -> None:
    later = NOW + timedelta(hours=24, minutes=1)
    fired = repo.run_escalations(later)
    ladder = [r for r in fired if r.step_id == "complaint-24h"]
    assert [(r.number, r.clock, r.owner_id) for r in ladder] == [(COMPLAINT, "resolution", "ag-4")]
    assert ladder[0].breached_at == NOW + timedelta(hours=24)
    ticket = repo.ticket(COMPLAINT)
    assert ticket.escalation_level == 1 and ticket.follow_up_owner_id == "ag-4"
    steps = [e.data["step"] for e in escalations(repo, COMPLAINT)]
    assert steps.count("complaint-24h") == 1
    # the clocks breached by then each notified once too: dispatch, first response, resolution
    assert sorted(s for s in steps if s == "clock-breached") == ["clock-breached"] * 3
    assert repo.run_escalations(later + timedelta(hours=1)) == []
    assert [e.data["step"] for e in escalations(repo, COMPLAINT)] == steps
    conn = database.connect(repo.engine.url.database, readonly=True)
    try:
        f = QueueFilter(view=View.ESCALATED, wide=True, now=int(later.timestamp()))
        assert [r.number for r in QueuePager(conn, f).page(0)] == [COMPLAINT]
    finally:
        conn.close()


def test_escalation_raises_priority_and_never_lowers_it(repo: Any) -> None:
    me = agent(repo)
    customer = repo.find_customers("13812345678")[0]
    new = NewTicket(
        customer.id, Channel.PHONE, Category.COMPLAINT, "Late delivery", "Third call about it",
        complaint_level=ComplaintLevel.MINOR, priority=Priority.NORMAL,
    )  # fmt: skip
    ticket = repo.create_ticket(new, me, NOW, take=True)
    repo.run_escalations(NOW + timedelta(hours=25))
    assert repo.ticket(ticket.id).priority is Priority.HIGH
    assert repo.ticket(COMPLAINT).priority is Priority.HIGH  # was high already: unchanged


def test_a_resolved_complaint_is_not_escalated(repo: Any) -> None:
    from agentdesk.domain.model import RootCause

    me = agent(repo)
    repo.take(COMPLAINT, me, NOW + timedelta(minutes=20))  # dispatched late: breached
    done = NOW + timedelta(hours=2)
    repo.resolve(COMPLAINT, "Replaced the unit", RootCause.PRODUCT_DEFECT, me, done)
    fired = repo.run_escalations(NOW + timedelta(hours=30))
    # the late dispatch and first response are recorded as breaches; no escalation
    assert sorted((r.step_id, r.clock) for r in fired if r.number == COMPLAINT) == [
        ("clock-breached", "dispatch"),
        ("clock-breached", "first_response"),
    ]
    assert repo.ticket(COMPLAINT).escalation_level == 0


def test_dry_run_lists_and_writes_nothing(repo: Any, seeded: Path) -> None:
    count = "SELECT (SELECT count(*) FROM ticket_event), (SELECT count(*) FROM escalation_fired)"
    before = rows(seeded, count)
    later = NOW + timedelta(hours=25)
    planned = repo.run_escalations(later, dry_run=True)
    assert {r.step_id for r in planned} == {"complaint-24h", "clock-breached"}
    assert rows(seeded, count) == before
    fired = repo.run_escalations(later)
    assert sorted((r.number, r.step_id, r.clock) for r in fired) == sorted(
        (r.number, r.step_id, r.clock) for r in planned
    )


def test_a_changed_policy_recomputes_open_tickets(repo: Any, seeded: Path) -> None:
    texts = read_texts(SHIPPED_POLICY_DIR)
    assert repo.adopt_policy(parse_policy(texts), texts, NOW) == 3  # first policy: recompute
    assert repo.adopt_policy(parse_policy(texts), texts, NOW) is None  # same again: nothing
    sql = "SELECT due_at FROM ticket WHERE number = 'T-20261123-0003'"
    assert rows(seeded, sql) == [((NOW + timedelta(minutes=5)).isoformat(),)]
    slower = dict(texts)
    slower["sla.toml"] = texts["sla.toml"].replace('target = "5m"', 'target = "20m"', 1)
    assert repo.adopt_policy(parse_policy(slower), slower, NOW) == 3
    assert rows(seeded, sql) == [((NOW + timedelta(minutes=20)).isoformat(),)]
    assert repo.last_good_policy()[0] == slower


def test_recompute_goes_a_chunk_per_transaction(
    repo: Any, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.store import repository

    monkeypatch.setattr(repository, "RECOMPUTE_CHUNK", 2)
    texts = read_texts(SHIPPED_POLICY_DIR)
    slower = dict(texts)
    slower["sla.toml"] = texts["sla.toml"].replace('target = "5m"', 'target = "20m"', 1)
    seen: list[int] = []
    assert repo.adopt_policy(parse_policy(slower), slower, NOW, seen.append) == 3
    assert seen == [2]  # reported while more was to come
    dispatch = "SELECT count(*) FROM ticket_clock WHERE name = 'dispatch' AND target_s = 1200"
    assert rows(seeded, dispatch) == [(3,)]  # every open ticket, over both chunks
