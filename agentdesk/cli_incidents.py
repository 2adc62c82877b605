"""`agentdesk incident ...`: a lead declares a major incident and closes it (SPEC R13).

While an incident is open the phrase helper pins the crisis (unified statement) phrases at the
top for every agent.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from agentdesk.cli_support import emit, profile_of
from agentdesk.i18n import t

incident_app = typer.Typer(help="Major incidents: declare, list, close.")


@incident_app.command("declare")
def incident_declare(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="What happened, in one line.")],
    description: Annotated[str, typer.Option(help="What is known so far.")] = "",
    agent: Annotated[str | None, typer.Option(help="Acting lead (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Declare an incident (leads): crisis phrases are pinned while it is open."""
    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    incident = repo.declare_incident(title, description, actor, profile.clock.now())
    message = t("incident.declared", title=incident.title, id=incident.id)
    emit(asdict(incident), as_json, lambda: typer.echo(message))


@incident_app.command("close")
def incident_close(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    agent: Annotated[str | None, typer.Option(help="Acting lead (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Close an incident (leads)."""
    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    incident = repo.close_incident(incident_id, actor, profile.clock.now())
    message = t("incident.closed", title=incident.title)
    emit(asdict(incident), as_json, lambda: typer.echo(message))


@incident_app.command("list")
def incident_list(
    ctx: typer.Context,
    everything: Annotated[bool, typer.Option("--all", help="Closed ones too.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open incidents (with --all, closed ones too)."""
    incidents = profile_of(ctx).repository().incidents(open_only=not everything)

    def human() -> None:
        for i in incidents:
            typer.echo(f"{i.id}  {i.status:<6}  {i.opened_at:%Y-%m-%d %H:%M}  {i.title}")

    emit([asdict(i) for i in incidents], as_json, human)
