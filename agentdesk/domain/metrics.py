"""Quality measures (SPEC R7, R9, R10): what each one counts, from one ticket's timeline up to a
team's month. Definitions in words: docs/metrics.md.

Three layers, all plain Python:
- `TicketQuality`: the facts one ticket contributes (derived from its timeline and SLA clocks);
- `Tally`: the sums of many tickets' facts (what the store keeps per day, team, agent, category);
- `Measures`: rates and averages of one tally, each None when its denominator is empty.

A rate over an empty denominator is None (shown as "—"), never NaN and never a division by zero.
Times are epoch seconds; durations are seconds in the calendar of the clock that measured them
(business time for a business-hours clock, calendar time for a 24x7 one).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from agentdesk.domain.clocks import ClockState, Happening, Phase, replay
from agentdesk.domain.follow_up import FollowUpPolicy
from agentdesk.domain.model import Category, EventKind, Status
from agentdesk.domain.status_flow import REOPEN_FROM

CSAT_SCORES = range(1, 6)
_FINISHED = frozenset({Status.RESOLVED.value, Status.CLOSED.value})
_REOPEN_FROM = frozenset(s.value for s in REOPEN_FROM)


# -- the quality policy (data/policy/quality.toml) ----------------------------------------------


@dataclass(frozen=True)
class QualityTargets:
    """What "good" is; a report shows each measure against its target."""

    fcr: float = 0.90  # first-contact resolution rate (rule: 90%)
    csat: float = 4.5  # average follow-up score, 1-5
    first_response_s: int = 3600  # average first response at most this long
    sla_attainment: float = 0.95  # share of decided clocks met


@dataclass(frozen=True)
class QualityPolicy:
    """Targets, which SLA clocks time first response and handling, and the zone days are in."""

    targets: QualityTargets = field(default_factory=QualityTargets)
    first_response_clock: str = "first_response"
    handling_clock: str = "resolution"
    zone: str = "Asia/Shanghai"
    follow_up: FollowUpPolicy = field(default_factory=FollowUpPolicy)  # when and what (R10)

    @property
    def fingerprint(self) -> str:
        """What the stored per-ticket facts depend on (targets do not change them)."""
        return f"{self.first_response_clock}|{self.handling_clock}|{self.zone}"


# -- one ticket ---------------------------------------------------------------------------------


class ClockOutcome(StrEnum):
    MET = "met"  # stopped before its target was used up
    MISSED = "missed"  # its target was used up (stopped late, or still running past due)


@dataclass(frozen=True, slots=True)
class Entry:
    """One timeline entry as the measures read it (data decoded only where it matters)."""

    kind: str
    at: int
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimelineFacts:
    """What the timeline says about contact and resolution."""

    first_resolved_at: int | None = None
    reopened: bool = False
    transferred: bool = False
    contacted_after_resolution: bool = False
    escalated: bool = False
    csat: int | None = None  # the latest follow-up score


@dataclass(frozen=True, slots=True)
class TicketQuality:
    """The facts one ticket contributes to every measure."""

    day: str  # local creation date (the period a ticket counts in)
    team_id: str  # "" when none
    agent_id: str  # the current assignee, "" when none
    category: str
    created_at: int
    is_open: bool
    resolved: bool  # resolved at least once
    first_contact: bool  # resolved, and no reopen, transfer or contact after resolving
    reopened: bool
    transferred: bool
    escalated: bool
    first_response_s: int | None
    handling_s: int | None
    csat: int | None
    root_cause: str | None  # of a finished complaint (R9), else None
    clocks: Mapping[str, ClockOutcome]
    recheck_at: int | None  # when a running clock breaches: the facts change without an edit

    @property
    def complaint(self) -> bool:
        return self.category == Category.COMPLAINT.value


def read_timeline(entries: Iterable[Entry]) -> TimelineFacts:
    """Contact and resolution facts from a ticket's entries, in timeline order."""
    resolved_at: int | None = None
    reopened = transferred = contacted = escalated = False
    csat: int | None = None
    for entry in entries:
        if resolved_at is None and _resolves(entry):
            resolved_at = entry.at
        elif resolved_at is not None and _is_customer_contact(entry):
            contacted = True
        reopened = reopened or _reopens(entry)
        transferred = transferred or entry.kind == EventKind.TRANSFER.value
        escalated = escalated or entry.kind == EventKind.ESCALATION.value
        csat = follow_up_score(entry) or csat
    return TimelineFacts(resolved_at, reopened, transferred, contacted, escalated, csat)


