"""SLA clock state, derived from a ticket's timeline (R1, R2, R3).

Nothing about a clock is stored as truth: replaying the timeline through a clock rule and its
calendar gives the phase, the business time used, the pauses and the due instant. A changed
policy or calendar therefore recomputes every open ticket's deadlines on demand.

Times here are epoch seconds (ints): the replay runs for every open ticket when the policy
changes, so it avoids datetime arithmetic in its loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from agentdesk.domain.calendars import Calendar
from agentdesk.domain.model import EventKind, Status
from agentdesk.domain.sla_policy import ClockRule, Signal, SlaPolicy, TicketFacts
from agentdesk.domain.status_flow import REOPEN_FROM


class Phase(StrEnum):
    PENDING = "pending"  # its start signal has not happened
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Happening:
    """One timeline entry as clocks see it: when, which signal, the status it left behind."""

    at: int
    signal: Signal | None = None
    status: Status | None = None


@dataclass(frozen=True, slots=True)
class ClockState:
    rule: ClockRule
    calendar: Calendar
    phase: Phase
    cycle: int = 0  # 1 for the first run; restarts and reopenings count up
    started_at: int | None = None
    running_since: int | None = None  # start of the current running stretch
    used: int = 0  # business seconds counted up to running_since / the pause / the stop
    paused_wall: int = 0  # wall seconds spent paused this cycle
    pause_status: Status | None = None
    paused_since: int | None = None
    stopped_at: int | None = None
    breached_at: int | None = None  # when the target was used up, if it was
    due: int | None = None  # the deadline while running, or when it was breached; else None

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def warn_at(self) -> int | None:
        due = self.due
        if due is None or self.phase is not Phase.RUNNING or not self.rule.warn_seconds:
            return None
        return due - self.rule.warn_seconds

    def used_at(self, now: int) -> int:
        """Business seconds used this cycle as of `now`."""
        if self.phase is Phase.RUNNING and self.running_since is not None:
            return self.used + self.calendar.seconds_between(
                self.running_since, max(now, self.running_since)
            )
        return self.used

    def remaining_at(self, now: int) -> int:
        """Business seconds left (negative: over target)."""
        return self.rule.target - self.used_at(now)

    def paused_at(self, now: int) -> int:
        if self.phase is Phase.PAUSED and self.paused_since is not None:
            return self.paused_wall + max(0, now - self.paused_since)
        return self.paused_wall

    def is_breached(self, now: int) -> bool:
        return self.breached_at is not None and self.breached_at <= now

    @property
    def met(self) -> bool | None:
        """For a stopped clock: was it stopped in time? None while it still runs."""
        if self.phase is not Phase.STOPPED:
            return None
        return self.breached_at is None


class _Replay:
    """Walks one clock rule through the happenings of one ticket."""

    def __init__(self, rule: ClockRule, calendar: Calendar) -> None:
        self.rule, self.cal = rule, calendar
        self.phase = Phase.PENDING
        self.cycle = 0
        self.started_at: int | None = None
        self.since: int | None = None
        self.used = 0
        self.paused_wall = 0
        self.pause_status: Status | None = None
        self.paused_since: int | None = None
        self.stopped_at: int | None = None
        self.breached_at: int | None = None
        self.status = Status.NEW

    def feed(self, h: Happening) -> None:
        if h.status is not None:
            self._status(h.status, h.at)
        signal = h.signal
        if signal is None:
            return
        live = self.phase in (Phase.RUNNING, Phase.PAUSED)
        if live and signal in self.rule.stop:
            self._stop(h.at)
        elif (live and signal in self.rule.restart) or (not live and signal in self.rule.start):
            self._begin(h.at)

    def _status(self, status: Status, at: int) -> None:
        self.status = status
        pausing = status in self.rule.pause
        if self.phase is Phase.RUNNING and pausing:
            self._count_until(at)
            self.phase, self.paused_since, self.pause_status = Phase.PAUSED, at, status
        elif self.phase is Phase.PAUSED and not pausing:
            self.paused_wall += at - (self.paused_since or at)
            self.phase, self.since, self.paused_since, self.pause_status = (
                Phase.RUNNING,
                at,
                None,
                None,
            )
        elif self.phase is Phase.PAUSED:
            self.pause_status = status

    def _begin(self, at: int) -> None:
        self.cycle += 1
        self.started_at, self.since, self.used, self.paused_wall = at, at, 0, 0
        self.stopped_at = self.breached_at = None
        if self.status in self.rule.pause:
            self.phase, self.paused_since, self.pause_status = Phase.PAUSED, at, self.status
        else:
            self.phase, self.paused_since, self.pause_status = Phase.RUNNING, None, None

    def _stop(self, at: int) -> None:
        if self.phase is Phase.RUNNING:
            self._count_until(at)
        else:
            self.paused_wall += at - (self.paused_since or at)
        self.phase, self.stopped_at, self.paused_since, self.pause_status = (
            Phase.STOPPED,
            at,
            None,
            None,
        )

    def _count_until(self, at: int) -> None:
        """Add the business time of the running stretch [since, at), noting a breach inside it."""
        assert self.since is not None
        gained = self.cal.seconds_between(self.since, max(at, self.since))
        left = self.rule.target - self.used
        if self.breached_at is None and gained > left:
            self.breached_at = self.cal.add_seconds(self.since, left)
        self.used += gained
        self.since = at

    def state(self, now: int) -> ClockState:
        due = self.breached_at
        if due is None and self.phase is Phase.RUNNING and self.since is not None:
            due = self.cal.add_seconds(self.since, self.rule.target - self.used)
        breached_at = self.breached_at
        if breached_at is None and due is not None and due <= now:
            breached_at = due
        return ClockState(
            rule=self.rule,
            calendar=self.cal,
            phase=self.phase,
            cycle=self.cycle,
            started_at=self.started_at,
            running_since=self.since if self.phase is Phase.RUNNING else None,
            used=self.used,
            paused_wall=self.paused_wall,
            pause_status=self.pause_status,
            paused_since=self.paused_since,
            stopped_at=self.stopped_at,
            breached_at=breached_at,
            due=due,
        )


def replay(
    rule: ClockRule, calendar: Calendar, happenings: Iterable[Happening], now: int
) -> ClockState:
    """The clock's state at `now` (happenings after `now` are not seen yet)."""
    run = _Replay(rule, calendar)
    for h in happenings:
        if h.at > now:
            break
        run.feed(h)
    return run.state(now)


