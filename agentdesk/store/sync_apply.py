"""Applying a pulled page of server changes to the local store (design/SYNC.md, client side).

A page, the queue columns it implies (clocks, search index) and the new cursor commit together,
or not at all: a console killed mid-pull resumes from the last whole page (T6). In a first
download a ticket may instead be listed as underived (sync_underived) in that transaction, and
derived once its timeline has come or the download has ended. The outbox is never touched. A
ticket with an edit still waiting to be pushed keeps its local version: the push brings the
server's answer back through a later pull (also when the server refuses it).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agentdesk.domain import deadlines
from agentdesk.domain.clocks import Happening, happenings_from_rows, ticket_clocks
from agentdesk.domain.model import TIMELINE_ID_ARGS
from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store import clock_store, metrics_query, outbox, search_index
from agentdesk.store.underived import list_underived, unlist_underived

# local table: (columns taken from the server row, in order); `id` first
COLUMNS: dict[str, tuple[str, ...]] = {
    "team": ("id", "code", "name_en", "name_zh", "kind"),
    "agent": ("id", "username", "display_name", "role", "team_id", "language", "active"),
    "customer": ("id", "name", "phone", "email", "address", "tier", "external_id", "created_at"),
    "product": ("id", "sku", "name_en", "name_zh", "line"),
    "customer_order": ("id", "number", "customer_id", "product_id", "amount_cents", "ordered_at"),
    "ticket": (
        "id", "number", "subject", "description", "customer_request", "customer_id",
        "product_id", "order_id", "channel", "category", "complaint_level", "priority",
        "status", "team_id", "assignee_id", "created_at", "updated_at", "resolved_at",
        "resolution", "root_cause", "version", "escalation_level", "follow_up_owner_id",
    ),
    "ticket_event": ("id", "ticket_id", "kind", "actor_id", "at", "body", "data_json"),
    "incident": (
        "id", "title", "description", "status", "opened_at", "opened_by", "closed_at",
        "closed_by",
    ),
    "sync_conflict": (
        "id", "ticket_id", "account_id", "client_id", "mutation_id", "intent", "outcome",
        "detail", "losing_text", "note_event_id", "at",
    ),
    "qa_review": (
        "id", "ticket_id", "agent_id", "drawn_at", "drawn_by", "period_since", "period_until",
        "seed", "scored_at", "scorer_id", "tone", "professionalism", "efficiency", "compliance",
        "comment",
    ),
}  # fmt: skip
TICKET_PARTS = frozenset({"ticket_event", "sync_conflict"})  # a ticket's queue columns read them
SYNCED_TABLES = (
    "qa_review", "sync_conflict", "ticket_event", "ticket_clock", "escalation_fired", "ticket",
    "customer_order", "customer", "product",
)  # fmt: skip


@dataclass
class Applied:
    upserts: int = 0
    removals: int = 0
    kept_local: int = 0  # tickets with edits waiting to be pushed


def apply_page(
    conn: sqlite3.Connection,
    changes: Sequence[dict[str, Any]],
    cursor: str,
    policy: SlaPolicy,
    now: int,
    *,
    reset: bool = False,
    acknowledged: int = 0,
    first_download: bool = False,
    batch: WriteBatch | None = None,
) -> Applied:
    """One pulled page in one transaction, ending with the cursor saved (and the last mutation
    id the server says it applied for this client); with `batch`, in the batch's transaction
    (the caller commits).

    In a `first_download` the server sends every ticket row before the timelines: a ticket
    whose row came without timeline entries is listed as underived instead of derived twice
    (now, and again when its entries come); `derive_underived` does the ones left at the end."""
    applied = Applied()
    with contextlib.nullcontext(batch) if batch else WriteBatch(conn) as writes:
        writes.add_page()
        if reset:
            _clear_synced(conn)
        waiting = _tickets_with_pending_edits(conn)
        rows, timelines = _apply_changes(conn, changes, waiting, applied)
        if first_download:
            list_underived(conn, rows - timelines)
            refresh_tickets(conn, timelines, policy, now)
            unlist_underived(conn, timelines)
        else:
            refresh_tickets(conn, rows | timelines, policy, now)
        save_cursor(conn, cursor, acknowledged)
    return applied


class WriteBatch:
    """Pulled pages applied in one write transaction, unchecked as `unchecked_transaction`'s:
    each `apply_page(..., batch=...)` adds one, `commit` ends it. Fewer, larger commits cost
    less (the full-text index writes its pending terms at each commit). The caller decides
    when to commit; never while it waits for the network. A failure inside the `with` block
    rolls back every page since the last commit: their cursor goes with them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.pages = 0  # applied since the last commit

    def __enter__(self) -> WriteBatch:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        if failed is None:
            self.commit()
        elif self.pages:
            self.pages = 0
            _end_unchecked(self.conn, commit=False)

    def add_page(self) -> None:
        if not self.pages:
            _begin_unchecked(self.conn)
        self.pages += 1

    def commit(self) -> None:
        if self.pages:
            self.pages = 0
            _end_unchecked(self.conn, commit=True)


