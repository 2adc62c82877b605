"""Full-text search over tickets: number, subject, description and customer name.

Semantics (what a search finds, whatever the index does underneath):

* Ticket text and queries are normalized the same way: Unicode NFKC (full-width letters and
  digits become half-width, compatibility ideographs become unified ones), then casefold;
  NUL counts as a space. Traditional/simplified Chinese conversion is not done.
* A ticket's document text is its number, subject, description and customer name, each
  normalized, joined with "\n".
* A query is split on whitespace into terms. A ticket matches when every term is a substring
  of its document text. Terms never contain whitespace, so no term matches across fields.

`substring_scan` computes exactly that with a plain Python scan: the reference the index is
tested against (no misses, no false hits).

The index (two FTS5 tables, rowid = ticket.pk, created by migration 0001):

* `ticket_search` stores the document text, trigram-tokenized (case-sensitive: the text is
  already folded). A phrase of a term of 3+ characters finds exactly the tickets containing
  it.
* `ticket_search_cjk` (contentless, detail=none, ascii tokenizer) holds the distinct CJK
  unigrams and bigrams of each run of CJK characters, as Lucene's CJK analyzer makes them.
  The ascii tokenizer takes every non-ASCII character as part of a token, so SQLite's own
  Unicode tables play no part. A term of 1 or 2 CJK characters is one such token.
* Any other term (1-2 characters, not all CJK, e.g. "42") is checked in the stored text.

`search_filter` samples the indexes to learn how many tickets match, then hands the queue
the cheapest of: the pk set (few matches: looked up and sorted), a larger pk set the queue
tests while walking its deadline index, or a check of the stored text of each walked ticket
(many matches: the first page comes after a short walk). Costs are measured on 1M tickets;
see the tuning constants below.
"""

from __future__ import annotations

import json
import math
import operator
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

__all__ = [
    "SearchFilter",
    "document_text",
    "index_many",
    "index_ticket",
    "normalize",
    "query_terms",
    "remove_ticket",
    "search_filter",
    "substring_scan",
    "update_many",
]

FIELD_SEPARATOR = "\n"
# Rows on the queue's first page.
PAGE_ROWS = 60
# Hits read to estimate how common a query is, spread over this many ranges of pks.
SAMPLE = 1_000
STRATA = 4
# The most hits a CJK or trigram query may have to be kept as a set of pks (below these, the
# estimated costs decide); a query found more often is checked row by row.
CJK_CAP = 100_000
TRIGRAM_CAP = 50_000
# Up to this many pks, the queue looks each one up and sorts; above, it walks in order.
LOOKUP_MAX = 1_500
# Candidate sets up to this size have their text checked at once (an exact count).
VERIFY_MAX = 1_500
# Index entries a trigram query may read (a few milliseconds).
SCAN_BUDGET = 150_000
# Hits read to estimate how common one trigram is.
TRIGRAM_SAMPLE = 64
# Rough costs in microseconds (2 cores, 1M tickets) used to choose between plans: reading
# one FTS index entry, holding one pk in a set, checking the text of one walked ticket, of
# one ticket at once, walking the deadline index one row.
POSTING_US = 0.05
LIST_US = 0.2
WALK_US = 7.0
VERIFY_US = 6.0
INDEX_US = 0.25
# Superset hits whose text is checked to estimate how many are real.
SHARE_SAMPLE = 200
# Rows per executemany batch in index_many (bounds memory, not transactions).
BATCH_ROWS = 2000
# FTS5 pending-data buffer (default 1 MiB), set by index_many and kept by the tables.
HASH_BYTES = 64 * 1024 * 1024

# Scripts where one or two characters make a word worth searching for (Lucene's CJKAnalyzer).
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31A0, 0x31BF),  # Bopomofo Extended
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),  # Hangul Syllables, Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # Supplementary and Tertiary Ideographic Planes
)

_CJK_RUN = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]+")


