"""Conflicts as data, timelines without doubles, a store restored from a backup (T17), a session
that ends mid-sync (T20) — a console store syncing with the real server app, both backends."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import EventKind, RootCause, Status
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import push
from agentdesk.server.accounts import SESSION_TTL
from agentdesk.server.app import create_app
from agentdesk.server.tables import sync_conflict, ticket, ticket_event
from agentdesk.store import conflict_store, database
from agentdesk.store.repository import Repository
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import ServerClient, SyncProblem
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD, who

POLICY = load_policy(SHIPPED_POLICY_DIR)
EPOCH = int(NOW.timestamp())
REFUND = "T-20261123-0001"  # assigned to zhang.wei, front line
COMPLAINT = "T-20261123-0002"  # new, unassigned, front line


@pytest.fixture
def console_store(seeded: Path, tmp_path: Path) -> Path:
    path = tmp_path / "console.db"
    shutil.copyfile(seeded, path)
    return path


@pytest.fixture
def server_clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def app_http(engine: Engine, server_clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(engine, clock=server_clock)) as http:
        yield http


def sign_in(http: TestClient, username: str = "zhang.wei") -> ServerClient:
    login = {"username": username, "password": PASSWORD}
    return ServerClient("", http.post("/v1/auth/login", json=login).json()["token"], http)


def repo_of(store: Path) -> Repository:
    return Repository(database.make_engine(store))


def edit(store: Path, change: str, ref: str = REFUND) -> None:
    """One edit made at the console, as zhang.wei."""
    repo = repo_of(store)
    try:
        me = repo.agent_by_username("zhang.wei")
        if change == "take":
            repo.take(ref, me, NOW)
        elif change == "work":
            repo.change_status(ref, Status.IN_PROGRESS, me, NOW)
        elif change == "resolve":
            repo.resolve(ref, "Refund re-issued by the bank", RootCause.BILLING_ERROR, me, NOW)
        elif change == "transfer":
            repo.transfer(ref, "after_sales", "Customer wants a replacement", me, NOW)
        else:
            repo.add_message(ref, EventKind.NOTE, change, me, NOW)
    finally:
        repo.engine.dispose()


def ticket_id(store: Path, number: str) -> str:
    return str(rows(store, "SELECT id FROM ticket WHERE number = ?", (number,))[0][0])


def server_events(engine: Engine, target: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(ticket_event.c.id, ticket_event.c.kind)
            .where(ticket_event.c.ticket_id == target)
            .order_by(ticket_event.c.id)
        )
        return [(r.id, r.kind) for r in found]


def local_events(store: Path, target: str) -> list[tuple[str, str]]:
    sql = "SELECT id, kind FROM ticket_event WHERE ticket_id = ? ORDER BY id"
    return [(str(i), str(k)) for i, k in rows(store, sql, (target,))]


@pytest.mark.parametrize("changes", [("take", "work", "resolve"), ("take", "transfer")])
def test_every_timeline_entry_exists_once_on_both_sides_after_a_sync(
    console_store: Path, app_http: TestClient, engine: Engine, changes: tuple[str, ...]
) -> None:
    for change in changes:
        edit(console_store, change, COMPLAINT)
    target = ticket_id(console_store, COMPLAINT)
    made_here = local_events(console_store, target)
    summary = sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    assert summary.rejected == summary.conflicts == 0
    on_server = server_events(engine, target)
    assert on_server == made_here  # the server kept the console's event ids: no doubles
    if "transfer" in changes:  # the ticket left zhang.wei's team: gone from this console
        assert local_events(console_store, target) == []
    else:
        assert local_events(console_store, target) == on_server
        kinds = [kind for _, kind in on_server]
        assert kinds.count("status_change") == 3  # new→assigned→in progress→resolved


def lead_resolves_first(engine: Engine, target: str) -> None:
    """The team lead resolves the ticket on the server before the console's edit arrives."""
    lead = who(engine, "chen.jing")
    args = {"ticket_id": target, "resolution": "Refunded by hand", "root_cause": "process"}
    done = push.push(
        engine, lead, "lead-console-1", [push.Mutation(1, "u-lead-1", "ticket.resolve.v1", args)],
        NOW,
    )  # fmt: skip
    assert done.results[0].status == "applied"


