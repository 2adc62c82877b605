"""Search as you type over phrases and knowledge articles: words, full pinyin, pinyin initials
and, when nothing matches exactly, fuzzy titles.

Each entry is searched in two parts: its head (title, tags, scenario names) and its body. A
query is split into words; every word must match somewhere. Where it matches sets the score
(a title beats a tag beats the body; words beat pinyin beats initials) and the caller's fit
(to the open ticket, the agent's use) is added to it. Typing on from
the last query searches only the last query's matches.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")

TITLE, HEAD, HEAD_PINYIN, HEAD_INITIALS, BODY, BODY_PINYIN, BODY_INITIALS = (
    100,
    90,
    80,
    75,
    60,
    50,
    30,
)
FUZZY = 40  # times the similarity (0–1) of a word to a title
FUZZY_CUTOFF = 75
FUZZY_WHEN_FEWER_THAN = 5  # exact matches; below this, fuzzy titles join the results
MIN_BODY_INITIALS = 3  # shorter initials match too much text by chance


BREAK = "\x00"


@dataclass(frozen=True)
class PinyinKeys:
    full: str  # the Han characters' pinyin, no tones, no separators: "baoqian"
    initials: str  # their first letters: "bq"


@lru_cache(maxsize=8192)
def pinyin_keys(text: str) -> PinyinKeys:
    """Pinyin of the Han characters in `text` (anything else is left out)."""
    if text.isascii():
        return PinyinKeys("", "")
    from pypinyin import Style, lazy_pinyin

    # Anything that is not Han (spaces, punctuation, Latin) becomes a break: pinyin and
    # initials never match across two words or tags ("dq" is not 订单 + 确认).
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=lambda _chunk: BREAK)
    return PinyinKeys("".join(syllables), "".join(s[0] for s in syllables if s))


def fold(text: str) -> str:
    """Full-width to half-width, case folded: what queries and entries are compared as."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class SearchDoc:
    """One entry's searchable text; `keys` lets the store hand over pinyin it computed."""

    title: str
    head: str  # tags, scenario names, anything else that describes the entry
    body: str
    head_keys: PinyinKeys | None = None
    body_keys: PinyinKeys | None = None


class _Entry:
    __slots__ = ("bi", "body", "bp", "every", "head", "hi", "hp", "index", "static", "title")

    def __init__(self, index: int, doc: SearchDoc, static: float) -> None:
        self.index = index
        self.title = fold(doc.title)
        self.head = fold(doc.head)
        self.body = fold(doc.body)
        head_keys = doc.head_keys or pinyin_keys(doc.title + " " + doc.head)
        body_keys = doc.body_keys or pinyin_keys(doc.body)
        self.hp, self.hi = head_keys.full, head_keys.initials
        self.bp, self.bi = body_keys.full, body_keys.initials
        # Every field in one string: one test says whether a word can match at all.
        fields = (self.title, self.head, self.hp, self.hi, self.body, self.bp, self.bi)
        self.every = "\x00".join(fields)
        self.static = static

    def word_score(self, word: str, ascii_word: bool) -> int:
        if word in self.title:
            return TITLE
        if word in self.head:
            return HEAD
        if ascii_word:
            if word in self.hp:
                return HEAD_PINYIN
            if word in self.hi:
                return HEAD_INITIALS
        if word in self.body:
            return BODY
        if ascii_word:
            if word in self.bp:
                return BODY_PINYIN
            if len(word) >= MIN_BODY_INITIALS and word in self.bi:
                return BODY_INITIALS
        return 0


@dataclass(frozen=True)
class Hit(Generic[T]):
    item: T
    score: float


class SearchIndex(Generic[T]):
    """Items with their docs and a static score each (fit to the ticket, use, pins)."""

    def __init__(
        self,
        items: Sequence[T],
        doc: Callable[[T], SearchDoc],
        static: Callable[[T], float] = lambda _item: 0.0,
    ) -> None:
        self.items = list(items)
        entries = [_Entry(i, doc(item), static(item)) for i, item in enumerate(self.items)]
        entries.sort(key=lambda e: -e.static)  # equal matches: the better fit first
        self._entries = entries
        self._titles = [entry.title for entry in entries]
        # The last query and the entries that contain each of its words in some field.
        self._last: tuple[str, list[_Entry]] | None = None

    def search(self, query: str, limit: int = 50) -> list[Hit[T]]:
        words = fold(query).split()
        if not words:
            return [Hit(self.items[e.index], e.static) for e in self._entries[:limit]]
        candidates = self._candidates(words)
        ranked = self._ranked(candidates, words, limit)
        if len(ranked) < FUZZY_WHEN_FEWER_THAN:
            known = {entry.index for _, entry in ranked}
            ranked += [(s, e) for e, s in self._fuzzy(" ".join(words)) if e.index not in known]
            ranked.sort(key=lambda pair: -pair[0])
        return [Hit(self.items[entry.index], score) for score, entry in ranked[:limit]]

    def _candidates(self, words: list[str]) -> list[_Entry]:
        """Entries holding every word somewhere (in static order). Typing on from the last
        query only narrows this set, so the last set is where the next search starts."""
        key = " ".join(words)
        pool = self._entries
        if self._last is not None and key.startswith(self._last[0]):
            pool = self._last[1]
        for word in words:
            pool = [entry for entry in pool if word in entry.every]
        self._last = (key, pool)
        return pool

    def _ranked(
        self, candidates: list[_Entry], words: list[str], limit: int
    ) -> list[tuple[float, _Entry]]:
        """The best `limit` by where the words match plus the static score. Candidates come
        in static order, so per match score only the first `limit` can make the cut."""
        flags = [w.isascii() and w.isalpha() for w in words]
        best = TITLE * len(words)
        taken: dict[int, int] = {}
        ranked: list[tuple[float, _Entry]] = []
        for entry in candidates:
            total = 0
            for word, ascii_word in zip(words, flags, strict=True):
                score = entry.word_score(word, ascii_word)
                if not score:
                    break
                total += score
            else:
                if taken.get(total, 0) < limit:
                    taken[total] = taken.get(total, 0) + 1
                    ranked.append((total + entry.static, entry))
                    if taken.get(best, 0) >= limit:
                        break  # later entries fit less well: none beats a page of best matches
        ranked.sort(key=lambda pair: -pair[0])
        return ranked[:limit]

    def _fuzzy(self, phrase: str) -> list[tuple[_Entry, float]]:
        from rapidfuzz import fuzz, process

        best = process.extract(
            phrase, self._titles, scorer=fuzz.partial_ratio, limit=20, score_cutoff=FUZZY_CUTOFF
        )
        return [
            (self._entries[i], FUZZY * score / 100 + self._entries[i].static)
            for _, score, i in best
        ]


def usage_boost(uses: int) -> float:
    """Use counts order equal matches, with diminishing returns (at most 20 points)."""
    return min(20.0, 5.0 * math.log2(1 + max(0, uses)))
