"""Ticket full-text search: the index finds exactly what a plain substring scan finds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentdesk.store import database, search_index
from agentdesk.store.search_index import (
    document_text,
    index_many,
    index_ticket,
    normalize,
    query_terms,
    remove_ticket,
    search_filter,
    substring_scan,
)

Ticket = tuple[str, str, str, str]  # number, subject, description, customer name


@contextmanager
def limits(cap: int = 5000, lookup_max: int = 1500, **tuning: float) -> Iterator[None]:
    """Shrink the index's thresholds so tiny corpora take the paths big ones take."""
    settings = {"CJK_CAP": cap, "TRIGRAM_CAP": cap, "SAMPLE": 1, "LOOKUP_MAX": lookup_max}
    settings.update(tuning)
    with ExitStack() as stack:
        for name, value in settings.items():
            assert hasattr(search_index, name), name
            stack.enter_context(mock.patch.object(search_index, name, value))
        yield


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = Path(tmp_path_factory.mktemp("search")) / "store.db"
    database.upgrade(path)
    connection = database.connect(path)
    connection.execute(
        "INSERT INTO team (id, code, name_en, name_zh, kind) "
        "VALUES ('team-1', 'T1', 'Front line', '一线', 'front_line')"
    )
    yield connection
    connection.close()


def load(conn: sqlite3.Connection, tickets: list[Ticket], *, bulk: bool = True) -> list[int]:
    """Replace the store's tickets with `tickets` (due order = reverse insertion order)."""
    conn.execute("DELETE FROM ticket")
    conn.execute("DELETE FROM customer")
    conn.execute("DELETE FROM ticket_search")
    conn.execute("INSERT INTO ticket_search_cjk (ticket_search_cjk) VALUES ('delete-all')")
    pks = []
    for i, (number, subject, description, name) in enumerate(tickets):
        conn.execute(
            "INSERT INTO customer (id, name, phone, email, address, tier, created_at) "
            "VALUES (?, ?, '', '', '', 'standard', '2026-01-01T00:00:00Z')",
            (f"cust-{i}", name),
        )
        cursor = conn.execute(
            "INSERT INTO ticket (id, number, subject, description, customer_request, "
            "customer_id, channel, category, priority, status, team_id, created_at, "
            "updated_at, due_sort, version) VALUES (?, ?, ?, ?, '', ?, 'phone', 'refund', "
            "'normal', 'new', 'team-1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 1)",
            (
                f"ticket-{i}",
                number or f"T-20260101-{i:04d}",
                subject,
                description,
                f"cust-{i}",
                1_000_000 - i,
            ),
        )
        assert cursor.lastrowid is not None
        pks.append(cursor.lastrowid)
    rows = [(pk, stored_text(conn, pk)) for pk in pks]
    if bulk:
        index_many(conn, rows)
    else:
        for pk, text in rows:
            index_ticket(conn, pk, text)
    return pks


def stored_text(conn: sqlite3.Connection, pk: int) -> str:
    number, subject, description, name = conn.execute(
        "SELECT t.number, t.subject, t.description, c.name FROM ticket t "
        "JOIN customer c ON c.id = t.customer_id WHERE t.pk = ?",
        (pk,),
    ).fetchone()
    return document_text(number, subject, description, name)


def search(conn: sqlite3.Connection, query: str, limit: int | None = None) -> list[int]:
    """The pks the queue would show for `query`, in queue order."""
    sf = search_filter(conn, query)
    where = "1" if sf is None else sf.sql
    params = () if sf is None else sf.params
    sql = f"SELECT t.pk FROM ticket t WHERE t.status != 'closed' AND {where} "
    sql += "ORDER BY t.due_sort, t.pk"
    if limit is not None:
        sql += f" LIMIT {limit}"
    return [pk for (pk,) in conn.execute(sql, params)]


def found(conn: sqlite3.Connection, query: str) -> list[int]:
    return sorted(search(conn, query))


