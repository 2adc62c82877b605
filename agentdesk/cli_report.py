"""`agentdesk report ...`: the quality measures (R7) and the root causes of complaints (R9) over
a period, from the local store. Definitions: docs/metrics.md.

Bad input (a date that is not one, an empty or reversed period, an unknown team) ends in one
line on stderr and exit code 2; a period with no tickets is an honest empty report.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from agentdesk.cli_support import Profile, emit, profile_of
from agentdesk.domain.errors import NotFound
from agentdesk.domain.metrics import (
    GroupBy,
    Measures,
    ParetoRow,
    Period,
    QualityPolicy,
    QualityTargets,
)
from agentdesk.i18n import label, t

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Sequence

    from agentdesk.store.metrics_query import Scope
    from agentdesk.store.repository import Repository

report_app = typer.Typer(help="Quality measures and root causes over a period.")

BAD_INPUT = 2
NO_VALUE = "—"


class ReportBy(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    CATEGORY = "category"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


BY_HEADER = {
    ReportBy.AGENT: "report.by_agent",
    ReportBy.TEAM: "report.by_team",
    ReportBy.CATEGORY: "report.by_category",
    ReportBy.DAY: "report.by_day",
    ReportBy.WEEK: "report.by_week",
    ReportBy.MONTH: "report.by_month",
}

Since = Annotated[str, typer.Option(help="First local day, e.g. 2026-10-01.")]
Until = Annotated[str, typer.Option(help="Day after the last, e.g. 2026-11-01.")]
TeamOption = Annotated[str | None, typer.Option("--team", help="Only this team (code).")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON for scripts.")]
AsCsv = Annotated[bool, typer.Option("--csv", help="CSV for spreadsheets.")]


def refuse(key: str, **args: Any) -> NoReturn:
    typer.echo(f"agentdesk: {t(key, **args)}", err=True)
    raise typer.Exit(BAD_INPUT)


def parse_period(since: str, until: str) -> Period:
    days = []
    for name, text in (("since", since), ("until", until)):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            refuse("report.bad_date", field=name, value=text)
    if days[1] <= days[0]:
        refuse("report.empty_period", since=since, until=until)
    return Period(days[0], days[1])


def check_output(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        refuse("report.one_format")


@dataclass
class Opened:
    """What a report reads: the repository (names, policy), the facts' connection, the policy."""

    repo: Repository
    conn: sqlite3.Connection
    quality: QualityPolicy
    now: int

    def close(self) -> None:
        self.conn.close()
        self.repo.engine.dispose()


def open_facts(profile: Profile) -> Opened:
    """The store with its quality facts brought up to date (a progress bar when that is long)."""
    from rich.console import Console
    from rich.progress import Progress

    from agentdesk.domain.metrics import epoch_now
    from agentdesk.io.quality_file import load_quality
    from agentdesk.store import database, metrics_query

    quality = load_quality(profile.policy_dir())
    repo = profile.repository()
    conn = database.connect(profile.store)
    now = epoch_now(profile.clock.now())
    # on stderr: the report itself may be JSON or CSV for a script
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(t("report.deriving"), total=None)
        metrics_query.refresh(
            conn, repo.policy, quality, now, lambda n: bar.update(task, completed=n)
        )
    return Opened(repo, conn, quality, now)


def scope_of(opened: Opened, period: Period, team: str | None) -> Scope:
    from agentdesk.store.metrics_query import Scope

    if team is None:
        return Scope(period)
    try:
        return Scope(period, opened.repo.team_by_code(team).id)
    except NotFound:
        known = ", ".join(found.code for found in opened.repo.teams())
        refuse("report.unknown_team", team=team, known=known)


# -- report kpi ---------------------------------------------------------------------------------


