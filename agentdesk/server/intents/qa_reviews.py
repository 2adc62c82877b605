"""QA reviews (R8): leads draw handled tickets for review and score them; nobody reviews
their own tickets."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.engine import Connection

from agentdesk.domain import qa
from agentdesk.domain.errors import NotFound, ValidationFailed
from agentdesk.domain.model import Status
from agentdesk.server import changes
from agentdesk.server.accounts import Account
from agentdesk.server.intents.base import (
    APPLIED,
    Intent,
    IntentArgs,
    Outcome,
    agent_of,
    exists,
    locked_ticket,
)
from agentdesk.server.tables import qa_review, ticket

DAY = r"^\d{4}-\d{2}-\d{2}$"  # the period a lead drew from, as `qa sample` takes it


class QaDraw(IntentArgs):
    ticket_id: str
    period_since: str = Field(pattern=DAY)
    period_until: str = Field(pattern=DAY)
    seed: int = Field(ge=-(2**63), lt=2**63)


class QaScoring(IntentArgs):
    ticket_id: str
    tone: int
    professionalism: int
    efficiency: int
    compliance: int
    comment: str = ""


HANDLED_STATUSES = (Status.RESOLVED.value, Status.CLOSED.value)


def qa_draw(conn: Connection, who: Account, args: QaDraw, now: datetime) -> Outcome:
    """A ticket a lead drew for QA review: one the server knows as handled (resolved or closed,
    by an agent), reviewed as that agent's. Drawn before (by anyone): it keeps its first review
    and score, sent again so the drawing console holds the server's."""
    lead = agent_of(who)
    qa.check_can_score(lead)
    row = locked_ticket(conn, args.ticket_id)
    if row["assignee_id"] is None or row["status"] not in HANDLED_STATUSES:
        raise ValidationFailed("qa.not_handled", number=row["number"])
    qa.check_not_own(lead, row["assignee_id"], row["number"])
    if not exists(conn, qa_review, row["id"]):
        conn.execute(
            qa_review.insert().values(
                id=row["id"], ticket_id=row["id"], agent_id=row["assignee_id"],
                drawn_at=now.isoformat(), drawn_by=who.id, period_since=args.period_since,
                period_until=args.period_until, seed=args.seed,
            )
        )  # fmt: skip
    changes.record(conn, "qa_review", row["id"], changes.QA)
    return APPLIED


def qa_score(conn: Connection, who: Account, args: QaScoring, now: datetime) -> Outcome:
    """A lead's score of a drawn review; scoring again replaces it (the last one wins)."""
    lead = agent_of(who)
    qa.check_can_score(lead)
    score = qa.QaScore(
        args.tone, args.professionalism, args.efficiency, args.compliance, args.comment.strip()
    )
    values = {name: getattr(score, name) for name in qa.DIMENSIONS}
    number = conn.execute(sa.select(ticket.c.number).where(ticket.c.id == args.ticket_id))
    shown = number.scalar() or args.ticket_id
    reviewed = conn.execute(sa.select(qa_review.c.agent_id).where(qa_review.c.id == args.ticket_id))
    agent_id = reviewed.scalar()
    if agent_id is None:
        raise NotFound("qa.not_drawn", number=shown)
    qa.check_not_own(lead, agent_id, shown)
    conn.execute(
        qa_review.update()
        .where(qa_review.c.id == args.ticket_id)
        .values(**values, comment=score.comment, scored_at=now.isoformat(), scorer_id=who.id)
    )
    changes.record(conn, "qa_review", args.ticket_id, changes.QA)
    return APPLIED


INTENTS: dict[str, Intent] = {
    "qa.draw.v1": Intent(QaDraw, qa_draw),
    "qa.score.v1": Intent(QaScoring, qa_score),
}