def ticket_clocks(
    policy: SlaPolicy, facts: TicketFacts, happenings: Sequence[Happening], now: int
) -> list[ClockState]:
    """Every clock the policy gives this ticket, in policy order."""
    return [
        replay(rule, policy.calendar(rule.calendar), happenings, now)
        for rule in policy.clocks_for(facts)
    ]


# -- from timeline entries to happenings ----------------------------------------------------------

_SIGNAL_BY_KIND = {
    EventKind.CREATED.value: Signal.CREATED,
    EventKind.ASSIGNMENT.value: Signal.ASSIGNED,
    EventKind.TRANSFER.value: Signal.ASSIGNED,
    EventKind.RESOLUTION.value: Signal.RESOLVED,
    EventKind.ESCALATION.value: Signal.ESCALATED,
    EventKind.REVIEW.value: Signal.REVIEWED,
}
_SIGNAL_BY_STATUS = {Status.RESOLVED: Signal.RESOLVED, Status.CLOSED: Signal.CLOSED}


def happening(kind: str, at: int, data: dict[str, Any]) -> Happening | None:
    """What one timeline entry means to clocks (None: nothing)."""
    if kind == EventKind.STATUS_CHANGE.value:
        to = Status(data["to"])
        before = data.get("from")
        if before is not None and Status(before) in REOPEN_FROM and to not in REOPEN_FROM:
            return Happening(at, Signal.REOPENED, to)
        return Happening(at, _SIGNAL_BY_STATUS.get(to), to)
    if kind == EventKind.REPLY.value:
        outbound = data.get("direction", "outbound") == "outbound"
        return Happening(at, Signal.REPLIED) if outbound else None
    signal = _SIGNAL_BY_KIND.get(kind)
    return Happening(at, signal) if signal is not None else None


# the kinds of entry `happening` reads the data of; other entries' data is not decoded
_READS_DATA = frozenset({EventKind.STATUS_CHANGE.value, EventKind.REPLY.value})


def happenings_from_rows(rows: Iterable[tuple[str, str, str]]) -> list[Happening]:
    """(kind, ISO time, data JSON) rows in timeline order → happenings."""
    found = []
    for kind, at, data_json in rows:
        data = json.loads(data_json) if kind in _READS_DATA and data_json != "{}" else {}
        h = happening(kind, epoch(at), data)
        if h is not None:
            found.append(h)
    return found


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


# -- what the queue shows of a ticket -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueDeadline:
    """The nearest running deadline (or the paused clock), and the earliest warning."""

    clock: str | None
    due: int | None
    warn: int | None
    paused: bool


def queue_deadline(clocks: Sequence[ClockState]) -> QueueDeadline:
    running = [c for c in clocks if c.phase is Phase.RUNNING and c.due is not None]
    if running:
        nearest = min(running, key=lambda c: c.due or 0)
        warns = [w for c in running if (w := c.warn_at) is not None]
        return QueueDeadline(nearest.name, nearest.due, min(warns, default=None), False)
    paused = [c for c in clocks if c.phase is Phase.PAUSED]
    if paused:
        return QueueDeadline(paused[0].name, None, None, True)
    return QueueDeadline(None, None, None, False)
