"""The ticket status graph: which status may follow which, and why a move is refused."""

from __future__ import annotations

from agentdesk.domain.errors import InvalidTransition
from agentdesk.domain.model import Status

S = Status

# new → assigned → in progress → waiting on customer → resolved → closed, with reopen.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    S.NEW: (S.ASSIGNED,),
    S.ASSIGNED: (S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED),
    S.IN_PROGRESS: (S.WAITING_CUSTOMER, S.RESOLVED),
    S.WAITING_CUSTOMER: (S.IN_PROGRESS, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (S.IN_PROGRESS,),
}

OPEN_STATUSES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER})
REOPEN_FROM = frozenset({S.RESOLVED, S.CLOSED})


def allowed_next(current: Status) -> tuple[Status, ...]:
    return TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    """Raise InvalidTransition unless `target` may follow `current` on the graph."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            "error.invalid_transition", current=current.value, target=target.value
        )


def is_reopen(current: Status, target: Status) -> bool:
    return current in REOPEN_FROM and target is S.IN_PROGRESS


def is_open(status: Status) -> bool:
    return status in OPEN_STATUSES