def _resolves(entry: Entry) -> bool:
    if entry.kind == EventKind.RESOLUTION.value:
        return True
    return entry.kind == EventKind.STATUS_CHANGE.value and entry.data.get("to") in _FINISHED


def _reopens(entry: Entry) -> bool:
    if entry.kind != EventKind.STATUS_CHANGE.value:
        return False
    return entry.data.get("from") in _REOPEN_FROM and entry.data.get("to") not in _REOPEN_FROM


def _is_customer_contact(entry: Entry) -> bool:
    """The customer got in touch again: a call, or a message from them."""
    if entry.kind == EventKind.CALL_LOG.value:
        return True
    return entry.kind == EventKind.REPLY.value and entry.data.get("direction") == "inbound"


def follow_up_score(entry: Entry) -> int | None:
    """The 1-5 score of a follow-up result (R10); anything else is None."""
    if entry.kind != EventKind.FOLLOW_UP_RESULT.value:
        return None
    score = entry.data.get("score")
    return score if isinstance(score, int) and score in CSAT_SCORES else None


def clock_outcome(clock: ClockState, now: int) -> ClockOutcome | None:
    """Met, missed, or None while undecided (pending, paused or running within its target)."""
    if clock.is_breached(now):
        return ClockOutcome.MISSED
    if clock.phase is Phase.STOPPED:
        return ClockOutcome.MET
    return None


def recheck_at(clocks: Sequence[ClockState], now: int) -> int | None:
    """The earliest instant a running clock will breach (its outcome changes with no edit)."""
    dues = [c.due for c in clocks if c.phase is Phase.RUNNING and c.due is not None and c.due > now]
    return min(dues, default=None)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """The ticket's own columns the measures read."""

    created_at: int
    team_id: str | None
    assignee_id: str | None
    category: str
    status: str
    escalation_level: int
    root_cause: str | None


def ticket_quality(
    ticket: TicketRow,
    entries: Sequence[Entry],
    happenings: Sequence[Happening],
    clocks: Sequence[ClockState],
    policy: QualityPolicy,
    now: int,
) -> TicketQuality:
    """One ticket's facts. `clocks` are its SLA clocks at `now`, replayed from `happenings`."""
    timeline = read_timeline(entries)
    resolved = timeline.first_resolved_at is not None
    by_name = {c.name: c for c in clocks}
    outcomes = {c.name: o for c in clocks if (o := clock_outcome(c, now)) is not None}
    is_open = ticket.status not in _FINISHED
    return TicketQuality(
        day=local_day(ticket.created_at, policy.zone),
        team_id=ticket.team_id or "",
        agent_id=ticket.assignee_id or "",
        category=ticket.category,
        created_at=ticket.created_at,
        is_open=is_open,
        resolved=resolved,
        first_contact=resolved
        and not (timeline.reopened or timeline.transferred)
        and not timeline.contacted_after_resolution,
        reopened=timeline.reopened,
        transferred=timeline.transferred,
        escalated=timeline.escalated or ticket.escalation_level > 0,
        first_response_s=_first_response(by_name.get(policy.first_response_clock)),
        handling_s=_handling(by_name.get(policy.handling_clock), happenings, timeline),
        csat=timeline.csat,
        root_cause=ticket.root_cause
        if not is_open and ticket.category == Category.COMPLAINT.value
        else None,
        clocks=outcomes,
        recheck_at=recheck_at(clocks, now),
    )


def _first_response(clock: ClockState | None) -> int | None:
    """Time the first-response clock ran until it stopped (pauses excluded); None while it runs."""
    if clock is None or clock.phase is not Phase.STOPPED:
        return None
    return clock.used


