"""Pulled pages applied to a fresh local store: the console's data comes from the server
(SYNC.md T6, T21)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import changes, pull
from agentdesk.server.tables import ticket, ticket_event
from agentdesk.store import database
from agentdesk.store.queue_query import QueueFilter, QueuePager, View
from agentdesk.store.sync_apply import WriteBatch, apply_page, saved_cursor
from tests.conftest import NOW
from tests.server.conftest import who

POLICY = load_policy(SHIPPED_POLICY_DIR)


@pytest.fixture
def client_store(tmp_path: Path) -> Path:
    path = tmp_path / "client.db"
    database.upgrade(path)
    return path


def sync_down(engine: Engine, store: Path, username: str = "zhang.wei", limit: int = 4) -> int:
    """Pull every page for `username` and apply each; returns how many pages."""
    account = who(engine, username)
    conn = database.connect(store)
    pages = 0
    try:
        while True:
            with engine.connect() as server:
                page = pull.pull(server, account, saved_cursor(conn), limit)
            apply_page(
                conn, page.changes, page.cursor, POLICY, int(NOW.timestamp()), reset=page.reset
            )
            pages += 1
            if not page.has_more:
                return pages
    finally:
        conn.close()


def local(store: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(store)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_a_fresh_client_gets_the_queue_with_deadlines_and_search(
    engine: Engine, client_store: Path
) -> None:
    assert sync_down(engine, client_store) > 3  # several pages
    assert local(client_store, "SELECT count(*) FROM ticket") == [(3,)]
    assert local(client_store, "SELECT count(*) FROM agent") == [(5,)]
    due = local(client_store, "SELECT count(*) FROM ticket WHERE due_at IS NOT NULL")
    assert due == [(3,)]  # clocks derived locally from the pulled timelines
    conn = database.connect(client_store, readonly=True)
    try:
        found = QueuePager(conn, QueueFilter(view=View.ALL, wide=True, search="退款")).page(0)
    finally:
        conn.close()
    assert [row.subject for row in found] == ["退款没有到账"]


def test_later_changes_and_a_team_move_arrive(engine: Engine, client_store: Path) -> None:
    sync_down(engine, client_store)
    with engine.begin() as conn:
        moving, updated = [
            r[0] for r in conn.execute(sa.select(ticket.c.id).order_by(ticket.c.number).limit(2))
        ]
        conn.execute(ticket.update().where(ticket.c.id == updated).values(subject="Refund arrived"))
        changes.record(conn, "ticket", updated, "team:team-fl")
        conn.execute(ticket.update().where(ticket.c.id == moving).values(team_id="team-as"))
        changes.moved(conn, "ticket", moving, "team:team-fl", "team:team-as")
    sync_down(engine, client_store)
    assert local(client_store, "SELECT subject FROM ticket WHERE id = ?", (updated,)) == [
        ("Refund arrived",)
    ]
    assert local(client_store, "SELECT count(*) FROM ticket WHERE id = ?", (moving,)) == [(0,)]
    assert local(
        client_store, "SELECT count(*) FROM ticket_event WHERE ticket_id = ?", (moving,)
    ) == [(0,)]


def test_a_ticket_with_an_edit_waiting_to_be_pushed_keeps_its_local_version(
    engine: Engine, client_store: Path
) -> None:
    sync_down(engine, client_store)
    target = local(client_store, "SELECT id FROM ticket ORDER BY number LIMIT 1")[0][0]
    conn = sqlite3.connect(client_store)
    with conn:
        conn.execute("UPDATE ticket SET status = 'in_progress' WHERE id = ?", (target,))
        conn.execute(
            "INSERT INTO outbox (mutation_id, mutation_uuid, name, args_json, ticket_id, "
            "client_time, state, attempts) "
            "VALUES (1, 'u1', 'ticket.set_status.v1', '{}', ?, '', 'pending', 0)",
            (target,),
        )
    conn.close()
    with engine.begin() as server:
        server.execute(ticket.update().where(ticket.c.id == target).values(subject="Server side"))
        changes.record(server, "ticket", target, "team:team-fl")
    sync_down(engine, client_store)
    assert local(client_store, "SELECT status, subject FROM ticket WHERE id = ?", (target,)) == [
        ("in_progress", "退款没有到账")
    ]


def test_a_reset_clears_pulled_data_but_keeps_the_outbox(
    engine: Engine, client_store: Path
) -> None:
    sync_down(engine, client_store)
    conn = database.connect(client_store)
    try:
        conn.execute(
            "INSERT INTO outbox (mutation_id, mutation_uuid, name, args_json, client_time, state, "
            "attempts) VALUES (7, 'u7', 'ticket.add_event.v1', '{}', '', 'pending', 0)"
        )
        conn.commit()
        apply_page(conn, [], "cursor-after-reset", POLICY, int(NOW.timestamp()), reset=True)
    finally:
        conn.close()
    assert local(client_store, "SELECT count(*) FROM ticket") == [(0,)]
    assert local(client_store, "SELECT mutation_id FROM outbox") == [(7,)]
    assert local(client_store, "SELECT pull_cursor FROM sync_state") == [("cursor-after-reset",)]


def test_a_page_that_fails_half_way_leaves_data_and_cursor_as_they_were(
    engine: Engine, client_store: Path
) -> None:
    sync_down(engine, client_store)
    before = local(client_store, "SELECT id, name_en FROM team ORDER BY id")
    cursor = local(client_store, "SELECT pull_cursor FROM sync_state")
    renamed = {"id": "team-fl", "code": "front_line", "name_en": "Renamed", "name_zh": "改名",
               "kind": "front_line"}  # fmt: skip
    broken = [
        {"type": "team", "id": "team-fl", "op": "upsert", "scope": "all", "row": renamed},
        {"type": "customer", "id": "c-x", "op": "upsert", "scope": "all", "row": {"id": "c-x"}},
    ]  # the customer has no name: the page fails on its second change
    conn = database.connect(client_store)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            apply_page(conn, broken, "never-saved", POLICY, int(NOW.timestamp()))
    finally:
        conn.close()
    assert local(client_store, "SELECT id, name_en FROM team ORDER BY id") == before
    assert local(client_store, "SELECT pull_cursor FROM sync_state") == cursor


def test_a_number_the_server_gave_to_another_ticket_does_not_stall_the_pull(
    engine: Engine, client_store: Path
) -> None:
    sync_down(engine, client_store)
    taken = local(client_store, "SELECT number FROM ticket ORDER BY number LIMIT 1")[0][0]
    conn = sqlite3.connect(client_store)
    with conn:  # as if made offline here and numbered the same as a ticket the server has
        conn.execute("UPDATE ticket SET id = 'made-here' WHERE number = ?", (taken,))
    conn.close()
    with engine.begin() as server:
        owner = server.execute(sa.select(ticket.c.id).where(ticket.c.number == taken)).scalar()
        server.execute(ticket.update().where(ticket.c.id == owner).values(subject="Touched"))
        changes.record(server, "ticket", owner, "team:team-fl")
    sync_down(engine, client_store)
    assert local(client_store, "SELECT id FROM ticket WHERE number = ?", (taken,)) == [(owner,)]
    parked = local(client_store, "SELECT number FROM ticket WHERE id = 'made-here'")
    assert parked == [(f"{taken}~made-her",)]


def test_a_fresh_console_bootstraps_the_demo_floor_with_its_catalogue(
    db_url: str, tmp_path: Path, client_store: Path
) -> None:
    """Tickets point at products and orders: those sync too (every account sees them), so an
    empty console store takes the whole floor page by page — also when a ticket changed after
    its timeline was written (its change row then comes after its entries, pages later)."""
    from agentdesk.io import demo_data
    from agentdesk.server import accounts, db
    from agentdesk.server.seeding import seed_from_store

    demo = tmp_path / "demo.db"
    database.upgrade(demo)
    demo_data.load_demo_files(demo, Path(__file__).parents[2] / "data" / "demo", NOW)
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as conn:
            seed_from_store(conn, demo, accounts.hash_password("pw-for-the-demo"), NOW)
            first = conn.execute(
                sa.select(ticket.c.id, ticket.c.team_id).order_by(ticket.c.number)
            ).first()
            assert first is not None  # as if it changed just now:
            changes.record(conn, "ticket", first.id, changes.ticket_scope(first.team_id))
        sync_down(engine, client_store, demo_data.DEMO_LEAD, limit=100)
    finally:
        engine.dispose()
    for table in ("product", "customer_order", "customer", "ticket", "ticket_event"):
        assert local(client_store, f"SELECT count(*) FROM {table}") == local(
            demo, f"SELECT count(*) FROM {table}"
        ), table
    linked = "SELECT count(*) FROM ticket WHERE order_id IS NOT NULL"
    assert local(client_store, linked)[0][0] > 0


def test_pages_in_one_batch_commit_together_or_not_at_all(
    engine: Engine, client_store: Path, tmp_path: Path
) -> None:
    one_by_one = tmp_path / "one_by_one.db"
    database.upgrade(one_by_one)
    pages = sync_down(engine, one_by_one)
    account = who(engine, "zhang.wei")
    conn = database.connect(client_store)
    try:
        with WriteBatch(conn) as batch:
            cursor = None
            while True:
                with engine.connect() as server:
                    page = pull.pull(server, account, cursor, 4)
                apply_page(
                    conn, page.changes, page.cursor, POLICY, int(NOW.timestamp()), batch=batch
                )
                cursor = page.cursor
                if not page.has_more:
                    break
            assert batch.pages == pages > 1 and conn.in_transaction
        assert not conn.in_transaction
        renamed = {"id": "team-fl", "code": "front_line", "name_en": "Renamed",
                   "name_zh": "改名", "kind": "front_line"}  # fmt: skip
        good = [{"type": "team", "id": "team-fl", "op": "upsert", "scope": "all", "row": renamed}]
        broken = [{"type": "customer", "id": "c-x", "op": "upsert", "scope": "all",
                   "row": {"id": "c-x"}}]  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError), WriteBatch(conn) as batch:
            apply_page(conn, good, "first-of-two", POLICY, int(NOW.timestamp()), batch=batch)
            apply_page(conn, broken, "second-of-two", POLICY, int(NOW.timestamp()), batch=batch)
    finally:
        conn.close()
    for table in ("ticket", "ticket_event", "ticket_clock", "team"):
        sql = f"SELECT * FROM {table} ORDER BY 1"
        assert local(client_store, sql) == local(one_by_one, sql), table
    cursor = "SELECT pull_cursor FROM sync_state"
    assert local(client_store, cursor) == local(one_by_one, cursor)


def test_a_new_timeline_entry_lists_its_ticket_for_quality_without_rewriting_the_row(
    engine: Engine, client_store: Path
) -> None:
    sync_down(engine, client_store)
    ident, pk, team_id = local(client_store, "SELECT id, pk, team_id FROM ticket LIMIT 1")[0]
    conn = sqlite3.connect(client_store)
    with conn:
        conn.execute("DELETE FROM quality_dirty")
        conn.execute("CREATE TABLE rewritten (id TEXT)")
        conn.execute(
            "CREATE TRIGGER note_rewrite AFTER UPDATE ON ticket "
            "BEGIN INSERT INTO rewritten VALUES (NEW.id); END"
        )
    conn.close()
    with engine.begin() as server:
        server.execute(
            ticket_event.insert().values(
                id="note-late", ticket_id=ident, kind="note", at=NOW, body="Called back"
            )
        )
        changes.record(server, "ticket_event", "note-late", changes.ticket_scope(team_id))
    sync_down(engine, client_store)
    assert local(client_store, "SELECT ticket_id FROM ticket_event WHERE id = 'note-late'") == [
        (ident,)
    ]
    assert local(client_store, "SELECT pk FROM quality_dirty") == [(pk,)]
    assert local(client_store, "SELECT id FROM rewritten") == []  # a note moves no clock
