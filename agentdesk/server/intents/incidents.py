"""Major incidents (R13): declared, linked to tickets, updated and closed by leads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import actions, authority, numbering
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.model import EventKind
from agentdesk.server import changes
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    add_entry,
    agent_of,
    exists,
    locked_ticket,
)
from agentdesk.server.tables import incident, ticket, ticket_event


class DeclareIncident(IntentArgs):
    incident_id: str
    title: str = ""
    description: str = ""


class CloseIncident(IntentArgs):
    incident_id: str


class LinkIncident(IntentArgs):
    ticket_id: str
    event_id: str
    incident_id: str


class PostIncidentUpdate(IntentArgs):
    incident_id: str
    update_id: str
    body: str = ""


def declare_incident(
    conn: Connection, who: Account, args: DeclareIncident, now: datetime
) -> Outcome:
    """A major incident, declared by a lead or an admin; the same id again is a no-op."""
    authority.check_can_declare_incident(agent_of(who))
    title = actions.require_text(args.title, "title")
    if exists(conn, incident, args.incident_id):
        return APPLIED
    conn.execute(
        incident.insert().values(
            id=args.incident_id,
            title=title,
            description=args.description.strip(),
            status="open",
            opened_at=now.isoformat(),
            opened_by=who.id,
        )
    )
    changes.record(conn, "incident", args.incident_id, changes.ALL)
    return APPLIED


def _open_incident(conn: Connection, incident_id: str) -> Any:
    found = conn.execute(sa.select(incident).where(incident.c.id == incident_id)).mappings().first()
    if found is None:
        raise NotFound("error.unknown_incident", incident=incident_id)
    if found["status"] != "open":
        raise ValidationFailed("error.incident_closed", title=found["title"])
    return found


def _linked_tickets(conn: Connection, incident_id: str) -> dict[str, str | None]:
    """Tickets linked to the incident (id → team): their `incident_link` timeline entries."""
    rows = conn.execute(
        sa.select(ticket_event.c.ticket_id, ticket_event.c.data_json, ticket.c.team_id)
        .join(ticket, ticket.c.id == ticket_event.c.ticket_id)
        .where(ticket_event.c.kind == EventKind.INCIDENT_LINK.value)
    )
    return {
        r.ticket_id: r.team_id
        for r in rows
        if json.loads(r.data_json).get("incident_id") == incident_id
    }


def link_incident(conn: Connection, who: Account, args: LinkIncident, now: datetime) -> Outcome:
    """A ticket joins an open incident (leads, R13); linked already: nothing more."""
    authority.check_can_declare_incident(agent_of(who))
    found = _open_incident(conn, args.incident_id)
    row = locked_ticket(conn, args.ticket_id)
    links = conn.execute(
        sa.select(ticket_event.c.data_json).where(
            ticket_event.c.ticket_id == row["id"],
            ticket_event.c.kind == EventKind.INCIDENT_LINK.value,
        )
    ).scalars()
    if any(json.loads(data).get("incident_id") == args.incident_id for data in links):
        return APPLIED  # this ticket's own links, not every link on the server
    data = {"incident_id": args.incident_id, "title": found["title"]}
    add_entry(conn, row, EventKind.INCIDENT_LINK, who, now, "", data, args.event_id)
    return APPLIED


def post_incident_update(
    conn: Connection, who: Account, args: PostIncidentUpdate, now: datetime
) -> Outcome:
    """The incident's statement on every linked ticket's timeline, under the same entry ids the
    console used (numbering.incident_update_event_id): nothing doubles after a pull."""
    authority.check_can_declare_incident(agent_of(who))
    body = actions.require_text(args.body, "text")
    found = _open_incident(conn, args.incident_id)
    data = {"incident_id": args.incident_id, "update_id": args.update_id, "title": found["title"]}
    for ticket_id, team_id in _linked_tickets(conn, args.incident_id).items():
        ident = numbering.incident_update_event_id(args.update_id, ticket_id)
        row = {"id": ticket_id, "team_id": team_id}
        add_entry(conn, row, EventKind.INCIDENT_UPDATE, who, now, body, data, ident)
    return APPLIED


def close_incident(conn: Connection, who: Account, args: CloseIncident, now: datetime) -> Outcome:
    """Close an open incident (a closed one stays as it was closed)."""
    authority.check_can_declare_incident(agent_of(who))
    query = sa.select(incident).where(incident.c.id == args.incident_id).with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("error.unknown_incident", incident=args.incident_id)
    if row["status"] == "open":
        conn.execute(
            incident.update()
            .where(incident.c.id == args.incident_id)
            .values(status="closed", closed_at=now.isoformat(), closed_by=who.id)
        )
        changes.record(conn, "incident", args.incident_id, changes.ALL)
    return APPLIED


INTENTS: dict[str, Intent] = {
    "ticket.link_incident.v1": Intent(LinkIncident, link_incident),
    "incident.post_update.v1": Intent(PostIncidentUpdate, post_incident_update),
    "incident.declare.v1": Intent(DeclareIncident, declare_incident),
    "incident.close.v1": Intent(CloseIncident, close_incident),
}
