"""Phrases and knowledge articles in other help desks' formats: reading them in, writing them out.

Zammad text modules (CSV; Admin › Text modules › export / import)
    A header row, then one text module per row. The import columns are
    `name,keywords,content,note,active`; an export adds `id,updated_at,created_at,...`, of which
    only `id` is used. `content` is HTML (plain text is taken as it is), variables look like
    `#{ticket.customer.firstname}`, keywords are separated by commas, spaces or Zammad's
    multi-value separator `~~~`. Rows count like a spreadsheet's: the header is row 1, the first
    text module row 2. Inactive rows (`active` false, 0 or no) are skipped.

Zendesk macros (JSON; `GET /api/v2/macros.json`)
    `{"macros": [{"id", "title", "active", "description", "actions": [{"field", "value"}]}]}`.
    The reply is the `comment_value` action (plain text, or a `["channel:all", "text"]` list) or
    the `comment_value_html` one (preferred when both are there); a macro that only changes fields
    (status, group, tags) is skipped. In a title `Refund::Approved` the parts before the last are
    categories: they become tags, except a first one that names a scenario (`Refund`), which
    sets the scenario. A `Tags: a, b` line in the description adds tags (our export writes one).

Zendesk Help Center articles (JSON; `GET /api/v2/help_center/articles.json`)
    `{"articles": [{"id", "title", "body" (HTML), "locale", "label_names", "draft"}]}`;
    drafts are skipped.

Variables become our `{{name}}` placeholders by the tables below; a first and a last name side
by side (either order) become one `{{customer.name}}` or `{{agent.name}}`. A variable with no
equivalent refuses the file, naming the row or entry, the column or field and the variable:
importing it would send `#{ticket.customer.email}` to a customer. A refusal is one LibraryError,
as for our own files (`macros.json: macros[3] (id 360004): actions[0]: ...`), and the converted
phrases must pass the same checks as ours (id, lengths, placeholders, unique ids). Readers return
what they imported and, for each entry left out on purpose (inactive, draft, no reply text), a
one-line reason.

Writers go the other way. A placeholder the other desk has no variable for (`{{ticket.product}}`,
`{{clock.first_response.due}}`, ...) is kept as written and listed in the text module's note or
the macro's description, so nothing is lost silently.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from agentdesk.domain.model import Category
from agentdesk.domain.phrases import (
    LANGUAGES,
    PLACEHOLDER,
    Article,
    Phrase,
    Scenario,
    placeholders,
    unknown_placeholder,
)
from agentdesk.i18n import catalog, t
from agentdesk.io.phrase_files import ArticleEntry, LibraryError, PhraseEntry, entry_problem

# -- conversion tables -----------------------------------------------------------------------------


def _table(rows: str) -> dict[str, str]:
    """A conversion table from lines of `from to`. (Written as text on purpose: test_i18n takes
    a string constant like "ticket.number" in the code for a message-catalog key.)"""
    pairs = (line.split() for line in rows.strip().splitlines())
    return {source: target for source, target in pairs}


ZAMMAD_TO_OURS = _table("""
    ticket.customer.firstname   customer.name
    ticket.customer.lastname    customer.name
    ticket.customer.fullname    customer.name
    ticket.number               ticket.number
    ticket.title                ticket.subject
    ticket.state.name           ticket.status
    ticket.priority.name        ticket.priority
    ticket.group.name           agent.team
    user.firstname              agent.name
    user.lastname               agent.name
    user.fullname               agent.name
    ticket.owner.firstname      agent.name
    ticket.owner.lastname       agent.name
    ticket.owner.fullname       agent.name
""")
OURS_TO_ZAMMAD = _table("""
    customer.name       #{ticket.customer.fullname}
    agent.name          #{user.fullname}
    ticket.subject      #{ticket.title}
    ticket.number       #{ticket.number}
    ticket.status       #{ticket.state.name}
    ticket.priority     #{ticket.priority.name}
    agent.team          #{ticket.group.name}
