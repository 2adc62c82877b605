"""SLA policy: calendars, named clocks and the escalation ladder, as admins write them (R3, R5).

Three TOML files in the policy folder (`data/policy/` by default) are validated by the models
here; `agentdesk.io.policy_files` reads them and turns a refusal into one line naming file, key
and reason. Validation problems raised by our own checks carry a message-catalog key as their
pydantic error type, so the reason is shown in the console's language.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from agentdesk.domain.calendars import Calendar, CalendarSpec, Hours, build_calendar
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority, Status

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MAX_DURATION_S = 366 * 86_400  # a year: longer is a typo, and calendars end in 2200
_DURATION = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class Signal(StrEnum):
    """What on a ticket's timeline starts, stops or restarts a clock."""

    CREATED = "created"
    ASSIGNED = "assigned"  # taken by an agent or transferred to a team
    REPLIED = "replied"  # a customer-facing reply went out
    REVIEWED = "reviewed"  # a return/exchange request was decided
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    ESCALATED = "escalated"


def _problem(key: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(key, key, ctx)


def parse_duration(value: object) -> int:
    """`"5m"`, `"48h"`, `"2d"`, `"1h30m"` or a number of minutes → seconds (> 0)."""
    if isinstance(value, bool):
        raise _problem("policy.bad_duration", value=str(value))
    if isinstance(value, int | float):
        if value < 0:
            raise _problem("policy.negative_duration", value=str(value))
        if not math.isfinite(value):
            raise _problem("policy.bad_duration", value=str(value))
        minutes = float(value)
    elif isinstance(value, str) and value.strip().startswith("-"):
        raise _problem("policy.negative_duration", value=value)
    elif isinstance(value, str) and (m := _DURATION.match(value.strip())) and any(m.groups()):
        days, hours, mins = (int(g or 0) for g in m.groups())
        minutes = days * 1440 + hours * 60 + mins
    else:
        raise _problem("policy.bad_duration", value=str(value))
    if minutes < 0:
        raise _problem("policy.negative_duration", value=str(value))
    seconds = round(minutes * 60)
    if seconds == 0:
        raise _problem("policy.zero_duration", value=str(value))
    if seconds > MAX_DURATION_S:
        raise _problem("policy.too_long", value=str(value))
    return seconds


def parse_hours(ranges: object) -> Hours:
    """`["09:00-12:00", "13:00-18:00"]` → ((540, 720), (780, 1080)); refuses inverted/overlaps."""
    if not isinstance(ranges, list):
        raise _problem("policy.bad_hours", value=str(ranges))
    spans: list[tuple[int, int]] = []
    for text in ranges:
        m = _HOURS.match(str(text).strip())
        if not m:
            raise _problem("policy.bad_hours", value=str(text))
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 1440:
            raise _problem("policy.bad_hours", value=str(text))
        if end <= start:
            raise _problem("policy.inverted_hours", value=str(text))
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise _problem("policy.overlapping_hours", value=", ".join(map(str, ranges)))
    return tuple(spans)


Duration = Annotated[int, BeforeValidator(parse_duration)]
HoursList = Annotated[Hours, BeforeValidator(parse_hours)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- calendars.toml ---------------------------------------------------------------------------


class CalendarModel(_Strict):
    description: str = ""
    always_open: bool = False
    zone: str = "UTC"
    holidays: str | None = Field(default=None, description="country code, e.g. CN")
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], HoursList] = Field(
        default_factory=dict
    )
    working_day_hours: HoursList = ()
    closures: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> CalendarModel:
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _problem("policy.unknown_zone", value=self.zone) from None
        if self.holidays is not None:
            import holidays

            if self.holidays not in holidays.list_supported_countries():
                raise _problem("policy.unknown_country", value=self.holidays)
        if not self.always_open and not any(self.hours.values()):
            raise _problem("policy.no_hours")
        clash = sorted(set(self.closures) & set(self.working_days))
        if clash:
            raise _problem("policy.closed_and_working", value=clash[0].isoformat())
        return self

    def spec(self, name: str) -> CalendarSpec:
        return CalendarSpec(
            name=name,
            always_open=self.always_open,
            zone=self.zone,
            weekly_hours=tuple(self.hours.get(day, ()) for day in WEEKDAYS),  # type: ignore[call-overload]
            holiday_country=self.holidays,
            closures=frozenset(self.closures),
            working_days=frozenset(self.working_days),
            working_day_hours=self.working_day_hours,
        )


class CalendarsFile(_Strict):
    calendar: dict[Annotated[str, Field(pattern=NAME_PATTERN)], CalendarModel]


# -- sla.toml -------------------------------------------------------------------------------