CORPUS: list[Ticket] = [
    ("T-20261123-0042", "申请退款", "订单已签收但商品损坏，客户要求退款。", "王小明"),
    ("T-20261123-0043", "Refund request", "Customer wants a refund for order 1881.", "Alice Wong"),
    ("T-20261123-0044", "物流延迟", "快递三天未更新，退货地址确认。", "李娜"),
    ("T-20261123-0045", "屏幕问题", "The screen flickers; 客户要求更换。", "Bob 陈"),
    ("T-20261124-0046", "账户登录", "无法登录，密码错误", "张退"),
    ("T-20261124-0047", "申请退", "款项未到账", "赵六"),
    ("T-20261124-0048", "退 款", "refunded twice?", "Carol"),
]


@pytest.fixture
def corpus(conn: sqlite3.Connection) -> list[int]:
    return load(conn, CORPUS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("退", [0, 2, 4, 5, 6]),
        ("退款", [0]),
        ("要求退款", [0]),
        ("款", [0, 5, 6]),
        ("refund", [1, 6]),
        ("refu", [1, 6]),
        ("REFUNDED", [6]),
        ("ＲＥＦＵＮＤ", [1, 6]),
        ("退款 损坏", [0]),
        ("客户 screen", [3]),
        ("客户 要求", [0, 3]),
        ("customer refund", [1]),
        ("T-20261123-0042", [0]),
        ("t-20261123-0042", [0]),
        ("0042", [0]),
        ("42", [0]),
        ("1881", [1]),
        ("王小明", [0]),
        ("wong", [1]),
        ("bob 陈", [3]),
        ("张退", [4]),
        ("nothing-like-this", []),
        ("退 nothing", []),
    ],
)
def test_finds_what_a_substring_scan_finds(
    conn: sqlite3.Connection, corpus: list[int], query: str, expected: list[int]
) -> None:
    assert found(conn, query) == [corpus[i] for i in expected]
    assert found(conn, query) == substring_scan(conn, query)


def test_a_bigram_never_spans_two_fields_or_two_cjk_runs(
    conn: sqlite3.Connection, corpus: list[int]
) -> None:
    # Ticket 5: subject ends with 退, description starts with 款; ticket 6: "退 款".
    assert corpus[5] not in found(conn, "退款")
    assert corpus[6] not in found(conn, "退款")
    assert corpus[5] in found(conn, "申请退")


def test_an_empty_query_filters_nothing(conn: sqlite3.Connection, corpus: list[int]) -> None:
    assert search_filter(conn, "") is None
    assert search_filter(conn, " \u3000\t") is None
    assert substring_scan(conn, "  ") == sorted(corpus)


def test_candidates_count_a_selective_query(conn: sqlite3.Connection, corpus: list[int]) -> None:
    sf = search_filter(conn, "退款")
    assert sf is not None
    assert sf.candidates == 1
    none = search_filter(conn, "没有这个词")
    assert none is not None
    assert none.candidates == 0


def test_a_frequent_term_is_checked_row_by_row(conn: sqlite3.Connection, corpus: list[int]) -> None:
    queries = ("退", "款", "退款", "refund", "退 refund", "客户 screen", "客户 要求", "42", "退 42")
    for cap, lookup_max in ((1, 2500), (1, 0), (2, 0), (2, 1)):
        with limits(cap, lookup_max, VERIFY_MAX=0):
            for query in queries:
                assert found(conn, query) == substring_scan(conn, query), (query, cap)
    with limits(1, VERIFY_MAX=0, SAMPLE=1000):
        assert search_filter(conn, "退").candidates is None  # type: ignore[union-attr]
        assert search_filter(conn, "退款").candidates == 1  # type: ignore[union-attr]


def test_the_first_page_is_in_deadline_order(conn: sqlite3.Connection) -> None:
    pks = load(conn, [("", f"退款 {i}", "refund", "客户") for i in range(150)])
    # load() gives later tickets earlier deadlines.
    expected = sorted(pks, reverse=True)[:60]
    for cap, lookup_max in ((10, 2500), (5000, 2500), (5000, 10)):
        with limits(cap, lookup_max):
            assert search(conn, "退款", limit=60) == expected
            assert search(conn, "refund 客户", limit=60) == expected