def normalize(text: str) -> str:
    """NFKC, casefold, NFKC again (casefolding can leave decomposed sequences); NUL → space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return folded.replace("\0", " ")


def document_text(number: str, subject: str, description: str, customer_name: str) -> str:
    """The normalized text a ticket is searched by."""
    fields = (number, subject, description, customer_name)
    return FIELD_SEPARATOR.join(normalize(field) for field in fields)


def query_terms(query: str) -> list[str]:
    """The normalized, non-empty whitespace-separated terms of a query."""
    return normalize(query).split()


def is_cjk(char: str) -> bool:
    return _CJK_RUN.fullmatch(char) is not None


def cjk_grams(text: str) -> str:
    """The distinct CJK unigrams and bigrams of `text`, space-separated; bigrams never span a
    non-CJK character (a field separator, a space, Latin text or punctuation)."""
    grams: dict[str, None] = {}
    for run in _CJK_RUN.findall(text):
        grams.update(dict.fromkeys(run))
        grams.update(dict.fromkeys(map(operator.add, run, run[1:])))
    return " ".join(grams)


def index_ticket(conn: sqlite3.Connection, pk: int, text: str) -> None:
    """Index (or re-index) one ticket; `text` comes from `document_text`."""
    remove_ticket(conn, pk)
    conn.execute("INSERT INTO ticket_search (rowid, text) VALUES (?, ?)", (pk, text))
    grams = cjk_grams(text)
    if grams:
        conn.execute("INSERT INTO ticket_search_cjk (rowid, grams) VALUES (?, ?)", (pk, grams))


def index_many(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """Bulk-index tickets not indexed yet (a fresh store or a demo load)."""
    # A larger in-memory buffer before FTS5 writes a segment: fewer segments, faster loads.
    for table in (_TRIGRAM, _CJK):
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', ?)", (HASH_BYTES,))
    batch: list[tuple[int, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            _insert_batch(conn, batch)
            batch = []
    if batch:
        _insert_batch(conn, batch)


def update_many(conn: sqlite3.Connection, docs: Sequence[tuple[int, str]]) -> None:
    """Index tickets (pk, text from `document_text`) unless indexed with exactly this text
    already: an unchanged entry stays as it is, a changed one is indexed again, and those not
    indexed yet go in together (one statement per table instead of one per ticket)."""
    indexed = _stored_texts(conn, [pk for pk, _ in docs])
    for pk, text in docs:
        if pk in indexed and indexed[pk] != text:
            index_ticket(conn, pk, text)
    fresh = [(pk, text) for pk, text in docs if pk not in indexed]
    if fresh:
        _insert_batch(conn, fresh)


def _stored_texts(conn: sqlite3.Connection, pks: list[int]) -> dict[int, str]:
    """The indexed text of those of `pks` in the index, read from FTS5's own content table
    (a plain b-tree: a few times cheaper than a look-up per pk through the virtual table)."""
    found: dict[int, str] = {}
    for start in range(0, len(pks), BATCH_ROWS):
        chunk = pks[start : start + BATCH_ROWS]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT id, c0 FROM ticket_search_content WHERE id IN ({marks})"
        found.update(conn.execute(sql, chunk).fetchall())
    return found


def _insert_batch(conn: sqlite3.Connection, batch: list[tuple[int, str]]) -> None:
    conn.executemany("INSERT INTO ticket_search (rowid, text) VALUES (?, ?)", batch)
    grams = [(pk, g) for pk, g in ((pk, cjk_grams(text)) for pk, text in batch) if g]
    conn.executemany("INSERT INTO ticket_search_cjk (rowid, grams) VALUES (?, ?)", grams)


def remove_ticket(conn: sqlite3.Connection, pk: int) -> None:
    """Drop a ticket from the index; a no-op when it is not indexed."""
    row = conn.execute("SELECT text FROM ticket_search WHERE rowid = ?", (pk,)).fetchone()
    if row is None:
        return
    grams = cjk_grams(row[0])
    if grams:
        # A contentless table forgets a row only when told the tokens it was indexed with.
        conn.execute(
            "INSERT INTO ticket_search_cjk (ticket_search_cjk, rowid, grams) "
            "VALUES ('delete', ?, ?)",
            (pk, grams),
        )
    conn.execute("DELETE FROM ticket_search WHERE rowid = ?", (pk,))


@dataclass(frozen=True)
class SearchFilter:
    """A boolean SQL expression over the ticket alias, ANDed into the queue query.

    `candidates` is the exact number of matching tickets when the filter is an exact pk set,
    None when it checks ticket text row by row and the count is not known.
    """

    sql: str
    params: tuple[object, ...]
    candidates: int | None


NOTHING = SearchFilter("0", (), 0)


def search_filter(conn: sqlite3.Connection, query: str, alias: str = "t") -> SearchFilter | None:
    """The queue's search predicate for `query`; None when the query has no terms.

    Each index is asked how often its terms occur, reading only so far. Few hits become a
    set of pks; many hits (or terms no index serves) become a check of the text of each
    ticket the queue walks in deadline order, where the first page comes after a short walk.
    """
    if not alias.isidentifier():
        raise ValueError(f"not an SQL alias: {alias!r}")
    terms = _essential_terms(query_terms(query))
    if not terms:
        return None
    max_pk = conn.execute("SELECT max(id) FROM ticket_search_content").fetchone()[0]
    if max_pk is None:
        return NOTHING
    probes = []
    cjk_terms = [term for term in terms if len(term) <= 2 and all(map(is_cjk, term))]
    if cjk_terms:
        probes.append(_probe(conn, _CJK, _all_of(cjk_terms), cjk_terms, True, CJK_CAP, max_pk))
    trigram_terms = [term for term in terms if len(term) >= 3]
    if trigram_terms and not (probes and probes[0].complete and probes[0].hits <= VERIFY_MAX):
        probes.append(_trigram_probe(conn, trigram_terms, max_pk))
    if any(probe.complete and probe.hits == 0 for probe in probes):
        return NOTHING
    if len(probes) == 2:
        probes = _join(conn, probes, terms, max_pk)
    found = next((probe for probe in probes if probe.complete), None)
    if found is None:
        return _text_filter(alias, terms)
    unchecked = [term for term in terms if not (found.exact and term in found.terms)]
    members, params = found.members()
    count = int(found.hits)
    unserved = [term for term in terms if term not in cjk_terms + trigram_terms]
    if unchecked and (
        count <= VERIFY_MAX or (unserved and _checking_all_pays(conn, found, terms, max_pk))
    ):
        pks = _containing(conn, members, params, unchecked)
        if not pks:
            return NOTHING
        members, params, count, unchecked = _JSON_MEMBERS, (json.dumps(pks),), len(pks), []
    # A few pks are looked up one by one and sorted; more are kept out of reach of the rowid
    # index (unary +) so the queue walks its deadline index and tests each row against them.
    sql = f"{'' if count <= LOOKUP_MAX else '+'}{alias}.pk IN ({members})"
    if not unchecked:
        return SearchFilter(sql, params, count)
    text = _text_filter(alias, unchecked)
    return SearchFilter(f"{sql} AND {text.sql}", params + text.params, None)


_CJK = "ticket_search_cjk"
_TRIGRAM = "ticket_search"
_JSON_MEMBERS = "SELECT value AS pk FROM json_each(?)"


def _essential_terms(terms: list[str]) -> list[str]:
    """Distinct terms, dropping any term contained in a longer one (it adds no condition)."""
    kept: list[str] = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not any(term in longer for longer in kept):
            kept.append(term)
    return kept


def _fts_string(text: str) -> str:
    """`text` as an FTS5 string: no operator, column filter or prefix syntax applies."""
    return '"' + text.replace('"', '""') + '"'


def _all_of(strings: Iterable[str]) -> str:
    return " AND ".join(map(_fts_string, strings))


@dataclass(frozen=True)
class _Stratum:
    """The hits of a query in the pk range (low, bound], part of the range (low, high]."""

    low: int
    high: int
    bound: int
    pks: tuple[int, ...]

    def estimate(self) -> float:
        """Hits expected in the whole range, scaled from the part read."""
        return len(self.pks) * (self.high - self.low) / max(self.bound - self.low, 1)


@dataclass(frozen=True)
class _Sample:
    """The first hits of an FTS query in each of STRATA equal ranges of pks.

    Tickets cluster by creation day (ticket numbers, campaigns), so the first hits alone
    would mislead.
    """

    strata: tuple[_Stratum, ...]

    @classmethod
    def of(cls, pks: list[int], max_pk: int) -> _Sample:
        """The sample of a query whose hits are all known."""
        return cls(
            tuple(
                _Stratum(low, high, high, tuple(pk for pk in pks if low < pk <= high))
                for low, high in _strata(max_pk)
            )
        )

    @property
    def exhaustive(self) -> bool:
        return all(stratum.bound == stratum.high for stratum in self.strata)

    def all_pks(self) -> list[int]:
        return [pk for stratum in self.strata for pk in stratum.pks]

    def estimate(self) -> float:
        return sum(stratum.estimate() for stratum in self.strata)

    def joint_estimate(self, other: _Sample) -> float:
        """Tickets expected to be hits of both queries."""
        total = 0.0
        for mine, theirs in zip(self.strata, other.strata, strict=True):
            bound = min(mine.bound, theirs.bound)
            joint = {pk for pk in mine.pks if pk <= bound}.intersection(theirs.pks)
            total += _Stratum(mine.low, mine.high, bound, tuple(joint)).estimate()
        return total


def _strata(max_pk: int) -> list[tuple[int, int]]:
    edges = [max_pk * i // STRATA for i in range(STRATA + 1)]
    return list(pairwise(edges))


def _sample(
    conn: sqlite3.Connection, table: str, match: str, max_pk: int, reach: float = 1.0
) -> _Sample:
    """The first SAMPLE/STRATA hits in each stratum, reading at most `reach` of each."""
    per_stratum = max(1, SAMPLE // STRATA)
    strata = []
    for low, high in _strata(max_pk):
        end = min(high, low + max(1, int((high - low) * reach)))
        pks = tuple(
            pk
            for (pk,) in conn.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid > ? AND rowid <= ? "
                "LIMIT ?",
                (match, low, end, per_stratum),
            )
        )
        strata.append(_Stratum(low, high, pks[-1] if len(pks) == per_stratum else end, pks))
    return _Sample(tuple(strata))


@dataclass(frozen=True)
class _Probe:
    """What is known of the hits of an FTS query `match` (on `table`).

    `exact`: it finds exactly the tickets containing all `terms`, not a superset.
    `complete`: all its hits are known, `hits` of them, few enough to use as a set of pks
    (`pks_json` when kept, else the query runs again); otherwise `hits` is an estimate.
    `postings`: index entries a full run reads, when known to exceed its hits.
    """

    table: str
    match: str
    terms: tuple[str, ...]
    exact: bool
    sample: _Sample | None
    hits: float
    complete: bool = False
    pks_json: str | None = None
    postings: float | None = None

    def cost(self) -> float:
        """Index entries a full run of the query reads."""
        return self.hits if self.postings is None else self.postings

    def members(self) -> tuple[str, tuple[str, ...]]:
        """SQL selecting the hits: the kept list, or the FTS query again (cheap for CJK)."""
        if self.pks_json is not None:
            return _JSON_MEMBERS, (self.pks_json,)
        return f"SELECT rowid AS pk FROM {self.table} WHERE {self.table} MATCH ?", (self.match,)


def _probe(
    conn: sqlite3.Connection,
    table: str,
    match: str,
    terms: Iterable[str],
    exact: bool,
    cap: int,
    max_pk: int,
    *,
    keep: bool = False,
    postings: float | None = None,
) -> _Probe:
    """Sample the hits of `match`; read them all only when a set of them is likely to be
    cheaper than walking (and under `cap`).

    With `keep`, the hits are kept as a JSON list (for queries too costly to run twice).
    """
    sample = _sample(conn, table, match, max_pk)
    probe = _Probe(table, match, tuple(terms), exact, sample, sample.estimate(), postings=postings)
    if sample.exhaustive:
        pks = sample.all_pks()
        if len(pks) > cap:
            return probe
        pks_json = json.dumps(pks) if keep else None
        return replace(probe, hits=len(pks), complete=True, pks_json=pks_json)
    if probe.hits > cap or _walk_cost(probe.hits, max_pk) < _set_cost(probe):
        return probe
    return _collect(conn, probe, cap, keep)


def _walk_cost(hits: float, max_pk: int) -> float:
    """Checking the text of the tickets walked in deadline order until a page of hits."""
    return min(max_pk, PAGE_ROWS * max_pk / max(hits, 0.5)) * WALK_US


def _set_cost(probe: _Probe) -> float:
    """Reading all hits of a probe and holding them as a set."""
    return probe.cost() * POSTING_US + probe.hits * LIST_US


def _collect(conn: sqlite3.Connection, probe: _Probe, cap: int, keep: bool) -> _Probe:
    """Read all hits of a probe, unless there are more than `cap`."""
    aggregate = "json_group_array(rowid)" if keep else "NULL"
    count, pks_json = conn.execute(
        f"SELECT count(*), {aggregate} FROM (SELECT rowid FROM {probe.table} "
        f"WHERE {probe.table} MATCH ? LIMIT ?)",
        (probe.match, cap + 1),
    ).fetchone()
    if count > cap:
        return replace(probe, hits=max(probe.hits, count))
    return replace(probe, hits=count, complete=True, pks_json=pks_json)


def _trigram_probe(conn: sqlite3.Connection, terms: list[str], max_pk: int) -> _Probe:
    """Probe the trigram index for terms of 3+ characters without reading too much of it.

    A query reads the index entries of all its trigrams, whatever it finds: a rare word made
    of common trigrams ("...tion") reads a lot to find a little. Within SCAN_BUDGET the exact
    query runs. Beyond it, the rarest trigrams that fit the budget find a superset (its text
    is checked later); if that is still too common, the exact query is sampled within the
    budget, and read in full only when that costs less than the walk the sample predicts.
    """
    exact = _all_of(terms)
    trigrams = {term[i : i + 3] for term in terms for i in range(len(term) - 2)}
    counts = {trigram: _trigram_count(conn, trigram, max_pk) for trigram in trigrams}
    total = sum(counts.values())
    if total <= SCAN_BUDGET or min(counts.values()) == 0:
        return _probe(
            conn, _TRIGRAM, exact, terms, True, TRIGRAM_CAP, max_pk, keep=True, postings=total
        )
    stretches, spent = _cheap_stretches(terms, counts)
    if stretches:
        match = _all_of(stretches)
        superset = _probe(
            conn, _TRIGRAM, match, terms, False, TRIGRAM_CAP, max_pk, keep=True, postings=spent
        )
        if superset.complete:
            return _narrowed(conn, superset, total, max_pk)
    sample = _sample(conn, _TRIGRAM, exact, max_pk, reach=SCAN_BUDGET / total)
    probe = _Probe(_TRIGRAM, exact, tuple(terms), True, sample, sample.estimate(), postings=total)
    if probe.hits > TRIGRAM_CAP or _walk_cost(probe.hits, max_pk) <= _set_cost(probe):
        return probe
    return _collect(conn, probe, TRIGRAM_CAP, keep=True)


def _trigram_count(conn: sqlite3.Connection, trigram: str, max_pk: int) -> float:
    """How many tickets contain `trigram`: exact when few, else estimated from a sample."""
    count, last = conn.execute(
        "SELECT count(*), max(rowid) FROM "
        "(SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? LIMIT ?)",
        (_fts_string(trigram), TRIGRAM_SAMPLE),
    ).fetchone()
    return count if count < TRIGRAM_SAMPLE else count * max_pk / last


def _cheap_stretches(terms: list[str], counts: dict[str, float]) -> tuple[list[str], float]:
    """The rarest trigrams of the terms that fit the scan budget, merged into stretches of
    consecutive trigrams (substrings, tighter than their trigrams apart), and the index
    entries they read.
    """
    positions = sorted(
        (counts[term[i : i + 3]], n, i)
        for n, term in enumerate(terms)
        for i in range(len(term) - 2)
    )
    chosen: set[tuple[int, int]] = set()
    spent = 0.0
    for count, n, i in positions:
        if chosen and spent + count > SCAN_BUDGET:
            break
        chosen.add((n, i))
        spent += count
    stretches = []
    for n, term in enumerate(terms):
        start = None
        for i in range(len(term) - 1):  # one past the last trigram closes the last stretch
            if (n, i) in chosen and start is None:
                start = i
            elif (n, i) not in chosen and start is not None:
                stretches.append(term[start : i + 2])
                start = None
    return stretches, spent


def _set_walk_cost(members: float, hits: float, max_pk: int) -> float:
    """Walking in deadline order, testing a set of `members` pks, then the text of those in
    it, until a page of the `hits` that match."""
    hits = max(hits, 0.5)
    tested = min(members, PAGE_ROWS * members / hits) * WALK_US
    return tested + min(max_pk, PAGE_ROWS * max_pk / hits) * INDEX_US


def _checking_all_pays(
    conn: sqlite3.Connection, probe: _Probe, terms: list[str], max_pk: int
) -> bool:
    """Whether checking the text of every hit of a probe costs less than walking."""
    hits = probe.hits * _share(conn, probe, terms)
    return probe.hits * VERIFY_US < _set_walk_cost(probe.hits, hits, max_pk)


def _narrowed(conn: sqlite3.Connection, superset: _Probe, total: float, max_pk: int) -> _Probe:
    """A superset of trigram hits, or the exact hits when getting them costs less than the
    walk the superset would need (judged by checking the text of a sample of it).
    """
    if superset.hits <= VERIFY_MAX or superset.sample is None:
        return superset  # search_filter checks the text of all of them
    terms = list(superset.terms)
    share = _share(conn, superset, terms)
    walk_cost = _set_walk_cost(superset.hits, superset.hits * share, max_pk)
    exact_cost = total * POSTING_US
    check_cost = superset.hits * VERIFY_US
    if walk_cost <= min(exact_cost, check_cost):
        return superset
    if exact_cost <= check_cost:
        match = _all_of(terms)
        probe = _Probe(
            _TRIGRAM, match, tuple(terms), True, None, superset.hits * share, postings=total
        )
        return _collect(conn, probe, TRIGRAM_CAP, keep=True)
    assert superset.pks_json is not None
    pks = _containing(conn, _JSON_MEMBERS, (superset.pks_json,), terms)
    sample = _Sample.of(pks, max_pk)
    return replace(superset, exact=True, sample=sample, hits=len(pks), pks_json=json.dumps(pks))


def _join(
    conn: sqlite3.Connection, probes: list[_Probe], terms: list[str], max_pk: int
) -> list[_Probe]:
    """Combine the CJK and trigram probes into one set of pks when that pays.

    Two complete sets are intersected. Otherwise the text of a sample of the smaller probe's
    hits tells how many tickets match all terms, and that picks the cheapest of: walking in
    deadline order (testing the set, if any, then the text), checking the text of every
    ticket in the set, or intersecting the two queries in the index.
    """
    first, second = sorted(probes, key=lambda probe: (not probe.complete, probe.hits))
    joined_terms = first.terms + second.terms
    exact = first.exact and second.exact
    if second.complete:
        first_sql, first_params = first.members()
        second_sql, second_params = second.members()
        count, pks_json = conn.execute(
            f"SELECT count(*), json_group_array(pk) FROM ({first_sql}) "
            f"WHERE +pk IN ({second_sql})",  # + keeps the FTS index from seeking each pk
            first_params + second_params,
        ).fetchone()
        return [_Probe(second.table, "", joined_terms, exact, None, count, True, pks_json)]
    joint_hits = first.hits * _share(conn, first, terms)
    if first.complete:
        walk_cost = _set_walk_cost(first.hits, joint_hits, max_pk)
        check_cost = first.hits * VERIFY_US
    else:
        walk_cost = _walk_cost(joint_hits, max_pk)
        check_cost = math.inf
    join_cost = (first.cost() + second.cost()) * POSTING_US
    join_cost += (first.hits + second.hits) * LIST_US
    if walk_cost <= min(check_cost, join_cost):
        return probes
    if check_cost <= join_cost:
        members, params = first.members()
        pks = _containing(conn, members, params, terms)
        return [_Probe(first.table, "", tuple(terms), True, None, len(pks), True, json.dumps(pks))]
    cap = max(CJK_CAP, TRIGRAM_CAP)
    inner_sql, inner_params = first.members()
    count, pks_json = conn.execute(
        f"SELECT count(*), json_group_array(rowid) FROM (SELECT rowid FROM {second.table} "
        f"WHERE {second.table} MATCH ? AND +rowid IN ({inner_sql}) LIMIT ?)",
        (second.match, *inner_params, cap + 1),
    ).fetchone()
    if count > cap:
        return probes
    return [_Probe(second.table, "", joined_terms, exact, None, count, True, pks_json)]


def _share(conn: sqlite3.Connection, probe: _Probe, terms: list[str]) -> float:
    """The share of a probe's hits that contain every term, from the text of a sample."""
    sampled = probe.sample.all_pks() if probe.sample is not None else []
    if not sampled:
        return 1.0
    checked = sampled[:: max(1, len(sampled) // SHARE_SAMPLE)]
    found = _containing(conn, _JSON_MEMBERS, (json.dumps(checked),), terms)
    return max(len(found), 0.5) / len(checked)


def _text_filter(alias: str, terms: list[str]) -> SearchFilter:
    """Check the stored text of each ticket the queue walks.

    Reads FTS5's own content table (`%_content`: id, c0), a plain b-tree: half the cost of
    going through the virtual table for each row.
    """
    checks = " AND ".join("instr(s.c0, ?) > 0" for _ in terms)
    sql = f"EXISTS (SELECT 1 FROM ticket_search_content s WHERE s.id = {alias}.pk AND {checks})"
    return SearchFilter(sql, tuple(terms), None)


def _containing(
    conn: sqlite3.Connection, members: str, params: tuple[str, ...], terms: list[str]
) -> list[int]:
    """Those of the pks `members` selects whose stored text contains every term, sorted."""
    rows = conn.execute(f"SELECT id, c0 FROM ticket_search_content WHERE id IN ({members})", params)
    return sorted(pk for pk, text in rows if all(term in text for term in terms))


def substring_scan(conn: sqlite3.Connection, query: str) -> list[int]:
    """Reference search: the sorted pks of tickets whose document text has every term."""
    terms = query_terms(query)
    rows = conn.execute(
        "SELECT t.pk, t.number, t.subject, t.description, coalesce(c.name, '') "
        "FROM ticket AS t LEFT JOIN customer AS c ON c.id = t.customer_id ORDER BY t.pk"
    )
    matches = []
    for pk, number, subject, description, name in rows:
        text = document_text(number, subject, description, name)
        if all(term in text for term in terms):
            matches.append(pk)
    return matches
