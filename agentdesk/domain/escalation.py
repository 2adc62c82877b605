"""The escalation ladder (R5): which policy steps are due for a ticket, and what each changes.

A step fires once per breach: its key is step, clock and the clock's cycle, so evaluating again
finds nothing new, and a clock that restarts (next update) can breach — and fire — again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agentdesk.domain.clocks import ClockState
from agentdesk.domain.model import PRIORITY_RANK, Priority
from agentdesk.domain.sla_policy import EscalationStep, SlaPolicy, TicketFacts


@dataclass(frozen=True)
class Firing:
    step: EscalationStep
    clock: ClockState

    @property
    def key(self) -> str:
        return f"{self.step.id}:{self.clock.name}:{self.clock.cycle}"


def due_firings(
    policy: SlaPolicy,
    facts: TicketFacts,
    clocks: Sequence[ClockState],
    now: int,
    fired: Iterable[str] = (),
) -> list[Firing]:
    """Steps whose trigger has happened by `now` and that have not fired for this breach."""
    done = set(fired)
    found = []
    for step in policy.steps:
        if not step.when.matches(facts):
            continue
        for clock in clocks:
            if step.trigger.clock not in ("*", clock.name) or not clock.is_breached(now):
                continue
            firing = Firing(step, clock)
            if firing.key not in done:
                done.add(firing.key)
                found.append(firing)
    return found


def raised(current: Priority, floor: Priority | None) -> Priority:
    """`current`, or `floor` when that is more urgent (escalation never lowers priority)."""
    if floor is None or PRIORITY_RANK[floor] >= PRIORITY_RANK[current]:
        return current
    return floor


@dataclass(frozen=True)
class LeadLoad:
    agent_id: str
    username: str
    owned_open: int


def least_loaded(leads: Sequence[LeadLoad]) -> str | None:
    """The lead following the fewest open tickets (ties by username): the named owner."""
    if not leads:
        return None
    return min(leads, key=lambda lead: (lead.owned_open, lead.username)).agent_id


def recipients(
    notify: Iterable[str],
    assignee_id: str | None,
    owner_id: str | None,
    leads: Callable[[], Sequence[LeadLoad]],
) -> list[str]:
    """Who a step tells (in order, each once): the assignee, the follow-up owner, the leads
    (`leads` is asked only when a step names them)."""
    found: list[str] = []
    for recipient in notify:
        if recipient == "assignee" and assignee_id:
            found.append(assignee_id)
        elif recipient == "follow_up_owner" and owner_id:
            found.append(owner_id)
        elif recipient == "leads":
            found += [lead.agent_id for lead in leads()]
    return list(dict.fromkeys(found))
