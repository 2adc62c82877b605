"""Small plain-sqlite3 reads the console needs before the ORM is loaded (start-up path)."""

from __future__ import annotations

import sqlite3

from agentdesk.domain.errors import NotFound
from agentdesk.domain.model import Role
from agentdesk.domain.records import AgentRecord, TeamRecord


def agent_by_username(conn: sqlite3.Connection, username: str) -> AgentRecord:
    row = conn.execute(
        "SELECT id, username, display_name, role, team_id FROM agent WHERE username = ?",
        (username,),
    ).fetchone()
    if row is None:
        raise NotFound("error.unknown_agent", username=username)
    return AgentRecord(row[0], row[1], row[2], Role(row[3]), row[4])


def teams(conn: sqlite3.Connection) -> list[TeamRecord]:
    rows = conn.execute("SELECT id, code, name_en, name_zh FROM team ORDER BY code")
    return [TeamRecord(*r) for r in rows]


def agent_names(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, display_name FROM agent"))


def first_agent(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(
        "SELECT username FROM agent WHERE role IN ('agent', 'lead') AND active "
        "ORDER BY role, username LIMIT 1"
    ).fetchone()
    return row[0] if row else None
