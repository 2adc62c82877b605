"""The quality measures (R7, R9, R10) against hand-computed fixtures, and their facts in the store.

The policy here is small on purpose, so every figure can be checked by hand:
- first_response: 1 h in `desk` (09:00-18:00 Shanghai, every day), stopped by a reply;
- resolution: 8 h in 24x7, paused while waiting on the customer, restarted by a reopen;
- dispatch: 5 min in 24x7, stopped by the assignment.
All fixture times are Tuesday 2026-11-24, Shanghai (UTC+8).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.clocks import epoch, happenings_from_rows, ticket_clocks
from agentdesk.domain.metrics import (
    ClockOutcome,
    Entry,
    GroupBy,
    Period,
    QualityPolicy,
    Tally,
    TicketQuality,
    TicketRow,
    measures,
    pareto,
    percentile,
    period_key,
    rate,
    response_bucket,
    tally_of,
    ticket_quality,
)
from agentdesk.domain.model import Category, Channel, CustomerTier, Priority
from agentdesk.domain.sla_policy import SlaPolicy, TicketFacts
from agentdesk.io.policy_files import parse_policy

CALENDARS = """
[calendar.24x7]
always_open = true

[calendar.desk]
zone = "Asia/Shanghai"
hours.mon = ["09:00-18:00"]
hours.tue = ["09:00-18:00"]
hours.wed = ["09:00-18:00"]
hours.thu = ["09:00-18:00"]
hours.fri = ["09:00-18:00"]
hours.sat = ["09:00-18:00"]
hours.sun = ["09:00-18:00"]
"""
SLA = """
[[clock]]
name = "dispatch"
target = "5m"
calendar = "24x7"
start = ["created"]
stop = ["assigned", "resolved", "closed"]

[[clock]]
name = "first_response"
target = "1h"
calendar = "desk"
start = ["created"]
stop = ["replied", "resolved", "closed"]

