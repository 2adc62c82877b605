"""The store's write path: one transaction per change, with its events and its outbox intent."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.errors import AgentdeskError, InvalidTransition, NotAllowed, NotFound
from agentdesk.domain.model import Category, Channel, EventKind, RootCause, Status
from agentdesk.domain.records import NewCustomer, NewTicket
from tests.conftest import agent, rows


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    tables = ("ticket", "ticket_event", "customer", "outbox", "audit_log")
    return {t: rows(path, f"SELECT * FROM {t} ORDER BY 1") for t in tables}


def first_ticket(repo: Any, status: str | None = None) -> Any:
    tickets = [repo.ticket(r[0]) for r in rows(repo_path(repo), "SELECT id FROM ticket")]
    return next(t for t in tickets if status is None or t.status.value == status)


def repo_path(repo: Any) -> Path:
    return Path(repo.engine.url.database)


def test_every_change_queues_exactly_one_intent(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    path = repo_path(repo)
    created = rows(path, "SELECT name FROM outbox ORDER BY mutation_id")
    # two tickets for new customers (customer + ticket each) and one for an existing customer
    assert [r[0] for r in created] == [
        "customer.create.v1",
        "ticket.create.v1",
        "ticket.create.v1",
        "customer.create.v1",
        "ticket.create.v1",
    ]
    ticket = first_ticket(repo, "assigned")
    repo.add_message(ticket.number, EventKind.NOTE, "客户要求加急", me, clock.now())
    repo.change_status(ticket.number, Status.IN_PROGRESS, me, clock.now())
    names = [r[0] for r in rows(path, "SELECT name FROM outbox ORDER BY mutation_id")][-2:]
    assert names == ["ticket.add_event.v1", "ticket.set_status.v1"]
    args = json.loads(rows(path, "SELECT args_json FROM outbox ORDER BY mutation_id DESC")[0][0])
    moved = rows(path, "SELECT id FROM ticket_event WHERE kind = 'status_change' ORDER BY at, id")
    assert args == {
        "ticket_id": ticket.id,
        "from": "assigned",
        "to": "in_progress",
        "base_version": ticket.version + 1,  # the note before it bumped the version
        "event_id": moved[-1][0],  # the server keeps the console's timeline entry id
    }
    ids = [r[0] for r in rows(path, "SELECT mutation_id FROM outbox ORDER BY mutation_id")]
    assert ids == list(range(1, len(ids) + 1))
    state = rows(path, "SELECT next_mutation_id FROM sync_state")[0][0]
    assert state == len(ids) + 1


def test_work_a_ticket_from_take_to_resolution(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    ticket = first_ticket(repo, "new")
    taken = repo.take(ticket.number, me, clock.now())
    assert taken.assignee_id == me.id and taken.status is Status.ASSIGNED
    repo.change_status(ticket.id, Status.IN_PROGRESS, me, clock.now())
    repo.add_message(ticket.id, EventKind.REPLY, "We are sending a replacement.", me, clock.now())
    done = repo.resolve(ticket.id, "Replaced the dock", RootCause.PRODUCT_DEFECT, me, clock.now())
    assert done.status is Status.RESOLVED and done.root_cause is RootCause.PRODUCT_DEFECT
    kinds = [e.kind.value for e in repo.timeline(ticket.id)]
    assert kinds == [
        "created",
        "status_change",
        "assignment",
        "status_change",
        "reply",
        "resolution",
        "status_change",
    ]
    assert done.version == ticket.version + 4


def test_refused_changes_write_nothing(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    ticket = first_ticket(repo, "new")
    before = snapshot(repo_path(repo))
    with pytest.raises(InvalidTransition):
        repo.change_status(ticket.id, Status.CLOSED, me, clock.now())
    with pytest.raises(AgentdeskError, match="handoff_note"):
        repo.transfer(ticket.id, "after_sales", "   ", me, clock.now())
    with pytest.raises(AgentdeskError):
        repo.resolve(ticket.id, "done", RootCause.OTHER, me, clock.now())  # new → resolved
    with pytest.raises(NotFound):
        repo.add_message("T-20991231-0001", EventKind.NOTE, "x", me, clock.now())
    with pytest.raises(AgentdeskError):
        repo.change_status(ticket.id, Status.RESOLVED, me, clock.now())
    with pytest.raises(NotAllowed):
        repo.add_message(ticket.id, EventKind.NOTE, "x", agent(repo, "sun.li"), clock.now())
    assert snapshot(repo_path(repo)) == before


def test_transfer_moves_the_ticket_and_keeps_the_handoff_note(
    repo: Any, clock: FrozenClock
) -> None:
    me = agent(repo)
    ticket = first_ticket(repo, "assigned")
    note = "客户已提供订单号，答应今天内回电"
    moved = repo.transfer(ticket.number, "after_sales", note, me, clock.now())
    assert moved.team_id == "team-as" and moved.assignee_id is None
    assert moved.status is Status.ASSIGNED
    last = [e for e in repo.timeline(ticket.id) if e.kind is EventKind.TRANSFER][-1]
    assert last.body == note and last.data["to_team"] == "team-as"
    # now another team's ticket: a front-line agent can no longer write to it
    with pytest.raises(NotAllowed):
        repo.add_message(ticket.id, EventKind.NOTE, "x", me, clock.now())
    repo.add_message(ticket.id, EventKind.NOTE, "收到", agent(repo, "li.na"), clock.now())


def test_someone_elses_ticket_cannot_be_taken(repo: Any, clock: FrozenClock) -> None:
    ticket = first_ticket(repo, "assigned")
    with pytest.raises(NotAllowed):
        repo.take(ticket.id, agent(repo, "emma.clark"), clock.now())


def test_reopen_gives_a_new_deadline(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    ticket = first_ticket(repo, "assigned")
    repo.resolve(ticket.id, "ok", RootCause.PROCESS, me, clock.now())
    clock.advance(__import__("datetime").timedelta(days=3))
    reopened = repo.change_status(ticket.id, Status.IN_PROGRESS, me, clock.now())
    assert reopened.resolved_at is None
    assert reopened.due_at is not None and reopened.due_at > clock.now()


def test_pii_reveal_needs_a_reason_and_is_audited(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    ticket = first_ticket(repo, "assigned")
    with pytest.raises(AgentdeskError):
        repo.reveal_customer(ticket.customer_id, " ", me, clock.now(), ticket_id=ticket.id)
    shown = repo.reveal_customer(
        ticket.customer_id, "回拨客户", me, clock.now(), ticket_id=ticket.id
    )
    assert shown.phone == "13812345678"
    audit = rows(repo_path(repo), "SELECT actor_id, action, reason FROM audit_log")
    assert audit == [(me.id, "pii_reveal", "回拨客户")]
    assert repo.timeline(ticket.id)[-1].kind is EventKind.PII_REVEAL


def test_timeline_is_append_only(repo: Any) -> None:
    conn = sqlite3.connect(repo_path(repo))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE ticket_event SET body = 'changed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM ticket_event")
    conn.close()


def test_numbers_count_up_per_local_day(repo: Any, clock: FrozenClock) -> None:
    numbers = sorted(r[0] for r in rows(repo_path(repo), "SELECT number FROM ticket"))
    assert numbers == ["T-20261123-0001", "T-20261123-0002", "T-20261123-0003"]
    me = agent(repo)
    customer = repo.find_customers("王芳")[0]
    new = NewTicket(customer.id, Channel.APP, Category.TECHNICAL, "App 登录失败", "提示密码错误")
    assert repo.create_ticket(new, me, clock.now()).number == "T-20261123-0004"


def test_new_customer_and_ticket_commit_together(repo: Any, clock: FrozenClock) -> None:
    me = agent(repo)
    before = snapshot(repo_path(repo))
    bad = NewTicket("", Channel.PHONE, Category.REFUND, "  ", "描述")  # empty subject
    with pytest.raises(AgentdeskError):
        repo.create_ticket(bad, me, clock.now(), new_customer=NewCustomer("赵六", "13900001111"))
    assert snapshot(repo_path(repo)) == before


def test_customer_lookup_by_phone_digits_and_name(repo: Any) -> None:
    assert [c.name for c in repo.find_customers("5678")] == ["王芳"]
    assert [c.name for c in repo.find_customers("oliver")] == ["Oliver Smith"]
    assert repo.find_customers("%") == []


def test_pager_reads_every_page_the_same_whichever_way_it_gets_there(seeded: Path) -> None:
    """Keyset forwards, keyset backwards, offset from the start and from the end agree."""
    from agentdesk.store import database
    from agentdesk.store.queue_query import QueueFilter, QueuePager, View

    conn = database.connect(seeded)
    with conn:
        conn.executemany(
            "INSERT INTO ticket (id, number, subject, description, customer_request, "
            "customer_id, channel, category, priority, status, created_at, updated_at, due_sort, "
            "version) SELECT ?, ?, 's', 'd', '', customer_id, 'web', 'inquiry', 'normal', 'new', "
            "created_at, updated_at, ?, 1 FROM ticket LIMIT 1",
            [(f"id-{i}", f"T-20200101-{i:04d}", 1_000 + i % 17) for i in range(205)],
        )
    f = QueueFilter(view=View.ALL)
    reference = [r.pk for r in QueuePager(conn, f, page_size=1000).page(0)]
    assert len(reference) == 208

    forward = QueuePager(conn, f, page_size=10)
    by_keyset = [r.pk for i in range(21) for r in forward.page(i)]
    assert by_keyset == reference

    jumping = QueuePager(conn, f, page_size=10, total=208)
    pages = {i: [r.pk for r in jumping.page(i)] for i in (20, 3, 15, 14, 0)}
    for i, pks in pages.items():
        assert pks == reference[i * 10 : i * 10 + 10], i
    assert QueuePager(conn, f).count() == 208
    conn.close()
