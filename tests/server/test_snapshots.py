"""Ready-made first downloads (server.snapshots, store.snapshot_copy): a console that takes one
ends exactly as one that pulled every page; each scope gets its own; with none ready, or a
damaged one, a console pulls from the start and loses nothing; a snapshot ahead of a restored
database is not offered; a console under another SLA policy derives the clocks again."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import changes, pull, snapshots
from agentdesk.server.app import create_app
from agentdesk.server.tables import ticket
from agentdesk.store import database
from agentdesk.store.snapshot_copy import SnapshotUnusable, copy_snapshot
from agentdesk.store.sync_apply import SYNCED_TABLES
from agentdesk.sync.round import SyncSummary, sync_round
from agentdesk.sync.transport import ServerClient
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD, who

POLICY = load_policy(SHIPPED_POLICY_DIR)
EPOCH = int(NOW.timestamp())
COMPARED = (*SYNCED_TABLES, "team", "agent", "incident")


@pytest.fixture
def shelf(tmp_path: Path) -> snapshots.Shelf:
    return snapshots.Shelf(tmp_path / "snapshots")


@pytest.fixture
def app(engine: Engine, shelf: snapshots.Shelf) -> Iterator[TestClient]:
    with TestClient(create_app(engine, snapshot_dir=shelf.directory)) as http:
        yield http


def signed_in(http: TestClient, username: str) -> ServerClient:
    login = {"username": username, "password": PASSWORD}
    return ServerClient("", http.post("/v1/auth/login", json=login).json()["token"], http)


def build_for(
    engine: Engine, shelf: snapshots.Shelf, username: str, policy: object = POLICY
) -> Path:
    with engine.connect() as conn:
        scopes = pull.scopes_of(conn, who(engine, username))
    built = snapshots.build(engine, scopes, policy, EPOCH, shelf)  # type: ignore[arg-type]
    assert built is not None
    return built


def fresh_store(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.db"
    database.upgrade(path)
    return path


def synced(
    tmp_path: Path, name: str, server: ServerClient, *, snapshot: bool
) -> tuple[Path, SyncSummary]:
    store = fresh_store(tmp_path, name)
    return store, sync_round(store, server, POLICY, EPOCH, snapshot=snapshot)


def contents(store: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every synced and derived row but surrogate keys (a clock's pk), the cursor, and what
    the search index finds."""
    found: dict[str, list[tuple[object, ...]]] = {}
    for table in COMPARED:
        columns = [str(r[1]) for r in rows(store, f"PRAGMA table_info({table})") if r[1] != "pk"]
        found[table] = sorted(rows(store, f"SELECT {', '.join(columns)} FROM {table}"), key=repr)
    found["quality_dirty"] = rows(
        store, "SELECT t.id FROM quality_dirty q JOIN ticket t ON t.pk = q.pk ORDER BY t.id"
    )
    found["cursor"] = rows(store, "SELECT pull_cursor, acked_mutation_id FROM sync_state")
    found["search"] = rows(
        store,
        "SELECT t.id FROM ticket_search s JOIN ticket t ON t.pk = s.rowid "
        "WHERE ticket_search MATCH '\"acuum stop\"' ORDER BY t.id",
    )
    found["cjk"] = rows(
        store,
        "SELECT t.id FROM ticket_search_cjk s JOIN ticket t ON t.pk = s.rowid "
        "WHERE ticket_search_cjk MATCH '退款' ORDER BY t.id",
    )
    return found


def change_after_the_build(engine: Engine) -> None:
    """A ticket changed on the server after the snapshot was built: pulled after taking it."""
    with engine.begin() as conn:
        ident = str(conn.execute(sa.select(ticket.c.id).order_by(ticket.c.number)).scalar())
        conn.execute(ticket.update().where(ticket.c.id == ident).values(subject="Refund late"))
        changes.record(conn, "ticket", ident, "team:team-fl")


def test_a_console_taking_a_snapshot_ends_as_one_that_pulled_every_page(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient, tmp_path: Path
) -> None:
    build_for(engine, shelf, "zhang.wei")
    change_after_the_build(engine)
    server = signed_in(app, "zhang.wei")
    reference, by_pages = synced(tmp_path, "pages", server, snapshot=False)
    store, taken = synced(tmp_path, "snapshot", server, snapshot=True)
    assert (by_pages.snapshot, taken.snapshot) == (0, 3)
    assert 0 < taken.pulled < by_pages.pulled  # only what changed since the build
    assert contents(store) == contents(reference)
    assert contents(store)["search"] and contents(store)["cjk"]
    assert rows(store, "SELECT subject FROM ticket WHERE subject = 'Refund late'")
    assert rows(store, "INSERT INTO ticket_search (ticket_search) VALUES ('integrity-check')") == []
    again = sync_round(store, server, POLICY, EPOCH)  # a store that pulled never takes one
    assert (again.snapshot, again.pulled) == (0, 0)


def test_each_scope_gets_its_own_snapshot_built_in_a_process_of_its_own(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient, tmp_path: Path
) -> None:
    build_for(engine, shelf, "zhang.wei")  # team-fl's, with the three tickets
    server = signed_in(app, "li.na")  # after-sales: none of them
    asked = server.request("GET", "/v1/sync/snapshot", params={"schema": database.HEAD_REVISION})
    assert asked.status_code == 404 and asked.json()["error"] == "error.snapshot_none"
    builders = app.app.state.snapshot_builders  # type: ignore[attr-defined]
    builders.wait(120)  # the build that request started
    assert [p.returncode for p in builders.running.values()] == [0]
    reference, _ = synced(tmp_path, "pages", server, snapshot=False)
    store, taken = synced(tmp_path, "snapshot", server, snapshot=True)
    assert rows(store, "SELECT count(*) FROM ticket") == [(0,)]
    assert taken.snapshot == 0 and contents(store) == contents(reference)
    assert len(list(shelf.directory.glob("*/*.sqlite"))) == 2  # one per scope
    supervisor = signed_in(app, "sun.li")  # reads: a supervisor may take one too
    status = supervisor.request("GET", "/v1/sync/snapshot", params={"schema": "0001"})
    assert status.status_code == 404  # another console schema than this server builds