class When(_Strict):
    """Which tickets an entry applies to: every listed field must match (empty = any)."""

    category: list[Category] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    tier: list[CustomerTier] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    complaint_level: list[ComplaintLevel] = Field(default_factory=list)

    def matches(self, facts: TicketFacts) -> bool:
        return (
            (not self.category or facts.category in self.category)
            and (not self.priority or facts.priority in self.priority)
            and (not self.tier or facts.tier in self.tier)
            and (not self.channel or facts.channel in self.channel)
            and (not self.complaint_level or facts.complaint_level in self.complaint_level)
        )


class ClockRule(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    when: When = Field(default_factory=When)
    target: Duration
    calendar: str
    start: list[Signal] = Field(min_length=1)
    stop: list[Signal] = Field(min_length=1)
    restart: list[Signal] = Field(default_factory=list)
    pause: list[Status] = Field(default_factory=list)
    warn_before: list[Duration] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ClockRule:
        both = set(self.start) & set(self.stop)
        if both:
            raise _problem("policy.start_is_stop", value=sorted(both)[0].value)
        if any(w >= self.target for w in self.warn_before):
            raise _problem("policy.warn_after_target")
        return self

    @property
    def warn_seconds(self) -> int:
        """The first warning: the largest threshold (0 = no warning before breach)."""
        return max(self.warn_before, default=0)


class SlaFile(_Strict):
    clock: list[ClockRule] = Field(min_length=1)


# -- escalation.toml --------------------------------------------------------------------------


class Trigger(_Strict):
    clock: str = Field(description="a clock name, or * for any clock")
    state: Literal["breached"] = "breached"


Recipient = Literal["assignee", "follow_up_owner", "leads"]


class EscalationStep(_Strict):
    id: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    when: When = Field(default_factory=When)
    trigger: Trigger
    escalate: bool = Field(default=False, description="into the team leads' escalation queue")
    follow_up_owner: Literal["least_loaded_lead", "none"] = Field(
        default="none", description="name the active team lead following the fewest tickets"
    )
    raise_priority: Priority | None = None
    notify: list[Recipient] = Field(default_factory=list)

    @property
    def changes_ticket(self) -> bool:
        return self.escalate or self.follow_up_owner != "none" or self.raise_priority is not None


class EscalationFile(_Strict):
    step: list[EscalationStep] = Field(default_factory=list)


# -- the loaded policy ------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFacts:
    """What clock and step selection looks at."""

    category: Category
    priority: Priority
    tier: CustomerTier
    channel: Channel
    complaint_level: ComplaintLevel | None = None


@dataclass(frozen=True)
class SlaPolicy:
    calendars: dict[str, Calendar]
    clocks: tuple[ClockRule, ...]
    steps: tuple[EscalationStep, ...]
    fingerprint: str = ""

    def clocks_for(self, facts: TicketFacts) -> list[ClockRule]:
        """The first matching entry of each clock name, in file order."""
        chosen: dict[str, ClockRule] = {}
        for rule in self.clocks:
            if rule.name not in chosen and rule.when.matches(facts):
                chosen[rule.name] = rule
        return list(chosen.values())

    def clock_names(self) -> list[str]:
        return list(dict.fromkeys(rule.name for rule in self.clocks))

    def calendar(self, name: str) -> Calendar:
        return self.calendars[name]

    @property
    def max_warn_seconds(self) -> int:
        return max((rule.warn_seconds for rule in self.clocks), default=0)


class PolicyCrossCheck(Exception):
    """A reference between files that does not resolve: (file, key, catalog key, args)."""

    def __init__(self, file: str, key: str, reason_key: str, **args: Any) -> None:
        super().__init__(reason_key)
        self.file, self.key, self.reason_key, self.args_ = file, key, reason_key, args


def assemble(
    calendars: CalendarsFile, sla: SlaFile, escalation: EscalationFile, fingerprint: str
) -> SlaPolicy:
    """Check the references between the files and build the calendars."""
    for i, rule in enumerate(sla.clock):
        if rule.calendar not in calendars.calendar:
            raise PolicyCrossCheck(
                "sla.toml",
                f"clock[{i}] ({rule.name}).calendar",
                "policy.unknown_calendar",
                value=rule.calendar,
            )
    names = {rule.name for rule in sla.clock}
    for i, step in enumerate(escalation.step):
        if step.trigger.clock != "*" and step.trigger.clock not in names:
            raise PolicyCrossCheck(
                "escalation.toml",
                f"step[{i}] ({step.id}).trigger.clock",
                "policy.unknown_clock",
                value=step.trigger.clock,
            )
    ids = [step.id for step in escalation.step]
    for i, step_id in enumerate(ids):
        if step_id in ids[:i]:
            raise PolicyCrossCheck(
                "escalation.toml", f"step[{i}].id", "policy.duplicate_id", value=step_id
            )
    built = {name: build_calendar(model.spec(name)) for name, model in calendars.calendar.items()}
    return SlaPolicy(built, tuple(sla.clock), tuple(escalation.step), fingerprint)
