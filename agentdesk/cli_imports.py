"""`agentdesk import ...` and `agentdesk export ...`: an admin's data in and out.

Records (teams, agents, customers, tickets) go through agentdesk.io.imports into the local store
or, with `--db URL`, the central database; the phrase library and knowledge base through their
own importers; policy files (sla, calendars, routing, banned phrases) are checked together with
the rest of the policy folder and installed only when the whole folder still loads.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from agentdesk.cli_phrases import kb_export, kb_import, phrases_export, phrases_import
from agentdesk.cli_support import Profile, emit, profile_of
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t
from agentdesk.io.imports.fields import RecordKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from agentdesk.io.imports.run import ImportReport, Target

import_app = typer.Typer(help="Bring data in: records, phrases, the knowledge base, policy files.")
export_app = typer.Typer(help="Take data out in agentdesk's format (audit-logged).")
SHOWN_REJECTS = 20
RECORD_HELP = {
    RecordKind.TEAMS: "imports.help_teams",
    RecordKind.AGENTS: "imports.help_agents",
    RecordKind.CUSTOMERS: "imports.help_customers",
    RecordKind.TICKETS: "imports.help_tickets",
}
POLICY_HELP = {
    "sla": "imports.help_sla",
    "calendars": "imports.help_calendars",
    "routing": "imports.help_routing",
    "banned-phrases": "imports.help_banned_phrases",
}
EXPORT_HELP = {
    "tickets": "imports.help_export_tickets",
    "customers": "imports.help_export_customers",
}

FormatOption = Annotated[
    str, typer.Option("--format", help="agentdesk (CSV or JSON), zendesk, freshdesk or zammad.")
]
MapOption = Annotated[
    list[str] | None, typer.Option("--map", help="FIELD=COLUMN: the file's column for a field.")
]
MapFileOption = Annotated[
    Path | None, typer.Option("--map-file", help="A TOML file with a map table (and value tables).")
]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="FIELD=VALUE for rows that leave FIELD empty.")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Check everything; write nothing.")]
PartialOption = Annotated[
    bool, typer.Option("--partial", help="Write the good rows; refuse the rest.")
]
RejectsOption = Annotated[
    Path | None, typer.Option("--rejects", help="Write refused rows here (CSV).")
]
EncodingOption = Annotated[
    str | None, typer.Option("--encoding", help="utf-8, gb18030, ... (default: detected).")
]
ZoneOption = Annotated[str, typer.Option("--timezone", help="For times without an offset.")]
DbOption = Annotated[
    str | None, typer.Option("--db", help="Write to the central database (admin).")
]
MaxSizeOption = Annotated[
    int, typer.Option("--max-size", help="Refuse files larger than this (MB).", min=1)
]
JsonOption = Annotated[bool, typer.Option("--json")]


def _record_command(kind: RecordKind) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="The file to import.")],
        fmt: FormatOption = "agentdesk",
        maps: MapOption = None,
        map_file: MapFileOption = None,
        constants: SetOption = None,
        dry_run: DryRunOption = False,
        partial: PartialOption = False,
        rejects: RejectsOption = None,
        encoding: EncodingOption = None,
        timezone: ZoneOption = "Asia/Shanghai",
        db_url: DbOption = None,
        max_size: MaxSizeOption = 1024,
        as_json: JsonOption = False,
    ) -> None:
        request = ImportRequest(
            kind,
            file,
            fmt,
            maps or [],
            map_file,
            _pairs(constants or [], "--set"),
            dry_run,
            partial,
            rejects,
            encoding,
            _zone(timezone),
            db_url,
            max_size << 20,
        )
        report = request.run(profile_of(ctx))
        emit(_report_data(report), as_json, lambda: _print_report(report))
        if report.rejected and not report.partial and not report.dry_run:
            raise typer.Exit(1)

    command.__doc__ = t(RECORD_HELP[kind])
    return command


for _kind in RecordKind:
    import_app.command(_kind.value)(_record_command(_kind))
import_app.command("phrases")(phrases_import)
import_app.command("kb")(kb_import)
export_app.command("phrases")(phrases_export)
export_app.command("kb")(kb_export)


class ImportRequest:
    """One `agentdesk import <kind>` invocation, from the file to the target's commit."""

    def __init__(
        self,
        kind: RecordKind,
        file: Path,
        fmt: str,
        maps: list[str],
        map_file: Path | None,
        constants: dict[str, str],
        dry_run: bool,
        partial: bool,
        rejects: Path | None,
        encoding: str | None,
        zone: ZoneInfo,
        db_url: str | None,
        max_bytes: int,
    ) -> None:
        self.kind, self.file, self.fmt, self.maps, self.map_file = kind, file, fmt, maps, map_file
        self.constants, self.dry_run, self.partial, self.rejects = (
            constants,
            dry_run,
            partial,
            rejects,
        )
        self.encoding, self.zone, self.db_url, self.max_bytes = encoding, zone, db_url, max_bytes

    def run(self, profile: Profile) -> ImportReport:
        from agentdesk.io.imports import reading
        from agentdesk.io.imports.building import ImportOptions
        from agentdesk.io.imports.run import ImportReport, RejectsFile, derive_after, run_import
        from agentdesk.io.imports.source import open_source

        source = open_source(self.file, self.encoding, self.max_bytes)
        fmt = reading.format_named(self.fmt)
        plan = reading.plan(source, self.kind, fmt, self.maps, self.map_file, set(self.constants))
        opts = ImportOptions(
            fmt.name.value,
            self.zone,
            profile.clock.now(),
            plan.tables,
            fmt.foreign,
            fmt.ticket_prefix,
        )
        report = ImportReport(self.kind.value, str(self.file), self.dry_run, self.partial)
        sink = RejectsFile(self.rejects) if self.rejects else None
        with _progress(source.size) as progress:
            try:
                with self._target(profile, source.size) as target:
                    run_import(
                        target,
                        self.kind,
                        plan.rows(progress.read),
                        opts,
                        report,
                        sink=sink,
                        on_chunk=progress.rows,
                        constants=self.constants,
                    )
                    if report.committed:
                        listed = report.created + report.updated
                        derive_after(target, report, progress.deriving(listed))
            except KeyboardInterrupt:
                key = "imports.interrupted_deriving" if report.committed else "imports.interrupted"
                raise AgentdeskError(key, file=str(self.file)) from None
            finally:
                if sink is not None:
                    sink.close()
        return report

    @contextmanager
    def _target(self, profile: Profile, size: int) -> Iterator[Target]:
        if self.db_url:
            yield from _server_target(self.db_url, profile)
            return
        yield from _store_target(profile, None if self.dry_run else size)


