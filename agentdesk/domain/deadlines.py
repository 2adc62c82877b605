"""Provisional ticket deadlines by category and priority until the SLA engine supplies clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from agentdesk.domain.model import Category, Priority, Status
from agentdesk.domain.status_flow import is_open

# Hours from creation; figures follow the rules (R2, R3, R5) and are replaced by SLA policy files.
HOURS_BY_CATEGORY: dict[Category, float] = {
    Category.INQUIRY: 24,
    Category.PRESALES: 24,
    Category.TECHNICAL: 48,
    Category.REPAIR: 48,
    Category.RETURN_EXCHANGE: 24,
    Category.REFUND: 24,
    Category.COMPLAINT: 24,
}
PRIORITY_FACTOR: dict[Priority, float] = {
    Priority.URGENT: 0.25,
    Priority.HIGH: 0.5,
    Priority.NORMAL: 1.0,
    Priority.LOW: 2.0,
}
NO_DEADLINE_SORT = 9_000_000_000_000  # sorts after every real deadline (epoch seconds)


def due_at(created: datetime, category: Category, priority: Priority) -> datetime:
    hours = HOURS_BY_CATEGORY[category] * PRIORITY_FACTOR[priority]
    return created + timedelta(hours=hours)


def due_sort_key(due: datetime | None, status: Status) -> int:
    """Queue order: open tickets by nearest deadline; finished ones after them all."""
    if due is None or not is_open(status):
        return NO_DEADLINE_SORT
    return int(due.timestamp())


class DeadlineState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


WARN_BEFORE = timedelta(hours=2)  # provisional until SLA policies set per-clock thresholds


def deadline_state(
    due: datetime, now: datetime, warn_before: timedelta = WARN_BEFORE
) -> DeadlineState:
    remaining = due - now
    if remaining <= timedelta(0):
        return DeadlineState.BREACHED
    if remaining <= warn_before:
        return DeadlineState.WARNING
    return DeadlineState.OK


def format_remaining(remaining: timedelta) -> str:
    """`02:15` left, `3d 04h` left, `+02:15` overdue (hours:minutes)."""
    seconds = int(remaining.total_seconds())
    sign = "+" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours:02d}h"
    return f"{sign}{hours:02d}:{minutes:02d}"
