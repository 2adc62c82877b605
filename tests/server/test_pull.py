"""Pulling changes: scopes, paging, the signed cursor and commit-safe order (SYNC.md T10–T12)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.errors import ValidationFailed
from agentdesk.server import accounts, changes, db, pull
from agentdesk.server.app import create_app
from agentdesk.server.tables import ticket
from tests.conftest import NOW
from tests.server.conftest import PASSWORD, pull_all, who


def touch_ticket(engine: Engine, ticket_id: str, subject: str) -> None:
    with engine.begin() as conn:
        team_id = conn.execute(sa.select(ticket.c.team_id).where(ticket.c.id == ticket_id)).scalar()
        conn.execute(ticket.update().where(ticket.c.id == ticket_id).values(subject=subject))
        changes.record(conn, "ticket", ticket_id, changes.ticket_scope(team_id))


def test_a_first_pull_delivers_everything_visible_once_in_pages(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    found, _ = pull_all(engine, agent, limit=3)
    kinds = Counter(c["type"] for c in found)
    assert kinds["team"] == 4 and kinds["agent"] == 5 and kinds["customer"] == 2
    assert kinds["ticket"] == 3 and kinds["ticket_event"] >= 3
    assert len({(c["type"], c["id"]) for c in found}) == len(found)  # each exactly once
    assert all("password_hash" not in c["row"] for c in found if c["type"] == "agent")


def test_the_next_pull_brings_only_what_changed(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    with engine.connect() as conn:
        some_ticket = conn.execute(sa.select(ticket.c.id).limit(1)).scalar()
    touch_ticket(engine, some_ticket, "Refund still missing")
    found, cursor = pull_all(engine, agent, cursor)
    assert [(c["type"], c["id"], c["row"]["subject"]) for c in found] == [
        ("ticket", some_ticket, "Refund still missing")
    ]
    assert pull_all(engine, agent, cursor)[0] == []


def test_accounts_and_teams_an_admin_adds_or_disables_reach_every_console(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    with engine.begin() as conn:
        accounts.add_team(conn, "billing", "Billing", "账务", "front_line")
        added = accounts.add_account(conn, "wu.fang", "agent", "billing", PASSWORD, NOW, "吴芳")
        accounts.set_active(conn, "li.na", False, NOW)
    found, _ = pull_all(engine, agent, cursor=cursor)
    rows = {(c["type"], c["row"]["username"] if c["type"] == "agent" else c["row"]["code"])
            for c in found}  # fmt: skip
    assert rows == {("team", "billing"), ("agent", "wu.fang"), ("agent", "li.na")}
    assert [c["row"]["active"] for c in found if c["id"] != added.id and c["type"] == "agent"] == [
        False
    ]


def test_an_agent_sees_only_their_teams_tickets_and_leads_see_all(engine: Engine) -> None:
    def tickets_seen(username: str) -> set[str]:
        return {
            c["id"] for c in pull_all(engine, who(engine, username))[0] if c["type"] == "ticket"
        }

    assert len(tickets_seen("zhang.wei")) == 3  # front line: all three are theirs
    assert tickets_seen("li.na") == set()  # after-sales
    assert len(tickets_seen("chen.jing")) == 3 and len(tickets_seen("sun.li")) == 3


def test_a_ticket_moved_to_another_team_is_removed_from_the_old_one(engine: Engine) -> None:
    front, after_sales = who(engine, "zhang.wei"), who(engine, "li.na")
    _, front_cursor = pull_all(engine, front)
    _, after_cursor = pull_all(engine, after_sales)
    with engine.begin() as conn:
        moving = conn.execute(sa.select(ticket.c.id).limit(1)).scalar()
        conn.execute(ticket.update().where(ticket.c.id == moving).values(team_id="team-as"))
        changes.moved(conn, "ticket", moving, "team:team-fl", "team:team-as")
    gone = pull_all(engine, front, front_cursor)[0]
    assert [(c["id"], c["op"], c["row"]) for c in gone] == [(moving, "remove", None)]
    came = pull_all(engine, after_sales, after_cursor)[0]
    assert [(c["id"], c["op"]) for c in came] == [(moving, "upsert")]


def test_a_forged_cursor_is_refused_and_changed_scopes_reset(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    body, mac = cursor.split(".")
    with engine.connect() as conn, pytest.raises(ValidationFailed):
        pull.pull(conn, agent, body + "." + ("0" * len(mac)), 10)
    with engine.connect() as conn, pytest.raises(ValidationFailed):
        pull.pull(conn, agent, "not a cursor", 10)
    lead = who(engine, "chen.jing")  # another account's scopes: start again
    with engine.connect() as conn:
        page = pull.pull(conn, lead, cursor, 500)
    assert page.reset and any(c["type"] == "team" for c in page.changes)


def test_a_cursor_ahead_of_the_database_resets(engine: Engine, db_url: str) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    with engine.begin() as conn:  # as if restored from a backup taken before the last changes
        last = conn.execute(sa.select(sa.func.max(changes.change_index.c.seq))).scalar()
        conn.execute(changes.change_index.delete().where(changes.change_index.c.seq == last))
    with engine.connect() as conn:
        assert pull.pull(conn, agent, cursor, 500).reset


def test_one_transaction_of_1001_changes_arrives_once_in_pages_of_500(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    ids = [f"c-{n:04d}" for n in range(1001)]
    with engine.begin() as conn:
        changes.record_many(conn, [("customer", i, changes.ALL) for i in ids])
    found, _ = pull_all(engine, agent, cursor, limit=500)
    assert sorted(c["id"] for c in found) == ids  # (gone customers arrive as deletes)
    assert {c["op"] for c in found} == {"delete"}


def test_a_late_commit_is_not_skipped_on_postgresql(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the commit-order horizon is PostgreSQL's (SQLite has one writer)")
    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    early, late = engine.connect(), engine.connect()
    try:
        early.begin()
        changes.record(early, "customer", "early", changes.ALL)  # older transaction id
        late.begin()
        changes.record(late, "customer", "late", changes.ALL)
        late.commit()  # commits first
        found, after = pull_all(engine, agent, cursor)
        assert found == []  # the late one waits behind the still-open early one
        early.commit()
        found, _ = pull_all(engine, agent, after)
        assert [c["id"] for c in found] == ["early", "late"]
    finally:
        early.close()
        late.close()


def test_the_pull_endpoint(engine: Engine) -> None:
    with TestClient(create_app(engine)) as http:
        assert http.get("/v1/sync/pull").status_code == 401
        login = {"username": "zhang.wei", "password": PASSWORD}
        token = http.post("/v1/auth/login", json=login).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        first = http.get("/v1/sync/pull", params={"limit": 4}, headers=auth)
        assert first.status_code == 200 and first.json()["has_more"] is True
        assert len(first.json()["changes"]) == 4 and first.json()["reset"] is False
        again = http.get("/v1/sync/pull", params={"cursor": "xyz.abc"}, headers=auth)
        assert again.status_code == 400 and again.json()["error"] == "error.bad_cursor"
        assert http.get("/v1/sync/pull", params={"limit": 0}, headers=auth).status_code == 400


def test_seeding_from_the_command_line_only_into_an_empty_database(
    db_url: str, seeded: Path
) -> None:
    from typer.testing import CliRunner

    from agentdesk.cli import app as cli

    runner = CliRunner()
    assert runner.invoke(cli, ["server", "upgrade", "--db", db_url]).exit_code == 0
    args = ["server", "seed", "--from", str(seeded), "--db", db_url, "--password-stdin", "--json"]
    result = runner.invoke(cli, args, input=PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert '"tickets": 3' in result.stdout
    again = runner.invoke(cli, args, input=PASSWORD)
    assert again.exit_code != 0 and "already holds tickets" in again.stderr
    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        session = accounts.sign_in(conn, "zhang.wei", PASSWORD, NOW)
    engine.dispose()
    assert session.account.team_code == "front_line"


def test_after_a_restore_the_admin_rotates_the_epoch_and_clients_reset(
    engine: Engine, db_url: str
) -> None:
    from typer.testing import CliRunner

    from agentdesk.cli import app as cli

    agent = who(engine, "zhang.wei")
    _, cursor = pull_all(engine, agent)
    result = CliRunner().invoke(cli, ["server", "restored", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    with engine.connect() as conn:
        page = pull.pull(conn, agent, cursor, 500)
    assert page.reset and any(c["type"] == "ticket" for c in page.changes)