def _store_target(profile: Profile, writing_size: int | None) -> Iterator[Target]:
    """A file of SEPARATE_WRITER_BYTES or more to write (not a dry run: None) is written from
    a second process."""
    from agentdesk.io.imports.store_target import SEPARATE_WRITER_BYTES, StoreTarget

    repo = profile.repository()
    policy = repo.policy
    repo.engine.dispose()
    if (profile.paths.config_dir / "session.json").exists():
        typer.echo(f"agentdesk: {t('imports.profile_syncs')}", err=True)
    now = int(profile.clock.now().timestamp())
    separate = writing_size is not None and writing_size >= SEPARATE_WRITER_BYTES
    target = StoreTarget(profile.store, policy, now, separate_writer=separate)
    try:
        yield target
    finally:
        target.close()


def _server_target(url: str, profile: Profile) -> Iterator[Target]:
    from agentdesk.io.imports.server_target import ServerTarget
    from agentdesk.server import db

    engine = db.make_engine(url)
    try:
        db.check_current(engine)
        target = ServerTarget(engine, profile.clock.now())
        try:
            yield target
        finally:
            target.close()
    finally:
        engine.dispose()


class _Progress:
    """Rich bars on a terminal: the file read (bytes → ETA, rows and rows/s beside it), then
    the tickets whose deadlines and search entries are derived. Silent when not a terminal."""

    def __init__(self, bar: Any, total: int) -> None:
        self.bar = bar
        self.started = time.perf_counter()
        self.task = bar.add_task(t("imports.progress"), total=total, rows="") if bar else None

    def read(self, done: int) -> None:
        if self.bar:
            self.bar.update(self.task, completed=done)

    def rows(self, report: ImportReport) -> None:
        if self.bar:
            rate = report.rows / max(time.perf_counter() - self.started, 1e-6)
            rows = t("imports.progress_rows", rows=f"{report.rows:,}", rate=f"{rate:,.0f}")
            self.bar.update(self.task, rows=rows)

    def deriving(self, total: int) -> Callable[[int], None]:
        if not self.bar:
            return lambda _done: None
        self.bar.update(self.task, visible=False)
        task = self.bar.add_task(t("imports.progress_deriving"), total=total, rows="")
        return lambda done: self.bar.update(task, completed=done, rows=f"{done:,}")


