"""`agentdesk sla ...` and `agentdesk escalation ...`: deadlines and the ladder from the shell."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentdesk.cli_support import emit, local_time, profile_of
from agentdesk.domain.errors import ValidationFailed
from agentdesk.i18n import t

if TYPE_CHECKING:
    from agentdesk.domain.clocks import ClockState
    from agentdesk.domain.records import EscalationResult
    from agentdesk.domain.sla_policy import SlaPolicy
    from agentdesk.store.repository import Repository

sla_app = typer.Typer(help="SLA clocks: due times, explanations, policy checks.")
escalation_app = typer.Typer(help="The escalation ladder: what would fire, and firing it.")


def parse_instant(text: str, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("error.bad_instant", field=field, value=text) from None
    if at.tzinfo is None:
        raise ValidationFailed("error.naive_instant", field=field, value=text)
    return at


def _policy(ctx: typer.Context) -> SlaPolicy:
    from agentdesk.io.policy_files import load_policy

    return load_policy(profile_of(ctx).policy_dir())


@sla_app.command("due")
def sla_due(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="ISO 8601 with offset, e.g. 2026-09-30T17:30+08:00")],
    minutes: Annotated[int, typer.Option(help="Business minutes to add.")],
    calendar: Annotated[str, typer.Option(help="Calendar name from calendars.toml.")] = "24x7",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The instant `minutes` business minutes after `start` in a calendar."""
    begin = parse_instant(start, "start")
    if minutes < 0:
        raise ValidationFailed("error.negative_minutes", value=minutes)
    policy = _policy(ctx)
    if calendar not in policy.calendars:
        known = ", ".join(policy.calendars)
        raise ValidationFailed("error.unknown_calendar", value=calendar, known=known)
    due = policy.calendar(calendar).add(begin, minutes)
    data = {"start": begin, "minutes": minutes, "calendar": calendar, "due": due}
    emit(data, as_json, lambda: typer.echo(due.isoformat()))


@sla_app.command("check")
def sla_check(ctx: typer.Context) -> None:
    """Validate the policy folder; exit 1 with file, key and reason if it would be refused."""
    policy = _policy(ctx)
    typer.echo(
        t(
            "cli.policy_ok",
            folder=str(profile_of(ctx).policy_dir()),
            calendars=len(policy.calendars),
            clocks=len(policy.clock_names()),
            entries=len(policy.clocks),
            steps=len(policy.steps),
        )
    )


@sla_app.command("recompute")
def sla_recompute(ctx: typer.Context) -> None:
    """Recompute every open ticket's clocks from its timeline under the current policy."""
    from agentdesk.cli import progress_bar

    profile = profile_of(ctx)
    repo = profile.repository()
    started = time.perf_counter()
    with progress_bar(None) as advance:
        count = repo.recompute_open(profile.clock.now(), advance)
    typer.echo(t("cli.recomputed", count=count, seconds=f"{time.perf_counter() - started:.1f}"))


