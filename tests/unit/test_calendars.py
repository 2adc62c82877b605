"""Business-time arithmetic: invariants by Hypothesis, then the rules of a day one by one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentdesk.domain.calendars import ALWAYS_OPEN, Calendar, CalendarSpec, build_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
WORKDAY = ((540, 720), (780, 1080))  # 09:00–12:00, 13:00–18:00
CN_BUSINESS = CalendarSpec(
    name="cn-business",
    zone="Asia/Shanghai",
    weekly_hours=(WORKDAY,) * 5 + ((), ()),
    holiday_country="CN",
)
# A DST zone: the Friday late shift ends at 24:00 and the Sunday night shift spans the
# 02:00/03:00 change (on 2026-03-29 it lasts 2 hours, on 2026-10-25 4 hours).
OFFICE = ((480, 1020),)  # 08:00–17:00
BERLIN_OFFICE = CalendarSpec(
    name="berlin-office",
    zone="Europe/Berlin",
    weekly_hours=(OFFICE,) * 4 + (((480, 1020), (1200, 1440)), (), ((60, 240),)),
)
CALENDARS = {
    "cn-business": build_calendar(CN_BUSINESS),
    "berlin-office": build_calendar(BERLIN_OFFICE),
    "24x7": ALWAYS_OPEN,
}
HOUR = 3600
TEN_BUSINESS_DAYS = 10 * 8 * HOUR


def _near_boundaries(instants: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """Half-hour marks (09:00, 12:00, 18:00 in both zones) and the seconds either side."""
    return st.builds(lambda t, nudge: t - t % 1800 + nudge, instants, st.sampled_from((-1, 0, 1)))


any_instant = st.integers(
    int(datetime(2025, 12, 1, tzinfo=UTC).timestamp()),
    int(datetime(2028, 1, 31, tzinfo=UTC).timestamp()),
)
instants = st.one_of(any_instant, _near_boundaries(any_instant))
durations = st.one_of(
    st.integers(0, TEN_BUSINESS_DAYS),
    st.integers(0, TEN_BUSINESS_DAYS // 1800).map(lambda n: n * 1800),  # lands on closing times
)
every_calendar = pytest.mark.parametrize("calendar", CALENDARS.values(), ids=CALENDARS.keys())
quick = settings(max_examples=150, deadline=None)  # deadline: the first call builds years


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def epoch(text: str) -> int:
    return int(at(text).timestamp())


# -- invariants ---------------------------------------------------------------------------------


@every_calendar
@quick
@given(start=instants, seconds=durations)
def test_counting_back_what_was_added_gives_the_same_seconds(
    calendar: Calendar, start: int, seconds: int
) -> None:
    assert calendar.seconds_between(start, calendar.add_seconds(start, seconds)) == seconds


@every_calendar
@quick
@given(start=instants, seconds=durations.filter(bool))
def test_the_last_second_added_was_open_and_after_the_start(
    calendar: Calendar, start: int, seconds: int
) -> None:
    due = calendar.add_seconds(start, seconds)
    assert due > start
    assert calendar.is_open(datetime.fromtimestamp(due - 1, UTC))


@every_calendar
@quick
@given(start=instants, first=durations, second=durations)
def test_adding_is_monotonic_in_the_duration(
    calendar: Calendar, start: int, first: int, second: int
) -> None:
    shorter, longer = sorted((first, second))
    assert calendar.add_seconds(start, shorter) <= calendar.add_seconds(start, longer)


@every_calendar
@quick
@given(first=instants, second=instants, seconds=durations)
def test_adding_is_monotonic_in_the_start(
    calendar: Calendar, first: int, second: int, seconds: int
) -> None:
    earlier, later = sorted((first, second))
    assert calendar.add_seconds(earlier, seconds) <= calendar.add_seconds(later, seconds)


@every_calendar
@quick
@given(start=instants, first=durations, second=durations)
def test_adding_in_two_steps_equals_adding_at_once(
    calendar: Calendar, start: int, first: int, second: int
) -> None:
    # Holds for every split, including a first step ending exactly at closing time: the second
    # step then starts counting at the next opening, as the single step does.
    in_two_steps = calendar.add_seconds(calendar.add_seconds(start, first), second)
    assert in_two_steps == calendar.add_seconds(start, first + second)


def test_a_step_ending_at_closing_time_continues_at_the_next_opening() -> None:
    calendar = CALENDARS["cn-business"]
    closing = calendar.add_seconds(epoch("2026-03-10T17:00:00+08:00"), HOUR)
    assert closing == epoch("2026-03-10T18:00:00+08:00")
    after_closing = calendar.add_seconds(closing, 1800)
    assert after_closing == epoch("2026-03-11T09:30:00+08:00")
    assert after_closing == calendar.add_seconds(epoch("2026-03-10T17:00:00+08:00"), 5400)


@every_calendar
@quick
@given(start=instants, end=instants)
def test_adding_the_time_between_stops_at_the_last_open_second_before_the_end(
    calendar: Calendar, start: int, end: int
) -> None:
    # The inverse is one-sided: the due time is the earliest instant with that much business
    # time, so when `end` lies in closed time the answer is the closing time before it.
    start, end = sorted((start, end))
    due = calendar.add_seconds(start, calendar.seconds_between(start, end))
    assert due <= end
    assert calendar.seconds_between(due, end) == 0
    if calendar.is_open(datetime.fromtimestamp(end - 1, UTC)) and calendar.is_open(
        datetime.fromtimestamp(end, UTC)
    ):
        assert due == end


@every_calendar
@quick
@given(first=instants, second=instants, third=instants)
def test_time_between_adds_up_and_changes_sign_when_reversed(
    calendar: Calendar, first: int, second: int, third: int
) -> None:
    between = calendar.seconds_between
    assert between(first, second) == -between(second, first)
    assert between(first, second) + between(second, third) == between(first, third)
    assert 0 <= abs(between(first, second)) <= abs(second - first)


@every_calendar
@quick
@given(start=instants, minutes=st.integers(0, 10 * 480))
def test_the_same_instant_in_any_zone_gives_the_same_due_instant(
    calendar: Calendar, start: int, minutes: int
) -> None:
    zones = (UTC, SHANGHAI, BERLIN, timezone(timedelta(hours=-5, minutes=-30)))
    dues = [calendar.add(datetime.fromtimestamp(start, zone), minutes) for zone in zones]
    assert len({due.timestamp() for due in dues}) == 1
    assert [due.tzinfo for due in dues] == list(zones)


@quick
@given(start=instants, seconds=durations, end=instants)
def test_always_open_is_plain_arithmetic(start: int, seconds: int, end: int) -> None:
    assert ALWAYS_OPEN.add_seconds(start, seconds) == start + seconds
    assert ALWAYS_OPEN.seconds_between(start, end) == end - start


@quick
@given(first=instants, second=instants)
def test_answers_do_not_depend_on_which_years_were_built_first(first: int, second: int) -> None:
    # A fresh calendar first asked about `first` builds a different range of years than the
    # shared one; the business time between two instants must not notice.
    fresh = build_calendar(BERLIN_OFFICE)
    fresh.is_open(datetime.fromtimestamp(first, UTC))
    shared = CALENDARS["berlin-office"]
    assert fresh.seconds_between(first, second) == shared.seconds_between(first, second)
    assert fresh.add_seconds(second, HOUR) == shared.add_seconds(second, HOUR)


# -- inputs that are refused --------------------------------------------------------------------


@every_calendar
def test_naive_datetimes_are_refused(calendar: Calendar) -> None:
    naive = datetime(2026, 3, 10, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(naive, 30)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.minutes_between(naive, at("2026-03-11T10:00:00+08:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(naive)


@every_calendar
def test_negative_durations_are_refused(calendar: Calendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add_seconds(epoch("2026-03-10T10:00:00+08:00"), -1)
    with pytest.raises(ValueError, match="negative"):
        calendar.add(at("2026-03-10T10:00:00+08:00"), -0.5)


@every_calendar
def test_instants_outside_1970_to_2200_are_refused(calendar: Calendar) -> None:
    with pytest.raises(ValueError, match="outside"):
        calendar.add_seconds(-1, 60)
    with pytest.raises(ValueError, match="outside"):
        calendar.add(at("2201-01-01T00:00:00+00:00"), 0)
    with pytest.raises(ValueError, match="outside"):
        calendar.day_hours(date(1969, 12, 31))


def test_a_due_time_beyond_2200_is_refused() -> None:
    calendar = build_calendar(CN_BUSINESS)
    with pytest.raises(ValueError, match="beyond 2200"):
        calendar.add(at("2200-12-01T10:00:00+08:00"), 480 * 100)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weekly_hours": (OFFICE,) * 6}, "7 entries"),
        ({"weekly_hours": ((),) * 7}, "no weekday"),
        ({"weekly_hours": (((540, 720), (700, 1080)),) * 7}, "non-overlapping"),
        ({"weekly_hours": (((540, 1500),),) * 7}, "0–1440"),
        ({"working_day_hours": ((600, 600),)}, "0–1440"),
        ({"zone": "Mars/Olympus_Mons"}, "time zone"),
    ],
)
def test_a_malformed_spec_is_refused(change: dict[str, Any], message: str) -> None:
    spec = CalendarSpec(name="bad", weekly_hours=(OFFICE,) * 7)
    with pytest.raises(ValueError, match=message):
        build_calendar(replace(spec, **change))


def test_a_country_without_holiday_data_is_refused_on_first_use() -> None:
    calendar = build_calendar(
        CalendarSpec(name="x", weekly_hours=(OFFICE,) * 7, holiday_country="XX")
    )
    with pytest.raises(ValueError, match="no holiday data"):
        calendar.day_hours(date(2026, 1, 1))


# -- the rules of a day -------------------------------------------------------------------------


def test_day_hours_of_a_holiday_a_tiaoxiu_saturday_and_a_normal_sunday() -> None:
    calendar = CALENDARS["cn-business"]
    assert calendar.day_hours(date(2026, 10, 1)) == ()  # National Day, a Thursday
    assert calendar.day_hours(date(2026, 10, 10)) == WORKDAY  # 调休 Saturday: Monday's hours
    assert calendar.day_hours(date(2026, 10, 11)) == ()  # an ordinary Sunday
    assert calendar.day_hours(date(2026, 10, 12)) == WORKDAY  # an ordinary Monday


def test_admin_closures_and_extra_working_days() -> None:
    spec = CalendarSpec(
        name="cn-admin",
        zone="Asia/Shanghai",
        weekly_hours=(WORKDAY,) * 5 + ((), ()),
        holiday_country="CN",
        closures=frozenset({date(2026, 3, 10), date(2026, 10, 10)}),
        working_days=frozenset({date(2026, 3, 14), date(2026, 10, 1), date(2026, 10, 10)}),
    )
    calendar = build_calendar(spec)
    assert calendar.day_hours(date(2026, 3, 10)) == ()  # a Tuesday the admin closed
    assert calendar.day_hours(date(2026, 3, 14)) == WORKDAY  # an extra working Saturday
    assert calendar.day_hours(date(2026, 10, 1)) == WORKDAY  # an extra day beats a holiday
    assert calendar.day_hours(date(2026, 10, 10)) == ()  # a closure beats a working day
    # Monday 17:00 + 2 h: 1 h on Monday, Tuesday closed, 1 h on Wednesday.
    due = calendar.add(at("2026-03-09T17:00:00+08:00"), 120)
    assert due == at("2026-03-11T10:00:00+08:00")
    # Friday 17:00 + 2 h: 1 h on Friday, 1 h on the extra Saturday.
    assert calendar.add(at("2026-03-13T17:00:00+08:00"), 120) == at("2026-03-14T10:00:00+08:00")


def test_working_day_hours_apply_to_working_days_whose_weekday_has_none() -> None:
    half_day = ((540, 720),)
    spec = CalendarSpec(
        name="cn-half-saturdays",
        zone="Asia/Shanghai",
        weekly_hours=(WORKDAY,) * 5 + ((), ()),
        holiday_country="CN",
        working_day_hours=half_day,
    )
    calendar = build_calendar(spec)
    assert calendar.day_hours(date(2026, 10, 10)) == half_day  # 调休 Saturday
    assert calendar.day_hours(date(2026, 10, 9)) == WORKDAY


def test_the_calendar_keeps_its_own_copy_of_the_admin_days() -> None:
    closures = {date(2026, 3, 10)}
    spec = CalendarSpec(
        name="copy",
        zone="Asia/Shanghai",
        weekly_hours=(WORKDAY,) * 7,
        closures=closures,  # type: ignore[arg-type]  # a careless caller's mutable set
    )
    calendar = build_calendar(spec)
    closures.add(date(2026, 3, 11))
    assert calendar.day_hours(date(2026, 3, 11)) == WORKDAY
    assert calendar.spec.closures == frozenset({date(2026, 3, 10)})
    assert calendar.name == "copy"


def test_open_hours_start_inclusive_and_end_exclusive() -> None:
    calendar = CALENDARS["cn-business"]
    assert calendar.is_open(at("2026-03-10T09:00:00+08:00"))
    assert calendar.is_open(at("2026-03-10T11:59:59+08:00"))
    assert not calendar.is_open(at("2026-03-10T12:00:00+08:00"))
    assert calendar.is_open(at("2026-03-10T13:00:00+08:00"))
    assert not calendar.is_open(at("2026-03-10T18:00:00+08:00"))
    assert not calendar.is_open(at("2026-10-01T10:00:00+08:00"))
    assert calendar.is_open(at("2026-03-10T01:30:00+00:00"))  # 09:30 in Shanghai


def test_adding_nothing_returns_the_start_even_when_closed() -> None:
    calendar = CALENDARS["cn-business"]
    holiday_noon = at("2026-10-01T12:00:00.250000+08:00")
    assert calendar.add(holiday_noon, 0) is holiday_noon
    assert calendar.add_seconds(epoch("2026-10-01T12:00:00+08:00"), 0) == epoch(
        "2026-10-01T12:00:00+08:00"
    )


def test_datetimes_count_in_whole_seconds() -> None:
    calendar = CALENDARS["cn-business"]
    # The fraction of the start second is dropped; minutes round to whole seconds.
    assert calendar.add(at("2026-03-10T10:00:00.900000+08:00"), 1 / 60) == at(
        "2026-03-10T10:00:01+08:00"
    )
    assert calendar.minutes_between(
        at("2026-03-10T10:00:00+08:00"), at("2026-03-10T10:01:30+08:00")
    ) == pytest.approx(1.5)


# -- DST and 24:00 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sunday", "hours"),
    [("2026-03-22", 3), ("2026-03-29", 2), ("2026-10-25", 4), ("2026-11-01", 3)],
)
def test_a_night_shift_across_a_dst_change_lasts_the_real_hours(sunday: str, hours: int) -> None:
    calendar = CALENDARS["berlin-office"]
    start = at(f"{sunday}T00:00:00+00:00") - timedelta(hours=3)
    end = at(f"{sunday}T12:00:00+00:00")
    assert calendar.minutes_between(start, end) == hours * 60


def test_a_day_ending_at_2400_ends_at_the_next_local_midnight() -> None:
    calendar = CALENDARS["berlin-office"]
    assert calendar.day_hours(date(2026, 7, 10)) == ((480, 1020), (1200, 1440))
    friday_late = datetime(2026, 7, 10, 23, 0, tzinfo=BERLIN)
    assert calendar.add(friday_late, 60) == datetime(2026, 7, 11, 0, 0, tzinfo=BERLIN)
    # One more second: Saturday is closed, the Sunday night shift opens at 01:00.
    assert calendar.add_seconds(int(friday_late.timestamp()), HOUR + 1) == int(
        datetime(2026, 7, 12, 1, 0, 1, tzinfo=BERLIN).timestamp()
    )
    assert not calendar.is_open(datetime(2026, 7, 11, 0, 0, tzinfo=BERLIN))


def test_office_hours_follow_the_wall_clock_across_the_dst_change() -> None:
    calendar = CALENDARS["berlin-office"]
    # Friday 16:00 + 2 h: 16:00–17:00, then 20:00–21:00 of the late shift, in CET and CEST.
    for friday in (
        datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN),
        datetime(2026, 4, 3, 16, 0, tzinfo=BERLIN),
    ):
        assert calendar.add(friday, 120) == friday.replace(hour=21)
    # Thursday 17:00 + 9 h Friday office + 4 h late shift + 2 h Sunday night (the spring
    # change) + 1 min = Monday 08:01, now in summer time.
    due = calendar.add(datetime(2026, 3, 26, 17, 0, tzinfo=BERLIN), (9 + 4 + 2) * 60 + 1)
    assert due == datetime(2026, 3, 30, 8, 1, tzinfo=BERLIN)
    assert due.utcoffset() == timedelta(hours=2)