def test_a_resolution_that_loses_the_race_is_kept_as_a_note_and_shown_as_a_conflict(
    console_store: Path, app_http: TestClient, engine: Engine
) -> None:
    target = ticket_id(console_store, REFUND)
    edit(console_store, "work")
    sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    edit(console_store, "resolve")  # offline, while the lead resolves it on the server
    optimistic = set(local_events(console_store, target))
    lead_resolves_first(engine, target)
    summary = sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    assert summary.conflicts == 1
    with engine.connect() as conn:
        conflict = conn.execute(sa.select(sync_conflict)).mappings().one()
        resolution = conn.execute(sa.select(ticket.c.resolution).where(ticket.c.id == target))
        assert resolution.scalar() == "Refunded by hand"  # first commit won
        note = conn.execute(
            sa.select(ticket_event.c.body, ticket_event.c.kind).where(
                ticket_event.c.id == conflict["note_event_id"]
            )
        ).one()
    assert (conflict["outcome"], conflict["intent"]) == ("conflict", "ticket.resolve.v1")
    assert note == ("Refund re-issued by the bank", "note")  # the losing text, kept
    # the console: the server's version, the kept note, no trace of its own resolution
    local = set(local_events(console_store, target))
    assert local == set(server_events(engine, target))
    mine = {event for event in optimistic if event[1] == "resolution"}
    assert len(mine) == 1 and not mine & local  # the console's own resolution entry is gone
    assert rows(console_store, "SELECT resolution FROM ticket WHERE id = ?", (target,)) == [
        ("Refunded by hand",)
    ]
    conn = database.connect(console_store)
    try:
        assert conflict_store.unseen_count(conn, "ag-1") == 1
        [entry] = conflict_store.conflict_list(conn, "ag-1", "张伟")
        assert (entry.ticket_number, entry.kept_in, entry.mine) == (REFUND, "note", True)
        assert entry.losing_text == "Refund re-issued by the bank"
        assert conflict_store.unseen_count(conn, "ag-2") == 0  # not involved
        conflict_store.mark_seen(conn, NOW.isoformat())
        assert conflict_store.unseen_count(conn, "ag-1") == 0
    finally:
        conn.close()


def test_a_store_restored_from_an_old_backup_takes_a_new_client_id_and_loses_nothing(
    console_store: Path, app_http: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """T17: the backup holds an edit the server already has (pushed after the backup was taken)
    and reuses mutation ids the server saw with other edits."""
    edit(console_store, "Note before the backup")
    backup = tmp_path / "backup.db"
    shutil.copyfile(console_store, backup)
    sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    edit(console_store, "Note after the backup")
    sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    shutil.copyfile(backup, console_store)  # the console's disk is restored
    edit(console_store, "Note after the restore")  # takes an id the server saw for another edit
    old_client = rows(console_store, "SELECT client_id FROM sync_state")[0][0]
    summary = sync_round(console_store, sign_in(app_http), POLICY, EPOCH)
    assert summary.rotated and summary.rejected == summary.conflicts == 0
    assert rows(console_store, "SELECT client_id FROM sync_state")[0][0] != old_client
    with engine.connect() as conn:
        notes = conn.execute(
            sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note")
        ).scalars()
        on_server = sorted(notes)
    expected = ["Note after the backup", "Note after the restore", "Note before the backup"]
    assert on_server == expected  # each exactly once
    local = [r[0] for r in rows(console_store, "SELECT body FROM ticket_event WHERE kind = 'note'")]
    assert sorted(local) == expected  # converged, the lost edit pulled back
    assert rows(console_store, "SELECT DISTINCT state FROM outbox") == [("applied",)]


def test_the_pull_reports_the_last_applied_mutation_of_the_callers_own_client(
    console_store: Path, app_http: TestClient
) -> None:
    edit(console_store, "A note")
    server = sign_in(app_http)
    sync_round(console_store, server, POLICY, EPOCH)
    client_id, acked = rows(console_store, "SELECT client_id, acked_mutation_id FROM sync_state")[0]
    assert acked == rows(console_store, "SELECT max(mutation_id) FROM outbox")[0][0]
    mine = server.request("GET", "/v1/sync/pull", params={"client_id": client_id}).json()
    theirs = sign_in(app_http, "emma.clark").request(
        "GET", "/v1/sync/pull", params={"client_id": client_id}
    )
    assert mine["last_mutation_id"] == acked and theirs.json()["last_mutation_id"] == 0


class ExpiresAfterPush(httpx.BaseTransport):
    """Forwards to the app; the session runs out right after the first push (T20)."""

    def __init__(self, http: TestClient, clock: FrozenClock) -> None:
        self.http, self.clock, self.expired = http, clock, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.http.request(
            request.method, request.url.path, params=request.url.params,
            content=request.content, headers=dict(request.headers),
        )  # fmt: skip
        if request.url.path == "/v1/sync/push" and not self.expired:
            self.clock.advance(SESSION_TTL + timedelta(minutes=1))
            self.expired = True
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)


def test_a_session_that_ends_mid_sync_stops_the_round_and_signing_in_again_continues_it(
    console_store: Path, app_http: TestClient, engine: Engine, server_clock: FrozenClock
) -> None:
    edit(console_store, "First note")
    server = sign_in(app_http)
    http = httpx.Client(transport=ExpiresAfterPush(app_http, server_clock))
    with pytest.raises(SyncProblem) as stopped:
        sync_round(console_store, ServerClient("http://x", server.token, http), POLICY, EPOCH)
    assert stopped.value.http_status == 401 and "sign in again" in stopped.value.message()
    assert rows(console_store, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]
    cursor_before = rows(console_store, "SELECT pull_cursor FROM sync_state")[0][0]
    edit(console_store, "Second note")  # made while signed out: waits
    summary = sync_round(console_store, sign_in(app_http), POLICY, EPOCH)  # signed in again
    assert summary.pushed == 1 and summary.pulled > 0
    assert rows(console_store, "SELECT pull_cursor FROM sync_state")[0][0] != cursor_before
    with engine.connect() as conn:
        notes = conn.execute(
            sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note")
        ).scalars()
        assert sorted(notes) == ["First note", "Second note"]
