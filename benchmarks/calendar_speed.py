"""Business-calendar arithmetic speed on the cn-business calendar: prints one JSON object.

    uv run python -m benchmarks.calendar_speed

200,000 seeded random starts over 2026–2027 (Shanghai), each with a random duration of up to
ten business days; times `add_seconds` (a due date) and `seconds_between` (time used so far)
over the whole batch on one core, after one warm-up pass that builds the years involved.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agentdesk.domain.calendars import Calendar, CalendarSpec, build_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CN_BUSINESS = CalendarSpec(
    name="cn-business",
    zone="Asia/Shanghai",
    weekly_hours=(((540, 720), (780, 1080)),) * 5 + ((), ()),  # Mon–Fri 09–12, 13–18
    holiday_country="CN",
)
BUSINESS_DAY_SECONDS = 8 * 3600
FIRST = int(datetime(2026, 1, 1, tzinfo=SHANGHAI).timestamp())
LAST = int(datetime(2028, 1, 1, tzinfo=SHANGHAI).timestamp())


def workload(calls: int, seed: int) -> tuple[list[int], list[int]]:
    draw = random.Random(seed)
    starts = [draw.randrange(FIRST, LAST) for _ in range(calls)]
    durations = [draw.randint(1, 10 * BUSINESS_DAY_SECONDS) for _ in range(calls)]
    return starts, durations


def calls_per_second(run: Any, calls: int) -> int:
    started = time.perf_counter()
    run()
    return round(calls / (time.perf_counter() - started))


def build_milliseconds() -> float:
    """A fresh calendar's first query, which builds 2026 and 2027 (holidays package warm)."""
    calendar = build_calendar(CN_BUSINESS)
    started = time.perf_counter()
    calendar.seconds_between(FIRST, LAST - 1)
    return round((time.perf_counter() - started) * 1000, 2)


def measure(calendar: Calendar, calls: int, seed: int) -> dict[str, Any]:
    starts, durations = workload(calls, seed)
    add_seconds, seconds_between = calendar.add_seconds, calendar.seconds_between
    dues = list(map(add_seconds, starts, durations))  # warm-up: builds every year involved

    def due() -> None:
        for start, seconds in zip(starts, durations, strict=True):
            add_seconds(start, seconds)

    def between() -> None:
        for start, end in zip(starts, dues, strict=True):
            seconds_between(start, end)

    return {
        "due_calls_per_s": calls_per_second(due, calls),
        "between_calls_per_s": calls_per_second(between, calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    build_calendar(CN_BUSINESS).day_hours(date(2026, 1, 1))  # imports the holidays package
    figures = measure(build_calendar(CN_BUSINESS), args.calls, args.seed)
    figures["build_two_years_ms"] = build_milliseconds()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
