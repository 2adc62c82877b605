"""`agentdesk import ... --db URL`: imports into the central database reach the consoles through
the ordinary pull, on PostgreSQL and SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agentdesk.cli import app
from agentdesk.server import accounts
from agentdesk.server.tables import change_index, ticket
from agentdesk.store import database
from tests.conftest import NOW
from tests.server.test_pull_into_store import local, sync_down

runner = CliRunner()
DATA = Path(__file__).parents[1] / "data" / "imports"


def import_into(db_url: str, *args: str) -> dict[str, object]:
    result = runner.invoke(
        app, ["--now", NOW.isoformat(), "import", *args, "--db", db_url, "--json"]
    )
    assert "Traceback" not in result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    data["exit"] = result.exit_code
    return data


def test_freshdesk_tickets_imported_centrally_reach_the_agents_console(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    freshdesk = str(DATA / "freshdesk_tickets.csv")
    dry = import_into(db_url, "tickets", freshdesk, "--format", "freshdesk", "--dry-run")
    assert (dry["created"], dry["rejected"], dry["committed"]) == (4, 2, False)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ticket)).scalar() == 3
    report = import_into(db_url, "tickets", freshdesk, "--format", "freshdesk", "--partial")
    assert (report["exit"], report["created"], report["rejected"]) == (0, 4, 2)

    console = tmp_path / "console.db"
    database.upgrade(console)
    sync_down(engine, console, "emma.clark")
    mine = local(
        console,
        "SELECT t.number, t.due_at IS NOT NULL FROM ticket t JOIN agent a "
        "ON a.id = t.assignee_id WHERE a.username = 'emma.clark'",
    )
    assert mine == [("FD-1001", 1)]  # in her queue, with its deadline derived on the console
    seen = {n for (n,) in local(console, "SELECT number FROM ticket WHERE number LIKE 'FD-%'")}
    assert seen == {"FD-1001", "FD-1002"}  # front line's; after-sales and technical's are not hers


def test_a_second_central_import_updates_and_a_team_move_leaves_the_old_scope(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    freshdesk = DATA / "freshdesk_tickets.csv"
    import_into(db_url, "tickets", str(freshdesk), "--format", "freshdesk", "--partial")
    moved = tmp_path / "moved.csv"
    moved.write_text(
        freshdesk.read_text(encoding="utf-8").replace(
            ",Emma Clark,Front line,", ",Emma Clark,After-sales,", 1
        ),
        encoding="utf-8",
    )
    again = import_into(db_url, "tickets", str(moved), "--format", "freshdesk", "--partial")
    assert (again["created"], again["updated"]) == (0, 4)
    with engine.connect() as conn:
        version, team_id = conn.execute(
            sa.select(ticket.c.version, ticket.c.team_id).where(ticket.c.number == "FD-1001")
        ).one()
        scopes = conn.execute(
            sa.select(change_index.c.scope, change_index.c.op)
            .where(change_index.c.entity_type == "ticket")
            .where(
                change_index.c.entity_id
                == sa.select(ticket.c.id).where(ticket.c.number == "FD-1001").scalar_subquery()
            )
        ).all()
    assert version == 2 and team_id == "team-as"
    assert sorted(scopes) == [("team:team-as", "upsert"), ("team:team-fl", "remove")]
    with engine.connect() as conn:
        timeline = conn.execute(
            sa.select(change_index.c.scope, change_index.c.op, sa.func.count())
            .where(change_index.c.entity_type == "ticket_event")
            .group_by(change_index.c.scope, change_index.c.op)
        ).all()
    # FD-1001's timeline (created, its first assignment, the new one) left front line's scope
    assert ("team:team-fl", "remove", 3) in timeline


def test_imported_accounts_cannot_sign_in_until_an_admin_sets_a_password(
    engine: Engine, db_url: str
) -> None:
    import_into(db_url, "teams", str(DATA / "zendesk_groups.json"), "--format", "zendesk")
    report = import_into(db_url, "agents", str(DATA / "zendesk_users.json"), "--format", "zendesk")
    assert (report["exit"], report["created"], report["skipped"]) == (0, 2, 2)
    with engine.begin() as conn:
        account = accounts.account_by_username(conn, "amy.zhou@example.com")
        assert account.role == "agent"
        stored = conn.execute(
            sa.text("SELECT password_hash FROM account WHERE username = 'amy.zhou@example.com'")
        ).scalar()
    assert stored and stored.startswith("$argon2")
