"""The shipped policy's clocks, golden-tested against SPEC rules R1, R2, R3 and R5.

Every expected instant is written out in Beijing time with the arithmetic beside it, so a change
in the policy, the calendars or the replay shows up as a wrong wall-clock time, not a number.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from agentdesk.domain.calendars import ALWAYS_OPEN
from agentdesk.domain.clocks import (
    ClockState,
    Happening,
    Phase,
    QueueDeadline,
    happening,
    queue_deadline,
    replay,
    ticket_clocks,
)
from agentdesk.domain.model import Category, Channel, CustomerTier, Priority, Status
from agentdesk.domain.sla_policy import ClockRule, Signal, TicketFacts
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy

POLICY = load_policy(SHIPPED_POLICY_DIR)
MINUTE, HOUR = 60, 3600


def at(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def facts(
    category: Category = Category.INQUIRY,
    priority: Priority = Priority.NORMAL,
    tier: CustomerTier = CustomerTier.STANDARD,
) -> TicketFacts:
    return TicketFacts(category, priority, tier, Channel.PHONE)


def rule(ticket: TicketFacts, name: str) -> ClockRule:
    (found,) = [r for r in POLICY.clocks_for(ticket) if r.name == name]
    return found


def run(ticket: TicketFacts, name: str, happenings: list[Happening], now: str) -> ClockState:
    r = rule(ticket, name)
    return replay(r, POLICY.calendar(r.calendar), happenings, at(now))


def created(iso: str) -> Happening:
    return Happening(at(iso), Signal.CREATED, Status.NEW)


def status(iso: str, before: Status, after: Status) -> Happening:
    h = happening("status_change", at(iso), {"from": before.value, "to": after.value})
    assert h is not None
    return h


def reply(iso: str) -> Happening:
    h = happening("reply", at(iso), {"direction": "outbound"})
    assert h is not None
    return h


S = Status
COMPLAINT = facts(Category.COMPLAINT)
RETURN = facts(Category.RETURN_EXCHANGE)
REPAIR = facts(Category.REPAIR)
INQUIRY = facts(Category.INQUIRY)


# -- which clocks a ticket gets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "names", "resolution"),
    [
        (Category.INQUIRY, ["dispatch", "first_response", "resolution"], (86_400, "cn-business")),
        (Category.REFUND, ["dispatch", "first_response", "resolution"], (86_400, "cn-business")),
        (Category.REPAIR, ["dispatch", "first_response", "resolution"], (172_800, "24x7")),
        (
            Category.RETURN_EXCHANGE,
            ["dispatch", "first_response", "review", "resolution"],
            (86_400, "cn-business"),
        ),
        (
            Category.COMPLAINT,
            ["dispatch", "first_response", "next_update", "resolution"],
            (86_400, "24x7"),
        ),
    ],
)
def test_each_category_gets_its_clocks(
    category: Category, names: list[str], resolution: tuple[int, str]
) -> None:
    clocks = POLICY.clocks_for(facts(category))

    assert [r.name for r in clocks] == names
    assert (clocks[-1].target, clocks[-1].calendar) == resolution


# -- R1 dispatch: 5 minutes from creation, around the clock ---------------------------------------


def test_dispatch_is_due_5_minutes_after_creation_even_on_a_saturday_night() -> None:
    # Saturday 03:00 is closed in every business calendar; dispatch runs 24x7.
    clock = run(
        INQUIRY, "dispatch", [created("2026-09-19T03:00:00+08:00")], "2026-09-19T03:00:00+08:00"
    )

    assert clock.phase is Phase.RUNNING
    assert clock.cycle == 1
    assert clock.due == at("2026-09-19T03:05:00+08:00")  # 03:00 + 5 min
    assert clock.met is None


def test_dispatch_warns_from_2_minutes_before_it_is_due() -> None:
    happenings = [created("2026-09-22T10:00:00+08:00")]

    before = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:02:59+08:00")
    warned = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:03:00+08:00")

    assert before.warn_at == at("2026-09-22T10:03:00+08:00")  # due 10:05 − 2 min
    assert before.remaining_at(at("2026-09-22T10:02:59+08:00")) == 2 * MINUTE + 1
    assert warned.remaining_at(at("2026-09-22T10:03:00+08:00")) == 2 * MINUTE
    assert not warned.is_breached(at("2026-09-22T10:03:00+08:00"))


def test_dispatch_stops_at_assignment_and_is_met() -> None:
    h = happening("assignment", at("2026-09-22T10:04:00+08:00"), {})
    assert h is not None

    clock = run(
        INQUIRY, "dispatch", [created("2026-09-22T10:00:00+08:00"), h], "2026-09-23T10:00:00+08:00"
    )

    assert clock.phase is Phase.STOPPED
    assert clock.stopped_at == at("2026-09-22T10:04:00+08:00")
    assert clock.met is True
    assert clock.due is None
    assert clock.used == 4 * MINUTE
    assert not clock.is_breached(at("2026-09-23T10:00:00+08:00"))


def test_dispatch_assigned_after_6_minutes_is_breached_at_5() -> None:
    happenings = [
        created("2026-09-22T10:00:00+08:00"),
        Happening(at("2026-09-22T10:06:00+08:00"), Signal.ASSIGNED, Status.ASSIGNED),
    ]

    clock = run(INQUIRY, "dispatch", happenings, "2026-09-22T11:00:00+08:00")

    assert clock.phase is Phase.STOPPED
    assert clock.met is False
    assert clock.breached_at == at("2026-09-22T10:05:00+08:00")  # 10:00 + 5 min
    assert clock.stopped_at == at("2026-09-22T10:06:00+08:00")


def test_dispatch_not_assigned_is_breached_from_the_due_instant_on() -> None:
    happenings = [created("2026-09-22T10:00:00+08:00")]

    just_before = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:04:59+08:00")
    late = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:20:00+08:00")

    assert not just_before.is_breached(at("2026-09-22T10:04:59+08:00"))
    assert late.is_breached(at("2026-09-22T10:20:00+08:00"))
    assert late.breached_at == at("2026-09-22T10:05:00+08:00")
    assert late.remaining_at(at("2026-09-22T10:20:00+08:00")) == -15 * MINUTE


def test_a_transfer_also_dispatches() -> None:
    h = happening("transfer", at("2026-09-22T10:01:00+08:00"), {"to_team": "after_sales"})
    assert h is not None and h.signal is Signal.ASSIGNED

    clock = run(
        INQUIRY, "dispatch", [created("2026-09-22T10:00:00+08:00"), h], "2026-09-22T12:00:00+08:00"
    )

    assert clock.met is True


# -- first response: by priority and tier, in the service desk's 08:00–22:00 ------------------


@pytest.mark.parametrize(
    ("priority", "tier", "due"),
    [
        (Priority.URGENT, CustomerTier.STANDARD, "2026-09-22T10:30:00+08:00"),  # 10:00 + 30 min
        (Priority.NORMAL, CustomerTier.VIP, "2026-09-22T11:00:00+08:00"),  # 10:00 + 1 h
        (Priority.HIGH, CustomerTier.STANDARD, "2026-09-22T11:00:00+08:00"),  # 10:00 + 1 h
        (Priority.NORMAL, CustomerTier.STANDARD, "2026-09-22T14:00:00+08:00"),  # 10:00 + 4 h
        (Priority.LOW, CustomerTier.GOLD, "2026-09-22T14:00:00+08:00"),  # 10:00 + 4 h
        (Priority.URGENT, CustomerTier.VIP, "2026-09-22T10:30:00+08:00"),  # urgent entry first
    ],
)
def test_first_response_target_by_priority_and_tier(
    priority: Priority, tier: CustomerTier, due: str
) -> None:
    ticket = facts(Category.TECHNICAL, priority, tier)

    clock = run(
        ticket,
        "first_response",
        [created("2026-09-22T10:00:00+08:00")],
        "2026-09-22T10:00:00+08:00",
    )

    assert rule(ticket, "first_response").calendar == "cn-service-desk"
    assert clock.due == at(due)


def test_first_response_counts_only_service_desk_hours() -> None:
    # Created 20:30: 20:30–22:00 is 1 h 30 min; the other 2 h 30 min run 08:00–10:30 next day.
    happenings = [created("2026-09-22T20:30:00+08:00")]

    clock = run(INQUIRY, "first_response", happenings, "2026-09-23T07:00:00+08:00")

    assert clock.due == at("2026-09-23T10:30:00+08:00")
    assert clock.warn_at == at("2026-09-23T09:30:00+08:00")  # due − 1 h
    assert clock.used_at(at("2026-09-23T07:00:00+08:00")) == 90 * MINUTE  # the night is closed


def test_first_response_runs_on_public_holidays() -> None:
    # 2026-10-01 is National Day; the service desk is open every day, holidays included.
    clock = run(
        INQUIRY,
        "first_response",
        [created("2026-10-01T09:00:00+08:00")],
        "2026-10-01T09:00:00+08:00",
    )

    assert clock.due == at("2026-10-01T13:00:00+08:00")  # 09:00 + 4 h


def test_first_response_stops_at_the_first_outbound_reply() -> None:
    happenings = [created("2026-09-22T10:00:00+08:00"), reply("2026-09-22T11:15:00+08:00")]

    clock = run(INQUIRY, "first_response", happenings, "2026-09-22T18:00:00+08:00")

    assert clock.phase is Phase.STOPPED
    assert clock.stopped_at == at("2026-09-22T11:15:00+08:00")
    assert clock.met is True
    assert clock.used == 75 * MINUTE


def test_an_inbound_customer_message_does_not_stop_first_response() -> None:
    inbound = happening("reply", at("2026-09-22T11:15:00+08:00"), {"direction": "inbound"})
    assert inbound is None
    happenings = [created("2026-09-22T10:00:00+08:00")]  # the inbound message adds nothing

    clock = run(INQUIRY, "first_response", happenings, "2026-09-22T11:15:00+08:00")

    assert clock.phase is Phase.RUNNING
    assert clock.due == at("2026-09-22T14:00:00+08:00")


def test_a_reply_without_a_direction_counts_as_outbound() -> None:
    assert happening("reply", 0, {}) == Happening(0, Signal.REPLIED)


# -- R2 next update: complaints, 48 h around the clock, again after every reply -------------------


def test_next_update_is_only_for_complaints() -> None:
    for category in Category:
        names = [r.name for r in POLICY.clocks_for(facts(category))]
        assert ("next_update" in names) is (category is Category.COMPLAINT)


def test_next_update_is_due_48_hours_after_creation_weekend_included() -> None:
    clock = run(
        COMPLAINT,
        "next_update",
        [created("2026-09-18T10:00:00+08:00")],
        "2026-09-18T10:00:00+08:00",
    )

    assert clock.due == at("2026-09-20T10:00:00+08:00")  # Fri 10:00 + 48 h = Sun 10:00
    assert clock.warn_at == at("2026-09-20T02:00:00+08:00")  # due − 8 h


def test_next_update_restarts_after_every_reply() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        reply("2026-09-18T15:00:00+08:00"),
        reply("2026-09-19T16:00:00+08:00"),
    ]

    after_first = run(COMPLAINT, "next_update", happenings, "2026-09-18T15:00:00+08:00")
    after_second = run(COMPLAINT, "next_update", happenings, "2026-09-19T16:00:00+08:00")

    assert after_first.cycle == 2
    assert after_first.due == at("2026-09-20T15:00:00+08:00")  # Fri 15:00 + 48 h
    assert after_second.cycle == 3
    assert after_second.started_at == at("2026-09-19T16:00:00+08:00")
    assert after_second.due == at("2026-09-21T16:00:00+08:00")  # Sat 16:00 + 48 h
    assert after_second.used == 0


def test_next_update_breached_then_a_reply_starts_a_fresh_cycle() -> None:
    happenings = [created("2026-09-18T10:00:00+08:00"), reply("2026-09-20T12:00:00+08:00")]

    late = run(COMPLAINT, "next_update", happenings, "2026-09-20T11:00:00+08:00")
    updated = run(COMPLAINT, "next_update", happenings, "2026-09-20T12:00:00+08:00")

    assert late.breached_at == at("2026-09-20T10:00:00+08:00")  # Fri 10:00 + 48 h
    assert late.is_breached(at("2026-09-20T11:00:00+08:00"))
    assert updated.cycle == 2
    assert updated.breached_at is None
    assert updated.due == at("2026-09-22T12:00:00+08:00")  # Sun 12:00 + 48 h


def test_next_update_stops_at_resolution_and_later_replies_do_not_restart_it() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-19T09:00:00+08:00", S.IN_PROGRESS, S.RESOLVED),
        reply("2026-09-19T09:05:00+08:00"),
    ]

    clock = run(COMPLAINT, "next_update", happenings, "2026-09-25T00:00:00+08:00")

    assert clock.phase is Phase.STOPPED
    assert clock.stopped_at == at("2026-09-19T09:00:00+08:00")
    assert clock.cycle == 1
    assert clock.met is True


def test_reopening_a_complaint_starts_a_new_next_update_cycle() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-19T09:00:00+08:00", S.IN_PROGRESS, S.RESOLVED),
        status("2026-09-23T14:00:00+08:00", S.RESOLVED, S.IN_PROGRESS),
    ]

    clock = run(COMPLAINT, "next_update", happenings, "2026-09-23T14:00:00+08:00")

    assert clock.phase is Phase.RUNNING
    assert clock.cycle == 2
    assert clock.started_at == at("2026-09-23T14:00:00+08:00")
    assert clock.due == at("2026-09-25T14:00:00+08:00")  # Wed 14:00 + 48 h


# -- R3 review: return/exchange decided within 24 h, not counting the wait on the customer -------


def test_review_is_due_24_hours_after_creation() -> None:
    clock = run(
        RETURN, "review", [created("2026-09-18T10:00:00+08:00")], "2026-09-18T10:00:00+08:00"
    )

    assert clock.due == at("2026-09-19T10:00:00+08:00")  # Fri 10:00 + 24 h
    assert clock.warn_at == at("2026-09-19T06:00:00+08:00")  # due − 4 h


def test_review_pauses_while_waiting_on_the_customer() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-18T11:00:00+08:00", S.NEW, S.IN_PROGRESS),
        status("2026-09-18T12:00:00+08:00", S.IN_PROGRESS, S.WAITING_CUSTOMER),
        status("2026-09-18T17:30:00+08:00", S.WAITING_CUSTOMER, S.IN_PROGRESS),
    ]

    waiting = run(RETURN, "review", happenings, "2026-09-18T15:00:00+08:00")
    resumed = run(RETURN, "review", happenings, "2026-09-18T17:30:00+08:00")

    assert waiting.phase is Phase.PAUSED
    assert waiting.pause_status is S.WAITING_CUSTOMER
    assert waiting.due is None
    assert waiting.paused_at(at("2026-09-18T15:00:00+08:00")) == 3 * HOUR  # since 12:00
    assert waiting.used_at(at("2026-09-18T15:00:00+08:00")) == 2 * HOUR  # 10:00–12:00
    assert resumed.phase is Phase.RUNNING
    assert resumed.paused_wall == 5 * HOUR + 30 * MINUTE  # 12:00–17:30
    assert resumed.due == at("2026-09-19T15:30:00+08:00")  # Sat 10:00 + 5 h 30 min paused


def test_review_stops_when_the_request_is_reviewed() -> None:
    h = happening("review", at("2026-09-18T20:00:00+08:00"), {"decision": "approved"})
    assert h is not None

    clock = run(
        RETURN, "review", [created("2026-09-18T10:00:00+08:00"), h], "2026-09-20T00:00:00+08:00"
    )

    assert clock.phase is Phase.STOPPED
    assert clock.met is True
    assert clock.used == 10 * HOUR


def test_review_reviewed_while_paused_stops_and_keeps_the_pause() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-18T12:00:00+08:00", S.NEW, S.WAITING_CUSTOMER),
        Happening(at("2026-09-19T12:00:00+08:00"), Signal.REVIEWED),
    ]

    clock = run(RETURN, "review", happenings, "2026-09-20T00:00:00+08:00")

    assert clock.phase is Phase.STOPPED
    assert clock.met is True  # 2 h used; the 24 h wait did not count
    assert clock.used == 2 * HOUR
    assert clock.paused_wall == 24 * HOUR


# -- R3 repair: resolved within 48 h around the clock, paused while waiting on the customer ----


def test_repair_resolution_is_48_hours_paused_while_waiting() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-18T12:00:00+08:00", S.NEW, S.WAITING_CUSTOMER),
        status("2026-09-18T22:00:00+08:00", S.WAITING_CUSTOMER, S.IN_PROGRESS),
    ]

    fresh = run(REPAIR, "resolution", happenings[:1], "2026-09-18T10:00:00+08:00")
    resumed = run(REPAIR, "resolution", happenings, "2026-09-18T22:00:00+08:00")

    assert fresh.due == at("2026-09-20T10:00:00+08:00")  # Fri 10:00 + 48 h
    assert resumed.used == 2 * HOUR  # 10:00–12:00; 12:00–22:00 was the wait
    assert resumed.due == at("2026-09-20T20:00:00+08:00")  # Sun 10:00 + 10 h paused


# -- R5 complaint resolution: 24 h from creation, no pause ----------------------------------------


def test_complaint_resolution_keeps_running_while_waiting_on_the_customer() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-18T11:00:00+08:00", S.NEW, S.WAITING_CUSTOMER),
    ]

    waiting = run(COMPLAINT, "resolution", happenings, "2026-09-19T09:59:59+08:00")
    late = run(COMPLAINT, "resolution", happenings, "2026-09-19T10:00:00+08:00")

    assert waiting.phase is Phase.RUNNING
    assert waiting.due == at("2026-09-19T10:00:00+08:00")  # Fri 10:00 + 24 h, no pause
    assert not waiting.is_breached(at("2026-09-19T09:59:59+08:00"))
    assert late.is_breached(at("2026-09-19T10:00:00+08:00"))
    assert late.breached_at == at("2026-09-19T10:00:00+08:00")


def test_complaint_resolved_after_24_hours_is_missed() -> None:
    happenings = [
        created("2026-09-18T10:00:00+08:00"),
        status("2026-09-19T12:00:00+08:00", S.IN_PROGRESS, S.RESOLVED),
    ]

    clock = run(COMPLAINT, "resolution", happenings, "2026-09-20T00:00:00+08:00")

    assert clock.met is False
    assert clock.breached_at == at("2026-09-19T10:00:00+08:00")


def test_complaint_breach_is_what_the_escalation_ladder_watches() -> None:
    step = POLICY.steps[0]

    assert step.when.matches(COMPLAINT)
    assert not step.when.matches(INQUIRY)
    assert (step.trigger.clock, step.trigger.state) == ("resolution", "breached")
    assert step.escalate
    assert step.follow_up_owner == "least_loaded_lead"


# -- everything else: 24 business hours in cn-business (China's holidays and 调休) ---------------


def test_inquiry_resolution_counts_the_adjusted_working_sunday() -> None:
    # Fri 09-18 16:00–18:00 = 2 h; Sat 09-19 closed; Sun 09-20 is a 调休 working day = 8 h (10);
    # Mon 09-21 = 8 h (18); Tue 09-22 09:00–12:00 = 3 h (21) and 13:00–16:00 = 3 h (24).
    clock = run(
        INQUIRY, "resolution", [created("2026-09-18T16:00:00+08:00")], "2026-09-18T16:00:00+08:00"
    )

    assert clock.due == at("2026-09-22T16:00:00+08:00")


def test_resolution_skips_the_national_day_holidays() -> None:
    # Wed 09-30 10:00–12:00 + 13:00–18:00 = 7 h; Oct 1–7 closed; Thu 10-08 8 h (15);
    # Fri 10-09 8 h (23); Sat 10-10 is a 调休 working day: 09:00 + 1 h = 10:00 (24).
    ticket = facts(Category.PRESALES)

    clock = run(
        ticket, "resolution", [created("2026-09-30T10:00:00+08:00")], "2026-09-30T10:00:00+08:00"
    )

    assert clock.due == at("2026-10-10T10:00:00+08:00")


def test_resolution_pauses_in_business_time_while_waiting() -> None:
    # Running Fri 16:00–17:00 (1 h), waiting 17:00 until Mon 10:00 (of which Sun 09:00–18:00 and
    # Mon 09:00–10:00 were business hours), resumed Mon 10:00 with 23 h left: Mon 10:00–18:00
    # = 7 h (8 used), Tue 8 h (16), Wed 09-23 09:00–12:00 + 13:00–18:00 = 8 h (24) → Wed 18:00.
    happenings = [
        created("2026-09-18T16:00:00+08:00"),
        status("2026-09-18T17:00:00+08:00", S.NEW, S.WAITING_CUSTOMER),
        status("2026-09-21T10:00:00+08:00", S.WAITING_CUSTOMER, S.IN_PROGRESS),
    ]

    clock = run(INQUIRY, "resolution", happenings, "2026-09-21T10:00:00+08:00")

    assert clock.used == HOUR
    assert clock.due == at("2026-09-23T18:00:00+08:00")


# -- what the queue shows -------------------------------------------------------------------------


def test_queue_shows_the_nearest_running_due_and_its_warning() -> None:
    happenings = [created("2026-09-22T10:00:00+08:00")]

    shown = queue_deadline(
        ticket_clocks(POLICY, INQUIRY, happenings, at("2026-09-22T10:00:00+08:00"))
    )

    assert shown == QueueDeadline(
        "dispatch",
        at("2026-09-22T10:05:00+08:00"),  # 10:00 + 5 min
        at("2026-09-22T10:03:00+08:00"),  # due − 2 min
        False,
    )


def test_queue_moves_to_the_next_clock_when_dispatch_stops() -> None:
    happenings = [
        created("2026-09-22T10:00:00+08:00"),
        Happening(at("2026-09-22T10:02:00+08:00"), Signal.ASSIGNED, Status.ASSIGNED),
    ]

    shown = queue_deadline(
        ticket_clocks(POLICY, INQUIRY, happenings, at("2026-09-22T10:02:00+08:00"))
    )

    assert shown.clock == "first_response"
    assert shown.due == at("2026-09-22T14:00:00+08:00")  # 10:00 + 4 h
    assert shown.warn == at("2026-09-22T13:00:00+08:00")  # due − 1 h


def _rule(name: str, target: str, warn: str) -> ClockRule:
    return ClockRule.model_validate(
        {
            "name": name,
            "target": target,
            "calendar": "24x7",
            "start": ["created"],
            "stop": ["resolved"],
            "warn_before": [warn],
        }
    )


def test_queue_warning_is_the_earliest_of_all_running_clocks() -> None:
    # near: due 10:00 + 1 h = 11:00, warns 10:55; far: due 12:00, warns 12:00 − 1 h 30 = 10:30.
    start = at("2026-09-22T10:00:00+08:00")
    clocks = [
        replay(_rule("near", "1h", "5m"), ALWAYS_OPEN, [Happening(start, Signal.CREATED)], start),
        replay(_rule("far", "2h", "1h30m"), ALWAYS_OPEN, [Happening(start, Signal.CREATED)], start),
    ]

    shown = queue_deadline(clocks)

    assert shown.clock == "near"
    assert shown.due == at("2026-09-22T11:00:00+08:00")
    assert shown.warn == at("2026-09-22T10:30:00+08:00")


def test_queue_shows_paused_when_every_live_clock_is_paused() -> None:
    happenings = [
        created("2026-09-22T10:00:00+08:00"),
        Happening(at("2026-09-22T10:01:00+08:00"), Signal.ASSIGNED, Status.ASSIGNED),
        reply("2026-09-22T10:10:00+08:00"),
        status("2026-09-22T10:11:00+08:00", S.ASSIGNED, S.WAITING_CUSTOMER),
    ]

    clocks = ticket_clocks(POLICY, REPAIR, happenings, at("2026-09-22T12:00:00+08:00"))

    assert [c.phase for c in clocks] == [Phase.STOPPED, Phase.STOPPED, Phase.PAUSED]
    assert queue_deadline(clocks) == QueueDeadline("resolution", None, None, True)


def test_queue_shows_nothing_when_every_clock_has_stopped() -> None:
    happenings = [
        created("2026-09-22T10:00:00+08:00"),
        status("2026-09-22T10:01:00+08:00", S.IN_PROGRESS, S.RESOLVED),
    ]

    clocks = ticket_clocks(POLICY, INQUIRY, happenings, at("2026-09-22T12:00:00+08:00"))

    assert all(c.phase is Phase.STOPPED for c in clocks)
    assert queue_deadline(clocks) == QueueDeadline(None, None, None, False)


# -- replay semantics -----------------------------------------------------------------------------


def test_a_clock_is_pending_until_its_start_signal() -> None:
    clock = run(INQUIRY, "dispatch", [], "2026-09-22T10:00:00+08:00")

    assert clock.phase is Phase.PENDING
    assert clock.cycle == 0
    assert clock.due is None
    assert clock.warn_at is None


def test_happenings_after_now_are_not_seen() -> None:
    happenings = [
        created("2026-09-22T10:00:00+08:00"),
        Happening(at("2026-09-22T10:10:00+08:00"), Signal.ASSIGNED, Status.ASSIGNED),
    ]

    before = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:03:00+08:00")
    after = run(INQUIRY, "dispatch", happenings, "2026-09-22T10:10:00+08:00")

    assert before.phase is Phase.RUNNING
    assert before.breached_at is None  # the late assignment at 10:10 is still in the future
    assert after.phase is Phase.STOPPED
    assert after.met is False


@pytest.mark.parametrize(
    ("before", "after", "signal"),
    [
        (S.RESOLVED, S.IN_PROGRESS, Signal.REOPENED),
        (S.CLOSED, S.IN_PROGRESS, Signal.REOPENED),
        (S.RESOLVED, S.WAITING_CUSTOMER, Signal.REOPENED),
        (S.IN_PROGRESS, S.RESOLVED, Signal.RESOLVED),
        (S.RESOLVED, S.CLOSED, Signal.CLOSED),
        (S.IN_PROGRESS, S.WAITING_CUSTOMER, None),
        (S.WAITING_CUSTOMER, S.IN_PROGRESS, None),
    ],
)
def test_status_changes_as_signals(before: Status, after: Status, signal: Signal | None) -> None:
    h = happening("status_change", 100, {"from": before.value, "to": after.value})

    assert h == Happening(100, signal, after)


@pytest.mark.parametrize(
    ("kind", "signal"),
    [
        ("created", Signal.CREATED),
        ("assignment", Signal.ASSIGNED),
        ("transfer", Signal.ASSIGNED),
        ("resolution", Signal.RESOLVED),
        ("review", Signal.REVIEWED),
        ("escalation", Signal.ESCALATED),
    ],
)
def test_timeline_kinds_as_signals(kind: str, signal: Signal) -> None:
    assert happening(kind, 100, {}) == Happening(100, signal)


@pytest.mark.parametrize("kind", ["note", "call_log", "pii_reveal"])
def test_timeline_kinds_that_touch_no_clock(kind: str) -> None:
    assert happening(kind, 100, {}) is None