""")
ZENDESK_TO_OURS = _table("""
    ticket.requester.first_name     customer.name
    ticket.requester.last_name      customer.name
    ticket.requester.name           customer.name
    ticket.id                       ticket.number
    ticket.title                    ticket.subject
    ticket.status                   ticket.status
    ticket.priority                 ticket.priority
    current_user.first_name         agent.name
    current_user.last_name          agent.name
    current_user.name               agent.name
    ticket.group.name               agent.team
""")
OURS_TO_ZENDESK = _table("""
    customer.name       {{ticket.requester.name}}
    agent.name          {{current_user.name}}
    ticket.subject      {{ticket.title}}
    ticket.number       {{ticket.id}}
    ticket.status       {{ticket.status}}
    ticket.priority     {{ticket.priority}}
    agent.team          {{ticket.group.name}}
""")
# The scenario as the first category of an exported macro title: English whatever the UI says,
# and fixed here rather than taken from the catalog, so a file exported today still imports after
# a wording change there (the reader accepts the catalog's English names too).
SCENARIO_LABELS = {
    Scenario.GREETING: "Greeting",
    Scenario.IDENTITY_CHECK: "Identity check",
    Scenario.EMPATHY: "Empathy",
    Scenario.HOLD: "Hold",
    Scenario.TRANSFER: "Transfer",
    Scenario.REFUND: "Refund",
    Scenario.ESCALATION: "Escalation",
    Scenario.FOLLOW_UP: "Follow-up",
    Scenario.CLOSING: "Closing",
    Scenario.CRISIS: "Crisis",
    Scenario.GENERAL: "General",
}
# Keywords per scenario (English stems match word starts); more hits win, and a tie goes to the
# earlier scenario in this table, the more specific one.
SCENARIO_KEYWORDS = {
    Scenario.CRISIS: (
        r"\b(incident|outage|recall|statement|crisis|breach)|危机|统一口径|公告|召回|声明"
    ),
    Scenario.REFUND: r"\b(refund|reimburs|money back|chargeback)|退款|退费|退钱",
    Scenario.ESCALATION: r"\b(escalat|supervisor|manager|team lead)|升级|主管|经理|上级",
    Scenario.TRANSFER: (
        r"\b(transfer|hand(ing)? (you )?over|handover|put you through)|转接|转交|转给"
    ),
    Scenario.IDENTITY_CHECK: r"\b(verif|identit|authenticat|security question)|核实|核对|身份|验证",
    Scenario.HOLD: r"\b(hold|wait|moment\b|one sec|bear with)|稍等|稍候|等待",
    Scenario.FOLLOW_UP: r"\b(follow|update|progress|checking in)|回访|跟进|进展|进度",
    Scenario.EMPATHY: (
        r"\b(sorry|apolog|understand|frustrat|inconvenien)|抱歉|对不起|道歉|理解|歉意"
    ),
    Scenario.CLOSING: (
        r"\b(close\b|closing|bye\b|goodbye|thanks? (you )?for contacting)|结束|再见"
    ),
    Scenario.GREETING: (
        r"\b(hello|hi\b|hey\b|welcome|greet|good (morning|afternoon|evening))|您好|你好|问候|欢迎"
    ),
}
_SCENARIO_PATTERNS = {s: re.compile(p, re.IGNORECASE) for s, p in SCENARIO_KEYWORDS.items()}

ZAMMAD_HEADER = ("name", "keywords", "content", "note", "active")
ZAMMAD_COLUMNS = {"id": "id", "title": "name", "text": "content", "tags": "keywords"}
ZAMMAD_VARIABLE = re.compile(r"#\{([^{}]*)\}")
ZENDESK_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
LIQUID_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
TAGS_LINE = "Tags:"  # a macro description line our export writes and our import reads
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--")
KEYWORD_SEPARATORS = re.compile(r"~~~|[,，、;；\s]+")
TRUE_WORDS = ("true", "1", "yes", "y", "t", "")
FALSE_WORDS = ("false", "0", "no", "n", "f")
COMMENT_FIELDS = ("comment_value_html", "comment_value")
JSON_TYPES: dict[str, type] = {"string": str, "array": list, "object": dict, "boolean": bool}


@dataclass(frozen=True)
class ForeignPhrases:
    """What a reader imported, and one line per entry it left out on purpose."""

    phrases: list[Phrase]
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ForeignArticles:
    """What a reader imported, and one line per article it left out (drafts)."""

    articles: list[Article]
    skipped: list[str] = field(default_factory=list)


# -- scenario, language, HTML ----------------------------------------------------------------------


def guess_scenario(text: str, fallback: Scenario = Scenario.GENERAL) -> Scenario:
    """The scenario whose keywords (English or Chinese) `text` hits most; `fallback` if none."""
    hits = {s: sum(1 for _ in p.finditer(text)) for s, p in _SCENARIO_PATTERNS.items()}
    best = max(hits, key=lambda s: hits[s])  # the first of equals: table order breaks ties
    return best if hits[best] else fallback


def detect_language(text: str) -> str:
    return "zh-CN" if CJK.search(text) else "en"


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: blocks and <br> end lines, list items start with "- ",
    a link keeps its text (and its address when that differs), scripts and styles go."""
    try:
        text = _TextExtractor().extract(markup)
    except AssertionError:  # html.parser gives up on a broken <![...]> or <!DOCTYPE [...]>
        text = _TextExtractor().extract(re.sub(r"<!(?!--)", "&lt;!", markup))
    lines = [" ".join(line.split()) for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset(
        {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figure", "footer"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section"}
        | {"table", "tr", "ul"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.newlines = 2  # line ends at the end of the text so far (start: none needed)
        self.hidden = 0  # inside <script> or <style>
        self.links: list[tuple[str, int]] = []  # open <a>: href, index of its first part

    def extract(self, markup: str) -> str:
        self.feed(markup)
        self.close()
        return "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "br":
            self._emit("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))
        elif tag in self.BLOCKS:
            self._end_line(2 if tag == "p" else 1)
            if tag == "li":
                self._emit("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag == "a" and self.links:
            self._close_link(*self.links.pop())
        elif tag in self.BLOCKS:
            self._end_line(2 if tag == "p" else 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._emit(re.sub(r"[ \t\r\n\f]+", " ", data))

    def _close_link(self, href: str, start: int) -> None:
        label = "".join(self.parts[start:]).strip()
        address = href.removeprefix("mailto:")
        if href.startswith(("http://", "https://", "mailto:")) and address != label:
            self._emit(f" ({address})" if label else address)

    def _end_line(self, count: int) -> None:
        if self.newlines < count:
            self._emit("\n" * (count - self.newlines))

    def _emit(self, piece: str) -> None:
        self.parts.append(piece)
        visible = piece.rstrip(" ")
        if visible:
            ends = len(visible) - len(visible.rstrip("\n"))
            self.newlines = self.newlines + ends if ends == len(visible) else ends


def _content_text(content: str) -> str:
    """A content cell as text: HTML converted, plain text (a hand-made CSV) kept as it is."""
    if HTML_TAG.search(content):
        return html_to_text(content)
    return re.sub(r"\n{3,}", "\n\n", content.replace("\r\n", "\n")).strip()


def text_to_html(text: str) -> str:
    """Text as the HTML Zammad's editor makes: one <div> per line, <div><br></div> if empty."""
    lines = text.split("\n")
    return "".join(
        f"<div>{html.escape(line)}</div>" if line.strip() else "<div><br></div>" for line in lines
    )


# -- placeholders ----------------------------------------------------------------------------------


def zammad_to_ours(text: str) -> tuple[str, list[str]]:
    """`text` with Zammad variables as our placeholders, and the `#{...}` it could not convert."""
    unknown: list[str] = []

    def one(match: re.Match[str]) -> str:
        ours = ZAMMAD_TO_OURS.get(match.group(1).strip())
        if ours is None:
            unknown.append(match.group(0))
            return match.group(0)
        return "{{" + ours + "}}"

    return _collapse_names(ZAMMAD_VARIABLE.sub(one, text)), unknown


def zendesk_to_ours(text: str) -> tuple[str, list[str]]:
    """`text` with Zendesk placeholders as ours (one of ours is kept), and those it could not."""
    unknown: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        ours = ZENDESK_TO_OURS.get(name)
        if ours is None and name and unknown_placeholder(name) is None:
            ours = name  # one of ours, e.g. kept as written by our export
        if ours is None:
            unknown.append(match.group(0))
            return match.group(0)
        return "{{" + ours + "}}"

    return _collapse_names(ZENDESK_PLACEHOLDER.sub(one, text)), unknown


def _collapse_names(text: str) -> str:
    """First and last name side by side (either order, a space or none between) are one name."""
    return re.sub(
        r"(\{\{(customer|agent)\.name\}\})(?:[ \t\u00a0\u3000]*\{\{\2\.name\}\})+", r"\1", text
    )


def ours_to_foreign(text: str, table: Mapping[str, str]) -> tuple[str, list[str]]:
    """`text` with our placeholders as the other desk's, and those kept as written (in order)."""
    kept: list[str] = []

    def one(match: re.Match[str]) -> str:
        foreign = table.get(match.group(1))
        if foreign is None:
            if match.group(0) not in kept:
                kept.append(match.group(0))
            return match.group(0)
        return foreign

    return PLACEHOLDER.sub(one, text), kept


def _known(table: Mapping[str, str], shape: str) -> str:
    return ", ".join(shape.format(name) for name in table)


# -- validation shared by the readers --------------------------------------------------------------

Where = Callable[[str], str]  # our field name -> "row 5 (Greeting): content"


def _checked_phrase(file: str, table: dict[str, Any], where: Where) -> Phrase:
    """The phrase built from `table`, held to the same rules as a phrase in our own files."""
    try:
        phrase = PhraseEntry.model_validate(table).phrase()
    except ValidationError as exc:
        err = exc.errors()[0]
        raise LibraryError(file, where(str(err["loc"][0])), entry_problem(err)) from None
    for field_name in ("title", "text"):
        for name in placeholders(getattr(phrase, field_name)):
            why = unknown_placeholder(name)
            if why is not None:
                reason = t(f"library.placeholder_{why}", name=name)
                raise LibraryError(file, where(field_name), reason)
    return phrase


def _checked_article(file: str, table: dict[str, Any], where: Where) -> Article:
    try:
        return ArticleEntry.model_validate(table).article()
    except ValidationError as exc:
        err = exc.errors()[0]
        raise LibraryError(file, where(str(err["loc"][0])), entry_problem(err)) from None


def _check_unique(file: str, seen: dict[str, str], ident: str, entry: str, where: str) -> None:
    """Remember `ident` as used by `entry`; a second use refuses the file naming both entries."""
    if ident in seen:
        raise LibraryError(
            file, where, t("library_import.duplicate_id", id=ident, first=seen[ident])
        )
    seen[ident] = entry


def _check_language(file: str, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        reason = t("policy.bad_choice", value=language, expected=", ".join(LANGUAGES))
        raise LibraryError(file, "-", reason)


def _slug(name: str) -> str:
    """An id part from a name: ASCII words joined by "-", plus a short hash for any other script."""
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if name.isascii() and words:
        return words
    digest = hashlib.blake2s(name.encode(), digest_size=4).hexdigest()
    return f"{words}-{digest}" if words else digest


def _split_tags(keywords: str) -> list[str]:
    """Zammad keywords: separated by commas, spaces or `~~~`."""
    return _unique(KEYWORD_SEPARATORS.split(keywords))


def _unique(tags: Iterable[str]) -> list[str]:
    """The non-empty tags, trimmed, each once, in order."""
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def _read_text(path: Path, not_utf8: Callable[[int], tuple[str, str]]) -> str:
    """The file as text (UTF-8, BOM or not); `not_utf8(offset)` gives a refusal's where, reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LibraryError(str(path), "-", exc.strerror or str(exc)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryError(str(path), *not_utf8(exc.start)) from None


# -- Zammad text modules ---------------------------------------------------------------------------


def read_zammad_text_modules(
    path: Path, *, language: str | None = None, scenario: Scenario | None = None
) -> ForeignPhrases:
    """The active text modules of a Zammad CSV as phrases (ids `zammad.<id or name>`)."""
    file = str(path)
    _check_language(file, language)
    text = _read_text(path, lambda at: ("-", t("library_import.csv_not_utf8", byte=at)))
    records = _csv_records(file, text)
    header = records[0] if records else []
    columns = _zammad_columns(file, header)
    result = ForeignPhrases([])
    seen: dict[str, str] = {}
    for number, values in enumerate(records[1:], start=2):
        if any(value.strip() for value in values):
            cells = _cells(file, number, len(header), columns, values)
            phrase = _zammad_phrase(file, number, cells, language, scenario, result.skipped)
            if phrase is not None:
                where = f"{_row_label(number, phrase.title)}: {_id_column(cells)}"
                _check_unique(file, seen, phrase.id, _row_label(number), where)
                result.phrases.append(phrase)
    return result


def _csv_records(file: str, text: str) -> list[list[str]]:
    records: list[list[str]] = []
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            records.append(values)
    except csv.Error as exc:
        where = _row_label(len(records) + 1)
        raise LibraryError(file, where, t("library_import.bad_csv", reason=str(exc))) from None
    return records


def _zammad_columns(file: str, header: list[str]) -> dict[str, int]:
    """Column name (trimmed, lower case) -> index; the first of two equal names counts."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(name.strip().lower(), index)
    if not any(header):
        raise LibraryError(file, _row_label(1), t("library_import.no_header"))
    for required in ("name", "content"):
        if required not in columns:
            listed = ", ".join(name for name in columns if name) or "-"
            reason = t("library_import.missing_column", column=required, columns=listed)
            raise LibraryError(file, f"{_row_label(1)}: {required}", reason)
    return columns


def _cells(
    file: str, number: int, width: int, columns: dict[str, int], values: list[str]
) -> dict[str, str]:
    """The row's values by column name; a row wider than the header is refused unless what
    sticks out is empty (trailing commas)."""
    if any(value.strip() for value in values[width:]):
        reason = t("library_import.extra_values", count=len(values), columns=width)
        raise LibraryError(file, _row_label(number), reason)
    padded = values + [""] * (width - len(values))
    return {name: padded[index] for name, index in columns.items()}


def _zammad_phrase(
    file: str,
    number: int,
    cells: dict[str, str],
    language: str | None,
    scenario: Scenario | None,
    skipped: list[str],
) -> Phrase | None:
    """The row's phrase, or None (and a reason in `skipped`) for an inactive row."""
    name = cells["name"].strip()
    columns = {**ZAMMAD_COLUMNS, "id": _id_column(cells)}

    def where(field_name: str) -> str:
        return f"{_row_label(number, name)}: {columns.get(field_name, field_name)}"

    if not name:
        raise LibraryError(file, where("title"), t("library.empty"))
    if not _is_active(file, cells.get("active", ""), where("active")):
        skipped.append(t("library_import.skipped_inactive_row", row=_row_label(number), name=name))
        return None
    text = _zammad_text(file, cells["content"], where("text"))
    table = {
        "id": "zammad." + (cells.get("id", "").strip() or _slug(name)),
        "scenario": scenario or guess_scenario(f"{name} {cells.get('keywords', '')}"),
        "language": language or detect_language(name + text),
        "title": name,
        "text": text,
        "tags": _split_tags(cells.get("keywords", "")),
    }
    return _checked_phrase(file, table, where)


def _zammad_text(file: str, content: str, where: str) -> str:
    if not content.strip():
        raise LibraryError(file, where, t("library.empty"))
    text, unknown = zammad_to_ours(_content_text(content))
    if unknown:
        known = _known(ZAMMAD_TO_OURS, "#{{{}}}")
        raise LibraryError(
            file, where, t("library_import.zammad_variable", variable=unknown[0], known=known)
        )
    return text


def _is_active(file: str, value: str, where: str) -> bool:
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise LibraryError(file, where, t("library_import.bad_active", value=value.strip()))
    return word in TRUE_WORDS


def _row_label(number: int, name: str = "") -> str:
    label = t("library_import.row", row=number)
    return f"{label} ({name})" if name else label


def _id_column(cells: dict[str, str]) -> str:
    """The column a row's id comes from: `id` when the row has one, else `name`."""
    return "id" if cells.get("id", "").strip() else "name"


def write_zammad_text_modules(phrases: Iterable[Phrase]) -> str:
    """A CSV Zammad imports as text modules (`name,keywords,content,note,active`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ZAMMAD_HEADER)
    for phrase in phrases:
        text, kept = ours_to_foreign(phrase.text, OURS_TO_ZAMMAD)
        note = (
            t("library_import.kept_as_written", desk="Zammad", names=", ".join(kept))
            if kept
            else ""
        )
        writer.writerow([phrase.title, ", ".join(phrase.tags), text_to_html(text), note, "true"])
    return out.getvalue()


# -- Zendesk JSON ----------------------------------------------------------------------------------


def _json_entries(path: Path, key: str) -> list[Any]:
    """The list under `key` of a Zendesk API reply saved to a file."""
    file = str(path)
    text = _read_text(path, lambda at: (f"byte {at}", t("library.not_utf8")))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = t("library_import.line_column", line=exc.lineno, column=exc.colno)
        raise LibraryError(file, where, t("library_import.bad_json", reason=exc.msg)) from None
    except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
        raise LibraryError(file, "-", t("library_import.bad_json", reason=str(exc))) from None
    if not isinstance(data, dict) or key not in data:
        raise LibraryError(file, "-", t("library_import.not_an_object", name=key))
    if not isinstance(data[key], list):
        raise LibraryError(file, key, t("library.not_a_list", kind=key))
    return data[key]


def _member(file: str, entry: str, item: dict[str, Any], key: str, json_type: str) -> Any:
    """item[key] when it has `json_type`; None when it is absent or null."""
    value = item.get(key)
    if value is None or isinstance(value, JSON_TYPES[json_type]):
        return value
    raise LibraryError(file, f"{entry}: {key}", _wrong_type(json_type, value))


def _required_text(file: str, entry: str, item: dict[str, Any], key: str) -> str:
    value = _member(file, entry, item, key, "string")
    if value is None:
        raise LibraryError(file, f"{entry}: {key}", t("policy.missing_field"))
    if not value.strip():
        raise LibraryError(file, f"{entry}: {key}", t("library.empty"))
    return str(value)


def _wrong_type(expected: str, value: object) -> str:
    return t("library_import.wrong_type", expected=expected, actual=_json_type(value))


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _object(file: str, entry: str, item: object) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise LibraryError(file, entry, _wrong_type("object", item))
    return item


def _zendesk_id(file: str, entry: str, item: dict[str, Any]) -> str | None:
    value = item.get("id")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise LibraryError(file, f"{entry}: id", _wrong_type("number", value))


def _entry_label(kind: str, index: int, ident: str | None) -> str:
    return f"{kind}[{index}]" + (f" (id {ident})" if ident else "")


# -- Zendesk macros --------------------------------------------------------------------------------


def read_zendesk_macros(
    path: Path, *, language: str | None = None, scenario: Scenario | None = None
) -> ForeignPhrases:
    """The active macros with a reply text as phrases (ids `zendesk.<macro id>`)."""
    file = str(path)
    _check_language(file, language)
    result = ForeignPhrases([])
    seen: dict[str, str] = {}
    for index, item in enumerate(_json_entries(path, "macros")):
        macro = _object(file, f"macros[{index}]", item)
        ident = _zendesk_id(file, f"macros[{index}]", macro)
        entry = _entry_label("macros", index, ident)
        phrase = _zendesk_phrase(file, entry, ident, macro, language, scenario, result.skipped)
        if phrase is not None:
            _check_unique(file, seen, phrase.id, entry, f"{entry}: {'id' if ident else 'title'}")
            result.phrases.append(phrase)
    return result


def _zendesk_phrase(
    file: str,
    entry: str,
    ident: str | None,
    macro: dict[str, Any],
    language: str | None,
    scenario: Scenario | None,
    skipped: list[str],
) -> Phrase | None:
    """The macro's phrase, or None (and a reason in `skipped`) when it is inactive or has no
    reply text. `entry` names it in messages: `macros[3] (id 360004)`."""
    full_title = _required_text(file, entry, macro, "title")
    if _member(file, entry, macro, "active", "boolean") is False:
        skipped.append(
            t("library_import.skipped_inactive_macro", id=ident or entry, title=full_title)
        )
        return None
    reply = _macro_reply(file, entry, macro)
    if reply is None:
        skipped.append(t("library_import.skipped_no_comment", id=ident or entry, title=full_title))
        return None
    text, action = reply
    title, categories, named_scenario = _macro_title(full_title)
    description = _member(file, entry, macro, "description", "string") or ""
    table = {
        "id": "zendesk." + (ident or _slug(full_title)),
        "scenario": scenario or named_scenario or guess_scenario(full_title),
        "language": language or detect_language(title + text),
        "title": title,
        "text": text,
        "tags": _unique([*categories, *_description_tags(description)]),
    }
    fields = {"id": "id" if ident else "title", "text": action, "tags": "title"}
    return _checked_phrase(file, table, lambda f: f"{entry}: {fields.get(f, f)}")


def _macro_title(full_title: str) -> tuple[str, list[str], Scenario | None]:
    """`Refund::Partial::Approved` -> the title (Approved), its categories (Partial) and the
    scenario a first category names (Refund) — that one is not kept as a category."""
    *categories, title = [part.strip() for part in full_title.split("::") if part.strip()] or [""]
    named = _scenario_named(categories[0]) if categories else None
    return title, categories[1:] if named else categories, named


class _Comment(NamedTuple):
    value: str
    is_html: bool


def _macro_reply(file: str, entry: str, macro: dict[str, Any]) -> tuple[str, str] | None:
    """The reply text (HTML comments preferred over plain ones, several joined by a blank line)
    and the field naming its first action; None when there is no reply text."""
    actions = _member(file, entry, macro, "actions", "array") or []
    comments: dict[int, _Comment] = {}
    for j, action in enumerate(actions):
        comment = _comment(file, f"{entry}: actions[{j}]", action)
        if comment is not None:
            comments[j] = comment
    html_ones = {j: c for j, c in comments.items() if c.is_html}
    texts = {
        j: _reply_text(file, f"{entry}: actions[{j}]", c)
        for j, c in (html_ones or comments).items()
    }
    texts = {j: text for j, text in texts.items() if text}
    if not texts:
        return None
    return "\n\n".join(texts.values()), f"actions[{min(texts)}]"


def _comment(file: str, where: str, item: object) -> _Comment | None:
    """The action's comment, or None for an action that changes a field (status, group...)."""
    action = _object(file, where, item)
    name = action.get("field")
    if not isinstance(name, str):
        raise LibraryError(file, f"{where}.field", _wrong_type("string", name))
    if name not in COMMENT_FIELDS:
        return None
    value = action.get("value")
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
        value = value[1]  # ["channel:all", "text"]
    if not isinstance(value, str):
        raise LibraryError(file, f"{where}.value", t("library_import.bad_comment"))
    return _Comment(value, name == "comment_value_html")


def _reply_text(file: str, where: str, comment: _Comment) -> str:
    """The comment as text with our placeholders; Liquid logic and unknown placeholders refuse."""
    liquid = LIQUID_TAG.search(comment.value)
    if liquid:
        raise LibraryError(file, where, t("library_import.liquid", tag=liquid.group(0)))
    plain = comment.value.replace("\r\n", "\n").strip()
    text, unknown = zendesk_to_ours(html_to_text(comment.value) if comment.is_html else plain)
    if unknown:
        known = _known(ZENDESK_TO_OURS, "{{{{{}}}}}")
        reason = t("library_import.zendesk_placeholder", placeholder=unknown[0], known=known)
        raise LibraryError(file, where, reason)
    return text


def _scenario_named(label: str) -> Scenario | None:
    """The scenario `label` names: our export's label, the enum value or the English UI name."""
    english = catalog("en")
    for scenario, name in SCENARIO_LABELS.items():
        ui_name = english.get(f"scenario.{scenario.value}", name)
        if label.lower() in (name.lower(), scenario.value, ui_name.lower()):
            return scenario
    return None


def _description_tags(description: str) -> list[str]:
    """The tags on `Tags: a, b` lines of a macro description."""
    lines = [line.strip() for line in description.splitlines()]
    listed = [line[len(TAGS_LINE) :] for line in lines if line.startswith(TAGS_LINE)]
    return [tag.strip() for tags in listed for tag in tags.split(",")]


def write_zendesk_macros(phrases: Iterable[Phrase]) -> str:
    """Macros in the shape of `GET /api/v2/macros.json`, titled `Scenario::title`."""
    macros = [_zendesk_macro(phrase) for phrase in phrases]
    return json.dumps({"macros": macros, "count": len(macros)}, ensure_ascii=False, indent=2) + "\n"


def _zendesk_macro(phrase: Phrase) -> dict[str, Any]:
    text, kept = ours_to_foreign(phrase.text, OURS_TO_ZENDESK)
    lines = [f"{TAGS_LINE} {', '.join(phrase.tags)}"] if phrase.tags else []
    if kept:
        lines.append(t("library_import.kept_as_written", desk="Zendesk", names=", ".join(kept)))
    return {
        "title": f"{SCENARIO_LABELS[phrase.scenario]}::{phrase.title}",
        "active": True,
        "description": "\n".join(lines) or None,
        "actions": [{"field": "comment_value", "value": text}],
    }


# -- Zendesk Help Center articles ------------------------------------------------------------------


def read_zendesk_articles(path: Path, *, category: str = "") -> ForeignArticles:
    """The published Help Center articles as knowledge articles (ids `zendesk-hc.<id>`)."""
    file = str(path)
    if category and category not in {c.value for c in Category}:
        expected = ", ".join(c.value for c in Category)
        raise LibraryError(file, "-", t("policy.bad_choice", value=category, expected=expected))
    result = ForeignArticles([])
    seen: dict[str, str] = {}
    for index, item in enumerate(_json_entries(path, "articles")):
        fields = _object(file, f"articles[{index}]", item)
        ident = _zendesk_id(file, f"articles[{index}]", fields)
        entry = _entry_label("articles", index, ident)
        if ident is None:
            raise LibraryError(file, f"{entry}: id", t("policy.missing_field"))
        article = _zendesk_article(file, entry, ident, fields, category, result.skipped)
        if article is not None:
            _check_unique(file, seen, article.id, entry, f"{entry}: id")
            result.articles.append(article)
    return result


def _zendesk_article(
    file: str, entry: str, ident: str, item: dict[str, Any], category: str, skipped: list[str]
) -> Article | None:
    """The article, or None (and a reason in `skipped`) for a draft."""
    title = _required_text(file, entry, item, "title")
    if _member(file, entry, item, "draft", "boolean"):
        skipped.append(t("library_import.skipped_draft", id=ident, title=title))
        return None
    body = html_to_text(_required_text(file, entry, item, "body"))
    locale = _member(file, entry, item, "locale", "string")
    table = {
        "id": f"zendesk-hc.{ident}",
        "title": title,
        "body": body,
        "language": _locale_language(locale) if locale else detect_language(title + body),
        "category": category or None,
        "tags": _labels(file, entry, item),
    }
    fields = {"language": "locale", "tags": "label_names", "category": "-"}
    return _checked_article(file, table, lambda f: f"{entry}: {fields.get(f, f)}")


def _labels(file: str, entry: str, item: dict[str, Any]) -> list[str]:
    labels = _member(file, entry, item, "label_names", "array") or []
    for k, label in enumerate(labels):
        if not isinstance(label, str):
            raise LibraryError(file, f"{entry}: label_names[{k}]", _wrong_type("string", label))
    return _unique(labels)


def _locale_language(locale: str) -> str:
    return "zh-CN" if locale.strip().lower().startswith("zh") else "en"