def _handling(
    clock: ClockState | None, happenings: Sequence[Happening], timeline: TimelineFacts
) -> int | None:
    """Time the handling clock ran from creation to the first resolution (pauses excluded)."""
    resolved_at = timeline.first_resolved_at
    if clock is None or resolved_at is None:
        return None
    at_resolution = replay(clock.rule, clock.calendar, happenings, resolved_at)
    if at_resolution.phase is not Phase.STOPPED:
        return None  # the clock does not stop on resolution: it cannot time handling
    return at_resolution.used


def local_day(epoch: int, zone: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).date().isoformat()


# -- many tickets -------------------------------------------------------------------------------

RESPONSE_FINE_S = 2 * 3600  # first responses up to 2 h are kept to the minute
RESPONSE_DAY_S = 24 * 3600  # then to 10 minutes up to a day, then to the hour


def response_bucket(seconds: int) -> int:
    """The upper bound (seconds) of the histogram bucket a first-response time falls in."""
    step = 60 if seconds <= RESPONSE_FINE_S else 600 if seconds <= RESPONSE_DAY_S else 3600
    return math.ceil(max(0, seconds) / step) * step


@dataclass
class ClockTally:
    met: int = 0
    missed: int = 0


@dataclass
class Tally:
    """Sums of many tickets' facts; the store keeps one per day, team, agent and category."""

    tickets: int = 0
    open: int = 0
    open_created_sum: int = 0
    open_created_min: int | None = None
    resolved: int = 0
    first_contact: int = 0
    reopened: int = 0
    transferred: int = 0
    escalated: int = 0
    complaints: int = 0
    responded: int = 0
    response_s_sum: int = 0
    handled: int = 0
    handling_s_sum: int = 0
    csat_n: int = 0
    csat_sum: int = 0
    clocks: dict[str, ClockTally] = field(default_factory=dict)
    responses: Counter[int] = field(default_factory=Counter)  # bucket → tickets
    causes: Counter[str] = field(default_factory=Counter)  # root cause → finished complaints

    def add(self, q: TicketQuality) -> None:
        self.tickets += 1
        if q.is_open:
            self.open += 1
            self.open_created_sum += q.created_at
            self.open_created_min = _min(self.open_created_min, q.created_at)
        self.resolved += q.resolved
        self.first_contact += q.first_contact
        self.reopened += q.reopened
        self.transferred += q.transferred
        self.escalated += q.escalated
        self.complaints += q.complaint
        if q.first_response_s is not None:
            self.responded += 1
            self.response_s_sum += q.first_response_s
            self.responses[response_bucket(q.first_response_s)] += 1
        if q.handling_s is not None:
            self.handled += 1
            self.handling_s_sum += q.handling_s
        if q.csat is not None:
            self.csat_n += 1
            self.csat_sum += q.csat
        for name, outcome in q.clocks.items():
            count = self.clocks.setdefault(name, ClockTally())
            count.met += outcome is ClockOutcome.MET
            count.missed += outcome is ClockOutcome.MISSED
        if q.root_cause:
            self.causes[q.root_cause] += 1

    def merge(self, other: Tally) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.open_created_min = _min(self.open_created_min, other.open_created_min)
        for clock, count in other.clocks.items():
            mine = self.clocks.setdefault(clock, ClockTally())
            mine.met += count.met
            mine.missed += count.missed
        self.responses.update(other.responses)
        self.causes.update(other.causes)


SUMMED = (
    "tickets", "open", "open_created_sum", "resolved", "first_contact", "reopened",
    "transferred", "escalated", "complaints", "responded", "response_s_sum", "handled",
    "handling_s_sum", "csat_n", "csat_sum",
)  # fmt: skip
"""The Tally fields that add up (in this order they are columns of the store's cells)."""


def tally_of(facts: Iterable[TicketQuality]) -> Tally:
    total = Tally()
    for q in facts:
        total.add(q)
    return total


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


# -- the measures of one tally ------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None over an empty denominator."""
    return numerator / denominator if denominator else None


def average(total: int, count: int) -> float | None:
    return total / count if count else None


def percentile(buckets: Mapping[int, int], share: float) -> int | None:
    """Nearest-rank percentile of a bucketed histogram (the bucket's upper bound)."""
    count = sum(buckets.values())
    if not count:
        return None
    rank = max(1, math.ceil(share * count))
    seen = 0
    for upper in sorted(buckets):
        seen += buckets[upper]
        if seen >= rank:
            return upper
    raise AssertionError("unreachable: the ranks add up to count")


