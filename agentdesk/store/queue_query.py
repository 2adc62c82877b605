"""The queue's read path: one page of tickets at a time, in deadline order, over plain sqlite3.

Pages are found by keyset (the last (due_sort, pk) of the page before) when that page is known
and by OFFSET otherwise, so scrolling a million rows reads only what is on screen. Counting is
separate (`count`) so the console can run it in a worker without holding up the first page.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from enum import StrEnum

from agentdesk.domain.deadlines import NO_DEADLINE_SORT, PAUSED_SORT
from agentdesk.domain.follow_up import FollowUpPolicy
from agentdesk.store import follow_up_query, search_index
from agentdesk.store.conflict_store import unseen_count

PAGE_SIZE = 64
FINISHED = ("resolved", "closed")
FILTER_FIELDS = ("status", "category", "priority", "channel")  # QueueFilter's narrowing fields


VIEW_ACTION_LIMIT = 5000  # tickets one action on a whole view touches (narrow it for more)


class View(StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    ALL = "all"
    AT_RISK = "at_risk"  # a clock in its warning time, none breached
    BREACHED = "breached"  # the nearest clock is past due
    ESCALATED = "escalated"  # open tickets the escalation ladder has raised
    FOLLOW_UPS = "follow_ups"  # resolved tickets whose follow-up is pending (R10), due first


TIMED_VIEWS = (View.AT_RISK, View.BREACHED)


@dataclass(frozen=True)
class QueueFilter:
    view: View = View.MINE
    agent_id: str | None = None
    team_id: str | None = None
    status: str | None = None
    category: str | None = None
    priority: str | None = None
    channel: str | None = None
    search: str = ""
    now: int = 0  # epoch seconds: what "at risk" and "breached" are measured against
    wide: bool = False  # at risk / breached / escalated across all teams (leads, supervisors)
    follow_up: FollowUpPolicy | None = None  # when follow-ups are due (the follow-ups view)


@dataclass(frozen=True)
class QueueRow:
    pk: int
    id: str
    number: str
    subject: str
    status: str
    category: str
    priority: str
    channel: str
    customer_name: str
    assignee_id: str | None
    due_at: str | None
    due_sort: int
    due_clock: str | None = None
    warn_sort: int = NO_DEADLINE_SORT


_COLUMNS = (
    "t.pk, t.id, t.number, t.subject, t.status, t.category, t.priority, t.channel, "
    "c.name, t.assignee_id, t.due_at, t.due_sort, t.due_clock, t.warn_sort"
)
ROW_COLUMNS = _COLUMNS  # a QueueRow's columns over `ticket t LEFT JOIN customer c`
FOLLOW_UP_CLOCK = "follow_up"  # a row's "clock" in the follow-ups view: the follow-up's due time


@dataclass
class QueueQuery:
    """Where-clause and parameters for one filter, built once and reused for every page."""

    where: str
    params: tuple[object, ...]
    index_hint: str
    sort: str = "t.due_sort"  # what the view is ordered (and paged) by, with t.pk

    @property
    def columns(self) -> str:
        """A QueueRow's columns; its `due_sort` is the view's sort key. Ordered by anything but
        the SLA deadline (the follow-ups view), that key is the row's deadline: its clock is
        FOLLOW_UP_CLOCK, its warning the same instant."""
        if self.sort == "t.due_sort":
            return _COLUMNS
        return _COLUMNS.replace(
            "t.due_at, t.due_sort, t.due_clock, t.warn_sort",
            f"'{FOLLOW_UP_CLOCK}', {self.sort}, '{FOLLOW_UP_CLOCK}', {self.sort}",
        )

    @classmethod
    def build(cls, conn: sqlite3.Connection, f: QueueFilter) -> QueueQuery:
        clauses: list[str] = []
        params: list[object] = []
        hint = "ix_ticket_queue_all"
        if f.view is View.MINE:
            clauses.append("t.assignee_id = ?")
            params.append(f.agent_id)
            hint = "ix_ticket_queue_assignee"
        elif f.view is View.TEAM:
            clauses.append("t.team_id = ?")
            params.append(f.team_id)
            hint = "ix_ticket_queue_team"
        elif f.view is View.UNASSIGNED:
            clauses.append("t.assignee_id IS NULL AND t.due_sort < ?")
            params.append(NO_DEADLINE_SORT)
            hint = "ix_ticket_queue_unassigned"
        elif f.view in TIMED_VIEWS or f.view is View.ESCALATED:
            hint = _scoped(f, clauses, params)
        elif f.view is View.FOLLOW_UPS:
            clauses.append(follow_up_query.PENDING_WHERE)
            if not f.wide:
                clauses.append("t.team_id = ?")
                params.append(f.team_id)
            hint = ""
        if f.view in (View.MINE, View.TEAM) and f.status not in FINISHED:
            # a working view: open tickets only, unless finished ones are asked for by status
            clauses.append("t.due_sort < ?")
            params.append(NO_DEADLINE_SORT)
        for column in FILTER_FIELDS:
            value = getattr(f, column)
            if value:
                clauses.append(f"t.{column} = ?")
                params.append(value)
        found = search_index.search_filter(conn, f.search, alias="t")
        if found is not None:
            clauses.append(found.sql)
            params.extend(found.params)
            if found.candidates is not None:
                hint = ""  # a short candidate list: let SQLite start from it
        sort = "t.due_sort"
        if f.view is View.FOLLOW_UPS:
            sort = follow_up_query.due_sql(f.follow_up or FollowUpPolicy())
        return cls(" AND ".join(clauses) or "1", tuple(params), hint, sort)

    def tickets(self) -> str:
        """The FROM target, pinned to the index that walks this view in deadline order."""
        indexed = f" INDEXED BY {self.index_hint}" if self.index_hint else ""
        return f"ticket t{indexed}"

    def from_clause(self) -> str:
        return f"FROM {self.tickets()} LEFT JOIN customer c ON c.id = t.customer_id"


def _scoped(f: QueueFilter, clauses: list[str], params: list[object]) -> str:
    """At risk, breached, escalated: the agent's team, or every team when `wide`."""
    hint = "ix_ticket_queue_all"
    if f.view is View.ESCALATED:
        clauses.append("t.escalation_level > 0 AND t.due_sort < ?")
        params.append(NO_DEADLINE_SORT)
        hint = "ix_ticket_queue_escalated"
    elif f.view is View.AT_RISK:
        clauses.append("t.due_sort > ? AND t.due_sort < ? AND t.warn_sort <= ?")
        params += [f.now, PAUSED_SORT, f.now]
    else:
        clauses.append("t.due_sort <= ?")
        params.append(f.now)
    if not f.wide:
        clauses.append("t.team_id = ?")
        params.append(f.team_id)
        if f.view is not View.ESCALATED:
            hint = "ix_ticket_queue_team"
    return hint


