"""cn-business around the 2026 Chinese holidays and 调休 days, checked by hand.

cn-business is open Mon–Fri 09:00–12:00 and 13:00–18:00 Shanghai time (180 + 300 = 480 minutes
a day), closed on public holidays and open on the adjusted working weekends (调休). 2026 facts as
holidays 0.109 has them:
    closed  01-01 Thu, 01-02 Fri              working  01-04 Sun
    closed  02-16 Mon .. 02-20 Fri, 02-23 Mon working  02-14 Sat, 02-28 Sat
    closed  04-06 Mon
    closed  05-01 Fri, 05-04 Mon, 05-05 Tue   working  05-09 Sat
    closed  06-19 Fri
    closed  09-25 Fri
    closed  10-01 Thu .. 10-07 Wed            working  09-20 Sun, 10-10 Sat
Every expected value below is worked out from these facts, not from the code under test.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from agentdesk.domain.calendars import CalendarSpec, build_calendar

CN_BUSINESS = CalendarSpec(
    name="cn-business",
    zone="Asia/Shanghai",
    weekly_hours=(((540, 720), (780, 1080)),) * 5 + ((), ()),  # Mon–Fri 09–12, 13–18
    holiday_country="CN",
)
CALENDAR = build_calendar(CN_BUSINESS)

ADD_CASES = [
    pytest.param(
        "2026-09-30T17:30:00+08:00", 2880, "2026-10-14T17:30:00+08:00",
        # Wed 30 Sep 17:30–18:00 = 30; Oct 1–7 closed; Oct 8, 9, 10 (调休 Sat), 12, 13 = 5 × 480
        # = 2400 → 2430; Oct 11 Sun closed; Wed Oct 14: 09–12 = 180 → 2610, 13:00 + 270 = 17:30.
        id="product example: across National Day",
    ),
    pytest.param(
        "2026-03-10T12:20:00+08:00", 60, "2026-03-10T14:00:00+08:00",
        # Tue, inside the lunch break: the clock starts at 13:00; 13:00 + 60 = 14:00.
        id="start inside the lunch break",
    ),
    pytest.param(
        "2026-03-10T09:00:00+08:00", 180, "2026-03-10T12:00:00+08:00",
        # Tue 09:00 + 180 = 12:00 exactly, the end of the morning, not 13:00.
        id="ends exactly at the lunch break",
    ),
    pytest.param(
        "2026-03-10T17:00:00+08:00", 60, "2026-03-10T18:00:00+08:00",
        # Tue 17:00–18:00 = 60: due at closing time, not the next morning.
        id="ends exactly at 18:00",
    ),
    pytest.param(
        "2026-03-10T18:00:00+08:00", 30, "2026-03-11T09:30:00+08:00",
        # Tue 18:00 is closed; Wed 09:00 + 30 = 09:30.
        id="start exactly at 18:00",
    ),
    pytest.param(
        "2026-03-08T10:00:00+08:00", 30, "2026-03-09T09:30:00+08:00",
        # Sun 8 Mar is an ordinary Sunday; Mon 09:00 + 30 = 09:30.
        id="start on an ordinary Sunday",
    ),
    pytest.param(
        "2026-01-01T10:00:00+08:00", 60, "2026-01-04T10:00:00+08:00",
        # Thu Jan 1 and Fri Jan 2 closed, Sat Jan 3 closed, Sun Jan 4 is 调休: 09:00 + 60.
        id="start on New Year's Day, due on the working Sunday",
    ),
    pytest.param(
        "2025-12-31T17:00:00+08:00", 120, "2026-01-04T10:00:00+08:00",
        # Wed 31 Dec 2025 17:00–18:00 = 60; Jan 1–3 closed; Sun Jan 4 09:00 + 60 = 10:00.
        id="across the new year",
    ),
    pytest.param(
        "2026-02-13T09:00:00+00:00", 120, "2026-02-14T02:00:00+00:00",
        # 09:00Z = Fri 17:00 Shanghai; 17:00–18:00 = 60; Sat Feb 14 is 调休: 09:00 + 60 =
        # 10:00 Shanghai = 02:00Z, answered in the start's zone (UTC).
        id="start given in UTC",
    ),
    pytest.param(
        "2026-02-13T17:00:00+08:00", 600, "2026-02-24T10:00:00+08:00",
        # Fri 17:00–18:00 = 60; Sat Feb 14 (调休) 480 → 540; Feb 15 Sun, 16–20 Spring Festival,
        # 21–22 weekend, Mon 23 closed; Tue Feb 24 09:00 + 60 = 10:00.
        id="across the Spring Festival",
    ),
    pytest.param(
        "2026-02-27T16:00:00+08:00", 240, "2026-02-28T11:00:00+08:00",
        # Fri 16:00–18:00 = 120; Sat Feb 28 is 调休: 09:00 + 120 = 11:00.
        id="into the working Saturday after the Spring Festival",
    ),
    pytest.param(
        "2026-04-03T18:00:00+08:00", 1, "2026-04-07T09:01:00+08:00",
        # Fri 18:00 closed; Apr 4–5 weekend; Mon Apr 6 Qingming closed; Tue 09:00 + 1 = 09:01.
        id="Qingming Monday",
    ),
    pytest.param(
        "2026-04-30T17:00:00+08:00", 480, "2026-05-06T17:00:00+08:00",
        # Thu 17:00–18:00 = 60; May 1 Fri, 2–3 weekend, 4 Mon, 5 Tue closed; Wed May 6:
        # 09–12 = 180 → 240, then 13:00 + 240 = 17:00.
        id="across Labour Day",
    ),
    pytest.param(
        "2026-05-08T17:30:00+08:00", 60, "2026-05-09T09:30:00+08:00",
        # Fri 17:30–18:00 = 30; Sat May 9 is 调休: 09:00 + 30 = 09:30.
        id="into the working Saturday after Labour Day",
    ),
    pytest.param(
        "2026-06-18T11:00:00+08:00", 480, "2026-06-22T11:00:00+08:00",
        # Thu 11–12 = 60, 13–18 = 300 → 360; Fri Jun 19 Dragon Boat closed, 20–21 weekend;
        # Mon Jun 22 09:00 + 120 = 11:00.
        id="across the Dragon Boat Festival",
    ),
    pytest.param(
        "2026-09-18T17:00:00+08:00", 120, "2026-09-20T10:00:00+08:00",
        # Fri 17:00–18:00 = 60; Sat Sep 19 closed; Sun Sep 20 is 调休: 09:00 + 60 = 10:00.
        id="into the working Sunday before National Day",
    ),
    pytest.param(
        "2026-09-24T17:00:00+08:00", 120, "2026-09-28T10:00:00+08:00",
        # Thu 17:00–18:00 = 60; Fri Sep 25 Mid-Autumn closed, 26–27 weekend; Mon 09:00 + 60.
        id="across the Mid-Autumn Festival",
    ),
    pytest.param(
        "2026-10-05T12:30:00+08:00", 30, "2026-10-08T09:30:00+08:00",
        # Mon Oct 5 (a holiday, in what would be the lunch break); Oct 6, 7 closed;
        # Thu Oct 8 09:00 + 30 = 09:30.
        id="start on a holiday at lunch time",
    ),
    pytest.param(
        "2026-10-01T10:00:00+08:00", 0, "2026-10-01T10:00:00+08:00",
        # Adding nothing returns the start, even on a holiday.
        id="zero minutes on a holiday",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("start", "minutes", "due"), ADD_CASES)
def test_due_times_around_the_2026_holidays(start: str, minutes: int, due: str) -> None:
    answer = CALENDAR.add(datetime.fromisoformat(start), minutes)
    assert answer == datetime.fromisoformat(due)
    assert answer.utcoffset() == datetime.fromisoformat(due).utcoffset()


BETWEEN_CASES = [
    pytest.param(
        "2026-02-13T09:00:00+08:00", "2026-02-24T09:00:00+08:00", 960,
        # Fri Feb 13 = 480; Sat Feb 14 (调休) = 480; Feb 15–23 closed; Tue 09:00 = 0 → 960.
        id="Spring Festival week",
    ),
    pytest.param(
        "2026-02-13T09:00:00+08:00", "2026-03-02T09:00:00+08:00", 3360,
        # 960 as above; Tue 24 – Fri 27 = 4 × 480 = 1920 → 2880; Sat Feb 28 (调休) 480 → 3360;
        # Sun Mar 1 closed.
        id="Spring Festival fortnight",
    ),
    pytest.param(
        "2026-03-02T09:00:00+08:00", "2026-02-13T09:00:00+08:00", -3360,
        # The same span reversed.
        id="Spring Festival fortnight, reversed",
    ),
    pytest.param(
        "2026-02-15T12:00:00+08:00", "2026-02-23T18:00:00+08:00", 0,
        # Sun Feb 15 to Mon Feb 23 evening: holidays and a weekend only.
        id="inside the Spring Festival",
    ),
    pytest.param(
        "2026-02-12T12:30:00+08:00", "2026-02-14T12:30:00+08:00", 960,
        # Thu afternoon 13–18 = 300; Fri = 480 → 780; Sat Feb 14 (调休) 09–12 = 180 → 960.
        id="lunch break to lunch break over the working Saturday",
    ),
    pytest.param(
        "2026-02-14T17:00:00+08:00", "2026-02-24T09:30:00+08:00", 90,
        # Sat Feb 14 17:00–18:00 = 60; Feb 15–23 closed; Tue 09:00–09:30 = 30 → 90.
        id="last hour before the Spring Festival, first half hour after",
    ),
    pytest.param(
        "2026-02-13T10:00:00+00:00", "2026-02-24T01:00:00+00:00", 480,
        # 10:00Z = Fri 18:00 Shanghai, 01:00Z = Tue 09:00 Shanghai: only Sat Feb 14 = 480.
        id="Spring Festival, given in UTC",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("start", "end", "minutes"), BETWEEN_CASES)
def test_business_minutes_across_the_spring_festival(start: str, end: str, minutes: int) -> None:
    between = CALENDAR.minutes_between(datetime.fromisoformat(start), datetime.fromisoformat(end))
    assert between == minutes


@pytest.mark.parametrize(
    ("day", "open_minutes"),
    [
        (date(2026, 1, 1), 0),  # New Year's Day, Thursday
        (date(2026, 1, 4), 480),  # 调休 Sunday
        (date(2026, 2, 14), 480),  # 调休 Saturday
        (date(2026, 2, 23), 0),  # Monday, day off moved from Feb 28
        (date(2026, 2, 28), 480),  # 调休 Saturday
        (date(2026, 4, 6), 0),  # Qingming (observed)
        (date(2026, 5, 5), 0),  # Tuesday, day off moved from May 9
        (date(2026, 5, 9), 480),  # 调休 Saturday
        (date(2026, 9, 20), 480),  # 调休 Sunday
        (date(2026, 10, 7), 0),  # Wednesday, day off moved from Oct 10
        (date(2026, 10, 10), 480),  # 调休 Saturday
        (date(2026, 10, 11), 0),  # ordinary Sunday
    ],
)
def test_open_minutes_of_holidays_and_tiaoxiu_days(day: date, open_minutes: int) -> None:
    assert sum(end - start for start, end in CALENDAR.day_hours(day)) == open_minutes