@report_app.command("kpi")
def report_kpi(
    ctx: typer.Context,
    since: Since,
    until: Until,
    team: TeamOption = None,
    by: Annotated[ReportBy, typer.Option(help="One row per agent, team, category or period.")] = (
        ReportBy.TEAM
    ),
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """CSAT, first-contact resolution, first response, handling time, SLA attainment,
    complaint, escalation and reopen rates, backlog — per group and in total."""
    check_output(as_json, as_csv)
    period = parse_period(since, until)
    opened = open_facts(profile_of(ctx))
    try:
        scope = scope_of(opened, period, team)
        rows = kpi_rows(opened, scope, GroupBy(by.value))
    finally:
        opened.close()
    if as_csv:
        write_kpi_csv(rows)
        return
    data = kpi_json(rows, opened.quality, period, team, by)
    emit(data, as_json, lambda: print_kpi(rows, opened.quality, period, by))


@dataclass(frozen=True)
class KpiRow:
    key: str  # "" for the total
    name: str
    measures: Measures


def kpi_rows(opened: Opened, scope: Scope, by: GroupBy) -> list[KpiRow]:
    """One row per group (in name order), then the total; an empty period has only the total."""
    from agentdesk.domain.metrics import Tally, measures, period_key
    from agentdesk.store import metrics_query

    found = metrics_query.kpi_tallies(opened.conn, scope, by)
    groups: dict[str, Tally] = {}
    total = Tally()
    for key, tally in found.items():
        groups.setdefault(period_key(key, by), Tally()).merge(tally)
        total.merge(tally)
    order = opened.repo.policy.clock_names()
    names = group_names(opened.repo, by)
    rows = [KpiRow(k, names(k), measures(v, opened.now, order)) for k, v in groups.items()]
    rows.sort(key=lambda r: (by not in PERIODS, r.name if by not in PERIODS else r.key))
    return [*rows, KpiRow("", t("report.total"), measures(total, opened.now, order))]


PERIODS = frozenset({GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH})


def group_names(repo: Repository, by: GroupBy) -> Any:
    """key → what a reader calls it (team code, agent name, category label, the period)."""
    none = t("report.none")
    if by is GroupBy.TEAM:
        teams = {team.id: team.code for team in repo.teams()}
        return lambda key: teams.get(key, key) or none
    if by is GroupBy.AGENT:
        agents = repo.agent_names()
        return lambda key: agents.get(key, key) or t("report.unassigned")
    if by is GroupBy.CATEGORY:
        return lambda key: label("category", key)
    return lambda key: key or none


def print_kpi(rows: list[KpiRow], quality: QualityPolicy, period: Period, by: ReportBy) -> None:
    """Two tables that fit 80 columns: outcomes, then time; each with the targets under it."""
    from rich.console import Console

    console = Console()
    console.print(t("report.kpi_title", since=period.since, until=period.until))
    for columns in (OUTCOME_COLUMNS, TIME_COLUMNS):
        console.print(kpi_table(rows, columns, quality, t(BY_HEADER[by])))
    print_sla(console, rows)
    if rows[-1].measures.tickets == 0:
        console.print(t("report.no_tickets"))
    elif rows[-1].measures.csat_count == 0:
        console.print(t("report.no_csat"))


@dataclass(frozen=True)
class Column:
    """A report column: its header key, its cell, and the target shown under it."""

    header: str
    cell: Callable[[Measures], str]
    target: Callable[[QualityTargets], str] = lambda _: ""


OUTCOME_COLUMNS = (
    Column("report.tickets", lambda m: str(m.tickets)),
    Column(
        "report.csat",
        lambda m: NO_VALUE if m.csat is None else f"{m.csat:.2f} ({m.csat_count})",
        lambda g: f"≥ {g.csat:.1f}",
    ),
    Column("report.fcr", lambda m: percent(m.fcr), lambda g: f"≥ {percent(g.fcr)}"),
    Column("report.reopen_rate", lambda m: percent(m.reopen_rate)),
    Column("report.complaint_rate", lambda m: percent(m.complaint_rate)),
    Column("report.escalation_rate", lambda m: percent(m.escalation_rate)),
)
TIME_COLUMNS = (
    Column(
        "report.first_response_avg",
        lambda m: duration(m.first_response_avg_s),
        lambda g: f"≤ {duration(g.first_response_s)}",
    ),
    Column("report.first_response_p90", lambda m: duration(m.first_response_p90_s)),
    Column("report.handling_avg", lambda m: duration(m.handling_avg_s)),
    Column(
        "report.sla",
        lambda m: percent(m.sla_overall),
        lambda g: f"≥ {percent(g.sla_attainment)}",
    ),
    Column("report.backlog", lambda m: str(m.backlog)),
    Column("report.backlog_age", lambda m: duration(m.backlog_age_avg_s)),
)


def kpi_table(
    rows: list[KpiRow], columns: Sequence[Column], quality: QualityPolicy, group: str
) -> Any:
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column(group, no_wrap=True, overflow="ellipsis", max_width=24)
    for column in columns:
        table.add_column(t(column.header), justify="right", no_wrap=True)
    for row in rows:
        cells = [column.cell(row.measures) for column in columns]
        table.add_row(row.name, *cells, style="bold" if not row.key else None)
    targets = [column.target(quality.targets) for column in columns]
    if any(targets):
        table.add_row(t("report.target"), *targets, style="dim")
    return table


def print_sla(console: Any, rows: list[KpiRow]) -> None:
    """Each clock's attainment per group: met, missed, share met."""
    from rich.table import Table

    if not any(row.measures.sla for row in rows):
        return
    table = Table(box=None, header_style="bold", title=t("report.sla_title"), title_justify="left")
    table.add_column(t("report.group"), no_wrap=True)
    table.add_column(t("report.clock"), no_wrap=True)
    for key in ("report.met", "report.missed", "report.sla"):
        table.add_column(t(key), justify="right")
    for row in rows:
        for a in row.measures.sla:
            cells = (row.name, label("clock", a.clock), str(a.met), str(a.missed), percent(a.rate))
            table.add_row(*cells, style="bold" if not row.key else None)
    console.print(table)


def percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    from agentdesk.domain.deadlines import format_duration

    return NO_VALUE if seconds is None else format_duration(round(seconds))


def kpi_json(
    rows: list[KpiRow], quality: QualityPolicy, period: Period, team: str | None, by: ReportBy
) -> dict[str, Any]:
    targets = asdict(quality.targets)
    return {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "team": team,
        "by": by.value,
        "zone": quality.zone,
        "targets": targets,
        "groups": [measures_json(row) for row in rows[:-1]],
        "total": measures_json(rows[-1]),
    }


def measures_json(row: KpiRow) -> dict[str, Any]:
    m = row.measures
    return {
        "key": row.key,
        "name": row.name,
        "tickets": m.tickets,
        "resolved": m.resolved,
        "csat": m.csat,
        "csat_count": m.csat_count,
        "fcr": m.fcr,
        "first_response_avg_s": m.first_response_avg_s,
        "first_response_p90_s": m.first_response_p90_s,
        "responded": m.responded,
        "handling_avg_s": m.handling_avg_s,
        "handled": m.handled,
        "sla": m.sla_overall,
        "sla_by_clock": {
            a.clock: {"met": a.met, "missed": a.missed, "rate": a.rate} for a in m.sla
        },
        "complaint_rate": m.complaint_rate,
        "escalation_rate": m.escalation_rate,
        "reopen_rate": m.reopen_rate,
        "backlog": m.backlog,
        "backlog_age_avg_s": m.backlog_age_avg_s,
        "backlog_age_max_s": m.backlog_age_max_s,
    }


def write_kpi_csv(rows: list[KpiRow]) -> None:
    """One line per group and the total; each clock's attainment in a column of its own."""
    flat = [measures_json(row) for row in rows]
    clocks = list(dict.fromkeys(c for r in flat for c in r["sla_by_clock"]))
    header = [k for k in flat[0] if k != "sla_by_clock"] + [f"sla_{c}" for c in clocks]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for r in flat:
        by_clock = r.pop("sla_by_clock")
        values = [*r.values(), *(by_clock.get(c, {}).get("rate") for c in clocks)]
        writer.writerow(["" if v is None else v for v in values])


# -- report root-causes -------------------------------------------------------------------------


@report_app.command("root-causes")
def report_root_causes(
    ctx: typer.Context,
    since: Since,
    until: Until,
    team: TeamOption = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """The root causes of finished complaints, most frequent first (Pareto)."""
    from agentdesk.domain.metrics import pareto
    from agentdesk.store.metrics_query import cause_counts

    check_output(as_json, as_csv)
    period = parse_period(since, until)
    opened = open_facts(profile_of(ctx))
    try:
        rows = pareto(cause_counts(opened.conn, scope_of(opened, period, team)))
    finally:
        opened.close()
    if as_csv:
        write_causes_csv(rows)
        return
    data = {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "team": team,
        "causes": [asdict(row) for row in rows],
    }
    emit(data, as_json, lambda: print_causes(rows, period))


def print_causes(rows: list[ParetoRow], period: Period) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(t("report.causes_title", since=period.since, until=period.until))
    if not rows:
        console.print(t("report.no_complaints"))
        return
    table = Table(box=None, header_style="bold")
    table.add_column(t("report.cause"))
    for key in ("report.count", "report.share", "report.cumulative"):
        table.add_column(t(key), justify="right")
    table.add_column("")
    for row in rows:
        bar = "█" * max(1, round(row.share * 30))
        cells = (percent(row.share), percent(row.cumulative))
        table.add_row(label("root_cause", row.cause), str(row.count), *cells, bar)
    console.print(table)


def write_causes_csv(rows: list[ParetoRow]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["cause", "count", "share", "cumulative"])
    for row in rows:
        writer.writerow([row.cause, row.count, row.share, row.cumulative])
