"""Queue order and countdown text for deadlines; the deadlines themselves come from the SLA
clocks (agentdesk.domain.clocks). `due_at` below is only the demo generator's planning window."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from agentdesk.domain.model import Category, Priority

# Hours from creation the demo generator plans its timelines in (R2, R3, R5 figures).
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
NO_DEADLINE_SORT = 9_000_000_000_000  # finished tickets: after every open one (epoch seconds)
PAUSED_SORT = NO_DEADLINE_SORT - 2  # open, every clock paused (waiting on the customer)
NO_CLOCK_SORT = NO_DEADLINE_SORT - 1  # open, no clock running or paused


def underived_sort(is_open: bool) -> int:
    """A ticket's queue order before its clocks are derived (written by an import or a first
    download): a finished one's is already final."""
    return NO_CLOCK_SORT if is_open else NO_DEADLINE_SORT


def due_at(created: datetime, category: Category, priority: Priority) -> datetime:
    hours = HOURS_BY_CATEGORY[category] * PRIORITY_FACTOR[priority]
    return created + timedelta(hours=hours)


class DeadlineState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


def deadline_state(due: datetime, now: datetime, warn_at: datetime | None) -> DeadlineState:
    if due <= now:
        return DeadlineState.BREACHED
    if warn_at is not None and warn_at <= now:
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


def format_duration(seconds: int) -> str:
    """A span of (business) time: `35m`, `4h 05m`, `2d 03h 10m`; negative with a leading `-`."""
    minutes = abs(seconds) // 60
    sign = "-" if seconds < 0 and minutes else ""  # under a minute over is "0m", not "-0m"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h {mins:02d}m"
    if hours:
        return f"{sign}{hours}h {mins:02d}m"
    return f"{sign}{mins}m"
