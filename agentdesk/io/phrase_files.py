"""agentdesk's own files for phrases, banned-phrase rules and knowledge articles (TOML or JSON;
docs/phrases.md documents them field by field).

A file is checked whole before anything is used: a problem is one line naming the file, the
entry and the reason (`zh-CN.toml: phrase[12] (zh.greeting.phone): text: empty`), and the
caller keeps what it had.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.model import Category
from agentdesk.domain.phrase_check import Action, BannedRule, RuleSet, normalize_phrase
from agentdesk.domain.phrases import (
    Article,
    Phrase,
    Scenario,
    placeholders,
    unknown_placeholder,
)
from agentdesk.i18n import t

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SHIPPED_PHRASES = (DATA_DIR / "phrases" / "zh-CN.toml", DATA_DIR / "phrases" / "en.toml")
SHIPPED_BANNED = DATA_DIR / "policy" / "banned_phrases.toml"
SHIPPED_KB = DATA_DIR / "kb" / "articles.toml"
ID = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"


class LibraryError(AgentdeskError):
    """A phrase, rule or article file refused: `file`, `where` (entry, field) and `reason`."""

    def __init__(self, file: str, where: str, reason: str) -> None:
        super().__init__("error.library", file=file, where=where, reason=reason)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhraseEntry(_Entry):
    id: str = Field(pattern=ID)
    scenario: Scenario
    language: Literal["zh-CN", "en"]
    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] = []
    teams: list[str] = []
    categories: list[Category] = []

    def phrase(self) -> Phrase:
        return Phrase(
            self.id,
            self.scenario,
            self.language,
            self.title,
            self.text,
            tuple(self.tags),
            tuple(self.teams),
            tuple(c.value for c in self.categories),
        )


class RuleEntry(_Entry):
    id: str = Field(pattern=ID)
    language: Literal["zh-CN", "en", ""] = ""
    phrases: list[str] = []
    patterns: list[str] = []
    unless: list[str] = []
    rewrites: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)
    variants: bool = False
    action: Action = Action.BLOCK

    def rule(self) -> BannedRule:
        return BannedRule(
            id=self.id,
            rewrites=tuple(self.rewrites),
            reason=self.reason,
            phrases=tuple(self.phrases),
            patterns=tuple(self.patterns),
            unless=tuple(self.unless),
            variants=self.variants,
            action=self.action,
            language=self.language,
        )


class ArticleEntry(_Entry):
    id: str = Field(pattern=ID)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)
    language: Literal["zh-CN", "en"]
    category: Category | None = None
    tags: list[str] = []

    def article(self) -> Article:
        return Article(
            self.id,
            self.title,
            self.body,
            self.language,
            self.category.value if self.category else "",
            tuple(self.tags),
        )


# -- reading ---------------------------------------------------------------------------------------


def read_document(path: Path) -> dict[str, Any]:
    """A TOML or JSON file as a table (the extension decides; anything else is TOML)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LibraryError(name, "-", exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryError(name, f"byte {exc.start}", t("library.not_utf8")) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LibraryError(name, t("policy.syntax"), str(exc)) from None
    if not isinstance(data, dict):
        raise LibraryError(name, "-", t("library.not_a_table"))
    return data


def parse_phrases(
    data: dict[str, Any], file: str, clock_names: Iterable[str] | None = None
) -> list[Phrase]:
    entries = _entries(data, "phrase", PhraseEntry, file)
    phrases = [entry.phrase() for entry in entries]
    known = list(clock_names) if clock_names is not None else None
    for index, phrase in enumerate(phrases):
        for name in placeholders(phrase.title + phrase.text):
            why = unknown_placeholder(name, known)
            if why is not None:
                where = _where("phrase", index, phrase.id, "text")
                raise LibraryError(file, where, t(f"library.placeholder_{why}", name=name))
    return phrases


def parse_rules(data: dict[str, Any], file: str) -> RuleSet:
    entries = _entries(data, "rule", RuleEntry, file)
    for index, entry in enumerate(entries):
        if not any(normalize_phrase(p) for p in entry.phrases) and not entry.patterns:
            raise LibraryError(file, _where("rule", index, entry.id), t("library.rule_empty"))
        for number, pattern in enumerate(entry.patterns):
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                where = _where("rule", index, entry.id, f"patterns[{number}]")
                raise LibraryError(file, where, t("library.bad_pattern", reason=str(exc))) from None
            if compiled.match(""):
                where = _where("rule", index, entry.id, f"patterns[{number}]")
                raise LibraryError(file, where, t("library.empty_pattern"))
    return RuleSet([entry.rule() for entry in entries])


def parse_articles(data: dict[str, Any], file: str) -> list[Article]:
    return [entry.article() for entry in _entries(data, "article", ArticleEntry, file)]


def load_phrases(path: Path, clock_names: Iterable[str] | None = None) -> list[Phrase]:
    return parse_phrases(read_document(path), str(path), clock_names)


def load_rules(path: Path = SHIPPED_BANNED) -> RuleSet:
    return parse_rules(read_document(path), str(path))


def load_articles(path: Path) -> list[Article]:
    return parse_articles(read_document(path), str(path))


def _entries(data: dict[str, Any], kind: str, model: type[Any], file: str) -> list[Any]:
    extra = sorted(set(data) - {kind})
    if extra:
        raise LibraryError(file, extra[0], t("policy.unknown_field"))
    items = data.get(kind, [])
    if not isinstance(items, list):
        raise LibraryError(file, kind, t("library.not_a_list", kind=kind))
    entries: list[Any] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(step) for step in err["loc"]) or "-"
            raise LibraryError(
                file, _where(kind, index, ident, field), entry_problem(err)
            ) from None
        if entry.id in seen:
            where = _where(kind, index, entry.id, "id")
            raise LibraryError(file, where, t("library.duplicate_id", first=seen[entry.id]))
        seen[entry.id] = index
        entries.append(entry)
    return entries