@contextlib.contextmanager
def unchecked_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction (all or nothing) with foreign keys off. The server keeps referential
    integrity; its pull order does not: a ticket updated after its timeline was written comes
    after its entries (one change row per entity, moved to the end), possibly a page later.
    Checked here, a fresh console could never bootstrap."""
    _begin_unchecked(conn)
    try:
        yield
    except BaseException:
        _end_unchecked(conn, commit=False)
        raise
    _end_unchecked(conn, commit=True)


def _begin_unchecked(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or SQLite ignores it
    conn.execute("BEGIN IMMEDIATE")


def _end_unchecked(conn: sqlite3.Connection, *, commit: bool) -> None:
    """COMMIT (a ROLLBACK if that fails) or ROLLBACK; then foreign keys on again."""
    try:
        if commit:
            try:
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        else:
            conn.execute("ROLLBACK")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _apply_changes(
    conn: sqlite3.Connection,
    changes: Sequence[dict[str, Any]],
    waiting: set[str],
    applied: Applied,
) -> tuple[set[str], set[str]]:
    """Write the page's changes in order, each run of upserts of one kind in one statement;
    returns the tickets whose own row changed and those whose timeline (or conflicts)
    changed, leaving out tickets with edits waiting to be pushed."""
    rows: set[str] = set()
    timelines: set[str] = set()
    run: list[dict[str, Any]] = []
    for change in changes:
        kind, ident = change["type"], change["id"]
        if kind not in COLUMNS:
            continue  # an entity this client version does not keep
        if kind == "ticket" and ident in waiting:
            applied.kept_local += 1
            continue
        row = change.get("row")
        if run and (row is None or change["op"] != "upsert" or run[0]["type"] != kind):
            _upsert_run(conn, run)
            run = []
        if change["op"] == "upsert" and row is not None:
            run.append(change)
            applied.upserts += 1
            if kind == "ticket":
                rows.add(ident)
            elif kind in TICKET_PARTS:
                timelines.add(str(row.get("ticket_id") or ""))
        else:
            timelines.add(_remove(conn, kind, ident) or "")
            applied.removals += 1
    if run:
        _upsert_run(conn, run)
    return rows - waiting, timelines - waiting - {""}


def save_cursor(conn: sqlite3.Connection, cursor: str, acknowledged: int) -> None:
    outbox.ensure_sync_state(conn)  # a store that never queued an edit has none yet
    conn.execute(
        "UPDATE sync_state SET pull_cursor = ?, acked_mutation_id = max(acked_mutation_id, ?) "
        "WHERE id = 1",
        (cursor, acknowledged),
    )


def saved_cursor(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT pull_cursor FROM sync_state WHERE id = 1").fetchone()
    return row[0] if row else None


def _clear_synced(conn: sqlite3.Connection) -> None:
    """A reset: forget what was pulled (the outbox and its edits stay, and are pushed again)."""
    for (pk,) in conn.execute("SELECT pk FROM ticket").fetchall():
        search_index.remove_ticket(conn, pk)
    conn.execute("INSERT OR IGNORE INTO sync_forget SELECT DISTINCT ticket_id FROM ticket_event")
    for table in SYNCED_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM sync_forget")
    conn.execute("DELETE FROM sync_underived")


def forget_refused_edit(conn: sqlite3.Connection, mutation_id: int) -> None:
    """The server refused this queued edit: the timeline entries the console wrote for it go
    (a refused new ticket goes whole); the edit itself stays in the outbox, readable, and the
    ticket's server version comes with the next pull. In the caller's transaction."""
    found = conn.execute(
        "SELECT name, args_json, ticket_id FROM outbox WHERE mutation_id = ?", (mutation_id,)
    ).fetchone()
    if found is None or found[2] is None:
        return
    name, args, ticket_id = found[0], json.loads(found[1]), str(found[2])
    if name.startswith("qa."):  # the server's review, if it has one, comes with the next pull
        conn.execute("DELETE FROM qa_review WHERE id = ?", (ticket_id,))
        return
    if name.startswith("ticket.create."):
        _remove(conn, "ticket", ticket_id)
        return
    forget_events(
        conn, ticket_id, [args[k] for k in TIMELINE_ID_ARGS if isinstance(args.get(k), str)]
    )


def forget_events(conn: sqlite3.Connection, ticket_id: str, event_ids: Iterable[str]) -> None:
    """Timeline entries the console wrote that the server did not keep (it refused the edit,
    or found it already done): they go, in the caller's transaction."""
    for event_id in event_ids:
        _forgetting(conn, ticket_id, "DELETE FROM ticket_event WHERE id = ?", event_id)


