"""What a pushed intent does on the server: the same domain rules as the console (status graph,
who may work a ticket), applied in server order, recording every change for the pull.

A handler returns an Outcome; a domain error is a rejection (the receipt keeps the payload and
the reason), a stale expectation (status moved on, someone else claimed it) is a conflict.

One module per area; this one applies an intent by its name (`INTENTS`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Connection

from agentdesk.domain.errors import AgentdeskError, InvalidTransition
from agentdesk.server.accounts import Account
from agentdesk.server.intents import (
    approvals,
    customers,
    escalations,
    follow_ups,
    incidents,
    qa_reviews,
    tickets,
)
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    Outcome,
    keep_as_note,
    locked_ticket,
    move_with_timeline,
)
from agentdesk.server.intents.escalations import Escalate, escalation_keys, record_escalation

INTENTS: dict[str, Intent] = {
    **tickets.INTENTS,
    **customers.INTENTS,
    **follow_ups.INTENTS,
    **approvals.INTENTS,
    **escalations.INTENTS,
    **incidents.INTENTS,
    **qa_reviews.INTENTS,
}


def apply(
    conn: Connection, who: Account, name: str, args: dict[str, Any], now: datetime
) -> Outcome:
    """Apply one intent inside the caller's transaction (a savepoint: a rejection undoes it;
    none for an intent that refuses only before its first write)."""
    intent = INTENTS[name]
    try:
        parsed = intent.args(**args)
    except (ValidationError, TypeError) as exc:
        return Outcome("rejected", _first_problem(exc))
    if intent.checks_first:
        return _apply_checked_first(conn, who, intent, parsed, now)
    savepoint = conn.begin_nested()
    try:
        outcome = intent.apply(conn, who, parsed, now)
    except InvalidTransition as exc:
        savepoint.rollback()
        return Outcome("conflict", exc.message())
    except AgentdeskError as exc:
        savepoint.rollback()
        return Outcome("rejected", exc.message())
    if outcome.status == "applied":
        savepoint.commit()
    else:
        savepoint.rollback()
    return outcome


def _apply_checked_first(
    conn: Connection, who: Account, intent: Intent, parsed: Any, now: datetime
) -> Outcome:
    """An intent whose every refusal comes before its first write: nothing to undo, so no
    savepoint (two round trips fewer for the edits agents push most)."""
    try:
        return intent.apply(conn, who, parsed, now)
    except InvalidTransition as exc:
        return Outcome("conflict", exc.message())
    except AgentdeskError as exc:
        return Outcome("rejected", exc.message())


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        return f"{'.'.join(str(s) for s in err['loc'])}: {err['msg']}"
    return str(exc)


__all__ = [
    "APPLIED",
    "INTENTS",
    "Escalate",
    "Intent",
    "Outcome",
    "apply",
    "escalation_keys",
    "keep_as_note",
    "locked_ticket",
    "move_with_timeline",
    "record_escalation",
]
