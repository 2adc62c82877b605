"""The quality measures' facts in the local store: keeping them current, and summing them.

`refresh` derives the facts (agentdesk.domain.metrics.ticket_quality) of every ticket that has
none, whose row changed (the triggers of migration 0011 list it in quality_dirty) or whose
running clock has breached since; then rewrites the sums of the cells those tickets are in.
Each chunk is one transaction: a kill leaves facts and sums that agree.

`kpi_tallies` and `cause_counts` read only the cells' sums, so a report over a million tickets
reads a few thousand rows.

Plain sqlite3 on the caller's connection, as agentdesk.store.clock_store.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from agentdesk.domain.clocks import epoch, happenings_from_rows, ticket_clocks
from agentdesk.domain.metrics import (
    SUMMED,
    ClockOutcome,
    ClockTally,
    Entry,
    GroupBy,
    Period,
    QualityPolicy,
    Tally,
    TicketQuality,
    TicketRow,
    tally_of,
    ticket_quality,
)
from agentdesk.domain.model import EventKind
from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store.clock_store import facts_of

CHUNK = 2000
CellKey = tuple[str, str, str, str]  # day, team_id, agent_id, category
CELL_KEY = "day, team_id, agent_id, category"
CELL_MATCH = "day = ? AND team_id = ? AND agent_id = ? AND category = ?"

TICKETS_SQL = (
    "SELECT t.pk, t.id, t.category, t.priority, t.channel, t.complaint_level, t.status, "
    "COALESCE(c.tier, 'standard'), t.team_id, t.assignee_id, t.created_at, "
    "t.escalation_level, t.root_cause "
    "FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id WHERE t.pk IN ({marks})"
)
EVENTS_SQL = (
    "SELECT ticket_id, kind, at, data_json FROM ticket_event "
    "WHERE ticket_id IN ({marks}) ORDER BY ticket_id, at, pk"
)
FACT_COLUMNS = (
    "pk, day, team_id, agent_id, category, created_epoch, is_open, resolved, first_contact, "
    "reopened, transferred, escalated, first_response_s, handling_s, csat, root_cause, "
    "clocks_json, recheck_epoch"
)
FACT_INSERT = (
    f"INSERT OR REPLACE INTO ticket_quality ({FACT_COLUMNS}) "
    f"VALUES ({', '.join('?' * len(FACT_COLUMNS.split(',')))})"
)
# the kinds whose data the measures read (status moves, reply direction, follow-up scores)
_READS_DATA = frozenset(
    {EventKind.STATUS_CHANGE.value, EventKind.REPLY.value, EventKind.FOLLOW_UP_RESULT.value}
)


# -- keeping the facts current ------------------------------------------------------------------


def refresh(
    conn: sqlite3.Connection,
    policy: SlaPolicy,
    quality: QualityPolicy,
    now: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Bring every ticket's facts and every cell up to date as of `now`; returns how many
    tickets were derived (0 when nothing had changed: the usual case, and cheap)."""
    _check_fingerprint(conn, quality)
    done = 0
    for pks in _stale_chunks(conn, now):
        with conn:
            derive_tickets(conn, pks, policy, quality, now)
        done += len(pks)
        if progress is not None:
            progress(done)
    return done


def _check_fingerprint(conn: sqlite3.Connection, quality: QualityPolicy) -> None:
    """Facts made under other measure clocks or another zone are all derived again."""
    row = conn.execute("SELECT fingerprint FROM quality_state WHERE id = 1").fetchone()
    if row is not None and row[0] == quality.fingerprint:
        return
    with conn:
        for table in ("ticket_quality", "quality_dirty", *CELL_TABLES):
            conn.execute(f"DELETE FROM {table}")
        conn.execute(
            "INSERT OR REPLACE INTO quality_state (id, fingerprint) VALUES (1, ?)",
            (quality.fingerprint,),
        )


def _stale_chunks(conn: sqlite3.Connection, now: int) -> Iterator[list[int]]:
    """Tickets whose facts are missing, marked dirty or due a recheck, a chunk at a time."""
    for query in (_dirty, _rechecks, _missing):
        while chunk := query(conn, now):
            yield chunk


