"""A console's sync round against the real server app (in-process), on both backends; and the
retry logic on a scripted transport (SYNC.md T2, T15, T16, T22)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.model import EventKind, Status
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import changes
from agentdesk.server.app import create_app
from agentdesk.server.tables import ticket, ticket_event
from agentdesk.store import database
from agentdesk.store.repository import Repository
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import ServerClient, SyncProblem
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD

POLICY = load_policy(SHIPPED_POLICY_DIR)
EPOCH = int(NOW.timestamp())


@pytest.fixture
def console_store(seeded: Path, tmp_path: Path, engine: Engine) -> Path:
    """The console's own store: a copy of the store the server was seeded from (same ids)."""
    path = tmp_path / "console.db"
    shutil.copyfile(seeded, path)
    return path


@pytest.fixture
def server(engine: Engine) -> Iterator[ServerClient]:
    with TestClient(create_app(engine)) as http:
        login = {"username": "zhang.wei", "password": PASSWORD}
        token = http.post("/v1/auth/login", json=login).json()["token"]
        yield ServerClient("", token, http)


def edit_offline(store: Path) -> str:
    """A note and a status move made in the console, queued in its outbox."""
    repo = Repository(database.make_engine(store))
    try:
        me = repo.agent_by_username("zhang.wei")
        number = "T-20261123-0001"  # the refund, assigned to zhang.wei
        repo.add_message(number, EventKind.NOTE, "Called the bank", me, NOW)
        repo.change_status(number, Status.IN_PROGRESS, me, NOW)
        return repo.ticket(number).id
    finally:
        repo.engine.dispose()


