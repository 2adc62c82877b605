"""`agentdesk qa ...` and `agentdesk report qa`: quality monitoring (R8).

A team lead draws a reproducible random sample of each agent's handled tickets (`qa sample`),
reads each one with the banned-phrase findings of its replies beside it (`qa show`), scores it
on tone, professionalism, efficiency and compliance (`qa score`), and the scorecards per agent
come out of `report qa`. Draws and scores go to the server with the next sync
(`agentdesk sync`, or the console's own), which shares them with every lead and supervisor.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentdesk.cli_report import AsJson, Since, TeamOption, Until, parse_period, refuse
from agentdesk.cli_support import Profile, emit, local_time, profile_of
from agentdesk.domain.model import EventKind
from agentdesk.domain.qa import (
    DIMENSIONS,
    QaScore,
    check_can_score,
    check_not_own,
    draw_sample,
    reply_findings,
)
from agentdesk.i18n import label, t

if TYPE_CHECKING:
    import sqlite3

    from agentdesk.domain.metrics import Period
    from agentdesk.store.qa_store import Review
    from agentdesk.store.repository import Repository

qa_app = typer.Typer(help="Quality monitoring: sample handled tickets, score them, scorecards.")
AgentOption = Annotated[str | None, typer.Option("--agent", help="Who (default: the profile's).")]
Score = Annotated[int, typer.Option(min=1, max=5, help="1 (poor) to 5 (excellent).")]


def _open(profile: Profile) -> tuple[Repository, sqlite3.Connection]:
    from agentdesk.store import database

    repo = profile.repository()
    return repo, database.connect(profile.store)


def _utc_bounds(profile: Profile, period: Period) -> tuple[str, str]:
    from agentdesk.io.quality_file import load_quality

    zone = load_quality(profile.policy_dir()).zone
    start, end = period.bounds(zone)
    return (
        datetime.fromtimestamp(start, UTC).isoformat(),
        datetime.fromtimestamp(end, UTC).isoformat(),
    )


@qa_app.command("sample")
def qa_sample(
    ctx: typer.Context,
    since: Since,
    until: Until,
    per_agent: Annotated[
        int, typer.Option("--per-agent", min=1, max=100, help="Tickets per agent.")
    ] = 5,
    team: TeamOption = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=2**63 - 1, help="The draw's seed (default: from the period)."),
    ] = None,
    agent: AgentOption = None,
    as_json: AsJson = False,
) -> None:
    """Draw up to N tickets each agent resolved in the period; the same seed draws the same."""
    from agentdesk.store import qa_store

    profile = profile_of(ctx)
    period = parse_period(since, until)
    repo, conn = _open(profile)
    try:
        lead = profile.acting_agent(repo, agent)
        check_can_score(lead)
        team_id = _team_id(repo, team)
        drawn_seed = seed if seed is not None else int(period.since.strftime("%Y%m%d"))
        handled = qa_store.handled(conn, *_utc_bounds(profile, period), team_id, lead.id)
        drawn = draw_sample(handled, per_agent, drawn_seed)
        added = qa_store.add_reviews(
            conn, drawn, at=profile.clock.now(), by=lead.id,
            period=(since, until), seed=drawn_seed,
        )  # fmt: skip
        conn.commit()
        names = repo.agent_names()
    finally:
        conn.close()
    numbers = _numbers(repo, drawn)
    data = {
        "seed": drawn_seed, "new_reviews": added,
        "agents": [
            {"agent": names.get(a, a), "handled": len(handled[a]), "drawn": numbers[a]}
            for a in drawn
        ],
    }  # fmt: skip
    emit(data, as_json, lambda: _print_sample(data))


def _team_id(repo: Repository, team: str | None) -> str | None:
    from agentdesk.domain.errors import NotFound

    if team is None:
        return None
    try:
        return repo.team_by_code(team).id
    except NotFound:
        refuse("report.unknown_team", team=team, known=", ".join(f.code for f in repo.teams()))


def _numbers(repo: Repository, drawn: dict[str, list[str]]) -> dict[str, list[str]]:
    return {agent: sorted(repo.ticket(i).number for i in ids) for agent, ids in drawn.items()}


def _print_sample(data: dict[str, Any]) -> None:
    for entry in data["agents"]:
        line = t(
            "qa.drawn", agent=entry["agent"], drawn=len(entry["drawn"]), handled=entry["handled"]
        )
        typer.echo(f"{line}  {' '.join(entry['drawn'])}")
    typer.echo(t("qa.sampled", seed=data["seed"], new=data["new_reviews"]))


@qa_app.command("list")
def qa_list(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option("--pending", help="Only those not scored yet.")] = False,
    as_json: AsJson = False,
) -> None:
    """The tickets under review, by agent; scored ones with their scores."""
    from agentdesk.store import qa_store

    repo, conn = _open(profile_of(ctx))
    try:
        found = qa_store.reviews(conn, pending_only=pending)
    finally:
        conn.close()
        repo.engine.dispose()
    emit([_review_data(r) for r in found], as_json, lambda: _print_reviews(found))


def _review_data(review: Review) -> dict[str, Any]:
    score = review.score
    return {
        "number": review.number, "subject": review.subject, "agent": review.username,
        "scored_at": review.scored_at,
        "score": None if score is None else {**{n: getattr(score, n) for n in DIMENSIONS},
                                             "comment": score.comment, "overall": score.overall},
    }  # fmt: skip


def _print_reviews(found: list[Review]) -> None:
    for review in found:
        score = review.score
        shown = (
            t("qa.pending")
            if score is None
            else " ".join(f"{t(f'qa.{name}')} {getattr(score, name)}" for name in DIMENSIONS)
        )
        typer.echo(f"{review.number:<18} {review.agent_name:<14} {shown}  {review.subject}")
    typer.echo(t("qa.count", count=len(found)), err=True)


@qa_app.command("show")
def qa_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    as_json: AsJson = False,
) -> None:
    """The ticket's replies and notes, each with the banned phrases found in it, to score."""
    profile = profile_of(ctx)
    repo = profile.repository()
    ticket = repo.ticket(ref)
    entries = [
        e for e in repo.timeline(ticket.id)
        if e.kind in (EventKind.REPLY, EventKind.NOTE, EventKind.CALL_LOG, EventKind.RESOLUTION)
    ]  # fmt: skip
    data = {
        "number": ticket.number, "subject": ticket.subject,
        "entries": [
            {"at": e.at.isoformat(), "kind": e.kind.value, "body": e.body,
             "direction": e.data.get("direction"),
             "findings": [{"text": f.text, "rule": f.rule.id, "reason": f.rule.reason,
                           "rewrites": list(f.rule.rewrites)}
                          for f in reply_findings(e, repo.rules) or []]}
            for e in entries
        ],
    }  # fmt: skip
    emit(data, as_json, lambda: _print_show(data))