@contextmanager
def _progress(total: int) -> Iterator[_Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _Progress(None, total)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]}"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        yield _Progress(bar, total)


def _pairs(options: list[str], flag: str) -> dict[str, str]:
    found = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise AgentdeskError("imports.bad_set_option", flag=flag, option=option)
        found[name.strip()] = value.strip()
    return found


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AgentdeskError("imports.bad_timezone", zone=name) from None


def _report_data(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "file": report.file,
        "dry_run": report.dry_run,
        "partial": report.partial,
        "committed": report.committed,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "rejected": report.rejected,
        "skipped": report.skipped,
        "events": report.events,
        "seconds": round(report.seconds, 3),
        "derived": report.derived,
        "derive_seconds": round(report.derive_seconds, 3),
        "rows_per_s": round(report.rows_per_s),
        "rejects": [
            {"row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
            for r in report.rejects
        ],
    }


def _print_report(report: ImportReport) -> None:
    for reject in report.rejects[:SHOWN_REJECTS]:
        typer.echo(
            t(
                "imports.reject_line",
                file=report.file,
                row=reject.row,
                column=reject.column,
                value=reject.value,
                reason=reject.reason,
            ),
            err=True,
        )
    if report.rejected > SHOWN_REJECTS:
        typer.echo(t("imports.more_rejects", count=report.rejected - SHOWN_REJECTS), err=True)
    counts = {
        "file": report.file,
        "rows": f"{report.rows:,}",
        "created": f"{report.created:,}",
        "updated": f"{report.updated:,}",
        "rejected": f"{report.rejected:,}",
        "skipped": f"{report.skipped:,}",
        "rate": f"{report.rows_per_s:,.0f}",
    }
    if report.dry_run:
        key = "imports.summary_dry_run"
    elif report.committed:
        key = "imports.summary_written"
    else:
        key = "imports.summary_refused"
    typer.echo(t(key, **counts))


# -- policy files ---------------------------------------------------------------------------------


def _policy_command(name: str, file_name: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="The policy file to check and install.")],
        policy_dir: Annotated[
            Path | None,
            typer.Option("--policy-dir", help="Install into this folder (default: the profile's)."),
        ] = None,
        dry_run: DryRunOption = False,
        as_json: JsonOption = False,
    ) -> None:
        from agentdesk.io import policy_install

        profile = profile_of(ctx)
        folder = policy_dir or policy_install.profile_policy_folder(profile, dry_run)
        installed = policy_install.install_file(file, file_name, folder, dry_run)
        data = {"file": str(file), "installed_as": str(installed), "dry_run": dry_run}
        key = "imports.policy_checked" if dry_run else "imports.policy_installed"
        emit(data, as_json, lambda: typer.echo(t(key, file=str(file), target=str(installed))))

    command.__doc__ = t(POLICY_HELP[name])
    return command


for _name, _file_name in (
    ("sla", "sla.toml"),
    ("calendars", "calendars.toml"),
    ("routing", "routing.toml"),
    ("banned-phrases", "banned_phrases.toml"),
):
    import_app.command(_name)(_policy_command(_name, _file_name))


# -- exports --------------------------------------------------------------------------------------


def _export_command(kind: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: Annotated[
            Path | None, typer.Argument(help="Write here (default: standard output).")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
        since: Annotated[
            str | None,
            typer.Option(
                "--since", help="Tickets changed, customers created since (date or time)."
            ),
        ] = None,
        reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
        agent: Annotated[
            str | None, typer.Option("--agent", help="Who exports (default: the profile's).")
        ] = None,
    ) -> None:
        from agentdesk.io import export_run

        profile = profile_of(ctx)
        if fmt not in ("csv", "json"):
            raise AgentdeskError(
                "error.bad_choice", field="--format", value=fmt, allowed="csv, json"
            )
        count = export_run.export(profile, kind, fmt, file, since, reason, agent)
        if file is not None:
            typer.echo(
                t("imports.exported", count=f"{count:,}", kind=kind, file=str(file)), err=True
            )

    command.__doc__ = t(EXPORT_HELP[kind])
    return command


for _kind_name in ("tickets", "customers"):
    export_app.command(_kind_name)(_export_command(_kind_name))
