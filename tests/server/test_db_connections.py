"""The server's pooled PostgreSQL connections when the database drops them (a restart, a
firewall): a request on a connection that died in use is answered 503 with Retry-After, the
next one works; a connection that sat idle is checked before use and replaced unseen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url

from agentdesk.server import db
from agentdesk.server.app import create_app
from tests.conftest import FrozenClock
from tests.pg_server import LocalPostgres
from tests.server.conftest import PASSWORD, seed_database


@pytest.fixture
def pg_url(postgres: LocalPostgres, seeded: Path) -> Iterator[str]:
    url = postgres.create_database("t_connections")
    seed_database(url, seeded)
    yield url
    postgres.drop_database("t_connections")


def drop_every_server_connection(url: str) -> int:
    """What a PostgreSQL restart does to the server's pool: end each of its sessions."""
    parts = make_url(url)
    with psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database,
        autocommit=True,
    ) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(ended[0]) if ended else 0


def signed_in(http: TestClient) -> dict[str, str]:
    login = http.post("/v1/auth/login", json={"username": "zhang.wei", "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


@dataclass
class Served:
    engine: Engine
    http: TestClient
    headers: dict[str, str]  # zhang.wei's


@pytest.fixture
def served(pg_url: str, clock: FrozenClock) -> Iterator[Served]:
    """The API over a pool of one connection, zhang.wei signed in."""
    engine = db.make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        with TestClient(create_app(engine, clock)) as http:
            yield Served(engine, http, signed_in(http))
    finally:
        engine.dispose()


@pytest.mark.parametrize("path", ["/v1/auth/whoami", "/v1/sync/pull"])
def test_a_connection_dropped_while_in_the_pool_costs_one_request_a_503_then_it_is_replaced(
    served: Served, pg_url: str, path: str
) -> None:
    http, headers = served.http, served.headers
    assert http.get(path, headers=headers).status_code == 200
    assert drop_every_server_connection(pg_url) >= 1

    lost = http.get(path, headers=headers)
    assert lost.status_code == 503, lost.text
    assert lost.json()["error"] == "error.db_unavailable"
    assert lost.headers["retry-after"] == "1"  # the console backs off and tries again
    assert http.get(path, headers=headers).status_code == 200


def test_a_connection_idle_in_the_pool_is_checked_first_and_the_request_never_sees_it_dead(
    served: Served, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_S", 0.0)  # every pooled one counts as idle
    assert drop_every_server_connection(pg_url) >= 1
    answer = served.http.get("/v1/sync/pull", headers=served.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["changes"]


def test_only_a_connection_that_sat_idle_is_pinged(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of it: on a busy server a request sends its own statements and no SELECT 1."""
    pings: list[object] = []
    dialect = served.engine.dialect
    plain_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda c: pings.append(c) or plain_ping(c))
    for _ in range(3):
        assert served.http.get("/v1/sync/pull", headers=served.headers).status_code == 200
    assert pings == []
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_S", 0.0)
    assert served.http.get("/v1/sync/pull", headers=served.headers).status_code == 200
    assert len(pings) == 1
