"""Consulting another department (R14): the ticket keeps its owner and its clocks; the question
has its own due time and is answered on the same ticket. Which consults are still open is read
from the timeline itself (a request without an answer naming it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Department, EventKind
from agentdesk.domain.records import TimelineEntry

MAX_DUE_HOURS = 24 * 14  # two weeks: longer is a typing error

# how long each department usually needs, when the agent does not say
DEFAULT_DUE_HOURS = {
    Department.RND: 48,
    Department.WAREHOUSE: 8,
    Department.FINANCE: 24,
    Department.LOGISTICS: 24,
}


@dataclass(frozen=True)
class OpenConsult:
    request_id: str
    department: Department
    question: str
    asked_by: str | None
    asked_at: datetime
    due_at: datetime


def due_at(asked_at: datetime, department: Department, hours: float | None) -> datetime:
    """When the answer is due: `hours` after asking, or the department's usual time."""
    chosen = DEFAULT_DUE_HOURS[department] if hours is None else hours
    if not 0 < chosen <= MAX_DUE_HOURS:
        raise ValidationFailed("error.consult_due", hours=chosen, maximum=MAX_DUE_HOURS)
    return asked_at + timedelta(hours=chosen)


def open_consults(timeline: Sequence[TimelineEntry]) -> list[OpenConsult]:
    """Requests on this timeline without an answer, oldest first."""
    answered = {e.data.get("request_id") for e in timeline if e.kind is EventKind.CONSULT_ANSWER}
    return [
        OpenConsult(
            request_id=e.id,
            department=Department(e.data["department"]),
            question=e.body,
            asked_by=e.actor_id,
            asked_at=e.at,
            due_at=datetime.fromisoformat(e.data["due_at"]),
        )
        for e in timeline
        if e.kind is EventKind.CONSULT_REQUEST and e.id not in answered
    ]