def _tickets_with_pending_edits(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT DISTINCT ticket_id FROM outbox WHERE state = 'pending' AND ticket_id IS NOT NULL"
    )
    return {r[0] for r in rows}


def _upsert_run(conn: sqlite3.Connection, run: list[dict[str, Any]]) -> None:
    """Upsert consecutive changes of one kind (sqlite3 stores a bool as 1 or 0)."""
    kind = run[0]["type"]
    rows = [change["row"] for change in run]
    try:
        values = [_columns_of(kind)(row) for row in rows]
    except KeyError:  # a row without some column (another server version): NULL there
        values = [tuple(row.get(c) for c in COLUMNS[kind]) for row in rows]
    if kind == "ticket":  # queue order until its clocks are derived (a finished one: final)
        _make_way_for_numbers(conn, rows)
        values = [(*value, _first_sort(row)) for value, row in zip(values, rows, strict=True)]
    conn.executemany(_upsert_sql(kind), values)


def _first_sort(row: dict[str, Any]) -> int:
    return deadlines.underived_sort(row.get("status") in clock_store.OPEN_STATUS_VALUES)


@functools.cache
def _columns_of(kind: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    return operator.itemgetter(*COLUMNS[kind])


@functools.cache
def _upsert_sql(kind: str) -> str:
    columns = COLUMNS[kind]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    conflict = "DO NOTHING" if kind == "ticket_event" else f"DO UPDATE SET {updates}"
    inserted = [*columns, "due_sort"] if kind == "ticket" else list(columns)
    return (
        f"INSERT INTO {kind} ({', '.join(inserted)}) VALUES ({', '.join('?' * len(inserted))}) "
        f"ON CONFLICT (id) {conflict}"  # timeline entries never change
    )


def _make_way_for_numbers(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """A ticket made here took a number the server gave to another ticket (the server renumbers
    ours): park ours under a provisional number until its server version arrives. (The rows
    of one page are read together on the server: no two of them share a number.)"""
    conn.executemany(
        "UPDATE ticket SET number = number || '~' || substr(id, 1, 8) WHERE number = ? AND id <> ?",
        [(str(row["number"]), str(row["id"])) for row in rows],
    )


def _remove(conn: sqlite3.Connection, kind: str, ident: str) -> str | None:
    """Forget an entity (deleted, or out of this client's scopes); returns the ticket it
    belonged to when its queue columns need deriving again."""
    if kind == "ticket_event":
        found = conn.execute("SELECT ticket_id FROM ticket_event WHERE id = ?", (ident,)).fetchone()
        if found is None:
            return None
        _forgetting(conn, found[0], "DELETE FROM ticket_event WHERE id = ?", ident)
        return str(found[0])
    if kind == "ticket":
        found = conn.execute("SELECT pk FROM ticket WHERE id = ?", (ident,)).fetchone()
        if found is not None:
            search_index.remove_ticket(conn, found[0])
        _forgetting(conn, ident, "DELETE FROM ticket_event WHERE ticket_id = ?", ident)
        for table in ("ticket_clock", "escalation_fired", "sync_conflict", "qa_review"):
            conn.execute(f"DELETE FROM {table} WHERE ticket_id = ?", (ident,))
    conn.execute(f"DELETE FROM {kind} WHERE id = ?", (ident,))
    return None


def _forgetting(conn: sqlite3.Connection, ticket_id: str, sql: str, ident: str) -> None:
    """Delete timeline rows of `ticket_id`: allowed only while it is listed in sync_forget."""
    conn.execute("INSERT OR IGNORE INTO sync_forget (ticket_id) VALUES (?)", (ticket_id,))
    conn.execute(sql, (ident,))
    conn.execute("DELETE FROM sync_forget WHERE ticket_id = ?", (ticket_id,))


# -- tickets a first download has not derived yet -------------------------------------------------

UNDERIVED_CHUNK = 2000  # tickets per transaction


def derive_underived(
    conn: sqlite3.Connection,
    policy: SlaPolicy,
    now: int,
    *,
    chunk: int = UNDERIVED_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Derive the tickets a first download left underived (their timeline never came after
    their row), a chunk per transaction: the store's write lock is never held for long.
    Returns how many. A ticket with an edit waiting to be pushed keeps its local version and
    stays listed for a later round.

    A commit here need not reach the disk before the next one starts (synchronous=NORMAL):
    lost in a power cut, a chunk is still listed and derived again."""
    with _synchronous_normal(conn):
        return _derive_listed(conn, policy, now, chunk, progress)


def _derive_listed(
    conn: sqlite3.Connection,
    policy: SlaPolicy,
    now: int,
    chunk: int,
    progress: Callable[[int], None] | None,
) -> int:
    derived, after = 0, ""
    while True:
        with unchecked_transaction(conn):
            listed = [
                str(r[0])
                for r in conn.execute(
                    "SELECT ticket_id FROM sync_underived WHERE ticket_id > ? "
                    "ORDER BY ticket_id LIMIT ?",
                    (after, chunk),
                )
            ]
            if not listed:
                return derived
            ready = set(listed) - _tickets_with_pending_edits(conn)
            refresh_tickets(conn, ready, policy, now)
            unlist_underived(conn, ready)
        derived += len(ready)
        after = listed[-1]
        if progress is not None:
            progress(derived)


@contextlib.contextmanager
def _synchronous_normal(conn: sqlite3.Connection) -> Iterator[None]:
    """Entered outside a transaction: inside one, SQLite refuses the change."""
    (was,) = conn.execute("PRAGMA synchronous").fetchone()
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous={int(was)}")


# -- deriving a ticket's queue columns and search entry -------------------------------------------


def refresh_tickets(
    conn: sqlite3.Connection, ticket_ids: Iterable[str], policy: SlaPolicy, now: int
) -> None:
    """Deadlines and the search entries of these tickets (derived locally): what
    clock_store.recompute_ticket and search_index.index_ticket do for one ticket, a chunk of
    tickets per query. A ticket row is rewritten only when its queue columns change; each
    ticket is listed for its quality facts (metrics_query), which read its timeline."""
    ids = sorted(ticket_ids)
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        marks = ", ".join("?" * len(chunk))
        found = conn.execute(REFRESH_SQL.format(marks=marks), chunk).fetchall()
        _derive_deadlines(conn, found, policy, now)
        _index_search(conn, found)
        metrics_query.list_changed(conn, [row[7] for row in found])


REFRESH_CHUNK = 500
REFRESH_SQL = (
    f"SELECT {clock_store.FACTS_COLUMNS}, t.pk, t.number, t.subject, t.description, "
    f"coalesce(c.name, ''), t.due_at, t.due_sort, t.warn_sort, t.due_clock "
    f"{clock_store.FACTS_FROM} WHERE t.id IN ({{marks}})"
)
TIMELINES_SQL = (
    "SELECT ticket_id, kind, at, data_json FROM ticket_event WHERE ticket_id IN ({marks}) "
    "ORDER BY ticket_id, at, pk"
)


def _derive_deadlines(
    conn: sqlite3.Connection, found: list[Any], policy: SlaPolicy, now: int
) -> None:
    timelines = _timelines(conn, [str(row[0]) for row in found])
    derived = [
        (
            str(row[0]),
            ticket_clocks(policy, clock_store.facts_of(row), timelines.get(row[0], []), now),
            row[5] in clock_store.OPEN_STATUS_VALUES,
            row[12:16],
        )
        for row in found
    ]
    clock_store.write_clocks(conn, [(ticket_id, clocks) for ticket_id, clocks, _, _ in derived])
    columns = [
        (clock_store.deadline_of(clocks, is_open).columns(), ticket_id, written)
        for ticket_id, clocks, is_open, written in derived
    ]
    conn.executemany(
        clock_store.TICKET_UPDATE,
        [(*new, ticket_id) for new, ticket_id, old in columns if new != old],
    )


def _timelines(conn: sqlite3.Connection, ticket_ids: list[str]) -> dict[str, list[Happening]]:
    """Each ticket's timeline as clock happenings, in timeline order (at, then insertion)."""
    if not ticket_ids:
        return {}
    marks = ", ".join("?" * len(ticket_ids))
    rows = conn.execute(TIMELINES_SQL.format(marks=marks), ticket_ids)
    return {
        ticket_id: happenings_from_rows(row[1:] for row in group)
        for ticket_id, group in itertools.groupby(rows, key=operator.itemgetter(0))
    }


def _index_search(conn: sqlite3.Connection, found: list[Any]) -> None:
    """Index each ticket's text unless it is indexed with exactly this text already (a page
    that brought only timeline entries): the index would end the same, at the cost of a
    delete and an insert in both full-text tables."""
    search_index.update_many(
        conn, [(row[7], search_index.document_text(*row[8:12])) for row in found]
    )
