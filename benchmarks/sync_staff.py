"""The load benchmark's call centre: the demo store restaffed with --agents agents in teams of
--team-size, as a centre of that size is organised (a team lead per 10 to 20 agents).

The demo has 20 agents in three agent teams. Sharing them among 2,000 simulated consoles would
put about 670 consoles on one team, each downloading the edits of the other 670 every round:
no centre works like that. Here each demo agent team is split into teams of --team-size with
its share of the agents (in proportion to the demo's), and its tickets are dealt among its new
teams by ticket id, each assigned ticket to one of its new team's agents. The leads' team and
every account of the demo stay as they are (the bootstrap still signs in as the demo lead, who
sees every team). Built once per shape, next to the demo store it comes from.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import uuid
from pathlib import Path

from agentdesk.domain.model import Role

NAMESPACE = uuid.UUID("6f1d7e2a-3b0c-4c8e-9a55-2f4b1d9e7c30")  # stable ids for one shape


def staffed_store(store: Path, agents: int, team_size: int) -> Path:
    """A copy of `store` with `agents` agent accounts in teams of `team_size` (made once)."""
    path = store.with_name(f"{store.stem}-staff{agents}x{team_size}.db")
    if path.exists() and path.stat().st_mtime >= store.stat().st_mtime:
        return path
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    source = sqlite3.connect(store)
    target = sqlite3.connect(building)
    try:
        source.backup(target)  # the store with its WAL folded in
        with target:
            restaff(target, agents, team_size)
    finally:
        source.close()
        target.close()
    shutil.move(building, path)
    return path


def restaff(conn: sqlite3.Connection, agents: int, team_size: int) -> None:
    demo_teams = conn.execute(
        "SELECT t.id, t.code, t.name_en, t.name_zh, t.kind, count(a.id) FROM team t "
        "JOIN agent a ON a.team_id = t.id AND a.role = ? AND a.active "
        "GROUP BY t.id ORDER BY t.code",
        (Role.AGENT.value,),
    ).fetchall()
    demo_agents = sum(row[5] for row in demo_teams)
    for team_id, code, name_en, name_zh, kind, count in demo_teams:
        share = max(team_size, round(agents * count / demo_agents))
        staff = _new_teams(conn, code, name_en, name_zh, kind, share, team_size)
        _deal_tickets(conn, team_id, staff)


def _new_teams(
    conn: sqlite3.Connection,
    code: str,
    name_en: str,
    name_zh: str,
    kind: str,
    agents: int,
    team_size: int,
) -> list[list[str]]:
    """Teams of `team_size` (the last one may be smaller): each team's agent ids, in order."""
    teams: list[list[str]] = []
    for first in range(0, agents, team_size):
        number = len(teams) + 1
        team_id = _stable_id(f"team {code} {number}")
        conn.execute(
            "INSERT INTO team (id, code, name_en, name_zh, kind) VALUES (?, ?, ?, ?, ?)",
            (team_id, f"{code}_{number:03d}", f"{name_en} {number}", f"{name_zh}{number}", kind),
        )
        members = []
        for seat in range(first, min(agents, first + team_size)):
            username = f"{code}.{seat + 1:04d}"
            agent_id = _stable_id(f"agent {username}")
            conn.execute(
                "INSERT INTO agent (id, username, display_name, role, team_id, language, active) "
                "VALUES (?, ?, ?, ?, ?, 'zh-CN', 1)",
                (agent_id, username, username, Role.AGENT.value, team_id),
            )
            members.append(agent_id)
        teams.append([team_id, *members])
    return teams


def _deal_tickets(conn: sqlite3.Connection, team_id: str, teams: list[list[str]]) -> None:
    rows = conn.execute(
        "SELECT id, assignee_id IS NOT NULL FROM ticket WHERE team_id = ?", (team_id,)
    ).fetchall()
    moves = []
    for ticket_id, assigned in rows:
        draw = int(hashlib.sha256(ticket_id.encode()).hexdigest()[:12], 16)
        new_team = teams[draw % len(teams)]
        assignee = new_team[1 + (draw // len(teams)) % (len(new_team) - 1)] if assigned else None
        moves.append((new_team[0], assignee, ticket_id))
    conn.executemany("UPDATE ticket SET team_id = ?, assignee_id = ? WHERE id = ?", moves)


def _stable_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))
