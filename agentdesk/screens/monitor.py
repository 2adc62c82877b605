"""The supervisor monitor (`agentdesk monitor`): the floor per team, the at-risk, breached and
escalated lists with live countdowns, the agent board, the period's KPIs against their targets
with a trend per day, the top root causes (Pareto) and the open incidents.

Read-only by construction: the screen has no write binding at all, and the app it runs in
refuses every write (AgentDeskApp.can_write is False in monitor mode: the ticket view it opens
reads only, with no composer and no reveal). The data is gathered in a thread worker on a
schedule that re-arms only when the previous refresh has finished, so two never overlap;
countdowns and the data's age are computed from the injected clock on every tick.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from agentdesk.domain.metrics import Measures, QualityPolicy, QualityTargets
from agentdesk.i18n import label, t
from agentdesk.store import database
from agentdesk.store.monitor_query import (
    EVERY_TEAM,
    NO_TEAM,
    TILE_FIGURES,
    Drill,
    Figure,
    MonitorData,
    RowList,
    TeamFigures,
    drill_count,
    drill_rows,
    gather,
    last_days,
)
from agentdesk.store.queue_query import QueueRow
from agentdesk.widgets.board_table import BoardTable, sparkline
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.ticket_list import TicketList, countdown_of, fit, header_line
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.console import MonitorOptions
    from agentdesk.store.repository import Repository

NO_VALUE = "—"
ALL_KEY, NO_TEAM_KEY = "*", "-"  # row keys of the tiles' total and of tickets of no team
LISTS = ("at-risk", "breached", "escalated")
TREND_CELLS = 28  # the KPI trend's width: each day gets an equal share


def percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    from agentdesk.domain.deadlines import format_duration

    return NO_VALUE if seconds is None else format_duration(round(seconds))


@dataclass(frozen=True)
class Kpi:
    """A KPI line: its name, its value (for the trend and the target), how it reads, its target
    and whether higher is better."""

    key: str
    value: Callable[[Measures], float | None]
    shown: Callable[[Measures], str]
    target: Callable[[QualityTargets], float] | None = None
    target_shown: Callable[[QualityTargets], str] = lambda _: ""
    higher_is_better: bool = True

    def met(self, m: Measures, targets: QualityTargets) -> bool | None:
        value = self.value(m)
        if self.target is None or value is None:
            return None
        goal = self.target(targets)
        return value >= goal if self.higher_is_better else value <= goal


KPIS = (
    Kpi(
        "monitor.kpi_csat",
        lambda m: m.csat,
        lambda m: NO_VALUE if m.csat is None else f"{m.csat:.2f} ({m.csat_count})",
        lambda g: g.csat,
        lambda g: f"≥ {g.csat:.1f}",
    ),
    Kpi(
        "monitor.kpi_fcr",
        lambda m: m.fcr,
        lambda m: percent(m.fcr),
        lambda g: g.fcr,
        lambda g: f"≥ {percent(g.fcr)}",
    ),
    Kpi(
        "monitor.kpi_first_response",
        lambda m: m.first_response_avg_s,
        lambda m: duration(m.first_response_avg_s),
        lambda g: g.first_response_s,
        lambda g: f"≤ {duration(g.first_response_s)}",
        higher_is_better=False,
    ),
    Kpi(
        "monitor.kpi_first_response_p90",
        lambda m: m.first_response_p90_s,
        lambda m: duration(m.first_response_p90_s),
    ),
    Kpi("monitor.kpi_handling", lambda m: m.handling_avg_s, lambda m: duration(m.handling_avg_s)),
    Kpi(
        "monitor.kpi_sla",
        lambda m: m.sla_overall,
        lambda m: percent(m.sla_overall),
        lambda g: g.sla_attainment,
        lambda g: f"≥ {percent(g.sla_attainment)}",
    ),
    Kpi("monitor.kpi_complaints", lambda m: m.complaint_rate, lambda m: percent(m.complaint_rate)),
    Kpi(
        "monitor.kpi_escalations", lambda m: m.escalation_rate, lambda m: percent(m.escalation_rate)
    ),
    Kpi("monitor.kpi_reopens", lambda m: m.reopen_rate, lambda m: percent(m.reopen_rate)),
    Kpi("monitor.kpi_tickets", lambda m: m.tickets, lambda m: str(m.tickets)),
    Kpi("monitor.kpi_backlog", lambda m: m.backlog, lambda m: str(m.backlog)),
)


class MonitorScreen(Screen[None]):
    """The live board. Enter on a tile, an agent, a root cause or an incident lists the
    tickets behind it; Enter on a ticket of a list opens it (read-only)."""

    BINDINGS = [
        Binding("r", "refresh_now", "monitor.key_refresh", id="monitor.refresh"),
    ]

    def __init__(self, options: MonitorOptions) -> None:
        super().__init__()
        translate_bindings(self)
        self.options = options
        self.data: MonitorData | None = None
        self.refreshes = 0  # refreshes shown so far (tests wait on it)
        self._refreshing = False
        self._again = False
        self._timer: object | None = None
        self._conn: sqlite3.Connection | None = None  # the refresh worker's (one at a time)
        self._quality: QualityPolicy | None = None
        # each list's rows and the countdown each shows: a tick repaints only what changed
        self._list_rows: dict[str, dict[str, tuple[QueueRow, tuple[str, str]]]] = {
            name: {} for name in LISTS
        }

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self.desk.incident_banner()
        yield Static(t("monitor.loading"), id="monitor-head", markup=False)
        with Horizontal(id="monitor-top"):
            with Vertical(id="monitor-floor"):
                yield BoardTable(t("monitor.teams"), cursor="cell", id="teams")
                yield BoardTable(t("monitor.incidents"), id="incidents")
            yield BoardTable(t("monitor.kpis"), id="kpis")
        with Horizontal(id="monitor-lists"):
            yield BoardTable(t("monitor.at_risk"), id="at-risk")
            yield BoardTable(t("monitor.breached"), id="breached")
        with Horizontal(id="monitor-bottom"):
            yield BoardTable(t("monitor.agents"), id="agents")
            yield BoardTable(t("monitor.causes"), id="causes")
            yield BoardTable(t("monitor.escalated"), id="escalated")
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self._add_columns()
        self.query_one("#teams", BoardTable).focus()
        self.set_interval(self.desk.context.tick_seconds, self.tick)
        self.request_refresh()

    def on_resize(self) -> None:
        if self.data is not None:  # the lists' subjects fit the new width
            for name in LISTS:
                self._show_list(name, [row for row, _ in self._list_rows[name].values()])

    def on_unmount(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _add_columns(self) -> None:
        teams = self.query_one("#teams", BoardTable)
        teams.add_column(t("monitor.col.team"), key="team")
        for figure in TILE_FIGURES:
            teams.add_column(t(f"monitor.col.{figure.value}"), key=figure.value)
        kpis = self.query_one("#kpis", BoardTable)
        for key in ("measure", "value", "target", "met", "trend"):
            kpis.add_column(t(f"monitor.col.{key}"), key=key)
        for name in LISTS:
            table = self.query_one(f"#{name}", BoardTable)
            for key in ("number", "due", "assignee", "subject"):
                table.add_column(t(f"monitor.col.{key}"), key=key)
        agents = self.query_one("#agents", BoardTable)
        for key in ("agent", "assigned", "handled_today", "fcr", "csat", "qa"):
            agents.add_column(t(f"monitor.col.{key}"), key=key)
        causes = self.query_one("#causes", BoardTable)
        for key in ("cause", "count", "share", "cumulative", "bar"):
            causes.add_column(t(f"monitor.col.{key}"), key=key)
        incidents = self.query_one("#incidents", BoardTable)
        for key in ("incident", "tickets", "opened"):
            incidents.add_column(t(f"monitor.col.{key}"), key=key)

    # -- refreshing: one at a time, re-armed when done --------------------------------------

    def action_refresh_now(self) -> None:
        self.request_refresh()

    def request_refresh(self) -> None:
        """A refresh now, or right after the one running (never two at once)."""
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        self._show_head()
        self._refresh_worker()

    @work(thread=True, exclusive=True, group="monitor-refresh", exit_on_error=False)
    def _refresh_worker(self) -> None:
        data = None
        try:
            data = self.gather_now()
        finally:
            self.app.call_from_thread(self._refreshed, data)

    def gather_now(self) -> MonitorData:
        """One refresh's data (in the worker thread)."""
        ctx = self.desk.context
        repo: Repository = ctx.repository()
        if self._quality is None:
            from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
            from agentdesk.io.quality_file import load_quality

            self._quality = load_quality(ctx.policy_dir or SHIPPED_POLICY_DIR)
        if self._conn is None:
            self._conn = database.connect(ctx.store_path)
        now = int(ctx.now().timestamp())
        period = last_days(now, self._quality.zone, self.options.days)
        return gather(self._conn, repo.policy, self._quality, now, period)

    def _refreshed(self, data: MonitorData | None) -> None:
        self._refreshing = False
        if data is not None:
            self.show(data)
        if self._again:
            self._again = False
            self.request_refresh()
            return
        self._show_head()
        if self._timer is not None:
            self._timer.stop()  # type: ignore[attr-defined]
        self._timer = self.set_timer(self.options.interval, self.request_refresh)

    # -- showing ----------------------------------------------------------------------------

    def show(self, data: MonitorData) -> None:
        self.data = data
        self.refreshes += 1
        self._show_teams(data)
        self._show_kpis(data)
        for name, rows in (
            ("at-risk", data.at_risk),
            ("breached", data.breached),
            ("escalated", data.escalated),
        ):
            self._show_list(name, rows)
        total = data.total
        self._subtitle("at-risk", total.at_risk, len(data.at_risk))
        self._subtitle("breached", total.breached, len(data.breached))
        self._subtitle("escalated", data.escalated_total, len(data.escalated))
        self._show_agents(data)
        self._show_causes(data)
        self._show_incidents(data)
        self._show_head()

    def _subtitle(self, name: str, total: int, shown: int) -> None:
        table = self.query_one(f"#{name}", BoardTable)
        table.border_subtitle = (
            t("monitor.shown_of", shown=shown, total=total) if total > shown else str(total)
        )

    def _show_head(self) -> None:
        ctx = self.desk.context
        parts = [t("monitor.title")]
        data = self.data
        if data is not None:
            period = data.period
            last = period.until - timedelta(days=1)
            parts.append(
                t("monitor.period", since=period.since, until=last, days=self.options.days)
            )
            at = datetime.fromtimestamp(data.now, ctx.zone).strftime("%H:%M:%S")
            parts.append(
                t("monitor.as_of", at=at, age=age_text(int(ctx.now().timestamp()) - data.now))
            )
        if self._refreshing:
            parts.append(t("monitor.refreshing"))
        self.query_one("#monitor-head", Static).update("  ·  ".join(parts))

    def _team_name(self, team_id: str) -> str:
        if team_id == NO_TEAM:
            return t("monitor.no_team")
        return self.desk.context.team_name(team_id)

    @staticmethod
    def _refill(table: BoardTable) -> tuple[int, int]:
        """Empty the table, keeping where its cursor was."""
        where = table.cursor_coordinate
        table.clear()
        return where.row, where.column

    @staticmethod
    def _restore(table: BoardTable, where: tuple[int, int]) -> None:
        if table.row_count:
            table.move_cursor(row=min(where[0], table.row_count - 1), column=where[1])

    def _show_teams(self, data: MonitorData) -> None:
        table = self.query_one("#teams", BoardTable)
        where = self._refill(table)
        for team in [*data.teams, data.total]:
            key = ALL_KEY if team.team_id == "*" else team.team_id or NO_TEAM_KEY
            name = t("monitor.all_teams") if key == ALL_KEY else self._team_name(team.team_id)
            table.add_row(table.styled(name, None), *self._tiles(table, team), key=key)
        self._restore(table, where)

    @staticmethod
    def _tiles(table: BoardTable, team: TeamFigures) -> list[Text]:
        states = {Figure.AT_RISK: "warning", Figure.BREACHED: "breached"}
        cells = []
        for figure in TILE_FIGURES:
            n = team.figure(figure)
            state = states.get(figure) if n else ("done" if figure in states else None)
            cells.append(table.styled(str(n).rjust(6), state))
        return cells

    def _show_kpis(self, data: MonitorData) -> None:
        table = self.query_one("#kpis", BoardTable)
        table.clear()
        targets = (self._quality or QualityPolicy()).targets
        days = [m for _, m in data.trend]
        for kpi in KPIS:
            met = kpi.met(data.kpi, targets)
            mark = NO_VALUE if met is None else ("✓" if met else "✗")
            state = None if met is None else ("hit" if met else "miss")
            table.add_row(
                t(kpi.key),
                table.styled(kpi.shown(data.kpi).rjust(10), state),
                kpi.target_shown(targets),
                table.styled(mark, state),
                sparkline([kpi.value(m) for m in days], TREND_CELLS),
                key=kpi.key,
            )

    def _show_list(self, name: str, rows: list[QueueRow]) -> None:
        table = self.query_one(f"#{name}", BoardTable)
        where = self._refill(table)
        now = int(self.desk.context.now().timestamp())
        shown: dict[str, tuple[QueueRow, tuple[str, str]]] = {}
        number_w = max((cell_len(r.number) for r in rows), default=8)
        # the subject takes what the number, countdown and agent leave (each cell pads 2)
        # (and a vertical scrollbar, 2 cells, once the rows overflow)
        spare = table.scrollable_content_region.width - number_w - 12 - 8 - 8 - 3
        subject_w = max(6, spare)
        for row in rows:
            text, state = countdown_of(row, now)
            table.add_row(
                row.number,
                table.styled(text, state),
                fit(self.desk.context.agent_name(row.assignee_id), 8),
                fit(row.subject, subject_w),
                key=row.id,
            )
            shown[row.id] = (row, (text, state))
        self._list_rows[name] = shown
        self._restore(table, where)

    def _show_agents(self, data: MonitorData) -> None:
        table = self.query_one("#agents", BoardTable)
        where = self._refill(table)
        targets = (self._quality or QualityPolicy()).targets
        for a in data.agents:
            fcr_state = None if a.fcr is None else ("hit" if a.fcr >= targets.fcr else "miss")
            csat = NO_VALUE if a.csat is None else f"{a.csat:.2f} ({a.csat_count})"
            csat_state = None if a.csat is None else ("hit" if a.csat >= targets.csat else "miss")
            table.add_row(
                fit(self.desk.context.agent_name(a.agent_id), 10),
                str(a.assigned).rjust(4),
                str(a.handled_today).rjust(4),
                table.styled(percent(a.fcr).rjust(6), fcr_state),
                table.styled(csat, csat_state),
                NO_VALUE if a.qa is None else f"{a.qa:.2f} ({a.qa_scored})",
                key=a.agent_id,
            )
        self._restore(table, where)

    def _show_causes(self, data: MonitorData) -> None:
        table = self.query_one("#causes", BoardTable)
        where = self._refill(table)
        for row in data.causes:
            table.add_row(
                fit(label("root_cause", row.cause), 14),
                str(row.count).rjust(5),
                percent(row.share).rjust(6),
                percent(row.cumulative).rjust(6),
                "█" * max(1, round(row.share * 8)),
                key=row.cause,
            )
        if not data.causes:
            table.add_row(t("monitor.no_causes"), "", "", "", "", key="")
        self._restore(table, where)

    def _show_incidents(self, data: MonitorData) -> None:
        table = self.query_one("#incidents", BoardTable)
        where = self._refill(table)
        zone = self.desk.context.zone
        for incident in data.incidents:
            opened = datetime.fromisoformat(incident.opened_at).astimezone(zone)
            table.add_row(
                fit(incident.title, 24),
                str(incident.tickets).rjust(4),
                opened.strftime("%m-%d %H:%M"),
                key=incident.id,
            )
        if not data.incidents:
            table.add_row(t("monitor.no_incidents"), "", "", key="")
        self._restore(table, where)

    def tick(self) -> None:
        """Countdowns and the data's age, from the injected clock (no query)."""
        now = int(self.desk.context.now().timestamp())
        for name in LISTS:
            table = self.query_one(f"#{name}", BoardTable)
            rows = self._list_rows[name]
            for row_id, (row, shown) in rows.items():
                text, state = countdown_of(row, now)
                if (text, state) != shown:
                    table.update_cell(row_id, "due", table.styled(text, state))
                    rows[row_id] = (row, (text, state))
        self._show_head()

    # -- drilling down ----------------------------------------------------------------------

    @on(DataTable.CellSelected, "#teams")
    def _tile_chosen(self, event: DataTable.CellSelected) -> None:
        key = event.cell_key.row_key.value or ALL_KEY
        column = event.cell_key.column_key.value or "open"
        figure = Figure(column) if column in {f.value for f in TILE_FIGURES} else Figure.OPEN
        team_id = EVERY_TEAM if key == ALL_KEY else NO_TEAM if key == NO_TEAM_KEY else key
        team = t("monitor.all_teams") if team_id is None else self._team_name(team_id)
        title = t("monitor.drill_team", team=team, figure=t(f"monitor.col.{figure.value}"))
        self.drill(Drill(figure, team_id), title)

    @on(DataTable.RowSelected, "#at-risk, #breached, #escalated")
    def _ticket_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.desk.open_ticket(event.row_key.value)

    @on(DataTable.RowSelected, "#kpis")
    def _kpi_chosen(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key:
            self.drill(Drill(Figure.KPI, key=key), t("monitor.drill_kpi", kpi=t(key)))

    @on(DataTable.RowSelected, "#agents")
    def _agent_chosen(self, event: DataTable.RowSelected) -> None:
        agent_id = event.row_key.value or ""
        name = self.desk.context.agent_name(agent_id)
        self.drill(Drill(Figure.AGENT, key=agent_id), t("monitor.drill_agent", agent=name))

    @on(DataTable.RowSelected, "#causes")
    def _cause_chosen(self, event: DataTable.RowSelected) -> None:
        cause = event.row_key.value
        if cause:
            title = t("monitor.drill_cause", cause=label("root_cause", cause))
            self.drill(Drill(Figure.CAUSE, key=cause), title)

    @on(DataTable.RowSelected, "#incidents")
    def _incident_chosen(self, event: DataTable.RowSelected) -> None:
        incident_id = event.row_key.value
        if incident_id and self.data is not None:
            found = [i for i in self.data.incidents if i.id == incident_id]
            title = t("monitor.drill_incident", title=found[0].title if found else incident_id)
            self.drill(Drill(Figure.INCIDENT, key=incident_id), title)

    def drill(self, drill: Drill, title: str) -> None:
        """The tickets behind a figure, as of the data shown (its instant and period)."""
        if self.data is None:
            return
        self.app.push_screen(DrillScreen(drill, title, self.data.now, self.data))


def age_text(seconds: int) -> str:
    seconds = max(0, seconds)
    if seconds < 60:
        return t("monitor.age_seconds", n=seconds)
    return t("monitor.age_minutes", n=seconds // 60)


class DrillScreen(Screen[None]):
    """The tickets behind one figure of the monitor, in the queue's order and columns, with live
    countdowns; Enter opens one (read-only), Esc goes back to the board."""

    BINDINGS = [
        Binding("escape", "back", "monitor.key_back", id="monitor.back"),
    ]

    def __init__(self, drill: Drill, title: str, now: int, data: MonitorData) -> None:
        super().__init__()
        translate_bindings(self)
        self.target = drill
        self.title_text = title
        self.at = now
        self.period = data.period
        self.rows: list[QueueRow] = []
        self.total = 0

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self.desk.incident_banner()
        yield Static(self.title_text, id="drill-title", markup=False)
        yield Static(id="drill-header", markup=False)
        yield TicketList(self.desk.context.now, id="drill-tickets")
        yield Static(t("monitor.loading"), id="drill-count", markup=False)
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(TicketList).focus()
        self.set_interval(self.desk.context.tick_seconds, self.query_one(TicketList).tick)
        self._load()

    def on_resize(self) -> None:
        self.query_one("#drill-header", Static).update(header_line(self.size.width))

    @work(thread=True, exclusive=True, group="monitor-drill", exit_on_error=False)
    def _load(self) -> None:
        conn = database.connect(self.desk.context.store_path, readonly=True)
        try:
            rows = drill_rows(conn, self.target, self.at, self.period)
            total = drill_count(conn, self.target, self.at, self.period)
        finally:
            conn.close()
        self.app.call_from_thread(self._loaded, rows, total)

    def _loaded(self, rows: list[QueueRow], total: int) -> None:
        self.rows, self.total = rows, total
        tickets = self.query_one(TicketList)
        tickets.show(RowList(rows, total=len(rows)), len(rows))
        key = "monitor.drill_count" if total <= len(rows) else "monitor.drill_count_cut"
        self.query_one("#drill-count", Static).update(t(key, total=total, shown=len(rows)))

    @on(TicketList.Opened)
    def _opened(self, event: TicketList.Opened) -> None:
        self.desk.open_ticket(event.row.id)

    def action_back(self) -> None:
        self.dismiss()
