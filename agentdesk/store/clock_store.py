"""Derived SLA clock state in the store: one ticket after each change, every open ticket after a
policy change (agentdesk.domain.clocks does the deriving).

Plain sqlite3 on the caller's connection, so a repository write recomputes its ticket inside the
same transaction, and the bulk recompute streams a million tickets without the ORM.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from agentdesk.domain import deadlines
from agentdesk.domain.clocks import (
    ClockState,
    Phase,
    happenings_from_rows,
    queue_deadline,
    ticket_clocks,
)
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.domain.sla_policy import SlaPolicy, TicketFacts

OPEN_STATUS_VALUES = frozenset({"new", "assigned", "in_progress", "waiting_customer"})
OPEN_SQL = "('new', 'assigned', 'in_progress', 'waiting_customer')"
FACTS_COLUMNS = (
    "t.id, t.category, t.priority, t.channel, t.complaint_level, t.status, "
    "COALESCE(c.tier, 'standard')"
)
FACTS_FROM = "FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id"
EVENTS_SQL = "SELECT kind, at, data_json FROM ticket_event WHERE ticket_id = ? ORDER BY at, pk"
CLOCK_INSERT = (
    "INSERT INTO ticket_clock (ticket_id, name, cycle, phase, calendar, target_s, used_s, "
    "started_epoch, due_epoch, warn_epoch, stopped_epoch, breach_epoch, swept_cycle) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
TICKET_UPDATE = (
    "UPDATE ticket SET due_at = ?, due_sort = ?, warn_sort = ?, due_clock = ? WHERE id = ?"
)


@dataclass(frozen=True)
class TicketDeadline:
    """The ticket row's queue columns: nearest deadline, its clock, the earliest warning."""

    due_at: str | None
    due_sort: int
    warn_sort: int
    due_clock: str | None

    def columns(self) -> tuple[str | None, int, int, str | None]:
        return self.due_at, self.due_sort, self.warn_sort, self.due_clock


FINISHED = TicketDeadline(None, deadlines.NO_DEADLINE_SORT, deadlines.NO_DEADLINE_SORT, None)


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def facts_of(row: Sequence[object]) -> TicketFacts:
    """(id, category, priority, channel, complaint_level, status, tier) → facts."""
    level = row[4]
    return TicketFacts(
        category=Category(str(row[1])),
        priority=Priority(str(row[2])),
        tier=CustomerTier(str(row[6])),
        channel=Channel(str(row[3])),
        complaint_level=ComplaintLevel(str(level)) if level else None,
    )


def deadline_of(clocks: Sequence[ClockState], is_open: bool) -> TicketDeadline:
    if not is_open:
        return FINISHED
    nearest = queue_deadline(clocks)
    warn = nearest.warn if nearest.warn is not None else deadlines.NO_DEADLINE_SORT
    if nearest.due is not None:
        return TicketDeadline(iso(nearest.due), nearest.due, warn, nearest.clock)
    if nearest.paused:
        return TicketDeadline(None, deadlines.PAUSED_SORT, warn, nearest.clock)
    return TicketDeadline(None, deadlines.NO_CLOCK_SORT, warn, None)


def derive(
    conn: sqlite3.Connection, ticket_id: str, policy: SlaPolicy, now: int
) -> tuple[TicketFacts, list[ClockState], bool]:
    """(facts, clocks, still open) of one ticket, replayed from its timeline."""
    row = conn.execute(
        f"SELECT {FACTS_COLUMNS} {FACTS_FROM} WHERE t.id = ?", (ticket_id,)
    ).fetchone()
    if row is None:
        raise LookupError(ticket_id)
    happenings = happenings_from_rows(conn.execute(EVENTS_SQL, (ticket_id,)))
    facts = facts_of(row)
    return facts, ticket_clocks(policy, facts, happenings, now), row[5] in OPEN_STATUS_VALUES


def recompute_ticket(
    conn: sqlite3.Connection, ticket_id: str, policy: SlaPolicy, now: int
) -> TicketDeadline:
    """Rewrite the ticket's clock rows; return its queue columns (the caller writes the row)."""
    _, clocks, is_open = derive(conn, ticket_id, policy, now)
    write_clocks(conn, [(ticket_id, clocks)])
    return deadline_of(clocks, is_open)


def write_clocks(
    conn: sqlite3.Connection,
    tickets: Iterable[tuple[str, Sequence[ClockState]]],
    *,
    keep_swept: bool = True,
) -> None:
    """Replace the clock rows of these tickets, keeping how far the sweep got with each."""
    batch = list(tickets)
    swept = _swept_cycles(conn, [ticket_id for ticket_id, _ in batch]) if keep_swept else {}
    conn.executemany(
        "DELETE FROM ticket_clock WHERE ticket_id = ?", [(ticket_id,) for ticket_id, _ in batch]
    )
    rows = [
        _clock_row(ticket_id, clock, swept.get((ticket_id, clock.name), 0))
        for ticket_id, clocks in batch
        for clock in clocks
    ]
    conn.executemany(CLOCK_INSERT, rows)