@pytest.mark.parametrize("damage", ["bytes changed", "not a store"])
def test_a_damaged_snapshot_is_not_taken_and_the_console_pulls_from_the_start(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient, tmp_path: Path, damage: str
) -> None:
    built = build_for(engine, shelf, "zhang.wei")
    if damage == "bytes changed":  # in transit or on disk: the checksum no longer matches
        with built.open("r+b") as file:
            file.seek(built.stat().st_size // 2)
            file.write(b"\xff" * 64)
    else:  # the checksum matches, the content is no store of this schema
        built.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)
        found = snapshots.Snapshot.parse(built)
        assert found is not None
        name = built.name.replace(found.sha256, snapshots._sha256(built))
        built = built.rename(built.with_name(name))
    server = signed_in(app, "zhang.wei")
    reference, _ = synced(tmp_path, "pages", server, snapshot=False)
    store, taken = synced(tmp_path, "damaged", server, snapshot=True)
    assert taken.snapshot == 0 and contents(store) == contents(reference)
    assert not list(tmp_path.glob(".*.snapshot"))  # the download is gone


def test_a_store_that_has_pulled_refuses_a_snapshot_and_stays_as_it_was(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient, tmp_path: Path
) -> None:
    built = build_for(engine, shelf, "zhang.wei")
    store, _ = synced(tmp_path, "pulled", signed_in(app, "zhang.wei"), snapshot=False)
    before = contents(store)
    conn = database.connect(store)
    try:
        with pytest.raises(SnapshotUnusable):
            copy_snapshot(conn, built)
    finally:
        conn.close()
    assert contents(store) == before


def test_a_snapshot_ahead_of_a_restored_database_is_not_offered(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient
) -> None:
    built = build_for(engine, shelf, "zhang.wei")
    found = snapshots.Snapshot.parse(built)
    assert found is not None
    ahead = built.with_name(built.name.replace(f".{found.seq}.", f".{found.seq + 100}."))
    built.rename(ahead)  # as if the database had been restored to an earlier point
    server = signed_in(app, "zhang.wei")
    asked = server.request("GET", "/v1/sync/snapshot", params={"schema": database.HEAD_REVISION})
    assert asked.status_code == 404 and not ahead.exists()
    app.app.state.snapshot_builders.stop()  # type: ignore[attr-defined]


def test_a_console_under_another_policy_derives_the_clocks_again(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient, tmp_path: Path
) -> None:
    elsewhere = dataclasses.replace(POLICY, fingerprint="another-policy")
    built = build_for(engine, shelf, "zhang.wei", elsewhere)
    conn = sqlite3.connect(built)  # its clocks as another policy would have them
    with conn:
        conn.execute("UPDATE ticket SET due_at = NULL, due_clock = NULL")
        conn.execute("DELETE FROM ticket_clock")
    conn.close()
    found = snapshots.Snapshot.parse(built)
    assert found is not None
    built.rename(built.with_name(built.name.replace(found.sha256, snapshots._sha256(built))))
    server = signed_in(app, "zhang.wei")
    reference, _ = synced(tmp_path, "pages", server, snapshot=False)
    store, taken = synced(tmp_path, "snapshot", server, snapshot=True)
    assert taken.snapshot == 3 and contents(store) == contents(reference)
    assert rows(store, "SELECT count(*) FROM ticket WHERE due_at IS NOT NULL") == [(3,)]


def test_without_a_snapshot_folder_the_server_offers_none(engine: Engine, tmp_path: Path) -> None:
    with TestClient(create_app(engine)) as http:
        server = signed_in(http, "zhang.wei")
        asked = server.request(
            "GET", "/v1/sync/snapshot", params={"schema": database.HEAD_REVISION}
        )
        assert asked.status_code == 404
        anonymous = http.get("/v1/sync/snapshot", params={"schema": database.HEAD_REVISION})
        assert anonymous.status_code == 401
        _, taken = synced(tmp_path, "pages", server, snapshot=True)
        assert taken.snapshot == 0 and taken.pulled > 0


def test_a_server_process_runs_one_build_at_a_time(
    engine: Engine, shelf: snapshots.Shelf, app: TestClient
) -> None:
    builders = app.app.state.snapshot_builders  # type: ignore[attr-defined]
    waiting = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    builders.running["another scope"] = waiting  # a build still running
    asked = signed_in(app, "zhang.wei").request(
        "GET", "/v1/sync/snapshot", params={"schema": database.HEAD_REVISION}
    )
    assert asked.status_code == 404 and list(builders.running) == ["another scope"]
    assert waiting.stdin is not None
    waiting.stdin.close()  # that build ends
    waiting.wait(30)
    asked = signed_in(app, "zhang.wei").request(
        "GET", "/v1/sync/snapshot", params={"schema": database.HEAD_REVISION}
    )
    assert asked.status_code == 404 and len(builders.running) == 2  # this one starts now
    builders.wait(120)
    assert rows(next(shelf.directory.glob("*/*.sqlite")), "SELECT count(*) FROM ticket") == [(3,)]