def _dirty(conn: sqlite3.Connection, _now: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT pk FROM quality_dirty LIMIT ?", (CHUNK,))]


def _rechecks(conn: sqlite3.Connection, now: int) -> list[int]:
    sql = (
        "SELECT pk FROM ticket_quality INDEXED BY ix_ticket_quality_recheck "
        "WHERE recheck_epoch IS NOT NULL AND recheck_epoch <= ? LIMIT ?"
    )
    return [r[0] for r in conn.execute(sql, (now, CHUNK))]


def _missing(conn: sqlite3.Connection, _now: int) -> list[int]:
    """Tickets with no facts, or facts with no ticket (deriving those removes them). Counting
    both tables first keeps the usual case (none) cheap."""
    tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    derived = conn.execute("SELECT count(*) FROM ticket_quality").fetchone()[0]
    if tickets == derived:
        return []
    sql = (
        "SELECT t.pk FROM ticket t WHERE NOT EXISTS "
        "(SELECT 1 FROM ticket_quality q WHERE q.pk = t.pk) ORDER BY t.pk LIMIT ?"
    )
    found = [r[0] for r in conn.execute(sql, (CHUNK,))]
    if found:
        return found
    orphans = (
        "SELECT q.pk FROM ticket_quality q WHERE NOT EXISTS "
        "(SELECT 1 FROM ticket t WHERE t.pk = q.pk) LIMIT ?"
    )
    return [r[0] for r in conn.execute(orphans, (CHUNK,))]


def derive_tickets(
    conn: sqlite3.Connection,
    pks: Sequence[int],
    policy: SlaPolicy,
    quality: QualityPolicy,
    now: int,
) -> None:
    """Derive these tickets' facts and rewrite the cells they were and are in (caller commits)."""
    marks = ", ".join("?" * len(pks))
    touched = _cells_of(conn, pks)
    rows = conn.execute(TICKETS_SQL.format(marks=marks), list(pks)).fetchall()
    timelines = _timelines(conn, [str(r[1]) for r in rows])
    facts = [
        (int(r[0]), _derive(r, timelines.get(str(r[1]), []), policy, quality, now)) for r in rows
    ]
    gone = set(pks) - {pk for pk, _ in facts}
    conn.executemany("DELETE FROM ticket_quality WHERE pk = ?", [(pk,) for pk in gone])
    conn.executemany(FACT_INSERT, [_fact_row(pk, q) for pk, q in facts])
    conn.executemany("DELETE FROM quality_dirty WHERE pk = ?", [(pk,) for pk in pks])
    touched |= {_cell_of(q) for _, q in facts}
    rewrite_cells(conn, touched)


def list_changed(conn: sqlite3.Connection, pks: Iterable[int]) -> None:
    """List these tickets for their facts: their timeline changed (a changed ticket row lists
    itself, by trigger). In the caller's transaction."""
    conn.executemany("INSERT OR IGNORE INTO quality_dirty (pk) VALUES (?)", [(pk,) for pk in pks])


def _timelines(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    if not ids:
        return {}
    rows = conn.execute(EVENTS_SQL.format(marks=", ".join("?" * len(ids))), ids)
    return {
        ticket_id: [(r[1], r[2], r[3]) for r in group]
        for ticket_id, group in itertools.groupby(rows, key=lambda r: r[0])
    }


def _derive(
    row: Sequence[object],
    timeline: list[tuple[str, str, str]],
    policy: SlaPolicy,
    quality: QualityPolicy,
    now: int,
) -> TicketQuality:
    happenings = happenings_from_rows(timeline)
    clocks = ticket_clocks(policy, facts_of(row[1:8]), happenings, now)
    ticket = TicketRow(
        created_at=epoch(str(row[10])),
        team_id=_text(row[8]),
        assignee_id=_text(row[9]),
        category=str(row[2]),
        status=str(row[6]),
        escalation_level=int(row[11] or 0),  # type: ignore[call-overload]
        root_cause=_text(row[12]),
    )
    entries = [_entry(kind, at, data) for kind, at, data in timeline]
    return ticket_quality(ticket, entries, happenings, clocks, quality, now)


def _entry(kind: str, at: str, data_json: str) -> Entry:
    reads = kind in _READS_DATA and data_json not in ("", "{}")
    data = json.loads(data_json) if reads else {}
    return Entry(kind, epoch(at), data if isinstance(data, dict) else {})


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _fact_row(pk: int, q: TicketQuality) -> tuple[object, ...]:
    clocks = json.dumps({name: o.value for name, o in sorted(q.clocks.items())})
    return (
        pk, q.day, q.team_id, q.agent_id, q.category, q.created_at, q.is_open, q.resolved,
        q.first_contact, q.reopened, q.transferred, q.escalated, q.first_response_s,
        q.handling_s, q.csat, q.root_cause, clocks, q.recheck_at,
    )  # fmt: skip


def _fact_of(row: Sequence[object]) -> TicketQuality:
    """A ticket_quality row (FACT_COLUMNS order) back into facts."""
    clocks = {name: ClockOutcome(o) for name, o in json.loads(str(row[16])).items()}
    return TicketQuality(
        day=str(row[1]),
        team_id=str(row[2]),
        agent_id=str(row[3]),
        category=str(row[4]),
        created_at=int(row[5]),  # type: ignore[call-overload]
        is_open=bool(row[6]),
        resolved=bool(row[7]),
        first_contact=bool(row[8]),
        reopened=bool(row[9]),
        transferred=bool(row[10]),
        escalated=bool(row[11]),
        first_response_s=row[12],  # type: ignore[arg-type]
        handling_s=row[13],  # type: ignore[arg-type]
        csat=row[14],  # type: ignore[arg-type]
        root_cause=_text(row[15]),
        clocks=clocks,
        recheck_at=row[17],  # type: ignore[arg-type]
    )


def _cell_of(q: TicketQuality) -> CellKey:
    return q.day, q.team_id, q.agent_id, q.category


def _cells_of(conn: sqlite3.Connection, pks: Sequence[int]) -> set[CellKey]:
    sql = f"SELECT {CELL_KEY} FROM ticket_quality WHERE pk IN ({', '.join('?' * len(pks))})"
    return {tuple(r) for r in conn.execute(sql, list(pks))}


# -- the cells: sums per day, team, agent and category ------------------------------------------

CELL_TABLES = (
    "quality_cell", "quality_cell_clock", "quality_cell_response", "quality_cell_cause",
    "quality_day_response",
)  # fmt: skip
CELL_INSERT = (
    f"INSERT INTO quality_cell ({CELL_KEY}, {', '.join(SUMMED)}, open_created_min) "
    f"VALUES ({', '.join('?' * (5 + len(SUMMED)))})"
)


def rewrite_cells(conn: sqlite3.Connection, cells: Iterable[CellKey]) -> None:
    """Sum each cell again from its tickets' facts (an emptied cell is removed), then the
    first-response histograms of their days and teams from the cells'."""
    days: set[tuple[str, str]] = set()
    for key in cells:
        for table in CELL_TABLES[:-1]:
            conn.execute(f"DELETE FROM {table} WHERE {CELL_MATCH}", key)
        rows = conn.execute(
            f"SELECT {FACT_COLUMNS} FROM ticket_quality INDEXED BY ix_ticket_quality_cell "
            f"WHERE {CELL_MATCH}",
            key,
        )
        tally = tally_of(_fact_of(r) for r in rows)
        if tally.tickets:
            _write_cell(conn, key, tally)
        days.add((key[0], key[1]))
    for day, team_id in days:
        _rewrite_day_responses(conn, day, team_id)


def _rewrite_day_responses(conn: sqlite3.Connection, day: str, team_id: str) -> None:
    match = "day = ? AND team_id = ?"
    conn.execute(f"DELETE FROM quality_day_response WHERE {match}", (day, team_id))
    conn.execute(
        "INSERT INTO quality_day_response (day, team_id, bucket, n) "
        f"SELECT day, team_id, bucket, SUM(n) FROM quality_cell_response WHERE {match} "
        "GROUP BY bucket",
        (day, team_id),
    )


def _write_cell(conn: sqlite3.Connection, key: CellKey, tally: Tally) -> None:
    sums = [getattr(tally, name) for name in SUMMED]
    conn.execute(CELL_INSERT, (*key, *sums, tally.open_created_min))
    conn.executemany(
        f"INSERT INTO quality_cell_clock ({CELL_KEY}, clock, met, missed) VALUES (?,?,?,?,?,?,?)",
        [(*key, name, c.met, c.missed) for name, c in tally.clocks.items()],
    )
    conn.executemany(
        f"INSERT INTO quality_cell_response ({CELL_KEY}, bucket, n) VALUES (?,?,?,?,?,?)",
        [(*key, bucket, n) for bucket, n in tally.responses.items()],
    )
    conn.executemany(
        f"INSERT INTO quality_cell_cause ({CELL_KEY}, cause, n) VALUES (?,?,?,?,?,?)",
        [(*key, cause, n) for cause, n in tally.causes.items()],
    )


# -- reading the sums ---------------------------------------------------------------------------

_GROUP_COLUMN = {
    GroupBy.ALL: "''",
    GroupBy.AGENT: "agent_id",
    GroupBy.TEAM: "team_id",
    GroupBy.CATEGORY: "category",
    GroupBy.DAY: "day",
    GroupBy.WEEK: "day",  # weeks and months are made of days in Python
    GroupBy.MONTH: "day",
}


@dataclass(frozen=True)
class Scope:
    """Which cells a report reads: local creation days [since, until), optionally one team."""

    period: Period
    team_id: str | None = None

    def where(self) -> tuple[str, list[object]]:
        sql = "day >= ? AND day < ?"
        args: list[object] = [self.period.since.isoformat(), self.period.until.isoformat()]
        if self.team_id is not None:
            sql += " AND team_id = ?"
            args.append(self.team_id)
        return sql, args


def kpi_tallies(conn: sqlite3.Connection, scope: Scope, by: GroupBy) -> dict[str, Tally]:
    """One tally per group (key: agent id, team id, category, day; "" for "all")."""
    column = _GROUP_COLUMN[by]
    where, args = scope.where()
    tallies: dict[str, Tally] = {}
    sums = ", ".join(f"SUM({name})" for name in SUMMED)
    sql = (
        f"SELECT {column}, {sums}, MIN(open_created_min) FROM quality_cell WHERE {where} GROUP BY 1"
    )
    for row in conn.execute(sql, args):
        tally = tallies.setdefault(str(row[0]), Tally())
        for name, value in zip(SUMMED, row[1:-1], strict=True):
            setattr(tally, name, value)
        tally.open_created_min = row[-1]
    _add_clocks(conn, tallies, column, where, args)
    _add_responses(conn, tallies, column, where, args)
    return tallies


def _add_clocks(
    conn: sqlite3.Connection, tallies: dict[str, Tally], column: str, where: str, args: list[object]
) -> None:
    sql = (
        f"SELECT {column}, clock, SUM(met), SUM(missed) FROM quality_cell_clock "
        f"WHERE {where} GROUP BY 1, 2"
    )
    for key, clock, met, missed in conn.execute(sql, args):
        tallies[str(key)].clocks[clock] = ClockTally(met, missed)


def _add_responses(
    conn: sqlite3.Connection, tallies: dict[str, Tally], column: str, where: str, args: list[object]
) -> None:
    # reports by team or period read the histogram per day and team: far fewer rows
    fine = column in ("agent_id", "category")
    table = "quality_cell_response" if fine else "quality_day_response"
    sql = f"SELECT {column}, bucket, SUM(n) FROM {table} WHERE {where} GROUP BY 1, 2"
    for key, bucket, n in conn.execute(sql, args):
        tallies[str(key)].responses[bucket] = n


def cause_counts(conn: sqlite3.Connection, scope: Scope) -> Counter[str]:
    """Finished complaints per root cause (R9)."""
    where, args = scope.where()
    sql = f"SELECT cause, SUM(n) FROM quality_cell_cause WHERE {where} GROUP BY cause"
    return Counter({cause: n for cause, n in conn.execute(sql, args)})
