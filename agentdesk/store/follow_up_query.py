"""Pending follow-ups (SPEC R10) over plain sqlite3: resolved or closed tickets with no follow-up
result since their latest resolution, and when each is due under the follow-up policy."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from agentdesk.domain.follow_up import FollowUpPolicy
from agentdesk.domain.model import Channel, EventKind

PENDING_WHERE = (
    "t.status IN ('resolved', 'closed') AND t.resolved_at IS NOT NULL AND NOT EXISTS ("
    "SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id "
    f"AND e.kind = '{EventKind.FOLLOW_UP_RESULT.value}' "
    "AND julianday(e.at) >= julianday(t.resolved_at))"
)


def due_sql(policy: FollowUpPolicy) -> str:
    """The follow-up's due time in epoch seconds, as an SQL expression over `ticket t`.
    Channels and hours come from the validated policy, so they are written in as literals."""
    cases = " ".join(
        f"WHEN '{Channel(channel).value}' THEN {int(hours) * 3600}"
        for channel, hours in sorted(policy.by_channel.items())
    )
    default = int(policy.after_hours) * 3600
    seconds = f"CASE t.channel {cases} ELSE {default} END" if cases else str(default)
    return f"(CAST(strftime('%s', t.resolved_at) AS INTEGER) + {seconds})"


@dataclass(frozen=True)
class PendingFollowUp:
    id: str
    number: str
    subject: str
    channel: str
    team_id: str | None
    assignee_id: str | None
    customer_name: str
    resolved_at: datetime
    due_at: datetime


def pending(
    conn: sqlite3.Connection,
    policy: FollowUpPolicy,
    team_id: str | None = None,
    limit: int = 500,
) -> list[PendingFollowUp]:
    """Pending follow-ups (of one team, or all), the earliest due first."""
    where, params = PENDING_WHERE, []
    if team_id is not None:
        where += " AND t.team_id = ?"
        params.append(team_id)
    sql = (
        "SELECT t.id, t.number, t.subject, t.channel, t.team_id, t.assignee_id, "
        "COALESCE(c.name, ''), t.resolved_at "
        f"FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id WHERE {where} "
        f"ORDER BY {due_sql(policy)}, t.pk LIMIT ?"
    )
    found = []
    for ident, number, subject, channel, team, assignee, name, at in conn.execute(
        sql, (*params, limit)
    ):
        resolved = datetime.fromisoformat(at)
        due = policy.due_at(resolved, channel)
        found.append(
            PendingFollowUp(ident, number, subject, channel, team, assignee, name, resolved, due)
        )
    return found
