"""Quality monitoring (R8): team leads draw a random sample of each agent's handled tickets and
score each on tone, professionalism, efficiency and compliance (1–5, with a comment); the
scorecards feed coaching. Nobody reviews their own tickets: a lead's draw leaves out the
tickets the lead handled, and a lead never scores one of them.

The sample is reproducible: the same handled tickets, count and seed always draw the same
tickets (one generator per agent, seeded with the seed and the agent's id, over the agent's
tickets in id order), so a lead can redraw it and an auditor can check it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.domain.model import EventKind, Role
from agentdesk.domain.phrase_check import Finding, RuleSet
from agentdesk.domain.records import AgentRecord, TimelineEntry

DIMENSIONS = ("tone", "professionalism", "efficiency", "compliance")
SCORE_RANGE = (1, 5)
SCORING_ROLES = frozenset({Role.LEAD, Role.ADMIN})
MAX_PER_AGENT = 100


def draw_sample(
    handled: Mapping[str, Iterable[str]], per_agent: int, seed: int
) -> dict[str, list[str]]:
    """Up to `per_agent` of each agent's handled tickets (agent id → ticket ids), in id order."""
    if not 1 <= per_agent <= MAX_PER_AGENT:
        raise ValidationFailed("qa.bad_per_agent", value=per_agent, maximum=MAX_PER_AGENT)
    drawn = {}
    for agent_id in sorted(handled):
        tickets = sorted(set(handled[agent_id]))
        rng = random.Random(f"{seed}:{agent_id}")
        drawn[agent_id] = sorted(rng.sample(tickets, min(per_agent, len(tickets))))
    return drawn


@dataclass(frozen=True)
class QaScore:
    tone: int
    professionalism: int
    efficiency: int
    compliance: int
    comment: str = ""

    def __post_init__(self) -> None:
        low, high = SCORE_RANGE
        for name in DIMENSIONS:
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise ValidationFailed("qa.bad_score", field=name, value=value, low=low, high=high)

    @property
    def overall(self) -> float:
        return sum(getattr(self, name) for name in DIMENSIONS) / len(DIMENSIONS)


def reply_findings(entry: TimelineEntry, rules: RuleSet) -> list[Finding] | None:
    """The banned phrases in a reply the customer received from the agent; None for any other
    entry (the customer's own words, notes, call logs are not what QA scores)."""
    if entry.kind is not EventKind.REPLY or entry.data.get("direction", "outbound") != "outbound":
        return None
    return rules.check(entry.body)


def check_can_score(actor: AgentRecord) -> None:
    if actor.role not in SCORING_ROLES:
        raise NotAllowed("qa.leads_only", role=actor.role.value)


def check_not_own(actor: AgentRecord, agent_id: str, number: str) -> None:
    """No self-review: a lead who also handles tickets has them scored by another lead."""
    if agent_id == actor.id:
        raise NotAllowed("qa.own_ticket", number=number)


@dataclass(frozen=True)
class Scorecard:
    """One agent's QA over the scored reviews: averages per dimension and overall."""

    agent_id: str
    sampled: int
    scored: int
    averages: dict[str, float | None]
    overall: float | None


def scorecard(agent_id: str, sampled: int, scores: Sequence[QaScore]) -> Scorecard:
    """Averages of the scored reviews; None (never NaN) while none is scored."""
    if not scores:
        return Scorecard(agent_id, sampled, 0, dict.fromkeys(DIMENSIONS), None)
    averages: dict[str, float | None] = {
        name: sum(getattr(s, name) for s in scores) / len(scores) for name in DIMENSIONS
    }
    overall = sum(s.overall for s in scores) / len(scores)
    return Scorecard(agent_id, sampled, len(scores), averages, overall)
