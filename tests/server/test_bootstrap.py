"""A console's first download: each ticket derived once, ending the same as page by page; a
first download cut short derives the rest on the next round; the pull answer is the documented
model's bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import changes, pull
from agentdesk.server.app import Change, PullResponse, create_app
from agentdesk.server.tables import ticket
from agentdesk.store import database
from agentdesk.store.sync_apply import apply_page, derive_underived, saved_cursor
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import ServerClient
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD, who

POLICY = load_policy(SHIPPED_POLICY_DIR)
EPOCH = int(NOW.timestamp())
PAGE = 2  # small pages: ticket rows and their timelines land on different pages


@pytest.fixture
def later_ticket(engine: Engine) -> str:
    """A ticket changed on the server after its timeline was written: in a pull from zero its
    row comes after its entries."""
    with engine.begin() as conn:
        ident = str(conn.execute(sa.select(ticket.c.id).order_by(ticket.c.number)).scalar())
        conn.execute(ticket.update().where(ticket.c.id == ident).values(subject="Refund late"))
        changes.record(conn, "ticket", ident, "team:team-fl")
    return ident


@pytest.fixture
def server(engine: Engine) -> Iterator[ServerClient]:
    with TestClient(create_app(engine)) as http:
        login = {"username": "zhang.wei", "password": PASSWORD}
        token = http.post("/v1/auth/login", json=login).json()["token"]
        yield ServerClient("", token, http)


def fresh_store(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.db"
    database.upgrade(path)
    return path


def pull_pages(
    engine: Engine, store: Path, *, first_download: bool, stop_when_listed: bool = False
) -> int:
    """Pull and apply pages of PAGE changes until the end (or, with `stop_when_listed`, until
    some ticket waits to be derived: a console killed there); returns the most tickets that
    waited at once."""
    account = who(engine, "zhang.wei")
    conn = database.connect(store)
    most = 0
    try:
        while True:
            with engine.connect() as server:
                page = pull.pull(server, account, saved_cursor(conn), PAGE)
            apply_page(
                conn, page.changes, page.cursor, POLICY, EPOCH, first_download=first_download
            )
            listed = conn.execute("SELECT count(*) FROM sync_underived").fetchone()[0]
            most = max(most, listed)
            if not page.has_more or (stop_when_listed and listed):
                return most
    finally:
        conn.close()


def derived(store: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every ticket column, the clocks (but their surrogate keys: a clock derived twice is
    inserted twice) and the search index."""
    clock_columns = [
        str(r[1]) for r in rows(store, "PRAGMA table_info(ticket_clock)") if r[1] != "pk"
    ]
    return {
        "ticket": rows(store, "SELECT * FROM ticket ORDER BY id"),
        "ticket_clock": rows(
            store, f"SELECT {', '.join(clock_columns)} FROM ticket_clock ORDER BY ticket_id, name"
        ),
        "search": rows(store, "SELECT id, c0 FROM ticket_search_content ORDER BY id"),
        "cjk": rows(
            store, "SELECT rowid FROM ticket_search_cjk WHERE ticket_search_cjk MATCH '退款'"
        ),
    }


def test_a_first_download_derives_what_page_by_page_apply_derives(
    engine: Engine, tmp_path: Path, later_ticket: str
) -> None:
    reference = fresh_store(tmp_path, "page_by_page")
    pull_pages(engine, reference, first_download=False)
    store = fresh_store(tmp_path, "first_download")
    assert pull_pages(engine, store, first_download=True) > 0  # rows waited for timelines
    assert rows(store, "SELECT ticket_id FROM sync_underived") == [(later_ticket,)]
    conn = database.connect(store)
    try:
        assert derive_underived(conn, POLICY, EPOCH) == 1
    finally:
        conn.close()
    assert rows(store, "SELECT count(*) FROM sync_underived") == [(0,)]
    assert derived(store) == derived(reference)
    assert rows(store, "SELECT count(*) FROM ticket WHERE due_at IS NOT NULL") == [(3,)]


def test_a_first_download_cut_short_derives_the_rest_on_the_next_round(
    engine: Engine, tmp_path: Path, server: ServerClient, later_ticket: str
) -> None:
    reference = fresh_store(tmp_path, "page_by_page")
    pull_pages(engine, reference, first_download=False)
    store = fresh_store(tmp_path, "killed")
    pull_pages(engine, store, first_download=True, stop_when_listed=True)
    waiting = rows(store, "SELECT ticket_id FROM sync_underived")
    assert waiting and rows(store, "SELECT pull_cursor IS NOT NULL FROM sync_state") == [(1,)]
    summary = sync_round(store, server, POLICY, EPOCH)  # a later round carries on
    assert summary.pulled > 0 and not summary.reset
    assert rows(store, "SELECT count(*) FROM sync_underived") == [(0,)]
    assert derived(store) == derived(reference)


def test_a_ticket_with_an_edit_waiting_keeps_its_local_version_and_stays_listed(
    engine: Engine, tmp_path: Path
) -> None:
    store = fresh_store(tmp_path, "waiting")
    pull_pages(engine, store, first_download=True, stop_when_listed=True)
    [(target,)] = rows(store, "SELECT ticket_id FROM sync_underived LIMIT 1")
    conn = database.connect(store)
    try:
        with conn:
            conn.execute(
                "INSERT INTO outbox (mutation_id, mutation_uuid, name, args_json, ticket_id, "
                "client_time, state, attempts) "
                "VALUES (1, 'u1', 'ticket.set_status.v1', '{}', ?, '', 'pending', 0)",
                (target,),
            )
        before = conn.execute("SELECT * FROM ticket WHERE id = ?", (target,)).fetchall()
        derive_underived(conn, POLICY, EPOCH)
    finally:
        conn.close()
    assert rows(store, "SELECT ticket_id FROM sync_underived") == [(target,)]
    assert rows(store, "SELECT * FROM ticket WHERE id = ?", (target,)) == before
    assert rows(store, "SELECT count(*) FROM ticket_clock WHERE ticket_id = ?", (target,)) == [(0,)]


def test_the_pull_answer_is_the_documented_model_serialized(
    engine: Engine, server: ServerClient
) -> None:
    answer = server.request("GET", "/v1/sync/pull", params={"limit": 1000})
    with engine.connect() as conn:
        page = pull.pull(conn, who(engine, "zhang.wei"), None, 1000)
    model = PullResponse(
        cursor=page.cursor,
        has_more=page.has_more,
        reset=page.reset,
        last_mutation_id=0,
        changes=[Change(**c) for c in page.changes],
    )  # what the endpoint answered before: the model, validated, dumped by FastAPI
    assert answer.headers["content-type"] == "application/json"
    assert answer.content == TypeAdapter(PullResponse).dump_json(model)
    assert any(c["type"] == "agent" for c in page.changes)  # a row with a timestamp in it