def _where(kind: str, index: int, ident: object, field: str | None = None) -> str:
    named = f"{kind}[{index}]" + (f" ({ident})" if isinstance(ident, str) and ident else "")
    return f"{named}: {field}" if field else named


def entry_problem(err: Any) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "string_too_short":
        return t("library.empty")
    if kind == "too_short":
        return t("policy.empty_list")
    if kind == "string_too_long":
        return t("library.too_long", limit=err.get("ctx", {}).get("max_length", "?"))
    if kind == "extra_forbidden":
        return t("policy.unknown_field")
    if kind == "missing":
        return t("policy.missing_field")
    if kind in ("enum", "literal_error"):
        expected = str(err.get("ctx", {}).get("expected", ""))
        return t("policy.bad_choice", value=str(value), expected=expected)
    if kind == "string_pattern_mismatch":
        return t("policy.bad_name", value=str(value))
    return t("policy.invalid_value", value=str(value))


# -- writing ---------------------------------------------------------------------------------------


def phrase_table(phrase: Phrase) -> dict[str, Any]:
    table: dict[str, Any] = {
        "id": phrase.id,
        "scenario": phrase.scenario.value,
        "language": phrase.language,
        "title": phrase.title,
        "text": phrase.text,
    }
    for key in ("tags", "teams", "categories"):
        if getattr(phrase, key):
            table[key] = list(getattr(phrase, key))
    return table


def article_table(article: Article) -> dict[str, Any]:
    table: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "language": article.language,
        "body": article.body,
    }
    if article.category:
        table["category"] = article.category
    if article.tags:
        table["tags"] = list(article.tags)
    return table


def dump(kind: str, tables: Sequence[dict[str, Any]], fmt: Literal["toml", "json"]) -> str:
    """An own-format document: `{kind: [tables]}` as TOML (arrays of tables) or JSON."""
    if fmt == "json":
        return json.dumps({kind: list(tables)}, ensure_ascii=False, indent=2) + "\n"
    import tomli_w

    return tomli_w.dumps({kind: list(tables)}, multiline_strings=True)


def load_banned(policy_dir: Path | None) -> tuple[RuleSet, str | None]:
    """The policy folder's banned-phrase rules (the shipped ones when it has none). A refused
    file gives the shipped rules and says why; the caller may keep rules it already had."""
    path = (policy_dir / SHIPPED_BANNED.name) if policy_dir is not None else SHIPPED_BANNED
    if not path.exists():
        path = SHIPPED_BANNED
    try:
        return load_rules(path), None
    except LibraryError as refused:
        return load_rules(SHIPPED_BANNED), t("library.rules_refused", reason=refused.message())
