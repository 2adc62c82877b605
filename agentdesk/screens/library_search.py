"""Search-as-you-type over the phrase library or the knowledge base, from the composer.

Type words, pinyin or pinyin initials; ↑/↓ move through the results, the preview shows the
text filled from the ticket (a placeholder that cannot be filled stays visible, marked), and
Enter inserts it at the composer's cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from agentdesk.domain.phrases import Article, Phrase, Scenario, fill, phrase_fit
from agentdesk.domain.text_search import (
    BREAK,
    Hit,
    PinyinKeys,
    SearchDoc,
    SearchIndex,
    pinyin_keys,
)
from agentdesk.i18n import label, t
from agentdesk.store.library_store import Stored
from agentdesk.widgets.translated import translate_bindings

T = TypeVar("T")
RESULTS = 50
MISSING = "black on yellow"


@dataclass(frozen=True)
class Inserted:
    """What the agent chose: the text to insert and the entry it came from."""

    text: str
    entry_id: str


def filled_preview(text: str, values: Mapping[str, str]) -> Text:
    """The filled text, with each placeholder that could not be filled marked."""
    filled = fill(text, values)
    preview = Text(filled.text)
    for name in set(filled.missing):
        preview.highlight_words(["{{" + name + "}}"], style=MISSING)
    preview.highlight_regex(r"\{\{\s*[A-Za-z0-9_.]*\s*\}\}", style=MISSING)
    return preview


class LibrarySearch(ModalScreen[Inserted | None], Generic[T]):
    DEFAULT_CSS = """
    LibrarySearch { align: center middle; }
    LibrarySearch > #library-box {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    LibrarySearch #library-title { text-style: bold; }
    LibrarySearch #library-bar { height: 3; }
    LibrarySearch #library-query { width: 1fr; }
    LibrarySearch #library-scenario { width: 28; }
    LibrarySearch #library-body { height: 1fr; }
    LibrarySearch #library-results { width: 1fr; height: 1fr; }
    LibrarySearch #library-preview {
        width: 1fr; height: 1fr; border-left: solid $primary; padding: 0 1; overflow-y: auto;
    }
    LibrarySearch #library-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "key.cancel", id="library.cancel"),
        Binding("down", "move(1)", "key.down", show=False),
        Binding("up", "move(-1)", "key.up", show=False),
        Binding("pagedown", "move(10)", "key.page_down", show=False),
        Binding("pageup", "move(-10)", "key.page_up", show=False),
    ]
    TITLE_KEY = ""
    HINT_KEY = ""

    def __init__(self, entries: Sequence[tuple[T, Stored]], values: Mapping[str, str]) -> None:
        super().__init__()
        translate_bindings(self)
        self.entries = list(entries)
        self.values = values
        self.hits: list[Hit[T]] = []
        self._index = self._build(self.entries)

    # -- what a subclass says about its entries -------------------------------------------

    def doc(self, entry: tuple[T, Stored]) -> SearchDoc:
        raise NotImplementedError

    def fit(self, item: T) -> float:
        return 0.0

    def line(self, item: T) -> Text:
        raise NotImplementedError

    def text_of(self, item: T) -> str:
        raise NotImplementedError

    def id_of(self, item: T) -> str:
        raise NotImplementedError

    def filters(self) -> list[tuple[str, str]]:
        return []

    def matches_filter(self, item: T, value: str) -> bool:
        return True

    def title_text(self) -> str:
        return t(self.TITLE_KEY)

    # -- the screen -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="library-box"):
            yield Static(self.title_text(), id="library-title", markup=False)
            with Horizontal(id="library-bar"):
                yield Input(placeholder=t("library_ui.search"), id="library-query")
                choices = self.filters()
                if choices:
                    yield Select(choices, prompt=t("library_ui.all"), id="library-scenario")
            with Horizontal(id="library-body"):
                yield OptionList(id="library-results")
                yield Static(id="library-preview")
            yield Static(t(self.HINT_KEY), id="library-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#library-query", Input).focus()
        self._search("")

    def _build(self, entries: Sequence[tuple[T, Stored]]) -> SearchIndex[tuple[T, Stored]]:
        return SearchIndex(entries, self.doc, lambda entry: self.fit(entry[0]))

    @on(Input.Changed, "#library-query")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Select.Changed, "#library-scenario")
    def _filtered(self, event: Select.Changed) -> None:
        value = event.value
        chosen = [
            e
            for e in self.entries
            if value == Select.BLANK or self.matches_filter(e[0], str(value))
        ]
        self._index = self._build(chosen)
        self._search(self.query_one("#library-query", Input).value)

    def _search(self, query: str) -> None:
        found = self._index.search(query, limit=RESULTS)
        self.hits = [Hit(hit.item[0], hit.score) for hit in found]
        results = self.query_one("#library-results", OptionList)
        results.clear_options()
        results.add_options(Option(self.line(hit.item)) for hit in self.hits)
        if self.hits:
            results.highlighted = 0
        self._preview()

    def _preview(self) -> None:
        item = self.current()
        preview = self.query_one("#library-preview", Static)
        if item is None:
            preview.update(t("library_ui.nothing_found"))
        else:
            preview.update(filled_preview(self.text_of(item), self.values))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._preview()

    def current(self) -> T | None:
        index = self.query_one("#library-results", OptionList).highlighted
        return self.hits[index].item if index is not None and index < len(self.hits) else None

    def action_move(self, delta: int) -> None:
        results = self.query_one("#library-results", OptionList)
        if self.hits:
            now = results.highlighted or 0
            results.highlighted = min(max(0, now + delta), len(self.hits) - 1)

    @on(Input.Submitted, "#library-query")
    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        item = self.current()
        if item is not None:
            self.dismiss(self.inserted(item))

    def inserted(self, item: T) -> Inserted:
        return Inserted(fill(self.text_of(item), self.values).text, self.id_of(item))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PhraseHelper(LibrarySearch[Phrase]):
    """The scripted-phrase helper: ranked by fit to the ticket and by use; crisis phrases
    pinned while an incident is open."""

    TITLE_KEY = "library_ui.phrases_title"
    HINT_KEY = "library_ui.phrases_hint"

    def __init__(
        self,
        entries: Sequence[tuple[Phrase, Stored]],
        values: Mapping[str, str],
        *,
        category: str,
        status: str,
        language: str,
        incidents: Sequence[str] = (),
    ) -> None:
        self.category, self.status, self.language = category, status, language
        self.incidents = list(incidents)  # titles of the open incidents
        self.crisis = bool(self.incidents)
        super().__init__(entries, values)

    def title_text(self) -> str:
        title = super().title_text()
        banners = [t("incident.banner", title=incident) for incident in self.incidents]
        return "  ·  ".join([title, *banners])

    def doc(self, entry: tuple[Phrase, Stored]) -> SearchDoc:
        phrase, stored = entry
        scenario = label("scenario", phrase.scenario.value)
        head = " ".join((*phrase.tags, scenario, phrase.scenario.value))
        named = pinyin_keys(scenario)  # the scenario's name is searchable by pinyin too
        keys = PinyinKeys(
            stored.head.full + BREAK + named.full, stored.head.initials + BREAK + named.initials
        )
        return SearchDoc(phrase.title, head, phrase.text, keys, stored.body)

    def fit(self, item: Phrase) -> float:
        return phrase_fit(item, self.category, self.status, self.language, crisis=self.crisis)

    def line(self, item: Phrase) -> Text:
        pin = "📌 " if self.crisis and item.scenario is Scenario.CRISIS else ""
        scenario = label("scenario", item.scenario.value)
        line = Text.assemble(pin, (f"[{scenario}] ", "dim"), (item.title, "bold"))
        line.no_wrap, line.overflow = True, "ellipsis"
        return line

    def text_of(self, item: Phrase) -> str:
        return item.text

    def id_of(self, item: Phrase) -> str:
        return item.id

    def filters(self) -> list[tuple[str, str]]:
        return [(label("scenario", s.value), s.value) for s in Scenario]

    def matches_filter(self, item: Phrase, value: str) -> bool:
        return item.scenario.value == value


