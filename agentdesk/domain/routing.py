"""Routing (SPEC R1, R4): which team a new ticket goes to, at what priority, and why.

The rules come from `routing.toml` in the policy folder (validated by the models here;
`agentdesk.io.routing_file` reads the file and words a refusal). Rules are checked in order and
the first whose `when` matches decides the team; rules marked `continue` only adjust the
priority and let the search go on. The same file lists keywords that suggest a category from
what the customer said. `check` finds what an administrator most likely got wrong: unknown
teams, rules that can never match, and rules that quietly take tickets from a later one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from agentdesk.domain.clocks import ClockState, Happening, Phase, ticket_clocks
from agentdesk.domain.model import (
    PRIORITY_RANK,
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    Priority,
)
from agentdesk.domain.sla_policy import NAME_PATTERN, Signal, SlaPolicy, TicketFacts

MAX_AMOUNT_CENTS = 100_000_000_00  # a hundred million yuan: a larger bound is a typing error
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_BY_RANK = sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__)  # urgent first


def _problem(key: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(key, key, ctx)


# -- what the file holds ----------------------------------------------------------------------


def parse_amount(value: object) -> int:
    """A bound in yuan as the file writes it (`500`, `500.5`, `"1200.00"`) → cents."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _problem("policy.bad_amount", value=str(value))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _problem("policy.bad_amount", value=str(value)) from None
    if not amount.is_finite():
        raise _problem("policy.bad_amount", value=str(value))
    if amount < 0:
        raise _problem("policy.negative_amount", value=str(value))
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise _problem("policy.bad_amount", value=str(value))
    if cents > MAX_AMOUNT_CENTS:
        raise _problem("policy.amount_too_large", value=str(value))
    return int(cents)


def _reason_texts(value: object) -> object:
    """`reason = "text"` stands for the same text in both languages."""
    return {"en": value, "zh": value} if isinstance(value, str) else value


Cents = Annotated[int, BeforeValidator(parse_amount)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Strict):
    """Why the ticket goes where it goes, as the agent reads it (en and zh-CN)."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def text(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en


class RuleWhen(_Strict):
    """Which tickets a rule applies to: every given field must match (left out = any)."""

    category: list[Category] = Field(default_factory=list)
    complaint_level: list[ComplaintLevel] = Field(default_factory=list)
    amount_min: Cents | None = None
    amount_max: Cents | None = None
    product: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    tier: list[CustomerTier] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    keywords: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RuleWhen:
        low, high = self.amount_min, self.amount_max
        if low is not None and high is not None and low > high:
            raise _problem("policy.amount_range")
        if any(not k.strip() or k.strip() == "*" for k in self.keywords):
            raise _problem("policy.blank_keyword")
        return self


class RoutingRule(_Strict):
    """One rule: `when` → team, priority at least `priority`, `raise_levels` up, `reason`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=NAME_PATTERN)
    when: RuleWhen = Field(default_factory=RuleWhen)
    team: str | None = Field(default=None, pattern=NAME_PATTERN)
    priority: Priority | None = None
    raise_levels: int = Field(default=0, ge=0, le=3)
    keep_going: bool = Field(default=False, alias="continue")
    reason: Annotated[Reason, BeforeValidator(_reason_texts)]

    @model_validator(mode="after")
    def _check(self) -> RoutingRule:
        if self.keep_going and self.team is not None:
            raise _problem("policy.continue_with_team")
        if not self.keep_going and self.team is None:
            raise _problem("policy.team_required")
        return self


class RoutingFile(_Strict):
    rule: list[RoutingRule] = Field(min_length=1)
    suggest: dict[Category, list[Annotated[str, Field(min_length=1)]]] = Field(default_factory=dict)


# -- matching words -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyword:
    """A word or phrase: Chinese anywhere in the text, English as whole words in any case;
    an English keyword ending in `*` matches any word it begins (`charg*`: charge, charging)."""

    text: str
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @classmethod
    def of(cls, text: str) -> Keyword:
        word = text.strip().casefold()
        if _CJK.search(word):
            return cls(word, re.compile(re.escape(word)))
        stem = word.removesuffix("*")
        body = r"\s+".join(re.escape(part) for part in stem.split())
        tail = "" if word.endswith("*") else r"(?![a-z0-9])"
        return cls(word, re.compile(rf"(?<![a-z0-9]){body}{tail}"))

    def found_in(self, folded_text: str) -> bool:
        """`folded_text`: already casefolded (`fold`)."""
        return self.pattern.search(folded_text) is not None

    def implies(self, other: Keyword) -> bool:
        """Every text this keyword is found in also holds `other`."""
        return other.found_in(self.text.removesuffix("*"))


