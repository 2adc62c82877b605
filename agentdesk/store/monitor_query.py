"""The supervisor monitor's read path: one refresh's figures, and the tickets behind each figure.

`gather` is what one refresh reads (benchmarks/monitor.py times it): the floor per team and
agent from the open-tickets index (migration 0013), the lists nearest their deadline, and the
quality measures from the same sums and functions as `agentdesk report kpi`
(agentdesk.store.metrics_query), so the two show the same numbers by construction.

A figure and its drill-down share one where-clause (`Drill.where`), so the tickets listed
behind a figure are exactly the ones it counts. "At risk" and "breached" are the queue's
(agentdesk.store.queue_query). Plain sqlite3, as the queue.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from agentdesk.domain.deadlines import NO_DEADLINE_SORT, PAUSED_SORT
from agentdesk.domain.metrics import (
    GroupBy,
    Measures,
    ParetoRow,
    Period,
    QualityPolicy,
    Tally,
    local_day,
    measures,
    pareto,
)
from agentdesk.domain.qa import Scorecard
from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store import metrics_query, qa_store
from agentdesk.store.queue_query import PAGE_SIZE, ROW_COLUMNS, QueueRow

LIST_LIMIT = 30  # rows of each list on the board (the tiles count them all)
DRILL_LIMIT = 1000  # tickets a drill-down lists (nearest deadline first; the total is counted)
DEFAULT_DAYS = 7
EVERY_TEAM = None
NO_TEAM = ""
# Inlined, not bound: SQLite uses a partial index only when the query's terms imply its WHERE.
OPEN = f"t.due_sort < {NO_DEADLINE_SORT}"


class Figure(StrEnum):
    OPEN = "open"
    UNASSIGNED = "unassigned"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    ESCALATED = "escalated"
    AGENT = "agent"  # open tickets assigned to an agent
    CAUSE = "cause"  # finished complaints of the period with a root cause
    INCIDENT = "incident"  # tickets linked to an incident
    KPI = "kpi"  # the tickets of the period a KPI is measured over (key: the KPI)


# Each KPI's tickets among those created in the period, from their quality facts
# (ticket_quality, as the measures count them; docs/metrics.md).
KPI_TICKETS = {
    "monitor.kpi_csat": "csat IS NOT NULL",
    "monitor.kpi_fcr": "resolved = 1",
    "monitor.kpi_first_response": "first_response_s IS NOT NULL",
    "monitor.kpi_first_response_p90": "first_response_s IS NOT NULL",
    "monitor.kpi_handling": "handling_s IS NOT NULL",
    "monitor.kpi_sla": "clocks_json <> '{}'",
    "monitor.kpi_complaints": "1",  # and the ticket is a complaint (below)
    "monitor.kpi_escalations": "escalated = 1",
    "monitor.kpi_reopens": "reopened = 1",
    "monitor.kpi_tickets": "1",
    "monitor.kpi_backlog": "is_open = 1",
}


TILE_FIGURES = (Figure.OPEN, Figure.UNASSIGNED, Figure.AT_RISK, Figure.BREACHED)


@dataclass(frozen=True)
class Drill:
    """The tickets behind one figure: which figure, of which team (None: every team, "": no
    team), and its key (the agent, the root cause, the incident)."""

    figure: Figure
    team_id: str | None = EVERY_TEAM
    key: str = ""

    def where(self, now: int, period: Period) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        f = self.figure
        if f is Figure.OPEN:
            clauses.append(OPEN)
        elif f is Figure.UNASSIGNED:
            clauses.append(f"{OPEN} AND t.assignee_id IS NULL")
        elif f is Figure.AT_RISK:
            clauses.append("t.due_sort > ? AND t.due_sort < ? AND t.warn_sort <= ?")
            params += [now, PAUSED_SORT, now]
        elif f is Figure.BREACHED:
            clauses.append("t.due_sort <= ?")
            params.append(now)
        elif f is Figure.ESCALATED:
            clauses.append(f"{OPEN} AND t.escalation_level > 0")
        elif f is Figure.AGENT:
            clauses.append(f"{OPEN} AND t.assignee_id = ?")
            params.append(self.key)
        elif f is Figure.CAUSE:
            clauses.append(
                "t.pk IN (SELECT pk FROM ticket_quality "
                "WHERE root_cause = ? AND day >= ? AND day < ?)"
            )
            params += [self.key, period.since.isoformat(), period.until.isoformat()]
        elif f is Figure.KPI:
            which = KPI_TICKETS.get(self.key, "1")
            clauses.append(
                f"t.pk IN (SELECT pk FROM ticket_quality WHERE day >= ? AND day < ? AND {which})"
            )
            params += [period.since.isoformat(), period.until.isoformat()]
            if self.key == "monitor.kpi_complaints":
                clauses.append("t.category = 'complaint'")
        elif f is Figure.INCIDENT:
            clauses.append(
                "t.id IN (SELECT ticket_id FROM ticket_event "
                "INDEXED BY ix_ticket_event_incident_link WHERE kind = 'incident_link' "
                "AND json_extract(data_json, '$.incident_id') = ?)"
            )
            params.append(self.key)
        if self.team_id == NO_TEAM:
            clauses.append("t.team_id IS NULL")
        elif self.team_id is not None:
            clauses.append("t.team_id = ?")
            params.append(self.team_id)
        return " AND ".join(clauses), params


def drill_rows(
    conn: sqlite3.Connection, drill: Drill, now: int, period: Period, limit: int = DRILL_LIMIT
) -> list[QueueRow]:
    """The tickets behind a figure, nearest deadline first (the queue's order)."""
    where, params = drill.where(now, period)
    sql = (
        f"SELECT {ROW_COLUMNS} FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id "
        f"WHERE {where} ORDER BY t.due_sort, t.pk LIMIT ?"
    )
    return [QueueRow(*r) for r in conn.execute(sql, (*params, limit))]


def drill_count(conn: sqlite3.Connection, drill: Drill, now: int, period: Period) -> int:
    where, params = drill.where(now, period)
    return int(conn.execute(f"SELECT count(*) FROM ticket t WHERE {where}", params).fetchone()[0])


@dataclass
class RowList:
    """A drill-down's rows for the queue's ticket list (it reads rows by position)."""

    rows: list[QueueRow]
    page_size: int = PAGE_SIZE
    total: int | None = None

    def row(self, position: int) -> QueueRow | None:
        return self.rows[position] if 0 <= position < len(self.rows) else None


# -- one refresh --------------------------------------------------------------------------------


@dataclass
class TeamFigures:
    team_id: str  # "" for tickets of no team
    open: int = 0
    unassigned: int = 0
    at_risk: int = 0
    breached: int = 0

    def figure(self, which: Figure) -> int:
        return int(getattr(self, which.value))


@dataclass(frozen=True)
class AgentLine:
    agent_id: str
    assigned: int  # open tickets assigned now
    handled_today: int  # resolved since local midnight (and not reopened since)
    fcr: float | None  # over the period, as `report kpi --by agent`
    csat: float | None
    csat_count: int
    qa: float | None = None  # the QA scorecard's overall average (R8), None while unscored
    qa_scored: int = 0


@dataclass(frozen=True)
class IncidentLine:
    id: str
    title: str
    opened_at: str
    tickets: int


@dataclass(frozen=True)
class MonitorData:
    now: int  # epoch seconds the data is as of
    period: Period
    teams: list[TeamFigures]
    escalated_total: int
    at_risk: list[QueueRow]
    breached: list[QueueRow]
    escalated: list[QueueRow]
    agents: list[AgentLine]
    kpi: Measures
    trend: list[tuple[str, Measures]]  # (local day, its measures), every day of the period
    causes: list[ParetoRow]
    incidents: list[IncidentLine] = field(default_factory=list)

    @property
    def total(self) -> TeamFigures:
        every = TeamFigures(team_id="*")
        for team in self.teams:
            for f in TILE_FIGURES:
                setattr(every, f.value, every.figure(f) + team.figure(f))
        return every


def last_days(now: int, zone: str, days: int = DEFAULT_DAYS) -> Period:
    """The `days` local days up to and including today."""
    today = date.fromisoformat(local_day(now, zone))
    return Period(today - timedelta(days=days - 1), today + timedelta(days=1))


def gather(
    conn: sqlite3.Connection,
    policy: SlaPolicy,
    quality: QualityPolicy,
    now: int,
    period: Period,
) -> MonitorData:
    """Everything one monitor refresh shows, as of `now` (brings the quality facts up to date
    first, as a report does: the usual case finds nothing to do)."""
    metrics_query.refresh(conn, policy, quality, now)
    teams, assigned, escalated_total = _floor(conn, now)
    scope = metrics_query.Scope(period)
    order = policy.clock_names()
    kpi, trend = period_measures(conn, scope, now, order)
    return MonitorData(
        now=now,
        period=period,
        teams=teams,
        escalated_total=escalated_total,
        at_risk=drill_rows(conn, Drill(Figure.AT_RISK), now, period, LIST_LIMIT),
        breached=drill_rows(conn, Drill(Figure.BREACHED), now, period, LIST_LIMIT),
        escalated=drill_rows(conn, Drill(Figure.ESCALATED), now, period, LIST_LIMIT),
        agents=_agents(conn, scope, assigned, now, quality.zone, order),
        kpi=kpi,
        trend=trend,
        causes=pareto(metrics_query.cause_counts(conn, scope)),
        incidents=open_incidents(conn),
    )


def _floor(conn: sqlite3.Connection, now: int) -> tuple[list[TeamFigures], dict[str, int], int]:
    """Per team: open, unassigned, at risk, breached; per agent: open assigned; escalated open.
    One pass over the open-tickets index (no ticket row is read)."""
    sql = (
        "SELECT t.team_id, t.assignee_id, count(*), "
        "sum(t.due_sort > ? AND t.due_sort < ? AND t.warn_sort <= ?), "
        "sum(t.due_sort <= ?), sum(t.escalation_level > 0) "
        f"FROM ticket t INDEXED BY ix_ticket_monitor_open WHERE {OPEN} GROUP BY 1, 2"
    )
    by_team = {
        team_id: TeamFigures(team_id)
        for (team_id,) in conn.execute("SELECT id FROM team ORDER BY code")
    }
    assigned: dict[str, int] = {}
    escalated = 0
    for team_id, agent_id, n, at_risk, breached, raised in conn.execute(
        sql, (now, PAUSED_SORT, now, now)
    ):
        team = by_team.setdefault(team_id or NO_TEAM, TeamFigures(team_id or NO_TEAM))
        team.open += n
        team.unassigned += n if agent_id is None else 0
        team.at_risk += at_risk
        team.breached += breached
        escalated += raised
        if agent_id is not None:
            assigned[agent_id] = assigned.get(agent_id, 0) + n
    return list(by_team.values()), assigned, escalated


def period_measures(
    conn: sqlite3.Connection, scope: metrics_query.Scope, now: int, order: list[str]
) -> tuple[Measures, list[tuple[str, Measures]]]:
    """The period's measures in total (what `report kpi` prints as its total: the same sums,
    merged, and the same `measures`) and per day of the period, empty days included."""
    days = metrics_query.kpi_tallies(conn, scope, GroupBy.DAY)
    total = Tally()
    for tally in days.values():
        total.merge(tally)
    trend = []
    day = scope.period.since
    while day < scope.period.until:
        key = day.isoformat()
        trend.append((key, measures(days.get(key, Tally()), now, order)))
        day += timedelta(days=1)
    return measures(total, now, order), trend


def _agents(
    conn: sqlite3.Connection,
    scope: metrics_query.Scope,
    assigned: dict[str, int],
    now: int,
    zone: str,
    order: list[str],
) -> list[AgentLine]:
    """Every active agent and lead, and anyone holding open tickets; most loaded first."""
    handled = handled_since(conn, midnight(now, zone))
    tallies = metrics_query.kpi_tallies(conn, scope, GroupBy.AGENT)
    cards = qa_store.scorecards(conn)
    ids = {
        r[0]
        for r in conn.execute("SELECT id FROM agent WHERE active AND role IN ('agent', 'lead')")
    }
    ids |= set(assigned)
    lines = []
    for agent_id in ids:
        m = measures(tallies.get(agent_id, Tally()), now, order)
        lines.append(
            AgentLine(
                agent_id,
                assigned.get(agent_id, 0),
                handled.get(agent_id, 0),
                m.fcr,
                m.csat,
                m.csat_count,
                *_qa(cards.get(agent_id)),
            )
        )
    lines.sort(key=lambda a: (-a.assigned, -a.handled_today, a.agent_id))
    return lines


def midnight(now: int, zone: str) -> str:
    """Local midnight of `now`'s day, as the store writes instants (UTC ISO 8601)."""
    day = date.fromisoformat(local_day(now, zone))
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return start.astimezone(UTC).isoformat()


def handled_since(conn: sqlite3.Connection, since: str) -> dict[str, int]:
    """Tickets resolved at or after `since` (still resolved or closed), per assignee."""
    sql = (
        "SELECT assignee_id, count(*) FROM ticket INDEXED BY ix_ticket_resolved "
        "WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND assignee_id IS NOT NULL "
        "GROUP BY assignee_id"
    )
    return {str(a): int(n) for a, n in conn.execute(sql, (since,))}


def open_incidents(conn: sqlite3.Connection) -> list[IncidentLine]:
    """Open major incidents, newest first, with how many tickets each links."""
    rows = conn.execute(
        "SELECT id, title, opened_at FROM incident WHERE status = 'open' ORDER BY opened_at DESC"
    ).fetchall()
    lines = []
    for incident_id, title, opened_at in rows:
        drill = Drill(Figure.INCIDENT, key=incident_id)
        where, params = drill.where(0, Period(date.min, date.max))
        n = conn.execute(f"SELECT count(*) FROM ticket t WHERE {where}", params).fetchone()[0]
        lines.append(IncidentLine(incident_id, title, opened_at, int(n)))
    return lines


def _qa(card: Scorecard | None) -> tuple[float | None, int]:
    return (None, 0) if card is None else (card.overall, card.scored)