def _print_show(data: dict[str, Any]) -> None:
    typer.echo(f"{data['number']}  {data['subject']}")
    for entry in data["entries"]:
        when = local_time(entry["at"])
        typer.echo(f"\n{when}  {label('event', entry['kind'])}")
        typer.echo(f"  {entry['body']}")
        for found in entry["findings"]:
            rewrite = found["rewrites"][0] if found["rewrites"] else "—"
            typer.echo(
                "  " + t("qa.finding", text=found["text"], rule=found["rule"], rewrite=rewrite)
            )


@qa_app.command("score")
def qa_score(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id (drawn by qa sample).")],
    tone: Score,
    professionalism: Score,
    efficiency: Score,
    compliance: Score,
    comment: Annotated[str, typer.Option(help="What to keep, what to coach.")] = "",
    agent: AgentOption = None,
) -> None:
    """Score a ticket under review (scoring again replaces the score)."""
    from agentdesk.store import qa_store

    profile = profile_of(ctx)
    repo, conn = _open(profile)
    try:
        lead = profile.acting_agent(repo, agent)
        check_can_score(lead)
        ticket = repo.ticket(ref)
        for review in qa_store.reviews(conn, ticket_id=ticket.id):
            check_not_own(lead, review.agent_id, ticket.number)
        score = QaScore(tone, professionalism, efficiency, compliance, comment.strip())
        if not qa_store.save_score(conn, ticket.id, score, lead.id, profile.clock.now()):
            refuse("qa.not_drawn", number=ticket.number)
        conn.commit()
    finally:
        conn.close()
    typer.echo(t("qa.scored", number=ticket.number, overall=f"{score.overall:.2f}"))


def report_qa(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """QA scorecards per agent: tickets drawn, scored, and the average of each dimension."""
    from agentdesk.store import qa_store

    repo, conn = _open(profile_of(ctx))
    try:
        cards = list(qa_store.scorecards(conn).values())
        names = repo.agent_names()
    finally:
        conn.close()
        repo.engine.dispose()
    data = [
        {"agent": names.get(c.agent_id, c.agent_id), "sampled": c.sampled, "scored": c.scored,
         "averages": c.averages, "overall": c.overall}
        for c in cards
    ]  # fmt: skip
    emit(data, as_json, lambda: _print_cards(data))


def _print_cards(data: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=t("qa.report_title"))
    for header in (
        "qa.agent",
        "qa.sampled_col",
        "qa.scored_col",
        *(f"qa.{n}" for n in DIMENSIONS),
        "qa.overall",
    ):
        table.add_column(t(header), justify="left" if header == "qa.agent" else "right")
    for card in data:
        averages = [_one(card["averages"][n]) for n in DIMENSIONS]
        table.add_row(
            card["agent"],
            str(card["sampled"]),
            str(card["scored"]),
            *averages,
            _one(card["overall"]),
        )
    Console().print(table)
    if not data:
        typer.echo(t("qa.no_reviews"))


def _one(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