[[clock]]
name = "resolution"
target = "8h"
calendar = "24x7"
start = ["created", "reopened"]
stop = ["resolved", "closed"]
pause = ["waiting_customer"]
"""
QUALITY = QualityPolicy()
FACTS = TicketFacts(Category.INQUIRY, Priority.NORMAL, CustomerTier.STANDARD, Channel.PHONE)


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return parse_policy({"calendars.toml": CALENDARS, "sla.toml": SLA, "escalation.toml": ""})


def at(hhmm: str, day: int = 24) -> str:
    return f"2026-11-{day:02d}T{hhmm}:00+08:00"


def moved(when: str, before: str, after: str) -> tuple[str, str, str]:
    return ("status_change", when, json.dumps({"from": before, "to": after}))


def event(kind: str, when: str, **data: Any) -> tuple[str, str, str]:
    return (kind, when, json.dumps(data))


def quality(
    policy: SlaPolicy,
    rows: list[tuple[str, str, str]],
    now: str,
    *,
    status: str = "resolved",
    category: str = "inquiry",
    root_cause: str | None = None,
    escalation_level: int = 0,
) -> TicketQuality:
    """The facts the store would derive for a ticket with this timeline, at `now`."""
    happenings = happenings_from_rows(rows)
    clocks = ticket_clocks(policy, FACTS, happenings, epoch(now))
    entries = [Entry(kind, epoch(when), json.loads(data)) for kind, when, data in rows]
    ticket = TicketRow(
        epoch(rows[0][1]), "team-fl", "ag-1", category, status, escalation_level, root_cause
    )
    return ticket_quality(ticket, entries, happenings, clocks, QUALITY, epoch(now))


OPENING = [
    event("created", at("10:00")),
    event("assignment", at("10:02")),
    moved(at("10:02"), "new", "assigned"),
    event("reply", at("10:20"), direction="outbound"),
]
RESOLVED = [*OPENING, event("resolution", at("12:00")), moved(at("12:00"), "assigned", "resolved")]


# -- one ticket -----------------------------------------------------------------------------------


def test_a_ticket_resolved_on_first_contact(policy: SlaPolicy) -> None:
    q = quality(policy, RESOLVED, at("20:00"))
    assert q.resolved and q.first_contact and not (q.reopened or q.transferred or q.escalated)
    assert q.first_response_s == 20 * 60  # 10:00 → 10:20, inside desk hours
    assert q.handling_s == 2 * 3600  # 10:00 → 12:00 on the 24x7 resolution clock
    assert q.clocks == {
        "dispatch": ClockOutcome.MET,  # 2 min of 5
        "first_response": ClockOutcome.MET,  # 20 min of 60
        "resolution": ClockOutcome.MET,  # 2 h of 8
    }
    assert q.day == "2026-11-24" and not q.is_open and q.recheck_at is None
    assert q.csat is None  # no follow-up yet: no score, not zero


def test_reopen_after_resolve_is_not_first_contact(policy: SlaPolicy) -> None:
    rows = [
        *RESOLVED,
        moved(at("14:00"), "resolved", "in_progress"),
        event("resolution", at("15:00")),
        moved(at("15:00"), "in_progress", "resolved"),
    ]
    q = quality(policy, rows, at("20:00"))
    assert q.resolved and q.reopened and not q.first_contact
    assert q.handling_s == 2 * 3600  # handling runs to the first resolution, not the last


def test_a_transfer_is_not_first_contact(policy: SlaPolicy) -> None:
    rows = [*OPENING, event("transfer", at("11:00"), to_team="team-as"), *RESOLVED[4:]]
    q = quality(policy, rows, at("20:00"))
    assert q.resolved and q.transferred and not q.first_contact


@pytest.mark.parametrize(
    ("after", "first_contact"),
    [
        (event("call_log", at("16:00")), False),  # the customer called again
        (event("reply", at("16:00"), direction="inbound"), False),  # or wrote again
        (event("reply", at("16:00"), direction="outbound"), True),  # we wrote: not their contact
        (event("note", at("16:00")), True),
    ],
)
def test_customer_contact_after_resolving(
    policy: SlaPolicy, after: tuple[str, str, str], first_contact: bool
) -> None:
    assert quality(policy, [*RESOLVED, after], at("20:00")).first_contact is first_contact


def test_a_call_before_resolving_is_still_first_contact(policy: SlaPolicy) -> None:
    rows = [*OPENING, event("call_log", at("11:00")), *RESOLVED[4:]]
    assert quality(policy, rows, at("20:00")).first_contact


def test_paused_clocks_leave_waiting_time_out(policy: SlaPolicy) -> None:
    rows = [
        *OPENING,
        moved(at("10:30"), "assigned", "waiting_customer"),  # waiting 10:30 → 13:30: 3 h
        moved(at("13:30"), "waiting_customer", "in_progress"),
        event("resolution", at("14:00")),
        moved(at("14:00"), "in_progress", "resolved"),
    ]
    q = quality(policy, rows, at("20:00"))
    assert q.handling_s == 4 * 3600 - 3 * 3600  # 10:00 → 14:00, less 3 h paused
    assert q.clocks["resolution"] is ClockOutcome.MET


def test_first_response_counts_business_time_only(policy: SlaPolicy) -> None:
    rows = [
        event("created", at("17:30")),
        event("reply", at("09:45", day=25), direction="outbound"),  # overnight: desk closed
        event("resolution", at("10:00", day=25)),
        moved(at("10:00", day=25), "new", "resolved"),
    ]
    q = quality(policy, rows, at("20:00", day=25))
    assert q.first_response_s == 30 * 60 + 45 * 60  # 17:30-18:00 and 09:00-09:45
    assert q.clocks["first_response"] is ClockOutcome.MISSED  # 75 min of 60
    assert q.clocks["dispatch"] is ClockOutcome.MISSED  # never assigned: the 5 min ran out
    assert q.handling_s == 16 * 3600 + 30 * 60  # the 24x7 clock counts the night
    assert q.clocks["resolution"] is ClockOutcome.MISSED  # 16.5 h of 8


def test_an_open_ticket_is_undecided_until_its_clock_runs_out(policy: SlaPolicy) -> None:
    q = quality(policy, OPENING, at("12:00"), status="assigned")
    assert q.is_open and not q.resolved and not q.first_contact
    assert "resolution" not in q.clocks  # running, 2 h of 8: no outcome yet
    assert q.recheck_at == epoch(at("18:00"))  # when it will breach, the facts change
    assert q.handling_s is None
    late = quality(policy, OPENING, at("18:30"), status="assigned")
    assert late.clocks["resolution"] is ClockOutcome.MISSED and late.recheck_at is None


def test_a_paused_clock_has_no_outcome_and_no_recheck(policy: SlaPolicy) -> None:
    rows = [*OPENING, moved(at("10:30"), "assigned", "waiting_customer")]
    q = quality(policy, rows, at("23:00"), status="waiting_customer")
    assert "resolution" not in q.clocks and q.recheck_at is None  # 30 min used, then paused


def test_csat_is_the_latest_valid_follow_up_score(policy: SlaPolicy) -> None:
    scored = [
        *RESOLVED,
        event("follow_up_scheduled", at("12:00")),
        event("follow_up_result", at("15:00"), score=4, comment="ok"),
        event("follow_up_result", at("16:00"), score=2, comment="called back"),
        event("follow_up_result", at("17:00"), score=9),  # out of 1-5: ignored
        event("follow_up_result", at("17:30"), score="5"),  # not a number: ignored
    ]
    assert quality(policy, scored, at("20:00")).csat == 2


def test_escalation_and_root_cause(policy: SlaPolicy) -> None:
    rows = [*OPENING, event("escalation", at("11:00"), step="x"), *RESOLVED[4:]]
    q = quality(policy, rows, at("20:00"), category="complaint", root_cause="product_defect")
    assert q.escalated and q.complaint and q.root_cause == "product_defect"
    assert quality(policy, RESOLVED, at("20:00"), escalation_level=1).escalated
    still_open = quality(
        policy, OPENING, at("11:00"), status="assigned", category="complaint", root_cause="other"
    )
    assert still_open.root_cause is None  # only finished complaints count in the Pareto


# -- many tickets ---------------------------------------------------------------------------------


def test_measures_of_four_hand_made_tickets(policy: SlaPolicy) -> None:
    now = at("20:00")
    tickets = [
        quality(policy, RESOLVED, now),  # FCR; response 20 min; handling 2 h
        quality(
            policy,
            [*RESOLVED, moved(at("14:00"), "resolved", "in_progress")],
            now,
            status="in_progress",
        ),  # reopened, open again
        quality(
            policy,
            [*OPENING, event("transfer", at("11:00")), *RESOLVED[4:]],
            now,
            category="complaint",
            root_cause="process",
        ),
        quality(policy, OPENING[:3], now, status="assigned"),  # no reply yet: open
    ]
    m = measures(tally_of(tickets), epoch(now), ("dispatch", "first_response", "resolution"))
    assert m.tickets == 4 and m.resolved == 3
    assert m.fcr == pytest.approx(1 / 3)  # of 3 resolved, only the first
    assert m.reopen_rate == pytest.approx(1 / 3)
    assert m.complaint_rate == pytest.approx(1 / 4)
    assert m.escalation_rate == 0
    assert m.first_response_avg_s == 20 * 60 and m.responded == 3
    assert m.first_response_p90_s == 20 * 60
    assert m.handling_avg_s == 2 * 3600 and m.handled == 3
    assert m.csat is None and m.csat_count == 0
    assert m.backlog == 2  # the reopened one and the unanswered one
    assert m.backlog_age_avg_s == 10 * 3600 and m.backlog_age_max_s == 10 * 3600
    by_clock = {a.clock: (a.met, a.missed) for a in m.sla}
    # dispatch met 4 times; first response met 3 times, and breached at 11:00 on the 4th
    assert by_clock["dispatch"] == (4, 0) and by_clock["first_response"] == (3, 1)
    # resolution: 2 met; the reopened one runs again from 14:00 (6 h of 8, undecided); the
    # unanswered one breached at 18:00
    assert by_clock["resolution"] == (2, 1)
    assert [a.clock for a in m.sla] == ["dispatch", "first_response", "resolution"]
    assert m.sla_overall == pytest.approx(9 / 11)


def test_an_empty_period_has_no_value_and_no_division_by_zero() -> None:
    m = measures(Tally(), 0)
    assert m.tickets == 0 and m.backlog == 0 and m.sla == () and m.sla_overall is None
    for value in (
        m.csat, m.fcr, m.first_response_avg_s, m.first_response_p90_s, m.handling_avg_s,
        m.complaint_rate, m.escalation_rate, m.reopen_rate, m.backlog_age_avg_s,
        m.backlog_age_max_s,
    ):  # fmt: skip
        assert value is None
    assert rate(0, 0) is None and rate(0, 5) == 0.0


def test_tallies_merge_to_the_tally_of_all(policy: SlaPolicy) -> None:
    a = quality(policy, RESOLVED, at("20:00"))
    b = quality(policy, OPENING, at("20:00"), status="assigned", category="complaint")
    merged = tally_of([a])
    merged.merge(tally_of([b]))
    assert merged == tally_of([a, b])


def test_p90_is_the_nearest_rank_bucket() -> None:
    assert response_bucket(0) == 0 and response_bucket(1) == 60 and response_bucket(60) == 60
    assert response_bucket(7200) == 7200 and response_bucket(7201) == 7800  # 10-minute steps
    assert response_bucket(86_401) == 90_000  # hourly past a day
    ten = Counter({60 * i: 1 for i in range(1, 11)})  # 1..10 minutes, one each
    assert percentile(ten, 0.9) == 9 * 60  # rank ceil(0.9 * 10) = 9
    assert percentile(Counter({60: 1}), 0.9) == 60
    assert percentile(Counter(), 0.9) is None


def test_pareto_of_root_causes() -> None:
    rows = pareto({"process": 2, "product_defect": 5, "delivery_delay": 2, "other": 1})
    assert [(r.cause, r.count) for r in rows] == [
        ("product_defect", 5), ("delivery_delay", 2), ("process", 2), ("other", 1),
    ]  # fmt: skip
    assert [r.share for r in rows] == [0.5, 0.2, 0.2, 0.1]
    assert math.isclose(rows[-1].cumulative, 1.0) and rows[1].cumulative == pytest.approx(0.7)
    assert pareto({}) == []


def test_periods_are_local_days_weeks_and_months() -> None:
    assert period_key("2026-11-26", GroupBy.WEEK) == "2026-11-23"  # Monday
    assert period_key("2026-11-26", GroupBy.MONTH) == "2026-11"
    assert period_key("2026-11-26", GroupBy.DAY) == "2026-11-26"
    start, end = Period(date(2026, 10, 1), date(2026, 11, 1)).bounds("Asia/Shanghai")
    assert start == epoch("2026-10-01T00:00:00+08:00") and end - start == 31 * 86_400


# -- in the store ---------------------------------------------------------------------------------


def test_the_store_keeps_facts_and_sums_current(repo: Any, seeded: Path, clock: Any) -> None:
    """Derived once, then only what an edit touched; the sums agree with the tickets."""
    from datetime import timedelta

    from agentdesk.domain.model import RootCause
    from agentdesk.store import database, metrics_query

    conn = database.connect(seeded)
    now = int(clock.now().timestamp())
    period = Period(date(2026, 11, 1), date(2026, 12, 1))
    scope = metrics_query.Scope(period)
    try:
        assert metrics_query.refresh(conn, repo.policy, QUALITY, now) == 3
        assert metrics_query.refresh(conn, repo.policy, QUALITY, now) == 0  # nothing changed
        total = metrics_query.kpi_tallies(conn, scope, GroupBy.ALL)[""]
        assert (total.tickets, total.open, total.complaints, total.resolved) == (3, 3, 1, 0)

        me = repo.agent_by_username("zhang.wei")
        later = clock.now() + timedelta(minutes=30)
        repo.take("T-20261123-0002", me, later)
        repo.add_message("T-20261123-0002", _kind("reply"), "您好，马上为您处理", me, later)
        repo.resolve("T-20261123-0002", "换新", RootCause.PRODUCT_DEFECT, me, later)
        # the edited ticket (the trigger marked it), and the unassigned inquiry whose 5-minute
        # dispatch clock ran out meanwhile (its recheck time came)
        assert metrics_query.refresh(conn, repo.policy, QUALITY, now + 1800) == 2
        total = metrics_query.kpi_tallies(conn, scope, GroupBy.ALL)[""]
        assert (total.tickets, total.open, total.resolved, total.first_contact) == (3, 2, 1, 1)
        assert metrics_query.cause_counts(conn, scope) == Counter({"product_defect": 1})

        by_team = metrics_query.kpi_tallies(conn, scope, GroupBy.TEAM)
        assert sum(t.tickets for t in by_team.values()) == 3
        before = metrics_query.kpi_tallies(conn, metrics_query.Scope(Period(date(2026, 10, 1),
                                                                            date(2026, 11, 1))),
                                           GroupBy.ALL)  # fmt: skip
        assert before == {}  # an empty period: no groups at all
    finally:
        conn.close()


def test_a_ticket_deleted_from_the_store_leaves_the_sums(
    repo: Any, seeded: Path, clock: Any
) -> None:
    from agentdesk.store import database, metrics_query

    conn = database.connect(seeded)
    now = int(clock.now().timestamp())
    scope = metrics_query.Scope(Period(date(2026, 11, 1), date(2026, 12, 1)))
    try:
        metrics_query.refresh(conn, repo.policy, QUALITY, now)
        with conn:
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("DELETE FROM ticket WHERE number = 'T-20261123-0003'")
        assert metrics_query.refresh(conn, repo.policy, QUALITY, now) == 1
        assert metrics_query.kpi_tallies(conn, scope, GroupBy.ALL)[""].tickets == 2
    finally:
        conn.close()


def _kind(value: str) -> Any:
    from agentdesk.domain.model import EventKind

    return EventKind(value)
