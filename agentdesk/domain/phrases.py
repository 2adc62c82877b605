"""Approved phrases and knowledge articles, and the one placeholder syntax they share.

A placeholder is `{{name}}` (spaces inside the braces allowed), for example `{{customer.name}}`
or `{{clock.next_update.due}}`. Filling replaces the ones with a value and leaves the rest
exactly as written, so an unfilled placeholder stays visible and is flagged before sending.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

from agentdesk.domain.clocks import ClockState, Phase
from agentdesk.domain.deadlines import format_remaining
from agentdesk.domain.records import CustomerRecord, TicketRecord

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]*)\s*\}\}")
LANGUAGES = ("zh-CN", "en")

# The placeholders a phrase may use, besides clock.<clock name>.due and .remaining.
FIXED_PLACEHOLDERS = (
    "customer.name",
    "customer.tier",
    "ticket.number",
    "ticket.subject",
    "ticket.category",
    "ticket.status",
    "ticket.priority",
    "ticket.product",
    "ticket.order",
    "agent.name",
    "agent.team",
)
CLOCK_PLACEHOLDER = re.compile(r"clock\.([a-z_][a-z0-9_]*)\.(due|remaining)")


class Scenario(StrEnum):
    GREETING = "greeting"
    IDENTITY_CHECK = "identity_check"
    EMPATHY = "empathy"
    HOLD = "hold"
    TRANSFER = "transfer"
    REFUND = "refund"
    ESCALATION = "escalation"
    FOLLOW_UP = "follow_up"
    CLOSING = "closing"
    CRISIS = "crisis"
    GENERAL = "general"


@dataclass(frozen=True)
class Phrase:
    id: str
    scenario: Scenario
    language: str
    title: str
    text: str
    tags: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # team codes that may use it; empty: everyone
    categories: tuple[str, ...] = ()  # ticket categories it fits best (ranking)
    uses: int = 0

    def allowed_for(self, team_code: str | None) -> bool:
        return not self.teams or team_code in self.teams


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    language: str
    category: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filled:
    """A text with its placeholders filled; `missing` are the names left as written."""

    text: str
    missing: tuple[str, ...] = ()


def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`, in order (an empty name is returned as "")."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def unknown_placeholder(name: str, clock_names: Iterable[str] | None = None) -> str | None:
    """Why `name` is not a placeholder we can fill (None when it is one)."""
    if name in FIXED_PLACEHOLDERS:
        return None
    clock = CLOCK_PLACEHOLDER.fullmatch(name)
    if clock is None:
        return "unknown"
    names = set(clock_names) if clock_names is not None else None
    if names is not None and clock.group(1) not in names:
        return "unknown_clock"
    return None


def fill(text: str, values: Mapping[str, str]) -> Filled:
    """Replace each placeholder that has a (non-empty) value; keep the others verbatim."""
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value:
            return value
        missing.append(match.group(1))
        return match.group(0)

    return Filled(PLACEHOLDER.sub(one, text), tuple(missing))


@dataclass(frozen=True)
class FillContext:
    """What a phrase can be filled from: the open ticket, its customer, the agent."""

    ticket: TicketRecord
    customer: CustomerRecord
    agent_name: str
    team_name: str
    clocks: Sequence[ClockState] = ()
    product_name: str = ""
    order_number: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


def placeholder_values(
    context: FillContext, now: datetime, zone: tzinfo, label: Callable[[str, str], str]
) -> dict[str, str]:
    """Every placeholder's value for this ticket; `label(kind, value)` names enum values in
    the agent's language. A clock that is not running has no due time and no time left."""
    tk = context.ticket
    values = {
        "customer.name": context.customer.name,
        "customer.tier": label("tier", context.customer.tier.value),
        "ticket.number": tk.number,
        "ticket.subject": tk.subject,
        "ticket.category": label("category", tk.category.value),
        "ticket.status": label("status", tk.status.value),
        "ticket.priority": label("priority", tk.priority.value),
        "ticket.product": context.product_name,
        "ticket.order": context.order_number,
        "agent.name": context.agent_name,
        "agent.team": context.team_name,
    }
    at = int(now.timestamp())
    for clock in context.clocks:
        if clock.phase is Phase.RUNNING and clock.due is not None:
            due = datetime.fromtimestamp(clock.due, zone)
            values[f"clock.{clock.name}.due"] = due.strftime("%m-%d %H:%M")
            left = datetime.fromtimestamp(clock.due, zone) - datetime.fromtimestamp(at, zone)
            values[f"clock.{clock.name}.remaining"] = format_remaining(left)
    values.update(context.extra)
    return values


# Which scenarios suit a ticket in this status or of this category (ranking, not filtering).
SCENARIOS_BY_STATUS: dict[str, frozenset[Scenario]] = {
    "new": frozenset({Scenario.GREETING, Scenario.IDENTITY_CHECK}),
    "assigned": frozenset({Scenario.GREETING, Scenario.IDENTITY_CHECK, Scenario.EMPATHY}),
    "in_progress": frozenset({Scenario.HOLD, Scenario.FOLLOW_UP, Scenario.TRANSFER}),
    "waiting_customer": frozenset({Scenario.FOLLOW_UP, Scenario.HOLD}),
    "resolved": frozenset({Scenario.CLOSING, Scenario.FOLLOW_UP}),
    "closed": frozenset({Scenario.CLOSING}),
}
SCENARIOS_BY_CATEGORY: dict[str, frozenset[Scenario]] = {
    "refund": frozenset({Scenario.REFUND}),
    "complaint": frozenset({Scenario.EMPATHY, Scenario.ESCALATION}),
    "return_exchange": frozenset({Scenario.REFUND}),
    "repair": frozenset({Scenario.TRANSFER, Scenario.FOLLOW_UP}),
}
CATEGORY_FIT, SCENARIO_FIT, LANGUAGE_FIT, CRISIS_PIN = 25.0, 15.0, 10.0, 1000.0


def phrase_fit(
    phrase: Phrase, category: str, status: str, language: str, *, crisis: bool = False
) -> float:
    """How well a phrase suits the open ticket, before any search: its categories, the
    scenarios the ticket's status and category call for, the agent's language, its use; while
    an incident is open, crisis phrases come first."""
    from agentdesk.domain.text_search import usage_boost

    score = usage_boost(phrase.uses)
    if category in phrase.categories:
        score += CATEGORY_FIT
    suits = SCENARIOS_BY_STATUS.get(status, frozenset()) | SCENARIOS_BY_CATEGORY.get(
        category, frozenset()
    )
    if phrase.scenario in suits:
        score += SCENARIO_FIT
    if phrase.language == language:
        score += LANGUAGE_FIT
    if crisis and phrase.scenario is Scenario.CRISIS:
        score += CRISIS_PIN
    return score
