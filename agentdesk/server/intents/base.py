"""What every intent handler shares: the outcome, the arguments' base model, the
registry entry, and reading, locking and writing tickets and their timelines (each write
recorded for the pull)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection

from agentdesk.domain import authority, numbering
from agentdesk.domain.errors import NotAllowed, NotFound
from agentdesk.domain.model import Category, Channel, ComplaintLevel, EventKind, Priority, Status
from agentdesk.domain.records import AgentRecord, TicketRecord
from agentdesk.server import changes, db
from agentdesk.server.accounts import Account, utc
from agentdesk.server.tables import audit_log, sync_conflict, ticket, ticket_event


@dataclass(frozen=True)
class Outcome:
    status: str  # applied | rejected | conflict
    detail: str = ""
    losing_text: str = ""  # free text that lost a compare-and-set: kept as a note
    kept: tuple[str, ...] = ()  # the client's timeline ids now known to be on the server


APPLIED = Outcome("applied")


class IntentArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")


Handler = Callable[[Connection, Account, Any, datetime], Outcome]


@dataclass(frozen=True)
class Intent:
    args: type[IntentArgs]
    apply: Handler
    # Every refusal (raised or returned) comes before the first write: applied without a
    # savepoint, as there is nothing to undo.
    checks_first: bool = False


def agent_of(who: Account) -> AgentRecord:
    return AgentRecord(who.id, who.username, who.display_name, who.role, who.team_id)


# Nearly every intent starts here: built once, the id bound per call.
LOCKED_TICKET = sa.select(ticket).where(ticket.c.id == sa.bindparam("ticket_id")).with_for_update()


def locked_ticket(conn: Connection, ticket_id: str) -> Any:
    """The ticket's current row, locked until the transaction ends."""
    row = conn.execute(LOCKED_TICKET, {"ticket_id": ticket_id}).mappings().first()
    if row is None:
        raise NotFound("error.unknown_ticket", ticket=ticket_id)
    return row


def exists(conn: Connection, table: sa.Table, ident: str) -> bool:
    return conn.execute(sa.select(table.c.id).where(table.c.id == ident)).first() is not None


def check_may_work(who: Account, row: Any) -> None:
    """The console's rule, on the server: agents work their team's tickets (or their own)."""
    authority.check_can_work(agent_of(who), ticket_record(row))


def ticket_record(row: Any) -> TicketRecord:
    level = row["complaint_level"]
    return TicketRecord(
        pk=0,
        id=row["id"],
        number=row["number"],
        subject=row["subject"],
        description=row["description"],
        customer_request=row["customer_request"],
        customer_id=row["customer_id"],
        channel=Channel(row["channel"]),
        category=Category(row["category"]),
        complaint_level=ComplaintLevel(level) if level else None,
        priority=Priority(row["priority"]),
        status=Status(row["status"]),
        team_id=row["team_id"],
        assignee_id=row["assignee_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        due_at=None,
        resolved_at=None,
        resolution=row["resolution"],
        root_cause=None,
        version=row["version"],
    )


def add_entry(
    conn: Connection,
    row: Any,
    kind: EventKind,
    who: Account | None,
    now: datetime,
    body: str = "",
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
    *,
    record: bool = True,
) -> bool:
    """A timeline entry (`who` None: the system); False when that event id is already there.
    `record=False`: the caller records the change (`update_ticket(..., entries=)`)."""
    ident = event_id or numbering.new_id()
    entry = {
        "id": ident,
        "ticket_id": row["id"],
        "kind": kind.value,
        "actor_id": who.id if who is not None else None,
        "at": now.isoformat(),
        "body": body,
        "data_json": json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
    }
    written = conn.execute(_entry_insert(conn.dialect.name), entry).first()
    if written is None:
        return False  # the same client-made event again: already there
    if record:
        changes.record(conn, "ticket_event", ident, changes.ticket_scope(row["team_id"]))
    return True


@cache
def _entry_insert(backend: str) -> Any:
    """A timeline entry's INSERT, skipped when its id is there, for `backend`: built once."""
    insert = db.insert_on(backend, ticket_event).on_conflict_do_nothing()
    return insert.returning(ticket_event.c.id)


def keep_as_note(
    conn: Connection, ticket_id: str, who: Account, now: datetime, text: str, data: dict[str, Any]
) -> str | None:
    """Text that lost a conflict, kept as an internal note by its author on the ticket
    (design/SYNC.md: the losing text is never dropped); the note's id, or None without a ticket."""
    row = conn.execute(sa.select(ticket.c.id, ticket.c.team_id).where(ticket.c.id == ticket_id))
    found = row.mappings().first()
    if found is None:
        return None
    ident = numbering.new_id()
    add_entry(conn, found, EventKind.NOTE, who, now, text, data, ident)
    return ident


# The SET clause comes from the parameters' names (compiled once for each set of them).
UPDATE_TICKET = ticket.update().where(ticket.c.id == sa.bindparam("the_ticket_id"))


def update_ticket(
    conn: Connection, row: Any, now: datetime, entries: Sequence[str] = (), **values: Any
) -> None:
    """Write `values` and a new version; the change is recorded with those of the timeline
    `entries` added unrecorded before it (one statement)."""
    changed = {**values, "updated_at": now.isoformat(), "version": row["version"] + 1}
    conn.execute(UPDATE_TICKET, {"the_ticket_id": row["id"], **changed})
    scope = changes.ticket_scope(row["team_id"])
    added = [("ticket_event", ident, scope) for ident in entries]
    changes.record_many(conn, [*added, ("ticket", row["id"], scope)])


def move_with_timeline(
    conn: Connection, ticket_id: str, old_team: str | None, new_team: str | None
) -> None:
    """The ticket and every entry of its timeline leave the old team's scope for the new one
    (`changes.moved` for each, batched): the old team's clients pull `remove`, the new team's
    `upsert` (SYNC T21). Call it after the ticket's last write in this transaction."""
    old, new = changes.ticket_scope(old_team), changes.ticket_scope(new_team)
    if old == new:
        return
    events = conn.execute(
        sa.select(ticket_event.c.id)
        .where(ticket_event.c.ticket_id == ticket_id)
        .order_by(ticket_event.c.at, ticket_event.c.id)
    ).scalars()
    collided = conn.execute(
        sa.select(sync_conflict.c.id).where(sync_conflict.c.ticket_id == ticket_id)
    ).scalars()
    entities = [("ticket", ticket_id)] + [("ticket_event", ident) for ident in events]
    entities += [("sync_conflict", ident) for ident in collided]
    changes.record_many(conn, [(kind, ident, old) for kind, ident in entities], "remove")
    changes.record_many(conn, [(kind, ident, new) for kind, ident in entities])


def audit(
    conn: Connection, who: Account, now: datetime, action: str, target: str, reason: str
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=utc(now), actor_id=who.id, action=action, target=target, reason=reason
        )
    )


def works_on(who: Account, row: Any) -> bool:
    try:
        check_may_work(who, row)
    except NotAllowed:
        return False
    return True
