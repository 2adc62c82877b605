"""Domain rules without UI or store: status graph, PII masks, deadlines, numbers, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentdesk.domain import actions, deadlines, numbering, pii, status_flow, validation
from agentdesk.domain.errors import InvalidTransition, ValidationFailed
from agentdesk.domain.model import Category, ComplaintLevel, Priority, Status
from agentdesk.domain.records import NewCustomer

S = Status


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.ASSIGNED),
        (S.ASSIGNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.WAITING_CUSTOMER),
        (S.WAITING_CUSTOMER, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.CLOSED, S.IN_PROGRESS),
    ],
)
def test_allowed_moves_pass(current: Status, target: Status) -> None:
    status_flow.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.NEW, S.RESOLVED), (S.NEW, S.CLOSED), (S.CLOSED, S.RESOLVED), (S.IN_PROGRESS, S.NEW)],
)
def test_forbidden_moves_raise_with_a_message(current: Status, target: Status) -> None:
    with pytest.raises(InvalidTransition) as err:
        status_flow.check_transition(current, target)
    assert current.value in err.value.message() and target.value in err.value.message()


def test_every_status_is_reachable_from_new_and_none_is_a_dead_end() -> None:
    seen, frontier = {S.NEW}, [S.NEW]
    while frontier:
        for nxt in status_flow.allowed_next(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status)
    assert all(status_flow.allowed_next(s) for s in Status)


def test_reopen_is_recognised_only_from_finished_statuses() -> None:
    assert status_flow.is_reopen(S.RESOLVED, S.IN_PROGRESS)
    assert status_flow.is_reopen(S.CLOSED, S.IN_PROGRESS)
    assert not status_flow.is_reopen(S.WAITING_CUSTOMER, S.IN_PROGRESS)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("13812345678", "138****5678"), ("+44 7700 900123", "+447*****0123"), ("12", "**")],
)
def test_phone_masks(raw: str, masked: str) -> None:
    assert pii.mask_phone(raw) == masked


def test_email_and_address_masks_hide_the_private_part() -> None:
    assert pii.mask_email("wangfang@example.cn") == "w***@example.cn"
    masked = pii.mask_address("上海市浦东新区世纪大道100号")
    assert masked.endswith("****") and "100" not in masked


@given(st.text(alphabet="0123456789", min_size=7, max_size=15))
def test_masked_phone_never_shows_the_middle_digits(digits: str) -> None:
    masked = pii.mask_phone(digits)
    assert masked[:3] == digits[:3] and masked[-4:] == digits[-4:]
    assert masked.count("*") == len(digits) - 7


def test_countdown_formats() -> None:
    assert deadlines.format_remaining(timedelta(hours=2, minutes=15)) == "02:15"
    assert deadlines.format_remaining(-timedelta(hours=2, minutes=15)) == "+02:15"
    assert deadlines.format_remaining(timedelta(days=3, hours=4)) == "3d 04h"


def test_deadline_states_follow_the_clock() -> None:
    due = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    warn = due - timedelta(hours=2)
    state = deadlines.deadline_state
    assert state(due, due - timedelta(hours=5), warn) is deadlines.DeadlineState.OK
    assert state(due, due - timedelta(hours=1), warn).value == "warning"
    assert state(due, due - timedelta(hours=1), None).value == "ok"  # a clock without warning
    assert state(due, due, warn).value == "breached"


def test_open_tickets_without_a_running_clock_sort_before_finished_ones() -> None:
    assert deadlines.PAUSED_SORT < deadlines.NO_CLOCK_SORT < deadlines.NO_DEADLINE_SORT
    assert deadlines.format_duration(5400) == "1h 30m"
    assert deadlines.format_duration(-90061) == "-1d 01h 01m"
    assert deadlines.format_duration(59) == "0m"
    assert deadlines.format_duration(-59) == "0m"


def test_urgent_tickets_are_due_sooner() -> None:
    t0 = datetime(2026, 11, 23, tzinfo=UTC)
    urgent = deadlines.due_at(t0, Category.REPAIR, Priority.URGENT)
    assert urgent - t0 == timedelta(hours=12)
    assert deadlines.due_at(t0, Category.REPAIR, Priority.NORMAL) - t0 == timedelta(hours=48)


def test_ticket_numbers_and_ids() -> None:
    day = datetime(2026, 11, 23, tzinfo=UTC)
    assert numbering.ticket_number(day, 42) == "T-20261123-0042"
    assert numbering.looks_like_number("t-20261123-0042")
    assert not numbering.looks_like_number("20261123")
    a, b = numbering.new_id(), numbering.new_id()
    assert a != b and len(a) == 36


def test_complaints_need_a_level_and_only_complaints_have_one() -> None:
    actions.check_complaint_level(Category.COMPLAINT, ComplaintLevel.LEGAL)
    with pytest.raises(ValidationFailed):
        actions.check_complaint_level(Category.COMPLAINT, None)
    with pytest.raises(ValidationFailed):
        actions.check_complaint_level(Category.REFUND, ComplaintLevel.MINOR)


def test_blank_text_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        actions.require_text("   \n", "handoff_note")
    assert "handoff_note" in err.value.message()


def test_bad_enum_value_lists_the_choices() -> None:
    with pytest.raises(ValidationFailed) as err:
        actions.parse_enum(Status, "done", "status")
    assert "in_progress" in err.value.message()


def test_customer_validation() -> None:
    ok = validation.check_new_customer(NewCustomer(" 王芳 ", "138 1234 5678"))
    assert ok.name == "王芳"
    with pytest.raises(ValidationFailed):
        validation.check_new_customer(NewCustomer("X", "call me"))
    with pytest.raises(ValidationFailed):
        validation.check_new_customer(NewCustomer("X", email="not-an-email"))
    with pytest.raises(ValidationFailed):
        validation.check_new_customer(NewCustomer("  "))
