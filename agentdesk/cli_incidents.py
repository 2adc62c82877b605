"""`agentdesk incident ...`: a lead declares a major incident and closes it (SPEC R13).

While an incident is open the phrase helper pins the crisis (unified statement) phrases at the
top for every agent.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from agentdesk.cli_support import emit, profile_of
from agentdesk.domain.errors import AgentdeskError
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


@incident_app.command("link")
def incident_link(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    ticket: Annotated[list[str] | None, typer.Option(help="A ticket number (repeat).")] = None,
    search: Annotated[str | None, typer.Option(help="Every ticket this search finds.")] = None,
    category: Annotated[str | None, typer.Option(help="…of this category.")] = None,
    agent: Annotated[str | None, typer.Option(help="Acting lead (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Link tickets to an open incident: by number, or every ticket a search and/or category
    finds (leads)."""
    from agentdesk.store import database
    from agentdesk.store.queue_query import VIEW_ACTION_LIMIT, QueueFilter, QueuePager, View

    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    refs = list(ticket or [])
    if search or category:
        rule = QueueFilter(view=View.ALL, wide=True, search=search or "", category=category)
        conn = database.connect(profile.store, readonly=True)
        try:
            pager = QueuePager(conn, rule)
            refs += pager.ids(VIEW_ACTION_LIMIT)
        finally:
            conn.close()
    if not refs:
        raise AgentdeskError("error.incident_nothing_to_link")
    added = repo.link_incident(incident_id, refs, actor, profile.clock.now())
    total = len(repo.incident_tickets(incident_id))
    message = t("incident.linked", added=added, total=total)
    emit({"added": added, "linked": total}, as_json, lambda: typer.echo(message))


@incident_app.command("update")
def incident_update(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    text: Annotated[str, typer.Option(help="The statement, as customers may be told it.")],
    agent: Annotated[str | None, typer.Option(help="Acting lead (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Post one update to every linked ticket's timeline at once (leads)."""
    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    count = repo.post_incident_update(incident_id, text, actor, profile.clock.now())
    message = t("incident.updated", count=count)
    emit({"tickets": count}, as_json, lambda: typer.echo(message))