@dataclass(frozen=True)
class Attainment:
    """One SLA clock: decided clocks met and missed, and the share met."""

    clock: str
    met: int
    missed: int

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return rate(self.met, self.decided)


@dataclass(frozen=True)
class Measures:
    """R7's measures of one group of tickets. Every rate and average may be None: no data."""

    tickets: int
    resolved: int
    csat: float | None
    csat_count: int
    fcr: float | None
    first_response_avg_s: float | None
    first_response_p90_s: int | None
    responded: int
    handling_avg_s: float | None
    handled: int
    sla: tuple[Attainment, ...]
    complaint_rate: float | None
    escalation_rate: float | None
    reopen_rate: float | None
    backlog: int
    backlog_age_avg_s: float | None
    backlog_age_max_s: int | None

    @property
    def sla_overall(self) -> float | None:
        return rate(sum(a.met for a in self.sla), sum(a.decided for a in self.sla))


def measures(tally: Tally, now: int, clock_order: Sequence[str] = ()) -> Measures:
    """Every measure of `tally`; backlog ages are as of `now`; clocks in `clock_order` first."""
    created_avg = average(tally.open_created_sum, tally.open)
    return Measures(
        tickets=tally.tickets,
        resolved=tally.resolved,
        csat=average(tally.csat_sum, tally.csat_n),
        csat_count=tally.csat_n,
        fcr=rate(tally.first_contact, tally.resolved),
        first_response_avg_s=average(tally.response_s_sum, tally.responded),
        first_response_p90_s=percentile(tally.responses, 0.9),
        responded=tally.responded,
        handling_avg_s=average(tally.handling_s_sum, tally.handled),
        handled=tally.handled,
        sla=_attainments(tally.clocks, clock_order),
        complaint_rate=rate(tally.complaints, tally.tickets),
        escalation_rate=rate(tally.escalated, tally.tickets),
        reopen_rate=rate(tally.reopened, tally.resolved),
        backlog=tally.open,
        backlog_age_avg_s=None if created_avg is None else max(0.0, now - created_avg),
        backlog_age_max_s=None
        if tally.open_created_min is None
        else max(0, now - tally.open_created_min),
    )


def _attainments(clocks: Mapping[str, ClockTally], order: Sequence[str]) -> tuple[Attainment, ...]:
    rank = {name: i for i, name in enumerate(order)}
    names = sorted(clocks, key=lambda n: (rank.get(n, len(rank)), n))
    return tuple(Attainment(n, clocks[n].met, clocks[n].missed) for n in names)


# -- periods and groups -------------------------------------------------------------------------


class GroupBy(StrEnum):
    ALL = "all"
    AGENT = "agent"
    TEAM = "team"
    CATEGORY = "category"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_key(day: str, by: GroupBy) -> str:
    """The period a local day belongs to: itself, its ISO week's Monday, or its month."""
    if by is GroupBy.WEEK:
        d = date.fromisoformat(day)
        return (d - timedelta(days=d.weekday())).isoformat()
    if by is GroupBy.MONTH:
        return day[:7]
    return day


@dataclass(frozen=True)
class Period:
    """Local days [since, until): the tickets created on them."""

    since: date
    until: date

    def bounds(self, zone: str) -> tuple[int, int]:
        """The period as epoch seconds [start, end) in `zone`."""
        tz = ZoneInfo(zone)
        start = datetime(self.since.year, self.since.month, self.since.day, tzinfo=tz)
        end = datetime(self.until.year, self.until.month, self.until.day, tzinfo=tz)
        return int(start.timestamp()), int(end.timestamp())


def epoch_now(now: datetime) -> int:
    return int(now.astimezone(UTC).timestamp())


# -- root causes (R9) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParetoRow:
    cause: str
    count: int
    share: float
    cumulative: float


def pareto(causes: Mapping[str, int]) -> list[ParetoRow]:
    """Causes by count (ties by name), each with its share and the running share."""
    total = sum(causes.values())
    rows, running = [], 0
    for cause, count in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])):
        if count <= 0:
            continue
        running += count
        rows.append(ParetoRow(cause, count, count / total, running / total))
    return rows