def test_a_round_pushes_the_outbox_and_pulls_the_result(
    console_store: Path, server: ServerClient, engine: Engine
) -> None:
    target = edit_offline(console_store)
    summary = sync_round(console_store, server, POLICY, EPOCH)
    # the seeded store's own five intents (already on the server: applied again, idempotent)
    # and the two edits made here
    assert (summary.pushed, summary.applied, summary.rejected, summary.conflicts) == (7, 7, 0, 0)
    assert summary.pulled > 0
    with engine.connect() as conn:
        status = conn.execute(sa.select(ticket.c.status).where(ticket.c.id == target)).scalar()
        notes = (
            conn.execute(sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note"))
            .scalars()
            .all()
        )
    assert status == "in_progress" and notes == ["Called the bank"]
    assert rows(console_store, "SELECT DISTINCT state FROM outbox") == [("applied",)]
    again = sync_round(console_store, server, POLICY, EPOCH)
    assert (again.pushed, again.pulled) == (0, 0)  # nothing new either way


def test_a_refused_edit_is_marked_and_the_console_gets_the_servers_version(
    console_store: Path, server: ServerClient, engine: Engine
) -> None:
    target = edit_offline(console_store)
    with engine.begin() as conn:  # meanwhile someone else moved the ticket on the server
        conn.execute(ticket.update().where(ticket.c.id == target).values(status="waiting_customer"))
    summary = sync_round(console_store, server, POLICY, EPOCH)
    assert (summary.applied, summary.conflicts) == (6, 1)
    states = rows(console_store, "SELECT name, state FROM outbox ORDER BY mutation_id DESC LIMIT 2")
    assert states == [("ticket.set_status.v1", "conflict"), ("ticket.add_event.v1", "applied")]
    local = rows(console_store, "SELECT status FROM ticket WHERE id = ?", (target,))
    assert local == [("waiting_customer",)]  # the optimistic move was corrected


def test_a_round_with_edits_after_the_first_gets_its_first_page_in_the_push_answer(
    console_store: Path, server: ServerClient, engine: Engine
) -> None:
    """One request where a round needs two: the push asks for the page after it; the store
    ends as a separate pull would leave it (the note there, the cursor moved on)."""
    sync_round(console_store, server, POLICY, EPOCH)  # the first round: a cursor of its own
    cursor = rows(console_store, "SELECT pull_cursor FROM sync_state")
    repo = Repository(database.make_engine(console_store))
    try:
        me = repo.agent_by_username("zhang.wei")
        repo.add_message("T-20261123-0001", EventKind.NOTE, "Bank confirmed", me, NOW)
    finally:
        repo.engine.dispose()
    other = "T-20261123-0002"
    with engine.begin() as conn:  # and a colleague's edit, made on the server meanwhile
        row = conn.execute(sa.select(ticket.c.id, ticket.c.team_id).where(ticket.c.number == other))
        ident, team_id = row.one()
        conn.execute(ticket.update().where(ticket.c.id == ident).values(subject="Moved"))
        changes.record(conn, "ticket", ident, changes.ticket_scope(team_id))
    sent: list[str] = []
    server.http.event_hooks["request"] = [lambda request: sent.append(request.url.path)]

    summary = sync_round(console_store, server, POLICY, EPOCH)
    assert sent == ["/v1/sync/push"]
    assert (summary.applied, summary.pages) == (1, 1) and summary.pulled >= 2
    assert rows(console_store, "SELECT pull_cursor FROM sync_state") != cursor
    subject = rows(console_store, "SELECT subject FROM ticket WHERE number = ?", (other,))
    assert subject == [("Moved",)]
    assert rows(console_store, "SELECT DISTINCT state FROM outbox") == [("applied",)]
    sent.clear()
    again = sync_round(console_store, server, POLICY, EPOCH)  # nothing to push: a plain pull
    assert sent == ["/v1/sync/pull"] and again.pulled == 0


def test_an_offline_round_keeps_the_outbox(console_store: Path) -> None:
    edit_offline(console_store)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.Client(transport=httpx.MockTransport(unreachable))
    server = ServerClient("http://127.0.0.1:9", "token", http)
    with pytest.raises(SyncProblem) as stopped:
        sync_round(console_store, server, POLICY, EPOCH)
    assert stopped.value.http_status == 0 and "queued" in stopped.value.message()
    assert rows(console_store, "SELECT DISTINCT state FROM outbox") == [("pending",)]


def scripted(*answers: int) -> tuple[ServerClient, list[float]]:
    """A server that answers with these statuses in turn (then 200 {}), and the sleeps asked for."""
    queue = list(answers)
    slept: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status = queue.pop(0) if queue else 200
        headers = {"Retry-After": "2"} if status == 429 else {}
        return httpx.Response(status, json={"message": "busy"}, headers=headers)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    server = ServerClient(
        "http://x", "t", http, Backoff(base=1, cap=8, random=lambda: 0.5), slept.append
    )
    return server, slept


def test_503_three_times_then_ok_drains_by_itself() -> None:
    server, slept = scripted(503, 503, 503)
    assert server.request("GET", "/v1/sync/pull").status_code == 200
    assert slept == [0.5, 1.0, 2.0]  # full jitter (here the middle of each window), growing


def test_retry_after_is_honoured_and_a_4xx_is_not_retried() -> None:
    server, slept = scripted(429)
    assert server.request("GET", "/").status_code == 200 and slept == [2.0]
    server, slept = scripted(400)
    response = server.request("GET", "/")
    assert response.status_code == 400 and slept == []
    with pytest.raises(SyncProblem) as refused:
        server.json_or_problem(response)
    assert refused.value.http_status == 400 and "busy" in refused.value.message()


def test_an_oversized_batch_is_split(console_store: Path, engine: Engine) -> None:
    edit_offline(console_store)
    seen: list[int] = []

    with TestClient(create_app(engine)) as app_http:
        login = {"username": "zhang.wei", "password": PASSWORD}
        token = app_http.post("/v1/auth/login", json=login).json()["token"]

        def gatekeeper(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/v1/sync/push":
                body: dict[str, Any] = __import__("json").loads(request.content)
                seen.append(len(body["mutations"]))
                if len(body["mutations"]) > 1:
                    return httpx.Response(413, json={"message": "too large"})
            forwarded = app_http.request(
                request.method, request.url.path, params=request.url.params,
                content=request.content, headers=dict(request.headers),
            )  # fmt: skip
            return httpx.Response(
                forwarded.status_code, content=forwarded.content, headers=forwarded.headers
            )

        http = httpx.Client(transport=httpx.MockTransport(gatekeeper))
        summary = sync_round(console_store, ServerClient("http://x", token, http), POLICY, EPOCH)
    assert seen[:3] == [7, 3, 1] and summary.applied == 7, seen


def test_a_first_download_never_waits_for_a_page_holding_the_store(
    tmp_path: Path, server: ServerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages already fetched share a transaction; before waiting for the next one the console
    commits. Each fetch after the first takes the store's write lock from another connection
    first (waiting up to 5 s): held by the console while it waits, that would time out."""
    import sqlite3

    from agentdesk.sync import round as sync_round_module

    monkeypatch.setattr(sync_round_module, "CATCH_UP_PAGE", 3)
    store = tmp_path / "fresh.db"
    database.upgrade(store)
    blocked: list[str] = []
    fetches = 0
    plain_request = ServerClient.request

    def request_after_taking_the_lock(
        self: ServerClient, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        nonlocal fetches
        fetches += 1
        if path == "/v1/sync/pull" and fetches > 1:
            other = sqlite3.connect(store, timeout=5)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                blocked.append(str(exc))
            finally:
                other.close()
        return plain_request(self, method, path, **kwargs)

    monkeypatch.setattr(ServerClient, "request", request_after_taking_the_lock)
    summary = sync_round(store, server, POLICY, EPOCH)
    assert summary.pages > 3 and blocked == []
    assert rows(store, "SELECT count(*) FROM sync_underived") == [(0,)]