def test_remove_and_reindex(conn: sqlite3.Connection) -> None:
    first, second = load(conn, CORPUS[:2], bulk=False)
    assert found(conn, "退款") == [first]
    conn.execute(
        "UPDATE ticket SET subject = '改为换货', description = 'exchange' WHERE pk = ?", (first,)
    )
    index_ticket(conn, first, stored_text(conn, first))
    assert found(conn, "退款") == []
    assert found(conn, "换货") == [first]
    assert found(conn, "exchange") == [first]
    remove_ticket(conn, second)
    assert found(conn, "refund") == []
    remove_ticket(conn, second)  # removing twice is harmless
    index_ticket(conn, second, stored_text(conn, second))
    index_ticket(conn, second, stored_text(conn, second))  # indexing twice replaces
    assert found(conn, "refund") == [second]
    assert conn.execute("SELECT count(*) FROM ticket_search").fetchone() == (2,)


def test_normalization() -> None:
    assert normalize("ＲＥＦＵＮＤ １２３") == "refund 123"
    assert normalize("Straße") == "strasse"
    assert query_terms(" 退款\u3000ＲＥＦＵＮＤ  42 ") == ["退款", "refund", "42"]
    assert document_text("T-1", "A", "B", "C") == "t-1\na\nb\nc"


# Few distinct characters so substrings recur across tickets; NFKC/casefold specials
# (full-width, ligature, ß, dotted İ, combining accent, ㍿ expanding to 株式会社) and
# characters that mean something in FTS5 query syntax.
ALPHABET = "退款订单物流株式会社客户abcRＦＵ１1 ﬁßİ\u0301㍿-*:^\"'(){}+.,，。\n\x00"
FTS_WORDS = st.sampled_from(["AND", "OR", "NOT", "NEAR", "NEAR(a b)", '"', '""', "*", "^", "-"])
texts = st.text(ALPHABET, max_size=24)
tickets = st.tuples(st.just(""), texts, texts, st.text(ALPHABET, max_size=6))


@st.composite
def corpus_and_queries(draw: st.DrawFn) -> tuple[list[Ticket], list[str]]:
    corpus = draw(st.lists(tickets, min_size=1, max_size=8))
    fields = [field for ticket in corpus for field in ticket[1:] if field]
    queries = []
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            if fields and draw(st.booleans()):
                field = draw(st.sampled_from(fields))
                start = draw(st.integers(0, len(field)))
                parts.append(field[start : start + draw(st.integers(1, 4))])
            else:
                parts.append(draw(st.one_of(st.text(ALPHABET, max_size=4), FTS_WORDS)))
        queries.append(draw(st.sampled_from([" ", "", "\u3000"])).join(parts))
    return corpus, queries


TUNINGS = st.fixed_dictionaries(
    {
        "CJK_CAP": st.sampled_from([0, 1, 2, 5000]),
        "TRIGRAM_CAP": st.sampled_from([0, 1, 2, 5000]),
        "SAMPLE": st.sampled_from([1, 2, 1000]),
        "STRATA": st.sampled_from([1, 3, 4]),
        "LOOKUP_MAX": st.sampled_from([0, 2, 1500]),
        "VERIFY_MAX": st.sampled_from([0, 2, 1500]),
        "SCAN_BUDGET": st.sampled_from([0, 2, 150_000]),
        "TRIGRAM_SAMPLE": st.sampled_from([1, 2, 64]),
        "WALK_US": st.sampled_from([0.0, 4.0, 1e6]),
    }
)


@settings(max_examples=200, deadline=None)
@given(case=corpus_and_queries(), tuning=TUNINGS, bulk=st.booleans())
def test_search_equals_substring_scan(
    conn: sqlite3.Connection,
    case: tuple[list[Ticket], list[str]],
    tuning: dict[str, float],
    bulk: bool,
) -> None:
    corpus, queries = case
    load(conn, corpus, bulk=bulk)
    with limits(**tuning):
        for query in queries:
            expected = substring_scan(conn, query)
            assert found(conn, query) == expected, query
            sf = search_filter(conn, query)
            if sf is not None and sf.candidates is not None:
                assert sf.candidates == len(expected)


@settings(max_examples=300, deadline=None)
@given(query=st.text() | st.lists(FTS_WORDS | st.text(ALPHABET, max_size=3)).map(" ".join))
def test_no_query_is_an_fts_syntax_error(conn: sqlite3.Connection, query: str) -> None:
    sf = search_filter(conn, query)
    if sf is not None:
        conn.execute(f"SELECT count(*) FROM ticket t WHERE {sf.sql}", sf.params).fetchone()