@dataclass
class QueuePager:
    """Pages of one queue view; cached so re-rendering a screen costs no queries."""

    conn: sqlite3.Connection
    filter: QueueFilter
    page_size: int = PAGE_SIZE
    total: int | None = None  # once counted: lets pages near the end be read backwards
    _query: QueueQuery | None = None
    _pages: dict[int, list[QueueRow]] = field(default_factory=dict)

    @property
    def query(self) -> QueueQuery:
        if self._query is None:
            self._query = QueueQuery.build(self.conn, self.filter)
        return self._query

    def ids(self, limit: int) -> list[str]:
        """The ids of the view's first `limit` tickets, in queue order (to act on a view)."""
        q = self.query
        sql = f"SELECT t.id {q.from_clause()} WHERE {q.where} ORDER BY {q.sort}, t.pk LIMIT ?"
        return [str(r[0]) for r in self.conn.execute(sql, (*q.params, limit))]

    def page(self, index: int) -> list[QueueRow]:
        cached = self._pages.get(index)
        if cached is not None:
            return cached
        rows = self._fetch(index)
        if len(self._pages) > 64:  # keep memory flat while scrolling far
            self._pages.pop(next(iter(self._pages)))
        self._pages[index] = rows
        return rows

    def _fetch(self, index: int) -> list[QueueRow]:
        """Keyset from a cached neighbour page when there is one; else skip from the nearer end."""
        q = self.query
        base = f"SELECT {q.columns} {q.from_clause()} WHERE {q.where}"
        forward = f" ORDER BY {q.sort}, t.pk LIMIT ?"
        backward = f" ORDER BY {q.sort} DESC, t.pk DESC LIMIT ?"
        before, after = self._pages.get(index - 1), self._pages.get(index + 1)
        if index == 0:
            return self._run(base + forward, (*q.params, self.page_size))
        if before:
            last = before[-1]
            sql = base + f" AND ({q.sort}, t.pk) > (?, ?)" + forward
            return self._run(sql, (*q.params, last.due_sort, last.pk, self.page_size))
        if after:
            first = after[0]
            sql = base + f" AND ({q.sort}, t.pk) < (?, ?)" + backward
            args = (*q.params, first.due_sort, first.pk, self.page_size)
            return self._run(sql, args)[::-1]
        start = index * self.page_size
        if self.total is not None and start > self.total // 2:
            end = min(self.total, start + self.page_size)
            skip_from_end = self.total - end
            sql = base + backward + " OFFSET ?"
            return self._run(sql, (*q.params, end - start, skip_from_end))[::-1]
        return self._run(base + forward + " OFFSET ?", (*q.params, self.page_size, start))

    def _run(self, sql: str, args: tuple[object, ...]) -> list[QueueRow]:
        return [QueueRow(*r) for r in self.conn.execute(sql, args)]

    def row(self, position: int) -> QueueRow | None:
        page = self.page(position // self.page_size)
        offset = position % self.page_size
        return page[offset] if offset < len(page) else None

    def count(self) -> int:
        q = self.query
        sql = f"SELECT count(*) FROM {q.tickets()} WHERE {q.where}"
        return int(self.conn.execute(sql, q.params).fetchone()[0])


@dataclass(frozen=True)
class QueueFigures:
    """The status bar's figures: open tickets of mine (at risk, breached), open unassigned,
    edits waiting to sync."""

    mine: int = 0
    unassigned: int = 0
    pending: int = 0
    at_risk: int = 0
    breached: int = 0
    conflicts: int = 0  # unseen conflicts involving this agent (store.conflict_store)


def queue_figures(conn: sqlite3.Connection, agent_id: str | None, now: int = 0) -> QueueFigures:
    mine, at_risk, breached = conn.execute(
        "SELECT count(*), "
        "coalesce(sum(due_sort > ? AND due_sort < ? AND warn_sort <= ?), 0), "
        "coalesce(sum(due_sort <= ?), 0) "
        "FROM ticket INDEXED BY ix_ticket_queue_assignee "
        "WHERE assignee_id = ? AND due_sort < ?",
        (now, PAUSED_SORT, now, now, agent_id, NO_DEADLINE_SORT),
    ).fetchone()
    unassigned = conn.execute(
        "SELECT count(*) FROM ticket INDEXED BY ix_ticket_queue_unassigned "
        "WHERE assignee_id IS NULL AND due_sort < ?",
        (NO_DEADLINE_SORT,),
    ).fetchone()[0]
    pending = conn.execute(
        "SELECT count(*) FROM outbox INDEXED BY ix_outbox_state WHERE state = 'pending'"
    ).fetchone()[0]
    conflicts = unseen_count(conn, agent_id)
    return QueueFigures(
        int(mine), int(unassigned), int(pending), int(at_risk), int(breached), conflicts
    )