class KnowledgeSearch(LibrarySearch[Article]):
    """Knowledge articles: Enter inserts the answer, Ctrl+R a reference to the article."""

    TITLE_KEY = "library_ui.kb_title"
    HINT_KEY = "library_ui.kb_hint"
    BINDINGS = [Binding("ctrl+r", "reference", "key.kb_reference", id="library.reference")]

    def __init__(
        self, entries: Sequence[tuple[Article, Stored]], values: Mapping[str, str], category: str
    ) -> None:
        self.category = category
        super().__init__(entries, values)

    def doc(self, entry: tuple[Article, Stored]) -> SearchDoc:
        article, stored = entry
        head = " ".join((*article.tags, label("category", article.category or "inquiry")))
        return SearchDoc(article.title, head, article.body, stored.head, stored.body)

    def fit(self, item: Article) -> float:
        return 20.0 if item.category == self.category else 0.0

    def line(self, item: Article) -> Text:
        line = Text.assemble((item.title, "bold"), "  ", (f"{item.id}", "dim"))
        line.no_wrap, line.overflow = True, "ellipsis"
        return line

    def text_of(self, item: Article) -> str:
        return item.body

    def id_of(self, item: Article) -> str:
        return item.id

    def action_reference(self) -> None:
        item = self.current()
        if item is not None:
            self.dismiss(
                Inserted(t("library_ui.kb_reference", title=item.title, id=item.id), item.id)
            )