@sla_app.command("explain")
def sla_explain(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Each clock of a ticket: its policy, business time used, paused and left, and why it is
    due when it is."""
    profile = profile_of(ctx)
    repo = profile.repository()
    now = profile.clock.now()
    ticket, clocks = repo.clocks(ref, now)
    at = int(now.timestamp())
    data = {"ticket": ticket.number, "now": now, "clocks": [_clock_json(c, at) for c in clocks]}

    def human() -> None:
        typer.echo(f"{ticket.number}  {ticket.subject}")
        for clock in clocks:
            for line in explain_lines(clock, at):
                typer.echo(line)

    emit(data, as_json, human)


def _iso(epoch: int | None) -> str | None:
    from agentdesk.console import DEFAULT_ZONE

    return None if epoch is None else datetime.fromtimestamp(epoch, DEFAULT_ZONE).isoformat()


def clock_verdict(clock: ClockState, now: int) -> str:
    """ok / warning / breached / paused / met / missed / pending."""
    from agentdesk.domain.clocks import Phase

    if clock.phase is Phase.STOPPED:
        return "met" if clock.met else "missed"
    if clock.phase is Phase.PENDING:
        return "pending"
    if clock.is_breached(now):
        return "breached"
    if clock.phase is Phase.PAUSED:
        return "paused"
    warn = clock.warn_at
    return "warning" if warn is not None and warn <= now else "ok"


def _clock_json(clock: ClockState, now: int) -> dict[str, Any]:
    rule = clock.rule
    return {
        "name": clock.name,
        "state": clock_verdict(clock, now),
        "phase": clock.phase.value,
        "cycle": clock.cycle,
        "target_minutes": rule.target // 60,
        "calendar": rule.calendar,
        "when": rule.when.model_dump(mode="json", exclude_defaults=True),
        "start": [s.value for s in rule.start],
        "stop": [s.value for s in rule.stop],
        "restart": [s.value for s in rule.restart],
        "pause": [s.value for s in rule.pause],
        "started_at": _iso(clock.started_at),
        "due_at": _iso(clock.due),
        "warn_at": _iso(clock.warn_at),
        "stopped_at": _iso(clock.stopped_at),
        "breached_at": _iso(clock.breached_at),
        "elapsed_business_minutes": clock.used_at(now) // 60,
        "paused_minutes": clock.paused_at(now) // 60,
        "remaining_business_minutes": clock.remaining_at(now) // 60,
        "paused_status": clock.pause_status.value if clock.pause_status else None,
    }


def explain_lines(clock: ClockState, now: int) -> list[str]:
    """A clock in words: what it is, where it stands, why it is due when it is."""
    from agentdesk.domain.deadlines import format_duration
    from agentdesk.i18n import label

    rule = clock.rule
    head = t(
        "sla.explain_head",
        clock=label("clock", clock.name),
        state=t(f"sla.state_{clock_verdict(clock, now)}"),
        target=format_duration(rule.target),
        calendar=rule.calendar,
    )
    lines = [head]
    if clock.started_at is None:
        lines.append("    " + t("sla.not_started", start=", ".join(s.value for s in rule.start)))
        return lines
    lines.append(
        "    "
        + t(
            "sla.explain_time",
            started=_short(clock.started_at),
            cycle=clock.cycle,
            used=format_duration(clock.used_at(now)),
            paused=format_duration(clock.paused_at(now)),
            left=format_duration(clock.remaining_at(now)),
        )
    )
    lines.append("    " + _why(clock, now))
    return lines


def _why(clock: ClockState, now: int) -> str:
    from agentdesk.domain.clocks import Phase
    from agentdesk.domain.deadlines import format_duration
    from agentdesk.i18n import label

    if clock.phase is Phase.STOPPED:
        key = "sla.why_met" if clock.met else "sla.why_missed"
        return t(key, stopped=_short(clock.stopped_at), breached=_short(clock.breached_at))
    if clock.phase is Phase.PAUSED:
        status = label("status", clock.pause_status.value) if clock.pause_status else "?"
        return t("sla.why_paused", status=status, since=_short(clock.paused_since))
    assert clock.running_since is not None
    remaining = max(0, clock.rule.target - clock.used)
    return t(
        "sla.why_due",
        left=format_duration(remaining),
        since=_short(clock.running_since),
        calendar=clock.rule.calendar,
        due=_short(clock.due),
    )


def _short(epoch: int | None) -> str:
    from agentdesk.store.clock_store import iso

    return local_time(None if epoch is None else iso(epoch))


# -- escalation -----------------------------------------------------------------------------------


@escalation_app.command("dry-run")
def escalation_dry_run(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the steps that would fire now, and for which tickets; changes nothing."""
    profile = profile_of(ctx)
    repo = profile.repository()
    results = _all_results(repo, profile.clock.now(), dry_run=True)
    _report(repo, results, as_json, "cli.escalation_would", "cli.escalation_none_due")


@escalation_app.command("run")
def escalation_run(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Fire every escalation step that is due now (each fires once; running again is safe)."""
    profile = profile_of(ctx)
    repo = profile.repository()
    results = _all_results(repo, profile.clock.now(), dry_run=False)
    _report(repo, results, as_json, "cli.escalation_fired", "cli.escalation_none_due")


def _all_results(repo: Repository, now: datetime, dry_run: bool) -> list[EscalationResult]:
    if dry_run:
        return repo.run_escalations(now, dry_run=True, limit=1_000_000)
    results: list[EscalationResult] = []
    while batch := repo.run_escalations(now):
        results += batch
    return results


def _report(
    repo: Repository, results: list[EscalationResult], as_json: bool, done: str, none: str
) -> None:
    from dataclasses import asdict

    names = repo.agent_names()

    def human() -> None:
        from agentdesk.i18n import label

        if not results:
            typer.echo(t(none))
            return
        typer.echo(t(done, count=len(results)))
        for r in results:
            owner = names.get(r.owner_id or "", "—")
            breached = _short(int(r.breached_at.timestamp()))
            line = (
                f"  {r.number}  {r.step_id}  {label('clock', r.clock)}"
                f"  {t('sla.breached_at', at=breached)}  {t('sla.owner', name=owner)}"
            )
            if r.priority_from is not r.priority_to:
                before, after = (
                    label("priority", p.value) for p in (r.priority_from, r.priority_to)
                )
                line += f"  {before}→{after}"
            typer.echo(line)

    emit([asdict(r) for r in results], as_json, human)
