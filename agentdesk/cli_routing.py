"""`agentdesk routing ...`: try the routing rules on a ticket, and check the policy file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentdesk.cli_support import Profile, emit, local_time, profile_of
from agentdesk.domain import actions
from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.i18n import label, t

if TYPE_CHECKING:
    from agentdesk.domain.clocks import ClockState
    from agentdesk.domain.routing import RoutingFacts, RoutingOutcome

routing_app = typer.Typer(help="Routing rules: where a new ticket goes, and checking the file.")


@routing_app.command("test")
def routing_test(
    ctx: typer.Context,
    category: Annotated[str, typer.Option(help="inquiry, presales, technical, repair, ...")],
    level: Annotated[str | None, typer.Option(help="Complaint level: minor, major, legal.")] = None,
    amount: Annotated[str | None, typer.Option(help="Refund amount asked for, in yuan.")] = None,
    tier: Annotated[
        str, typer.Option(help="Customer tier: standard, silver, gold, vip.")
    ] = "standard",
    channel: Annotated[str, typer.Option(help="phone, web, app, wechat, email, ...")] = "phone",
    product: Annotated[str | None, typer.Option(help="Product SKU or product line.")] = None,
    text: Annotated[str, typer.Option(help="Subject and description (keywords).")] = "",
    priority: Annotated[str, typer.Option(help="Priority chosen at intake.")] = "normal",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The rule that matches such a ticket, its team, priority and reason, and the SLA clocks
    it would start now."""
    from agentdesk.domain.routing import RoutingFacts
    from agentdesk.io.routing_file import load_routing

    profile = profile_of(ctx)
    facts = RoutingFacts(
        category=actions.parse_enum(Category, category, "category"),
        complaint_level=_level(category, level),
        refund_amount_cents=_amount(amount),
        products=_products(profile, product),
        tier=actions.parse_enum(CustomerTier, tier, "tier"),
        channel=actions.parse_enum(Channel, channel, "channel"),
        text=text,
        priority=actions.parse_enum(Priority, priority, "priority"),
    )
    outcome = load_routing(profile.policy_dir()).route(facts)
    now = profile.clock.now()
    clocks, sla_problem = _clocks(profile, facts, outcome, now)
    data = _outcome_json(outcome, clocks)

    def human() -> None:
        for line in _outcome_lines(outcome, clocks, sla_problem, now):
            typer.echo(line)

    emit(data, as_json, human)


def _level(category: str, level: str | None) -> ComplaintLevel | None:
    if level is None:
        return None
    if category != Category.COMPLAINT.value:
        raise ValidationFailed("error.complaint_level_only", category=category)
    return actions.parse_enum(ComplaintLevel, level, "level")


def _amount(text: str | None) -> int | None:
    from agentdesk.domain.authority import parse_yuan

    return None if text is None else parse_yuan(text)


def _products(profile: Profile, product: str | None) -> frozenset[str]:
    """The SKU or line given, and the line of a SKU the store knows."""
    if not product:
        return frozenset()
    _, lines = _store_catalogue(profile)
    line = (lines or {}).get(product)
    return frozenset({product, line} if line else {product})


def _store_catalogue(profile: Profile) -> tuple[list[str] | None, dict[str, str] | None]:
    """The store's team codes and products; (None, None) without a store."""
    from agentdesk.io.routing_file import store_catalogue
    from agentdesk.store import database

    if database.store_revision(profile.store) is None:
        return None, None
    conn = database.connect(profile.store, readonly=True)
    try:
        return store_catalogue(conn)
    finally:
        conn.close()


def _clocks(
    profile: Profile, facts: RoutingFacts, outcome: RoutingOutcome, now: datetime
) -> tuple[list[ClockState], str | None]:
    """The clocks a ticket routed so would start now; none (and why) if the SLA policy
    does not load."""
    from agentdesk.domain.routing import clocks_from_creation, sla_facts
    from agentdesk.io.policy_files import PolicyError, load_policy

    try:
        sla = load_policy(profile.policy_dir())
    except PolicyError as refused:
        return [], refused.message()
    return clocks_from_creation(sla, sla_facts(facts, outcome), int(now.timestamp())), None