def fold(text: str) -> str:
    return text.casefold()


def keywords_of(texts: Iterable[str]) -> tuple[Keyword, ...]:
    return tuple(dict.fromkeys(Keyword.of(t) for t in texts))


# -- the loaded policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingFacts:
    """What routing looks at. `products`: the ticket's product SKU and product line (either
    may be missing); `text`: subject and description; `priority`: as chosen at intake."""

    category: Category
    complaint_level: ComplaintLevel | None = None
    refund_amount_cents: int | None = None
    products: frozenset[str] = frozenset()
    tier: CustomerTier = CustomerTier.STANDARD
    channel: Channel = Channel.PHONE
    text: str = ""
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class Rule:
    """A rule as routing uses it: its 1-based number in the file and its compiled keywords."""

    number: int
    spec: RoutingRule
    keywords: tuple[Keyword, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def matches(self, facts: RoutingFacts, folded_text: str) -> bool:
        when = self.spec.when
        amount = facts.refund_amount_cents
        return (
            (not when.category or facts.category in when.category)
            and (not when.complaint_level or facts.complaint_level in when.complaint_level)
            and _within(amount, when.amount_min, when.amount_max)
            and (not when.product or bool(facts.products & set(when.product)))
            and (not when.tier or facts.tier in when.tier)
            and (not when.channel or facts.channel in when.channel)
            and (not self.keywords or any(k.found_in(folded_text) for k in self.keywords))
        )


def _within(amount: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if amount is None:
        return False  # a bound on the amount never matches a ticket without one
    return (low is None or amount >= low) and (high is None or amount <= high)


@dataclass(frozen=True)
class RoutingOutcome:
    """Where a ticket goes. `rule_number`/`rule_name`: the rule that chose the team (None when
    no rule matched: the ticket stays with the team of the agent recording it); `adjusted_by`:
    the `continue` rules that changed the priority on the way."""

    team: str | None
    priority: Priority
    rule_number: int | None = None
    rule_name: str | None = None
    reasons: tuple[Reason, ...] = ()
    adjusted_by: tuple[str, ...] = ()

    def reason(self, language: str) -> str:
        separator = "；" if language.startswith("zh") else "; "
        return separator.join(r.text(language) for r in self.reasons)


@dataclass(frozen=True)
class RoutingPolicy:
    rules: tuple[Rule, ...]
    suggestions: tuple[tuple[Category, tuple[Keyword, ...]], ...] = ()

    @classmethod
    def build(cls, parsed: RoutingFile) -> RoutingPolicy:
        rules = tuple(
            Rule(i, spec, keywords_of(spec.when.keywords))
            for i, spec in enumerate(parsed.rule, start=1)
        )
        suggestions = tuple((cat, keywords_of(words)) for cat, words in parsed.suggest.items())
        return cls(rules, suggestions)

    def route(self, facts: RoutingFacts) -> RoutingOutcome:
        """The first matching rule's team; priority: at least every matched rule's
        `priority` (never below the one chosen), then up by their `raise_levels`."""
        folded = fold(facts.text)
        matched: list[Rule] = []
        for rule in self.rules:
            if rule.matches(facts, folded):
                matched.append(rule)
                if not rule.spec.keep_going:
                    break
        final = matched[-1] if matched and not matched[-1].spec.keep_going else None
        return RoutingOutcome(
            team=final.spec.team if final else None,
            priority=_priority_after(facts.priority, [r.spec for r in matched]),
            rule_number=final.number if final else None,
            rule_name=final.name if final else None,
            reasons=tuple(r.spec.reason for r in matched),
            adjusted_by=tuple(r.name for r in matched if r.spec.keep_going),
        )

    def suggest_category(self, text: str) -> Category | None:
        """The category whose keywords the text holds most of (distinct keywords); a tie goes
        to the category listed first in the file. None: no keyword found."""
        folded = fold(text)
        best: Category | None = None
        best_hits = 0
        for category, keywords in self.suggestions:
            hits = sum(1 for k in keywords if k.found_in(folded))
            if hits > best_hits:
                best, best_hits = category, hits
        return best


def _priority_after(chosen: Priority, rules: Sequence[RoutingRule]) -> Priority:
    rank = min([PRIORITY_RANK[chosen]] + [PRIORITY_RANK[r.priority] for r in rules if r.priority])
    rank -= sum(r.raise_levels for r in rules)
    return _BY_RANK[max(rank, 0)]


# -- checking a policy ----------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class RoutingProblem:
    """One finding: `where` is a key path (`rule 3 (refund-small).team`), `reason_key` a
    message-catalog key filled from `args`."""

    severity: Severity
    where: str
    reason_key: str
    args: dict[str, Any] = field(default_factory=dict)
    rule_number: int | None = None


def rule_label(number: int, name: str | None) -> str:
    return f"rule {number} ({name})" if name else f"rule {number}"


def check(
    policy: RoutingPolicy,
    known_team_codes: Iterable[str] | None,
    product_lines: Mapping[str, str] | None = None,
) -> list[RoutingProblem]:
    """Errors: duplicate rule names, unknown teams (`known_team_codes` None: not checked) and
    unknown products (`product_lines`, SKU → line; None: not checked). Warnings: rules that
    can never match, rules an earlier one always takes first, rules whose tickets an earlier
    rule partly takes (both match some tickets, neither contains the other, outcomes differ),
    and no rule for every ticket."""
    problems = _names_and_references(policy, known_team_codes, product_lines)
    lines = dict(product_lines or {})
    boxes = [(rule, _Box.of(rule.spec.when, lines)) for rule in policy.rules]
    for j, (later, box) in enumerate(boxes):
        problems += _reachability(later, box, boxes[:j])
    if not any(box.is_everything() and not r.spec.keep_going for r, box in boxes):
        problems.append(RoutingProblem(Severity.WARNING, "rule", "routing.no_catch_all"))
    return problems


def _names_and_references(
    policy: RoutingPolicy,
    known_team_codes: Iterable[str] | None,
    product_lines: Mapping[str, str] | None,
) -> list[RoutingProblem]:
    problems: list[RoutingProblem] = []
    teams = None if known_team_codes is None else set(known_team_codes)
    products = None if product_lines is None else {*product_lines, *product_lines.values()}
    seen: set[str] = set()
    for rule in policy.rules:
        where = rule_label(rule.number, rule.name)
        if rule.name in seen:
            problems.append(_error(rule, f"{where}.name", "routing.duplicate_name", rule.name))
        seen.add(rule.name)
        team = rule.spec.team
        if teams is not None and team is not None and team not in teams:
            args = {"value": team, "known": ", ".join(sorted(teams)) or "—"}
            problems.append(
                RoutingProblem(
                    Severity.ERROR, f"{where}.team", "routing.unknown_team", args, rule.number
                )
            )
        for product in rule.spec.when.product:
            if products is not None and product not in products:
                path = f"{where}.when.product"
                problems.append(_error(rule, path, "routing.unknown_product", product))
    return problems


def _error(rule: Rule, where: str, key: str, value: str) -> RoutingProblem:
    return RoutingProblem(Severity.ERROR, where, key, {"value": value}, rule.number)


def _reachability(
    later: Rule, box: _Box, earlier: Sequence[tuple[Rule, _Box]]
) -> list[RoutingProblem]:
    where = rule_label(later.number, later.name)
    if box.is_empty():
        return [RoutingProblem(Severity.WARNING, where, "routing.never_matches", {}, later.number)]
    found: list[RoutingProblem] = []
    for rule, other in earlier:
        if rule.spec.keep_going or other.is_empty():
            continue  # adjustments take no ticket away from later rules
        args = {"earlier": rule_label(rule.number, rule.name)}
        if other.contains(box):
            key = "routing.unreachable"
            return [RoutingProblem(Severity.WARNING, where, key, args, later.number)]
        if later.spec.keep_going or box.contains(other) or not other.meets(box):
            continue  # an exception before its general rule is how first-match lists work
        if _outcome(rule.spec) != _outcome(later.spec):
            key = "routing.overlap"
            found.append(RoutingProblem(Severity.WARNING, where, key, args, later.number))
    return found


def _outcome(rule: RoutingRule) -> tuple[object, ...]:
    return (rule.team, rule.priority, rule.raise_levels)


_ALL_CATEGORIES = frozenset(Category)
_ALL_LEVELS: frozenset[ComplaintLevel | None] = frozenset([*ComplaintLevel, None])
_NO_LIMIT = MAX_AMOUNT_CENTS + 1


@dataclass(frozen=True)
class _Box:
    """The tickets a `when` matches, one set (or range) per field, so that two rules can be
    compared: does one match everything the other does, can both match the same ticket?
    Products: their values (SKUs and lines); `lines` knows each SKU's line when a catalogue
    was given. Keywords: None for any text."""

    categories: frozenset[Category]
    levels: frozenset[ComplaintLevel | None]
    low: int
    high: int
    without_amount: bool  # a ticket with no amount matches
    products: frozenset[str] | None
    tiers: frozenset[CustomerTier]
    channels: frozenset[Channel]
    keywords: tuple[Keyword, ...] | None
    lines: Mapping[str, str]

    @classmethod
    def of(cls, when: RuleWhen, lines: Mapping[str, str]) -> _Box:
        categories = frozenset(when.category or Category)
        levels: frozenset[ComplaintLevel | None] = _ALL_LEVELS
        if when.complaint_level:  # only complaints have a level
            categories &= {Category.COMPLAINT}
            levels = frozenset(when.complaint_level)
        bounded = when.amount_min is not None or when.amount_max is not None
        return cls(
            categories=categories,
            levels=levels,
            low=when.amount_min or 0,
            high=_NO_LIMIT if when.amount_max is None else when.amount_max,
            without_amount=not bounded,
            products=frozenset(when.product) if when.product else None,
            tiers=frozenset(when.tier or CustomerTier),
            channels=frozenset(when.channel or Channel),
            keywords=keywords_of(when.keywords) or None,
            lines=lines,
        )

    def is_empty(self) -> bool:
        return not self.categories or not self.levels or self.low > self.high

    def is_everything(self) -> bool:
        return (
            self.categories == _ALL_CATEGORIES
            and self.levels == _ALL_LEVELS
            and self.without_amount
            and self.products is None
            and self.tiers == frozenset(CustomerTier)
            and self.channels == frozenset(Channel)
            and self.keywords is None
        )

    def contains(self, other: _Box) -> bool:
        """Every ticket `other` matches, this matches too."""
        return (
            other.categories <= self.categories
            and other.levels <= self.levels
            and (self.without_amount or not other.without_amount)
            and self.low <= other.low
            and other.high <= self.high
            and self._holds_products(other.products)
            and other.tiers <= self.tiers
            and other.channels <= self.channels
            and self._holds_keywords(other.keywords)
        )

    def meets(self, other: _Box) -> bool:
        """Some ticket matches both (any two keyword lists can meet in one description)."""
        amounts = (self.without_amount and other.without_amount) or (
            max(self.low, other.low) <= min(self.high, other.high)
        )
        return (
            bool(self.categories & other.categories)
            and bool(self.levels & other.levels)
            and amounts
            and self._meets_products(other.products)
            and bool(self.tiers & other.tiers)
            and bool(self.channels & other.channels)
        )

    def _holds_products(self, products: frozenset[str] | None) -> bool:
        if self.products is None:
            return True
        if products is None:
            return False
        return all(p in self.products or self.lines.get(p) in self.products for p in products)

    def _meets_products(self, products: frozenset[str] | None) -> bool:
        if self.products is None or products is None:
            return True
        return (
            bool(self.products & products)
            or any(self.lines.get(sku) in products for sku in self.products)
            or any(self.lines.get(sku) in self.products for sku in products)
        )

    def _holds_keywords(self, keywords: tuple[Keyword, ...] | None) -> bool:
        if self.keywords is None:
            return True
        if keywords is None:
            return False
        return all(any(k.implies(mine) for mine in self.keywords) for k in keywords)


# -- the deadlines a new ticket starts ----------------------------------------------------------

DISPATCH_CLOCK = "dispatch"  # R1: from creation until a team or agent has the ticket


def clocks_from_creation(
    sla: SlaPolicy, facts: TicketFacts, at: int, *, taken: bool = False
) -> list[ClockState]:
    """The clocks that run once a ticket with these facts is created at `at` (epoch seconds);
    `taken`: assigned to its creator at once, so the dispatch clock has already stopped."""
    happenings = [Happening(at, Signal.CREATED)]
    if taken:
        happenings.append(Happening(at, Signal.ASSIGNED))
    clocks = ticket_clocks(sla, facts, happenings, at)
    return [clock for clock in clocks if clock.phase is Phase.RUNNING]


def sla_facts(facts: RoutingFacts, outcome: RoutingOutcome) -> TicketFacts:
    """What the SLA policy sees of a routed ticket: its priority is the routed one."""
    return TicketFacts(
        category=facts.category,
        priority=outcome.priority,
        tier=facts.tier,
        channel=facts.channel,
        complaint_level=facts.complaint_level,
    )
