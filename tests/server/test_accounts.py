"""Accounts, sessions and roles on the server, over PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agentdesk.cli import app as cli
from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.errors import AgentdeskError
from agentdesk.server import db
from agentdesk.server.app import create_app

runner = CliRunner()
PASSWORD = "correct horse battery"


def admin(db_url: str, *args: str, password: str | None = None) -> tuple[int, str, str]:
    """Run an administration command against `db_url`."""
    result = runner.invoke(cli, [*args, "--db", db_url], input=password)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def server_db(db_url: str) -> str:
    """An upgraded server database with two teams and an agent, a lead and a supervisor."""
    assert runner.invoke(cli, ["server", "upgrade", "--db", db_url]).exit_code == 0
    for code, kind in (("front_line", "front_line"), ("after_sales", "after_sales")):
        assert admin(db_url, "teams", "add", code, "--kind", kind)[0] == 0
    for name, role, team in (
        ("zhang.wei", "agent", "front_line"),
        ("chen.jing", "lead", "front_line"),
        ("luo.min", "supervisor", "front_line"),
    ):
        code, _, err = admin(
            db_url, "users", "add", name, "--role", role, "--team", team, "--password-stdin",
            password=PASSWORD + "\n",
        )  # fmt: skip
        assert code == 0, err
    return db_url


@pytest.fixture
def client(server_db: str, clock: FrozenClock) -> Iterator[TestClient]:
    engine = db.make_engine(server_db)
    with TestClient(create_app(engine, clock)) as http:
        yield http
    engine.dispose()


def sign_in(client: TestClient, username: str = "zhang.wei", password: str = PASSWORD) -> str:
    answer = client.post("/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_names_the_backend(client: TestClient, server_db: str) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["backend"] == (
        "sqlite" if server_db.startswith("sqlite") else "postgresql"
    )
    assert "/v1/auth/login" in client.get("/openapi.json").json()["paths"]


def test_sign_in_gives_a_token_whoami_knows_it_and_sign_out_ends_it(client: TestClient) -> None:
    token = sign_in(client)
    me = client.get("/v1/auth/whoami", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["account"]["role"] == "agent" and me.json()["scopes"] == ["front_line"]
    assert client.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 401


def test_leads_and_supervisors_see_every_team(client: TestClient) -> None:
    for name in ("chen.jing", "luo.min"):
        me = client.get("/v1/auth/whoami", headers=bearer(sign_in(client, name)))
        assert me.json()["scopes"] == ["after_sales", "front_line"]


def test_wrong_password_unknown_user_and_forged_token_get_401(client: TestClient) -> None:
    for username, password in (("zhang.wei", "wrong password"), ("nobody", PASSWORD)):
        answer = client.post("/v1/auth/login", json={"username": username, "password": password})
        assert answer.status_code == 401
        assert answer.json()["error"] == "error.sign_in_failed"
    for headers in ({}, bearer("forged-token"), {"Authorization": "Basic abc"}):
        assert client.get("/v1/auth/whoami", headers=headers).status_code == 401


def test_a_token_expires_by_the_injected_clock(client: TestClient, clock: FrozenClock) -> None:
    token = sign_in(client)
    clock.advance(timedelta(hours=11, minutes=59))
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 401


def test_tokens_and_passwords_are_stored_hashed(client: TestClient, server_db: str) -> None:
    token = sign_in(client)
    engine = db.make_engine(server_db)
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.text("SELECT token_hash FROM session_token"))]
        hashes = [r[0] for r in conn.execute(sa.text("SELECT password_hash FROM account"))]
    engine.dispose()
    assert token not in stored and len(stored[0]) == 64
    assert all(h.startswith("$argon2") and PASSWORD not in h for h in hashes)


def test_disabling_an_account_ends_its_sessions(client: TestClient, server_db: str) -> None:
    token = sign_in(client)
    assert admin(server_db, "users", "disable", "zhang.wei")[0] == 0
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 401
    answer = client.post("/v1/auth/login", json={"username": "zhang.wei", "password": PASSWORD})
    assert answer.status_code == 401
    assert admin(server_db, "users", "enable", "zhang.wei")[0] == 0
    sign_in(client)


def test_a_new_password_ends_the_old_sessions(client: TestClient, server_db: str) -> None:
    token = sign_in(client)
    new = "a brand new password"
    code, _, _ = admin(server_db, "users", "reset-password", "zhang.wei", "--password-stdin",
                       password=new + "\n")  # fmt: skip
    assert code == 0
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 401
    sign_in(client, password=new)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"username": 5, "password": "x"}', b'{"username": "a"}', b""],
)
def test_malformed_sign_in_requests_get_400_with_a_reason(client: TestClient, body: bytes) -> None:
    answer = client.post(
        "/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "error.malformed_request" and answer.json()["message"]


def test_bad_account_input_is_one_line_and_writes_nothing(server_db: str) -> None:
    cases = [
        (["users", "add", "Bad Name", "--role", "agent", "--team", "front_line"], "user name"),
        (["users", "add", "li.na", "--role", "boss", "--team", "front_line"], "boss"),
        (["users", "add", "li.na", "--role", "agent", "--team", "nowhere"], "nowhere"),
        (["users", "add", "zhang.wei", "--role", "agent", "--team", "front_line"], "exists"),
    ]
    for args, expected in cases:
        code, _, err = admin(server_db, *args, "--password-stdin", password=PASSWORD + "\n")
        assert code != 0 and expected in err and "Traceback" not in err, (args, err)
    code, _, err = admin(server_db, "users", "add", "li.na", "--role", "agent", "--team",
                         "front_line", "--password-stdin", password="short\n")  # fmt: skip
    assert code != 0 and "8" in err
    code, out, _ = admin(server_db, "users", "list", "--json")
    assert code == 0 and "li.na" not in out


def test_the_api_refuses_a_database_that_is_not_upgraded(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with pytest.raises(AgentdeskError) as refused:
        create_app(engine)
    engine.dispose()
    assert "server upgrade" in refused.value.message()


def test_a_foreign_database_url_is_refused_in_one_line() -> None:
    result = runner.invoke(cli, ["server", "upgrade", "--db", "mysql://root:secret@db/x"])
    assert result.exit_code != 0 and "postgresql+psycopg" in result.stderr
    assert "secret" not in result.stderr
