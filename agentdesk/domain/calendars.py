"""Business-hour calendars: how much open time lies between two instants, and when N seconds end.

A calendar turns its rules (weekly hours in a local zone, a country's public holidays and adjusted
working days 调休, an admin's closures and extra working days) into a timeline of open intervals,
in UTC epoch seconds, kept in three sorted lists:

    starts[k], ends[k]   interval k is open for [starts[k], ends[k])
    before[k]            business seconds in intervals 0 .. k-1 (before[n] = the total)

The business time from the timeline's origin to an instant t ("measure") is one bisect on `ends`
plus arithmetic, and the instant where a measure is reached is one bisect on `before`; so adding
business time and counting it both cost O(log n) regardless of how far apart the instants are.

Local wall times become instants through zoneinfo, so DST zones work: a day's 08:00 is whatever
instant that wall time is on that date. A wall time a DST change skips is read with the offset
from before the change (PEP 495 fold=0), and intervals are clipped so they never overlap.

The timeline is built lazily by local calendar year: a query outside the years built so far
builds the missing years (one holidays-package call per extension) and swaps in a new timeline.
The timeline is never changed in place, so a caller never sees a half-built one.

All instants are timezone-aware; a naive datetime is an error, not a guess.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

Hours = tuple[tuple[int, int], ...]  # (start_minute, end_minute) of local wall time, sorted

FIRST_YEAR = 1970
LAST_YEAR = 2200
MINUTES_PER_DAY = 1440
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_ONE_DAY = timedelta(days=1)
_MIN_INSTANT = 0  # 1970-01-01T00:00Z
_END_INSTANT = (datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC) - _EPOCH) // _ONE_SECOND
_ALL_DAY: Hours = ((0, MINUTES_PER_DAY),)


@dataclass(frozen=True)
class CalendarSpec:
    """The rules of one calendar, as a policy file states them."""

    name: str
    always_open: bool = False  # True: 24x7, every other field ignored
    zone: str = "UTC"  # IANA name, e.g. "Asia/Shanghai"
    weekly_hours: tuple[Hours, ...] = ()  # 7 entries, index 0 = Monday; () = closed that day
    holiday_country: str | None = None  # public holidays closed, its 调休 weekend days open
    closures: frozenset[date] = frozenset()  # the admin's extra closed days
    working_days: frozenset[date] = frozenset()  # the admin's extra working days
    working_day_hours: Hours = ()  # working day whose weekday has no hours; () = first open day


class Calendar:
    """Business-time arithmetic over one CalendarSpec; build with `build_calendar`."""

    def __init__(self, spec: CalendarSpec) -> None:
        self._spec = spec
        self._zone = ZoneInfo(spec.zone)
        self._fallback_hours = spec.working_day_hours or next(h for h in spec.weekly_hours if h)
        self._line = _Timeline.empty()

    def __repr__(self) -> str:
        return f"Calendar({self.name!r})"

    @property
    def spec(self) -> CalendarSpec:
        return self._spec

    @property
    def name(self) -> str:
        return self._spec.name

    # -- epoch seconds: the hot path ----------------------------------------------------------

    def add_seconds(self, start: int, seconds: int) -> int:
        """The instant when `seconds` business seconds have passed after `start`.

        The answer for seconds > 0 is never the start of an open interval: when the last second
        ends an interval, the answer is that interval's end (18:00), not the next opening.
        """
        line = self._line
        if seconds <= 0 or not line.low <= start < line.high:
            return self._add_seconds_slowly(start, seconds)
        starts, before = line.starts, line.before
        i = bisect_right(line.ends, start)
        target = before[i] + seconds
        if starts[i] < start:
            target += start - starts[i]
        if target > before[-1]:
            return self._add_seconds_slowly(start, seconds)
        j = bisect_left(before, target) - 1
        return starts[j] + target - before[j]

    def seconds_between(self, start: int, end: int) -> int:
        """Business seconds in [start, end); negative when end < start."""
        line = self._line
        if not (line.low <= start < line.high and line.low <= end < line.high):
            line = self._cover_instants(start, end)
        return line.measure(end) - line.measure(start)

    def _is_open_at(self, instant: int) -> bool:
        line = self._line
        if not line.low <= instant < line.high:
            line = self._cover_instants(instant)
        return line.is_open(instant)

    # -- datetimes ----------------------------------------------------------------------------

    def add(self, start: datetime, minutes: float) -> datetime:
        """`start` plus `minutes` of business time, in start's tzinfo (whole seconds)."""
        if not math.isfinite(minutes):
            raise ValueError(f"minutes must be a finite number, not {minutes!r}")
        seconds = round(minutes * 60)
        instant = _epoch_seconds(start)
        due = self.add_seconds(instant, seconds)
        return start if seconds == 0 else datetime.fromtimestamp(due, start.tzinfo)

    def minutes_between(self, start: datetime, end: datetime) -> float:
        return self.seconds_between(_epoch_seconds(start), _epoch_seconds(end)) / 60

    def is_open(self, at: datetime) -> bool:
        return self._is_open_at(_epoch_seconds(at))

    def day_hours(self, day: date) -> Hours:
        """The open hours of a local date once holidays, 调休 and the admin's days apply."""
        _check_year(day.year)
        line = self._cover_years(day.year, day.year)
        return self._hours_on(day, line.public_holidays, line.country_workdays)

    # -- the rules of one day -----------------------------------------------------------------

    def _hours_on(
        self, day: date, public_holidays: frozenset[date], country_workdays: frozenset[date]
    ) -> Hours:
        spec = self._spec
        if day in spec.closures:
            return ()
        if day in spec.working_days or day in country_workdays:
            return spec.weekly_hours[day.weekday()] or self._fallback_hours
        if day in public_holidays:
            return ()
        return spec.weekly_hours[day.weekday()]

    def _wall_instant(self, day: date, minute: int) -> int:
        wall = datetime.combine(day, time(), tzinfo=self._zone) + timedelta(minutes=minute)
        return int(wall.timestamp())

    def _local_year(self, instant: int) -> int:
        return datetime.fromtimestamp(instant, self._zone).year

    # -- growing the timeline -----------------------------------------------------------------

    def _add_seconds_slowly(self, start: int, seconds: int) -> int:
        if seconds < 0:
            raise ValueError(f"cannot add a negative duration ({seconds} seconds)")
        line = self._cover_instants(start)
        if seconds == 0:
            return start
        target = line.measure(start) + seconds
        while target > line.total:
            shortfall = target - line.total
            line = self._cover_years(line.years.start, self._last_year_for(line, shortfall))
            target = line.measure(start) + seconds
        return line.instant_at(target)

    def _last_year_for(self, line: _Timeline, shortfall: int) -> int:
        """The last year to build so that `shortfall` more business seconds probably fit."""
        if line.years.stop > LAST_YEAR + 1:
            raise ValueError(f"{self.name}: the result lies beyond {LAST_YEAR}")
        per_year = max(line.total // len(line.years), 1)
        return min(line.years.stop - 1 + max(1, -(-shortfall // per_year)), LAST_YEAR + 1)

    def _cover_instants(self, *instants: int) -> _Timeline:
        for instant in instants:
            _check_instant(instant)
        years = [self._local_year(instant) for instant in instants]
        return self._cover_years(min(years), max(years))

    def _cover_years(self, first: int, last: int) -> _Timeline:
        """The timeline, grown if needed to cover the local years first..last."""
        line = self._line
        if first in line.years and last in line.years:
            return line
        if line.years:
            first, last = min(first, line.years.start), max(last, line.years.stop - 1)
        self._line = self._grown(line, range(first, last + 1))
        return self._line

    def _grown(self, line: _Timeline, years: range) -> _Timeline:
        """A new timeline over `years`, reusing the years `line` has already built."""
        missing = [year for year in years if year not in line.years]
        public_holidays, country_workdays = self._country_days(missing)
        public_holidays |= line.public_holidays
        country_workdays |= line.country_workdays
        intervals = dict(line.year_intervals)
        for year in missing:
            intervals[year] = self._year_intervals(year, public_holidays, country_workdays)
        return _Timeline.build(
            years,
            intervals,
            low=self._wall_instant(date(years.start, 1, 1), 0),
            high=self._wall_instant(date(years.stop, 1, 1), 0),
            public_holidays=public_holidays,
            country_workdays=country_workdays,
        )

    def _year_intervals(
        self, year: int, public_holidays: frozenset[date], country_workdays: frozenset[date]
    ) -> tuple[tuple[int, int], ...]:
        intervals: list[tuple[int, int]] = []
        day = date(year, 1, 1)
        while day.year == year:
            for start_minute, end_minute in self._hours_on(day, public_holidays, country_workdays):
                intervals.append(
                    (self._wall_instant(day, start_minute), self._wall_instant(day, end_minute))
                )
            day += _ONE_DAY
        return tuple(intervals)

    def _country_days(self, years: list[int]) -> tuple[frozenset[date], frozenset[date]]:
        """The country's public holidays and adjusted weekend working days (调休) in `years`."""
        country = self._spec.holiday_country
        if country is None or not years:
            return frozenset(), frozenset()
        import holidays  # deferred: a large package, and only calendars with a country need it

        try:
            official = holidays.country_holidays(country, years=years)
        except NotImplementedError as error:
            raise ValueError(f"{self.name}: no holiday data for country {country!r}") from error
        # weekend_workdays also holds cross-year 调休 days of every year in the package's data
        workdays = frozenset(day for day in official.weekend_workdays if day.year in years)
        return frozenset(official.keys()), workdays


class _AlwaysOpenCalendar(Calendar):
    """24x7: business time is wall time, so the arithmetic is plain."""

    def __init__(self, spec: CalendarSpec) -> None:
        self._spec = spec

    def add_seconds(self, start: int, seconds: int) -> int:
        if seconds < 0:
            raise ValueError(f"cannot add a negative duration ({seconds} seconds)")
        _check_instant(start)
        return start + seconds

    def seconds_between(self, start: int, end: int) -> int:
        _check_instant(start)
        _check_instant(end)
        return end - start

    def _is_open_at(self, instant: int) -> bool:
        _check_instant(instant)
        return True

    def day_hours(self, day: date) -> Hours:
        _check_year(day.year)
        return _ALL_DAY


@dataclass(frozen=True, slots=True)
class _Timeline:
    """Open intervals of the years built so far; replaced, never changed, when it grows."""

    years: range
    low: int  # the instants this timeline answers for: [low, high)
    high: int
    starts: list[int]  # with a sentinel at the end so starts[bisect_right(ends, t)] exists
    ends: list[int]
    before: list[int]  # business seconds before interval k; before[-1] is the total
    year_intervals: dict[int, tuple[tuple[int, int], ...]]
    public_holidays: frozenset[date]
    country_workdays: frozenset[date]

    @classmethod
    def empty(cls) -> _Timeline:
        none: frozenset[date] = frozenset()
        return cls.build(range(0), {}, low=0, high=0, public_holidays=none, country_workdays=none)

    @classmethod
    def build(
        cls,
        years: range,
        year_intervals: dict[int, tuple[tuple[int, int], ...]],
        *,
        low: int,
        high: int,
        public_holidays: frozenset[date],
        country_workdays: frozenset[date],
    ) -> _Timeline:
        starts: list[int] = []
        ends: list[int] = []
        before = [0]
        previous_end = _MIN_INSTANT
        for start, end in chain.from_iterable(year_intervals[year] for year in years):
            start, end = max(start, previous_end), min(end, _END_INSTANT)
            if start < end:  # DST gaps and the supported range can empty an interval
                starts.append(start)
                ends.append(end)
                before.append(before[-1] + end - start)
                previous_end = end
        starts.append(_END_INSTANT)
        ends.append(_END_INSTANT)
        return cls(
            years=years,
            low=max(low, _MIN_INSTANT),
            high=min(high, _END_INSTANT),
            starts=starts,
            ends=ends,
            before=before,
            year_intervals=year_intervals,
            public_holidays=public_holidays,
            country_workdays=country_workdays,
        )

    @property
    def total(self) -> int:
        return self.before[-1]

    def measure(self, instant: int) -> int:
        """Business seconds from the timeline's origin to `instant`."""
        i = bisect_right(self.ends, instant)
        return self.before[i] + max(instant - self.starts[i], 0)

    def instant_at(self, measure: int) -> int:
        """The earliest instant whose measure is `measure` (> 0): an interval's inside or end."""
        j = bisect_left(self.before, measure) - 1
        return self.starts[j] + measure - self.before[j]

    def is_open(self, instant: int) -> bool:
        return self.starts[bisect_right(self.ends, instant)] <= instant


def build_calendar(spec: CalendarSpec) -> Calendar:
    """Check a spec and make its calendar; ValueError says what is wrong with the spec."""
    if spec.always_open:
        return _AlwaysOpenCalendar(spec)
    spec = _normalised(spec)
    _check_spec(spec)
    return Calendar(spec)


def _normalised(spec: CalendarSpec) -> CalendarSpec:
    """A copy built from immutable values, so the calendar cannot change behind its caches."""
    return replace(
        spec,
        weekly_hours=tuple(_as_hours(hours) for hours in spec.weekly_hours),
        closures=frozenset(spec.closures),
        working_days=frozenset(spec.working_days),
        working_day_hours=_as_hours(spec.working_day_hours),
    )


def _as_hours(hours: Iterable[tuple[int, int]]) -> Hours:
    return tuple((int(start), int(end)) for start, end in hours)


def _check_spec(spec: CalendarSpec) -> None:
    try:
        ZoneInfo(spec.zone)
    except (KeyError, ValueError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"{spec.name}: unknown time zone {spec.zone!r}") from error
    if len(spec.weekly_hours) != 7:
        raise ValueError(f"{spec.name}: weekly_hours needs 7 entries (Monday first)")
    if not any(spec.weekly_hours):
        raise ValueError(f"{spec.name}: weekly_hours opens on no weekday")
    for hours in (*spec.weekly_hours, spec.working_day_hours):
        _check_hours(spec.name, hours)


def _check_hours(name: str, hours: Hours) -> None:
    previous_end = 0
    for start, end in hours:
        if not previous_end <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{name}: hours {hours!r} must be sorted, non-overlapping, within 0–1440"
            )
        previous_end = end


def _epoch_seconds(moment: datetime) -> int:
    """Whole epoch seconds (floored) of a timezone-aware datetime."""
    if moment.utcoffset() is None:
        raise ValueError(f"calendars need a timezone-aware datetime, not {moment!r}")
    return (moment - _EPOCH) // _ONE_SECOND


def _check_instant(instant: int) -> None:
    if not _MIN_INSTANT <= instant < _END_INSTANT:
        raise ValueError(f"{instant} is outside {FIRST_YEAR}–{LAST_YEAR}")


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{year} is outside {FIRST_YEAR}–{LAST_YEAR}")


ALWAYS_OPEN: Calendar = build_calendar(CalendarSpec(name="24x7", always_open=True))

__all__ = ["ALWAYS_OPEN", "Calendar", "CalendarSpec", "Hours", "build_calendar"]
