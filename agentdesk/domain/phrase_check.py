"""The pre-send phrase check: banned phrases found in a draft, each with its positive rewrite.

Matching works on a normalized copy of the draft: full-width forms folded to half-width, case
ignored, spaces and punctuation dropped (so 「这个、我也 不清楚」 still reads 这个我也不清楚),
and, for rules that ask for it, traditional characters read as simplified. Every normalized
character remembers where it came from, so findings point at the agent's own text.
English phrases match whole words only ("calm down" is not found in "Dubai downtown").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.phrases import PLACEHOLDER


class Action(StrEnum):
    BLOCK = "block"  # the draft cannot be sent until it is rewritten
    OVERRIDE = "override"  # it can, with a reason that is logged


@dataclass(frozen=True)
class BannedRule:
    id: str
    rewrites: tuple[str, ...]
    reason: str
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    variants: bool = False
    action: Action = Action.BLOCK
    language: str = ""


@dataclass(frozen=True)
class Finding:
    rule: BannedRule
    start: int  # in the draft as written
    end: int
    text: str

    @property
    def rewrite(self) -> str:
        return self.rule.rewrites[0]


@dataclass(frozen=True)
class Normalized:
    """A draft's matching form, and each of its characters' position in the draft."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _dropped(char: str) -> bool:
    """Spaces, punctuation, symbols and controls do not count inside a phrase."""
    return unicodedata.category(char)[0] in "ZPSC"


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    return "".join(c for c in folded if not _dropped(c))


def normalize(text: str) -> Normalized:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            if char.isalnum():
                chars.append(char.lower())
                origin.append(index)
            continue
        for folded in _fold(char):
            chars.append(folded)
            origin.append(index)
    return Normalized("".join(chars), tuple(origin))


def normalize_phrase(phrase: str) -> str:
    return normalize(phrase).text


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """`text` with traditional characters read as simplified, one character for one."""
    if text.isascii():
        return text
    converter = _t2s()
    whole: str = converter.convert(text)  # type: ignore[attr-defined]
    if len(whole) == len(text):
        return whole
    return "".join(converter.convert(c) or c for c in text)  # type: ignore[attr-defined]


class RuleSet:
    """Compiled rules; `check(draft)` lists the findings in draft order."""

    def __init__(self, rules: Sequence[BannedRule]) -> None:
        self.rules = tuple(rules)
        self._literals: list[tuple[str, BannedRule]] = []  # (normalized phrase, its rule)
        self._patterns: list[tuple[re.Pattern[str], BannedRule]] = []
        self._unless: dict[str, tuple[str, ...]] = {}
        self._needs_variants = any(rule.variants for rule in rules)
        for rule in rules:
            for phrase in rule.phrases:
                norm = normalize_phrase(phrase)
                if norm:
                    self._literals.append((norm, rule))
            self._patterns += [(re.compile(p), rule) for p in rule.patterns]
            self._unless[rule.id] = tuple(normalize_phrase(u) for u in rule.unless if u.strip())

    def check(self, draft: str) -> list[Finding]:
        norm = normalize(draft)
        texts = [(norm.text, False)]
        if self._needs_variants:
            variant = simplified(norm.text)
            if variant != norm.text:
                texts.append((variant, True))
        candidates = [
            (start, end, rule, text)
            for text, is_variant in texts
            for start, end, rule in self._matches(text, is_variant)
        ]
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))  # longest first: one finding a span
        found: dict[tuple[str, int, int], Finding] = {}
        taken: list[tuple[int, int]] = []
        for start, end, rule, text in candidates:
            if _overlaps(taken, start, end) or self._excused(text, start, end, rule):
                continue
            if not self._whole_words(draft, norm, start, end):
                continue
            begin, stop = norm.span(start, end)
            found[rule.id, begin, stop] = Finding(rule, begin, stop, draft[begin:stop])
            taken.append((start, end))
        return sorted(found.values(), key=lambda f: (f.start, f.end))

    def _matches(self, text: str, is_variant: bool) -> Iterable[tuple[int, int, BannedRule]]:
        for literal, rule in self._literals:
            if is_variant and not rule.variants:
                continue
            at = text.find(literal)
            while at >= 0:
                yield at, at + len(literal), rule
                at = text.find(literal, at + 1)
        for pattern, rule in self._patterns:
            if is_variant and not rule.variants:
                continue
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    yield match.start(), match.end(), rule

    def _excused(self, text: str, start: int, end: int, rule: BannedRule) -> bool:
        """A match inside one of the rule's `unless` contexts does not count: some context
        occurrence begins at or before the match and ends at or after it."""
        for context in self._unless.get(rule.id, ()):
            at = text.find(context, max(0, end - len(context)))
            if 0 <= at <= start:
                return True
        return False

    @staticmethod
    def _whole_words(draft: str, norm: Normalized, start: int, end: int) -> bool:
        """English words must not be cut: where the match begins (ends) with a letter or
        digit, the draft's character before (after) it is not one (full-width ones count)."""
        begin, stop = norm.span(start, end)
        if _wordish(draft[begin]) and begin > 0 and _wordish(draft[begin - 1]):
            return False
        return not (_wordish(draft[stop - 1]) and stop < len(draft) and _wordish(draft[stop]))


def _wordish(char: str) -> bool:
    """A Latin letter or digit, half- or full-width (a Han character is not: no spaces there)."""
    folded = _fold(char) if not char.isascii() else char
    return len(folded) == 1 and folded.isascii() and folded.isalnum()


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in taken)


def unfilled(draft: str) -> list[tuple[int, int, str]]:
    """Placeholders still in a draft: (start, end, name) — a draft is never sent with one."""
    return [(m.start(), m.end(), m.group(1)) for m in PLACEHOLDER.finditer(draft)]


def apply_rewrite(draft: str, finding: Finding, rewrite: str | None = None) -> str:
    return draft[: finding.start] + (rewrite or finding.rewrite) + draft[finding.end :]


def check_before_send(
    rules: RuleSet | None, draft: str, override_reason: str | None = None
) -> dict[str, object] | None:
    """May this reply go to the customer? Raises ValidationFailed when not; returns what to log
    with it when the agent overrode rules that allow it (None: nothing to log)."""
    holes = unfilled(draft)
    if holes:
        names = ", ".join(sorted({"{{" + name + "}}" for _, _, name in holes}))
        raise ValidationFailed("error.unfilled_placeholders", names=names)
    findings = rules.check(draft) if rules is not None else []
    for finding in findings:
        if finding.rule.action is Action.BLOCK:
            raise ValidationFailed(
                "error.banned_phrase",
                phrase=finding.text,
                rewrite=finding.rewrite,
                reason=finding.rule.reason,
            )
    if not findings:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "error.override_needed", phrase=findings[0].text, rewrite=findings[0].rewrite
        )
    return {
        "rules": sorted({f.rule.id for f in findings}),
        "phrases": [f.text for f in findings],
        "reason": reason,
    }