def _outcome_json(outcome: RoutingOutcome, clocks: list[ClockState]) -> dict[str, Any]:
    from agentdesk.domain.routing import DISPATCH_CLOCK

    due = {clock.name: _iso(clock.due) for clock in clocks}
    return {
        "rule": {"number": outcome.rule_number, "name": outcome.rule_name},
        "team": outcome.team,
        "priority": outcome.priority.value,
        "reason": outcome.reason("en"),
        "adjusted_by": list(outcome.adjusted_by),
        "clocks": [{"name": name, "due": at} for name, at in due.items()],
        "dispatch_due": due.get(DISPATCH_CLOCK),
    }


def _outcome_lines(
    outcome: RoutingOutcome, clocks: list[ClockState], sla_problem: str | None, now: datetime
) -> list[str]:
    from agentdesk.domain.routing import DISPATCH_CLOCK
    from agentdesk.i18n import current_language

    if outcome.rule_number is None:
        lines = [t("routing.no_rule")]
    else:
        lines = [t("routing.rule", number=outcome.rule_number, name=outcome.rule_name)]
    lines.append(t("routing.team", team=outcome.team or t("routing.own_team")))
    lines.append(t("routing.priority", priority=label("priority", outcome.priority.value)))
    lines.append(t("routing.reason", reason=outcome.reason(current_language()) or "—"))
    if outcome.adjusted_by:
        lines.append(t("routing.adjusted_by", rules=", ".join(outcome.adjusted_by)))
    if sla_problem:
        lines.append(t("routing.no_sla", reason=sla_problem))
        return lines
    for clock in clocks:
        when = local_time(_iso(clock.due))
        lines.append(t("routing.clock", clock=label("clock", clock.name), due=when))
    dispatch = next((c for c in clocks if c.name == DISPATCH_CLOCK), None)
    if dispatch is not None and dispatch.due is not None:
        left = _minutes_left(dispatch.due, now)
        lines.append(t("routing.dispatch_due", due=local_time(_iso(dispatch.due)), left=left))
    return lines


def _iso(epoch: int | None) -> str | None:
    """An instant in the service centre's time zone, as the console shows times."""
    from agentdesk.console import DEFAULT_ZONE

    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, DEFAULT_ZONE).isoformat()


def _minutes_left(epoch: int, now: datetime) -> str:
    from agentdesk.domain.deadlines import format_duration

    return format_duration(epoch - int(now.timestamp()))


# -- check ----------------------------------------------------------------------------------------


@routing_app.command("check")
def routing_check(
    ctx: typer.Context,
    policy_dir: Annotated[
        Path | None, typer.Option(help="Policy folder (default: the profile's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Validate routing.toml: errors (unknown teams, categories, bad values) exit 1; warnings
    (rules that never get a ticket, overlaps) are printed and exit 0."""
    from agentdesk.io.routing_file import FILE, check_file, routing_path

    profile = profile_of(ctx)
    folder = policy_dir or profile.policy_dir()
    path = routing_path(folder)
    teams, products = _store_catalogue(profile)
    result = check_file(path, teams, products)
    notes = []
    if path.parent != folder:
        notes.append(t("routing.shipped_used", folder=str(folder), file=FILE))
    if teams is None:
        notes.append(t("routing.teams_unchecked", store=str(profile.store)))
    data = {
        "file": result.file,
        "ok": not result.errors,
        "rules": len(result.policy.rules) if result.policy else None,
        "errors": result.errors,
        "warnings": result.warnings,
        "notes": notes,
    }

    def human() -> None:
        for note in notes:
            typer.echo(note)
        for line in result.errors:
            typer.echo(t("routing.error_line", line=line))
        for line in result.warnings:
            typer.echo(t("routing.warning_line", line=line))
        if result.policy is not None and not result.errors:
            rules, warnings = len(result.policy.rules), len(result.warnings)
            typer.echo(t("routing.check_ok", file=result.file, rules=rules, warnings=warnings))

    emit(data, as_json, human)
    if result.errors:
        raise typer.Exit(1)
