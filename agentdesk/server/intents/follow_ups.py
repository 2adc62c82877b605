"""Follow-ups (R10): the customer's score after resolution; a low one reopens or
escalates per policy."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import follow_up
from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import EventKind, Status
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    add_entry,
    check_may_work,
    exists,
    locked_ticket,
    update_ticket,
)
from agentdesk.server.tables import ticket_event


class FollowUp(IntentArgs):
    ticket_id: str
    event_id: str
    score: int
    comment: str = ""
    status_event_id: str | None = None  # back to in progress, when the console reopened it
    escalation_event_id: str | None = None  # and escalated it


@lru_cache(maxsize=1)
def _follow_up_policy() -> follow_up.FollowUpPolicy:
    """The follow-up policy (quality.toml) the server decides low scores by: from the server's
    policy folder (AGENTDESK_POLICY_DIR, as for its SLA policy), else the shipped one."""
    import os
    from pathlib import Path

    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
    from agentdesk.io.quality_file import load_quality

    folder = os.environ.get("AGENTDESK_POLICY_DIR")
    return load_quality(Path(folder) if folder else SHIPPED_POLICY_DIR).follow_up


def record_follow_up(conn: Connection, who: Account, args: FollowUp, now: datetime) -> Outcome:
    """The customer's follow-up score and comment on a resolved or closed ticket (R10); a low
    score reopens it (and, by policy, escalates it) — the server's policy decides."""
    follow_up.check_score(args.score)
    comment = args.comment.strip()
    row = locked_ticket(conn, args.ticket_id)
    check_may_work(who, row)
    if exists(conn, ticket_event, args.event_id):
        return APPLIED  # this result is already on the timeline
    current = Status(row["status"])
    try:
        follow_up.check_can_follow_up(current, row["number"])
    except ValidationFailed as exc:  # reopened meanwhile: a conflict, the comment is kept
        return Outcome("conflict", exc.message(), losing_text=comment)
    data = {"score": args.score, "comment": comment}
    add_entry(conn, row, EventKind.FOLLOW_UP_RESULT, who, now, comment, data, args.event_id)
    outcome = follow_up.low_score_outcome(_follow_up_policy(), args.score)
    values: dict[str, Any] = {}
    if outcome.reopen:
        moved = {"from": current.value, "to": Status.IN_PROGRESS.value}
        add_entry(
            conn, row, EventKind.STATUS_CHANGE, who, now, data=moved, event_id=args.status_event_id
        )
        values |= {"status": Status.IN_PROGRESS.value, "resolved_at": None}
    if outcome.escalate:
        cycle = _count_events(conn, row["id"], EventKind.FOLLOW_UP_RESULT)
        level = row["escalation_level"]
        escalated = follow_up.escalation_data(
            level, row["priority"], row["follow_up_owner_id"], cycle
        )
        ident = args.escalation_event_id
        add_entry(conn, row, EventKind.ESCALATION, None, now, "", escalated, ident)
        values["escalation_level"] = level + 1
    update_ticket(conn, row, now, **values)
    return APPLIED


def _count_events(conn: Connection, ticket_id: str, kind: EventKind) -> int:
    query = sa.select(sa.func.count()).where(
        ticket_event.c.ticket_id == ticket_id, ticket_event.c.kind == kind.value
    )
    return int(conn.execute(query).scalar() or 0)


INTENTS: dict[str, Intent] = {
    "ticket.follow_up.v1": Intent(FollowUp, record_follow_up),
}
