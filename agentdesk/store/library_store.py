"""The phrase library, its use counts and the knowledge base in the store.

Plain sqlite3 on the caller's connection (the repository owns the transaction). Each row keeps
the pinyin of its head (title, tags) and body, computed once when written, so opening the phrase
helper never converts thousands of texts again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from agentdesk.domain.phrases import Article, Phrase, Scenario
from agentdesk.domain.text_search import PinyinKeys, pinyin_keys

PHRASE_COLUMNS = (
    "id, scenario, language, title, body, tags_json, teams_json, categories_json, "
    "head_pinyin, head_initials, body_pinyin, body_initials, source, updated_at"
)
ARTICLE_COLUMNS = (
    "id, title, body, language, category, tags_json, "
    "head_pinyin, head_initials, body_pinyin, body_initials, source, updated_at"
)


@dataclass(frozen=True)
class Stored:
    """A phrase or article with the pinyin the store keeps for it."""

    head: PinyinKeys
    body: PinyinKeys


@dataclass(frozen=True)
class ImportCount:
    created: int
    updated: int
    removed: int = 0


def head_text(title: str, tags: Sequence[str]) -> str:
    return " ".join((title, *tags))


def write_phrases(
    conn: sqlite3.Connection,
    phrases: Sequence[Phrase],
    source: str,
    at: str,
    *,
    replace: bool = False,
) -> ImportCount:
    """Upsert by id; with `replace`, phrases not in `phrases` are removed."""
    existing = {row[0] for row in conn.execute("SELECT id FROM phrase")}
    rows = []
    for p in phrases:
        head, body = pinyin_keys(head_text(p.title, p.tags)), pinyin_keys(p.text)
        rows.append(
            (
                p.id, p.scenario.value, p.language, p.title, p.text,
                _json(p.tags), _json(p.teams), _json(p.categories),
                head.full, head.initials, body.full, body.initials, source, at,
            )
        )  # fmt: skip
    conn.executemany(
        f"INSERT INTO phrase ({PHRASE_COLUMNS}) VALUES ({', '.join('?' * 14)}) "
        "ON CONFLICT (id) DO UPDATE SET scenario = excluded.scenario, "
        "language = excluded.language, title = excluded.title, body = excluded.body, "
        "tags_json = excluded.tags_json, teams_json = excluded.teams_json, "
        "categories_json = excluded.categories_json, head_pinyin = excluded.head_pinyin, "
        "head_initials = excluded.head_initials, body_pinyin = excluded.body_pinyin, "
        "body_initials = excluded.body_initials, source = excluded.source, "
        "updated_at = excluded.updated_at",
        rows,
    )
    return _remove_others(conn, "phrase", existing, {p.id for p in phrases}, replace)


def read_phrases(conn: sqlite3.Connection) -> list[tuple[Phrase, Stored]]:
    rows = conn.execute(
        f"SELECT {PHRASE_COLUMNS}, coalesce(u.uses, 0) FROM phrase "
        "LEFT JOIN phrase_use u ON u.phrase_id = phrase.id ORDER BY phrase.pk"
    )
    found = []
    for r in rows:
        phrase = Phrase(
            id=r[0],
            scenario=Scenario(r[1]),
            language=r[2],
            title=r[3],
            text=r[4],
            tags=tuple(json.loads(r[5])),
            teams=tuple(json.loads(r[6])),
            categories=tuple(json.loads(r[7])),
            uses=int(r[14]),
        )
        found.append((phrase, Stored(PinyinKeys(r[8], r[9]), PinyinKeys(r[10], r[11]))))
    return found


def record_use(conn: sqlite3.Connection, phrase_id: str, at: str) -> None:
    conn.execute(
        "INSERT INTO phrase_use (phrase_id, uses, last_used_at) VALUES (?, 1, ?) "
        "ON CONFLICT (phrase_id) DO UPDATE SET uses = uses + 1, "
        "last_used_at = excluded.last_used_at",
        (phrase_id, at),
    )


def write_articles(
    conn: sqlite3.Connection,
    articles: Sequence[Article],
    source: str,
    at: str,
    *,
    replace: bool = False,
) -> ImportCount:
    existing = {row[0] for row in conn.execute("SELECT id FROM kb_article")}
    rows = []
    for a in articles:
        head, body = pinyin_keys(head_text(a.title, a.tags)), pinyin_keys(a.body)
        rows.append(
            (
                a.id, a.title, a.body, a.language, a.category, _json(a.tags),
                head.full, head.initials, body.full, body.initials, source, at,
            )
        )  # fmt: skip
    conn.executemany(
        f"INSERT INTO kb_article ({ARTICLE_COLUMNS}) VALUES ({', '.join('?' * 12)}) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, "
        "language = excluded.language, category = excluded.category, "
        "tags_json = excluded.tags_json, head_pinyin = excluded.head_pinyin, "
        "head_initials = excluded.head_initials, body_pinyin = excluded.body_pinyin, "
        "body_initials = excluded.body_initials, source = excluded.source, "
        "updated_at = excluded.updated_at",
        rows,
    )
    return _remove_others(conn, "kb_article", existing, {a.id for a in articles}, replace)


def read_articles(conn: sqlite3.Connection) -> list[tuple[Article, Stored]]:
    rows = conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM kb_article ORDER BY pk")
    return [
        (
            Article(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5]))),
            Stored(PinyinKeys(r[6], r[7]), PinyinKeys(r[8], r[9])),
        )
        for r in rows
    ]


def _remove_others(
    conn: sqlite3.Connection, table: str, existing: set[str], incoming: set[str], replace: bool
) -> ImportCount:
    """With `replace`, delete the rows the import did not bring; count what changed."""
    removed = existing - incoming if replace else set()
    conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in sorted(removed)])
    created = len(incoming - existing)
    return ImportCount(created, len(incoming) - created, len(removed))


def _json(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)
