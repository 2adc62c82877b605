"""QA reviews in the local store (table qa_review, migrations 0014–0015): the handled tickets a
sample is drawn from, the drawn reviews, scores and scorecards. Every draw and score queues its
intent (qa.draw.v1, qa.score.v1) in the same transaction: the server keeps the reviews and sends
them to every lead's, supervisor's and admin's console."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentdesk.domain.qa import DIMENSIONS, QaScore, Scorecard, scorecard
from agentdesk.store import outbox

HANDLED_SQL = (
    "SELECT assignee_id, id FROM ticket WHERE assignee_id IS NOT NULL "
    "AND status IN ('resolved', 'closed') AND resolved_at >= ? AND resolved_at < ?"
)
REVIEWS_SQL = (
    "SELECT q.ticket_id, t.number, t.subject, q.agent_id, a.username, a.display_name, q.scored_at, "
    "q.tone, q.professionalism, q.efficiency, q.compliance, q.comment, q.period_since, "
    "q.period_until, q.seed FROM qa_review q JOIN ticket t ON t.id = q.ticket_id "
    "JOIN agent a ON a.id = q.agent_id"
)


@dataclass(frozen=True)
class Review:
    ticket_id: str
    number: str
    subject: str
    agent_id: str
    username: str
    agent_name: str
    scored_at: str | None
    score: QaScore | None
    period_since: str
    period_until: str
    seed: int


def handled(
    conn: sqlite3.Connection, since: str, until: str, team_id: str | None, reviewer_id: str
) -> dict[str, list[str]]:
    """Agent id → tickets they resolved in [since, until) (UTC ISO bounds), but the reviewer's
    own (no self-review)."""
    sql, params = HANDLED_SQL + " AND assignee_id <> ?", [since, until, reviewer_id]
    if team_id is not None:
        sql += " AND assignee_id IN (SELECT id FROM agent WHERE team_id = ?)"
        params.append(team_id)
    found: dict[str, list[str]] = {}
    for agent_id, ticket_id in conn.execute(sql, params):
        found.setdefault(agent_id, []).append(ticket_id)
    return found


def add_reviews(
    conn: sqlite3.Connection,
    drawn: dict[str, list[str]],
    *,
    at: datetime,
    by: str | None,
    period: tuple[str, str],
    seed: int,
    queue: bool = True,
) -> int:
    """Record the drawn tickets (a ticket already under review keeps its review); how many new.
    `queue=False` for seed data (the demo set), which reaches a server by seeding, not by sync."""
    added = 0
    for agent_id, ticket_ids in drawn.items():
        for ticket_id in ticket_ids:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO qa_review (id, ticket_id, agent_id, drawn_at, drawn_by, "
                "period_since, period_until, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ticket_id, ticket_id, agent_id, at.isoformat(), by, *period, seed),
            )
            added += inserted.rowcount
            if inserted.rowcount == 1 and queue:
                args = {"ticket_id": ticket_id, "period_since": period[0],
                        "period_until": period[1], "seed": seed}  # fmt: skip
                outbox.enqueue_sql(conn, "qa.draw.v1", args, ticket_id, at)
    return added


def reviews(
    conn: sqlite3.Connection, *, pending_only: bool = False, ticket_id: str | None = None
) -> list[Review]:
    sql, params = REVIEWS_SQL, []
    where = []
    if pending_only:
        where.append("q.scored_at IS NULL")
    if ticket_id is not None:
        where.append("q.ticket_id = ?")
        params.append(ticket_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY a.username, t.number", params).fetchall()
    return [_review(row) for row in rows]


def _review(row: Sequence[Any]) -> Review:
    scored_at = row[6]
    tone, professionalism, efficiency, compliance = row[7:11]
    score = (
        None
        if scored_at is None
        else QaScore(tone, professionalism, efficiency, compliance, str(row[11]))
    )
    ticket_id, number, subject, agent_id, username, agent_name = row[:6]
    return Review(ticket_id, number, subject, agent_id, username, agent_name, scored_at, score,
                  row[12], row[13], int(row[14]))  # fmt: skip


def save_score(
    conn: sqlite3.Connection,
    ticket_id: str,
    score: QaScore,
    scorer_id: str,
    at: datetime,
    queue: bool = True,
) -> bool:
    """Score (or re-score) a drawn review; False when the ticket was never drawn."""
    values = {name: getattr(score, name) for name in DIMENSIONS}
    found = conn.execute(
        "UPDATE qa_review SET tone = ?, professionalism = ?, efficiency = ?, compliance = ?, "
        "comment = ?, scored_at = ?, scorer_id = ? WHERE id = ?",
        (*values.values(), score.comment, at.isoformat(), scorer_id, ticket_id),
    )
    if found.rowcount != 1:
        return False
    if not queue:
        return True
    args = {"ticket_id": ticket_id, **values, "comment": score.comment}
    outbox.enqueue_sql(conn, "qa.score.v1", args, ticket_id, at)
    return True


def scorecards(conn: sqlite3.Connection) -> dict[str, Scorecard]:
    """Each reviewed agent's QA scorecard over every drawn review, by agent name order."""
    by_agent: dict[str, list[Review]] = {}
    for review in reviews(conn):
        by_agent.setdefault(review.agent_id, []).append(review)
    return {
        agent: scorecard(agent, len(found), [r.score for r in found if r.score is not None])
        for agent, found in by_agent.items()
    }
