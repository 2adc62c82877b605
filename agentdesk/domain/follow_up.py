"""Follow-ups (回访, SPEC R10): when a resolved ticket's call back is due, whether it is still
pending, and what a low satisfaction score does to the ticket.

All derived: a follow-up is due `after_hours` (by channel, calendar hours) after the ticket's
latest resolution and pending until a follow-up result is recorded after that resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Channel, Status
from agentdesk.domain.status_flow import REOPEN_FROM

SCORES = range(1, 6)
LOW_SCORE_STEP = "follow_up_low_score"  # the escalation entry's step (and its clock) name
LOW_SCORE_CLOCK = "follow_up"


class LowScoreAction(StrEnum):
    REOPEN = "reopen"  # back to in progress, for the owner to work again
    ESCALATE = "escalate"  # reopened too, and raised one escalation level for the leads


@dataclass(frozen=True)
class FollowUpPolicy:
    after_hours: int = 24
    by_channel: Mapping[str, int] = field(default_factory=dict)  # Channel value → hours
    low_score: int = 2  # a score at or below this is low
    on_low_score: LowScoreAction = LowScoreAction.REOPEN

    def hours_for(self, channel: Channel | str) -> int:
        return self.by_channel.get(str(channel), self.after_hours)

    def due_at(self, resolved_at: datetime, channel: Channel | str) -> datetime:
        """When the follow-up of a ticket resolved at `resolved_at` is due."""
        return resolved_at + timedelta(hours=self.hours_for(channel))

    def is_low(self, score: int) -> bool:
        return score <= self.low_score


def check_score(score: int) -> None:
    if score not in SCORES:
        raise ValidationFailed("error.follow_up_score", score=score)


def check_can_follow_up(status: Status, number: str) -> None:
    """Only a resolved or closed ticket is followed up."""
    if status not in REOPEN_FROM:
        raise ValidationFailed("error.follow_up_not_resolved", number=number)


def is_pending(
    status: Status, resolved_at: datetime | None, results_at: Iterable[datetime]
) -> bool:
    """Pending while resolved/closed and no result was recorded since the latest resolution."""
    if status not in REOPEN_FROM or resolved_at is None:
        return False
    return not any(at >= resolved_at for at in results_at)


@dataclass(frozen=True)
class LowScoreOutcome:
    reopen: bool = False
    escalate: bool = False


def low_score_outcome(policy: FollowUpPolicy, score: int) -> LowScoreOutcome:
    """What a recorded score does to the ticket: nothing, reopen, or reopen and escalate."""
    if not policy.is_low(score):
        return LowScoreOutcome()
    return LowScoreOutcome(reopen=True, escalate=policy.on_low_score is LowScoreAction.ESCALATE)


def escalation_data(
    level_before: int, priority: str, owner_id: str | None, cycle: int
) -> dict[str, object]:
    """The ESCALATION entry a low score writes (the shape of EscalationResult.event_data)."""
    return {
        "step": LOW_SCORE_STEP,
        "clock": LOW_SCORE_CLOCK,
        "cycle": cycle,
        "breached_at": "",
        "owner_id": owner_id,
        "priority_from": priority,
        "priority_to": priority,
        "level": level_before + 1,
        "notified": [],
    }