def _swept_cycles(conn: sqlite3.Connection, ticket_ids: list[str]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = (
            "SELECT ticket_id, name, swept_cycle FROM ticket_clock "
            f"WHERE swept_cycle > 0 AND ticket_id IN ({marks})"
        )
        for ticket_id, name, cycle in conn.execute(sql, chunk):
            found[ticket_id, name] = cycle
    return found


def _clock_row(ticket_id: str, clock: ClockState, swept_cycle: int) -> tuple[object, ...]:
    due = clock.due
    # The sweep looks for breaches by time: a running clock breaches at its due instant.
    breach = clock.breached_at if clock.phase is not Phase.RUNNING else due
    return (
        ticket_id,
        clock.name,
        clock.cycle,
        clock.phase.value,
        clock.rule.calendar,
        clock.rule.target,
        clock.used,
        clock.started_at,
        due,
        clock.warn_at,
        clock.stopped_at,
        breach,
        min(swept_cycle, clock.cycle),
    )


# -- every open ticket ----------------------------------------------------------------------------


def recompute_chunk(
    conn: sqlite3.Connection,
    policy: SlaPolicy,
    now: int,
    after: str = "",
    size: int = 2000,
    *,
    reset_swept: bool = False,
) -> tuple[int, str | None]:
    """Recompute the clocks and queue columns of up to `size` open tickets whose ids follow
    `after` (in id order); returns (how many, the last id, or None when there were none left).

    The caller runs each chunk in its own short transaction, so a million tickets never hold
    the store's write lock for long. `reset_swept` lets the sweep see old breaches again (a
    changed escalation ladder may have steps for them).
    """
    facts_rows = conn.execute(
        f"SELECT {FACTS_COLUMNS} {FACTS_FROM} WHERE t.id > ? AND t.status IN {OPEN_SQL} "
        "ORDER BY t.id LIMIT ?",
        (after, size),
    ).fetchall()
    if not facts_rows:
        return 0, None
    ids = [str(row[0]) for row in facts_rows]
    event_rows = conn.execute(
        "SELECT ticket_id, kind, at, data_json FROM ticket_event "
        f"WHERE ticket_id IN ({', '.join('?' * len(ids))}) ORDER BY ticket_id, at, pk",
        ids,
    )
    timelines = {
        ticket_id: happenings_from_rows(r[1:] for r in rows)
        for ticket_id, rows in itertools.groupby(event_rows, key=lambda r: r[0])
    }
    pending = [
        (str(row[0]), ticket_clocks(policy, facts_of(row), timelines.get(row[0], []), now))
        for row in facts_rows
    ]
    write_clocks(conn, pending, keep_swept=not reset_swept)
    conn.executemany(
        TICKET_UPDATE,
        [(*deadline_of(clocks, True).columns(), ticket_id) for ticket_id, clocks in pending],
    )
    return len(pending), ids[-1]


# -- the escalation sweep's bookkeeping -----------------------------------------------------------


def unswept_breaches(conn: sqlite3.Connection, now: int, limit: int) -> list[str]:
    """Tickets with a clock breached by `now` that the sweep has not handled, latest breach
    first: a fresh breach is news to the agent, an old backlog drains behind it. Read in index
    order and stopped at `limit` tickets, so a large backlog costs no more than a small one."""
    rows = conn.execute(
        "SELECT ticket_id FROM ticket_clock INDEXED BY ix_ticket_clock_unswept "
        "WHERE breach_epoch IS NOT NULL AND swept_cycle < cycle AND breach_epoch <= ? "
        "ORDER BY breach_epoch DESC",
        (now,),
    )
    tickets: dict[str, None] = {}
    for (ticket_id,) in rows:
        tickets[ticket_id] = None
        if len(tickets) >= limit:
            break
    return list(tickets)


def fired_keys(conn: sqlite3.Connection, ticket_id: str) -> set[str]:
    rows = conn.execute("SELECT fire_key FROM escalation_fired WHERE ticket_id = ?", (ticket_id,))
    return {r[0] for r in rows}


def mark_fired(conn: sqlite3.Connection, ticket_id: str, key: str, at: str) -> bool:
    """Record a step as fired; False when it already was (the unique index decides)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO escalation_fired (ticket_id, fire_key, at) VALUES (?, ?, ?)",
        (ticket_id, key, at),
    )
    return cur.rowcount == 1


def mark_swept(conn: sqlite3.Connection, ticket_id: str, now: int) -> None:
    conn.execute(
        "UPDATE ticket_clock SET swept_cycle = cycle "
        "WHERE ticket_id = ? AND breach_epoch IS NOT NULL AND breach_epoch <= ?",
        (ticket_id, now),
    )
