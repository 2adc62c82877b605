"""Pushing intents: exactly once, gaps, poison, conflicts, read-only roles (SYNC.md T2–T4, T9,
T14, T17, T19, T22), over PostgreSQL and SQLite."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.server import push
from agentdesk.server.app import create_app
from agentdesk.server.tables import mutation_receipt, ticket, ticket_event
from tests.conftest import NOW
from tests.server.conftest import PASSWORD, pull_all, who

CLIENT = "client-0001"


def one_ticket(engine: Engine, **where: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        query = sa.select(ticket).order_by(ticket.c.number)
        for column, value in where.items():
            query = query.where(ticket.c[column] == value)
        return dict(conn.execute(query).mappings().first() or {})


def note(ticket_id: str, body: str = "Called back, refund confirmed") -> dict[str, Any]:
    return {"ticket_id": ticket_id, "event_id": str(uuid.uuid4()), "kind": "note", "body": body}


def mutation(n: int, name: str, args: dict[str, Any]) -> push.Mutation:
    return push.Mutation(n, f"uuid-{n}-{name}", name, args)


def events_of(engine: Engine, ticket_id: str, kind: str) -> list[str]:
    with engine.connect() as conn:
        query = sa.select(ticket_event.c.body).where(
            ticket_event.c.ticket_id == ticket_id, ticket_event.c.kind == kind
        )
        return [row[0] for row in conn.execute(query)]


def test_a_note_applies_once_and_a_resent_batch_reports_duplicates(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    batch = [mutation(1, "ticket.add_event.v1", note(target))]
    first = push.push(engine, agent, CLIENT, batch, NOW)
    assert [(r.id, r.status) for r in first.results] == [(1, "applied")]
    again = push.push(engine, agent, CLIENT, batch, NOW)  # the answer was lost: sent again
    assert [(r.id, r.status) for r in again.results] == [(1, "duplicate")]
    assert events_of(engine, target, "note").count("Called back, refund confirmed") == 1
    assert again.last_mutation_id == 1


def test_the_same_batch_at_the_same_time_applies_once(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    batch = [mutation(n, "ticket.add_event.v1", note(target, f"note {n}")) for n in (1, 2, 3)]
    answers: list[push.PushResult] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            answers.append(push.push(engine, agent, CLIENT, batch, NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = sorted(r.status for answer in answers for r in answer.results)
    assert statuses.count("applied") == 3 and statuses.count("duplicate") == 3
    assert sorted(events_of(engine, target, "note")) == ["note 1", "note 2", "note 3"]


def test_a_gap_stops_and_says_where(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    push.push(engine, agent, CLIENT, [mutation(1, "ticket.add_event.v1", note(target))], NOW)
    done = push.push(engine, agent, CLIENT, [mutation(3, "ticket.add_event.v1", note(target))], NOW)
    assert done.results == [] and done.stopped_at == 3 and done.last_mutation_id == 1
    assert len(events_of(engine, target, "note")) == 1


def test_a_client_id_new_to_the_server_starts_at_its_oldest_pending_edit(engine: Engine) -> None:
    """A console that took a new client id (T17) keeps its outbox numbering."""
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    batch = [mutation(n, "ticket.add_event.v1", note(target)) for n in (41, 42)]
    done = push.push(engine, agent, "new-client-id", batch, NOW)
    assert [r.status for r in done.results] == ["applied", "applied"]
    assert done.last_mutation_id == 42 and done.stopped_at is None


def test_a_poison_mutation_is_kept_and_the_queue_moves_on(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    batch = [
        mutation(1, "ticket.add_event.v1", note("no-such-ticket")),
        mutation(2, "ticket.add_event.v1", {"ticket_id": target}),  # malformed args
        mutation(3, "ticket.add_event.v1", note(target, "still delivered")),
    ]
    done = push.push(engine, agent, CLIENT, batch, NOW)
    assert [r.status for r in done.results] == ["rejected", "rejected", "applied"]
    assert "no-such-ticket" in done.results[0].detail and "event_id" in done.results[1].detail
    with engine.connect() as conn:
        kept = conn.execute(
            sa.select(mutation_receipt.c.args_json).where(mutation_receipt.c.mutation_id == 1)
        ).scalar()
    assert "no-such-ticket" in kept
    assert events_of(engine, target, "note") == ["still delivered"]


def test_a_stale_status_is_a_conflict_and_changes_nothing(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    mine = one_ticket(engine, assignee_id=agent.id)

    def move(n: int, to: str) -> push.Mutation:
        args = {"ticket_id": mine["id"], "from": "assigned", "to": to}
        return mutation(n, "ticket.set_status.v1", args)

    moves = [move(1, "in_progress"), move(2, "waiting_customer")]  # the second saw "assigned"
    done = push.push(engine, agent, CLIENT, moves, NOW)
    assert [r.status for r in done.results] == ["applied", "conflict"]
    assert "in_progress" in done.results[1].detail
    assert one_ticket(engine, id=mine["id"])["status"] == "in_progress"


def test_a_refused_edit_sends_the_server_version_back(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    mine = one_ticket(engine, assignee_id=agent.id)
    _, cursor = pull_all(engine, agent)
    stale = {"ticket_id": mine["id"], "from": "in_progress", "to": "waiting_customer"}
    done = push.push(engine, agent, CLIENT, [mutation(1, "ticket.set_status.v1", stale)], NOW)
    assert done.results[0].status == "conflict"
    found, _ = pull_all(engine, agent, cursor)  # the client's optimistic move is corrected
    tickets = [(c["id"], c["row"]["status"]) for c in found if c["type"] == "ticket"]
    assert tickets == [(mine["id"], "assigned")]
    [conflict] = [c["row"] for c in found if c["type"] == "sync_conflict"]  # and shown
    assert (conflict["ticket_id"], conflict["outcome"]) == (mine["id"], "conflict")


def test_two_agents_race_to_claim_first_commit_wins(engine: Engine) -> None:
    with engine.begin() as conn:  # an unassigned front-line ticket
        free = conn.execute(sa.select(ticket.c.id).where(ticket.c.assignee_id.is_(None))).scalar()
    first, second = who(engine, "zhang.wei"), who(engine, "emma.clark")

    def claim(agent: Any) -> list[push.Mutation]:
        return [mutation(1, "ticket.claim.v1", {"ticket_id": free, "assignee_id": agent.id})]

    won = push.push(engine, first, "client-a", claim(first), NOW)
    lost = push.push(engine, second, "client-b", claim(second), NOW)
    assert won.results[0].status == "applied" and lost.results[0].status == "conflict"
    assert lost.results[0].detail == "already assigned to 张伟 (zhang.wei)"  # who won
    assert one_ticket(engine, id=free)["assignee_id"] == first.id


def test_an_agent_cannot_write_another_teams_ticket(engine: Engine) -> None:
    outsider = who(engine, "li.na")  # after-sales; the tickets are the front line's
    target = one_ticket(engine)["id"]
    done = push.push(
        engine, outsider, CLIENT, [mutation(1, "ticket.add_event.v1", note(target))], NOW
    )
    assert done.results[0].status == "rejected" and "another team" in done.results[0].detail


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL the server sends meanwhile, first line of each."""
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement.strip().split("\n")[0])

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)


def test_a_note_is_applied_without_a_savepoint_and_without_reading_its_entry_back(
    engine: Engine,
) -> None:
    """The edits agents push most refuse only before their first write: no savepoint to undo,
    the entry's id is known to be kept, and the entry and the ticket are recorded for the pull
    in one statement. An intent that may refuse after writing still gets its savepoint."""
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    _, cursor = pull_all(engine, agent)
    added = note(target, "Customer called again")
    with statements(engine) as sent:
        done = push.push(engine, agent, CLIENT, [mutation(1, "ticket.add_event.v1", added)], NOW)
    assert (done.results[0].status, done.results[0].unrecorded) == ("applied", ())
    assert not [s for s in sent if s.startswith("SAVEPOINT")]
    assert not [s for s in sent if s.startswith("SELECT ticket_event.id")]
    assert len([s for s in sent if "change_index" in s and s.startswith("INSERT")]) == 1
    found, _ = pull_all(engine, agent, cursor)
    assert sorted((c["type"], c["id"]) for c in found) == sorted(
        [("ticket_event", added["event_id"]), ("ticket", target)]
    )
    [moved] = [c["row"] for c in found if c["type"] == "ticket"]
    assert moved["version"] == one_ticket(engine, id=target)["version"]

    free = one_ticket(engine, assignee_id=None)["id"]
    with statements(engine) as sent:
        claim = {"ticket_id": free, "assignee_id": agent.id}
        push.push(engine, agent, CLIENT, [mutation(2, "ticket.claim.v1", claim)], NOW)
    assert [s for s in sent if s.startswith("SAVEPOINT")]


def test_a_status_move_already_made_reports_its_entry_unrecorded(engine: Engine) -> None:
    """A move the server finds done (the same move from another console) writes no entry: the
    console is told to drop its own; a move made now keeps it."""
    agent = who(engine, "zhang.wei")
    mine = one_ticket(engine, assignee_id=agent.id)["id"]
    move = {"ticket_id": mine, "from": "assigned", "to": "in_progress"}
    first = {**move, "event_id": str(uuid.uuid4())}
    again = {**move, "event_id": str(uuid.uuid4())}
    batch = [mutation(1, "ticket.set_status.v1", first), mutation(2, "ticket.set_status.v1", again)]
    done = push.push(engine, agent, CLIENT, batch, NOW)
    assert [(r.status, r.unrecorded) for r in done.results] == [
        ("applied", ()),
        ("applied", (again["event_id"],)),
    ]
    with engine.connect() as conn:
        kept = conn.execute(
            sa.select(ticket_event.c.id).where(ticket_event.c.kind == "status_change")
        ).scalars()
        assert first["event_id"] in set(kept)


def test_a_restored_client_reusing_ids_gets_409(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    target = one_ticket(engine)["id"]
    push.push(engine, agent, CLIENT, [mutation(1, "ticket.add_event.v1", note(target))], NOW)
    other = push.Mutation(1, "a-different-uuid", "ticket.add_event.v1", note(target))
    with pytest.raises(push.ClientStateMismatch):
        push.push(engine, agent, CLIENT, [other], NOW)


@pytest.fixture
def http(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


def token(http: TestClient, username: str) -> dict[str, str]:
    answer = http.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def body(*mutations: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"client_id": CLIENT, "protocol_version": version, "mutations": list(mutations)}


def wire(n: int, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": n, "uuid": f"u{n}", "name": name, "args": args}


def test_push_over_http_then_pull_sees_the_note(http: TestClient, engine: Engine) -> None:
    auth = token(http, "zhang.wei")
    target = one_ticket(engine)["id"]
    answer = http.post(
        "/v1/sync/push", json=body(wire(1, "ticket.add_event.v1", note(target))), headers=auth
    )
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied"
    found, _ = pull_all(engine, who(engine, "zhang.wei"))
    notes = [c for c in found if c["type"] == "ticket_event" and c["row"]["kind"] == "note"]
    assert [c["row"]["body"] for c in notes] == ["Called back, refund confirmed"]


def test_a_supervisor_can_never_write(http: TestClient, engine: Engine) -> None:
    auth = token(http, "sun.li")
    target = one_ticket(engine)["id"]
    answer = http.post(
        "/v1/sync/push", json=body(wire(1, "ticket.add_event.v1", note(target))), headers=auth
    )
    assert answer.status_code == 403
    assert events_of(engine, target, "note") == []


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (body(wire(1, "ticket.teleport.v1", {})), 400),
        (body(wire(1, "ticket.add_event.v9", {})), 426),
        (body(version=99), 426),
        (body(*[wire(n, "ticket.add_event.v1", {}) for n in range(1, 502)]), 413),
        ({"client_id": CLIENT, "mutations": "nope"}, 400),
        (body(wire(0, "ticket.add_event.v1", {})), 400),
    ],
    ids=["unknown-intent", "unknown-version", "old-protocol", "oversized", "malformed", "id-zero"],
)
def test_bad_pushes_get_a_4xx_with_a_reason(http: TestClient, payload: Any, status: int) -> None:
    answer = http.post("/v1/sync/push", json=payload, headers=token(http, "zhang.wei"))
    assert answer.status_code == status and answer.json()["message"]


# -- a push that also asks for the first pull page ------------------------------------------------


def head(http: TestClient, auth: dict[str, str]) -> str:
    """A cursor at the head of the account's changes."""
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = http.get("/v1/sync/pull", params=params, headers=auth).json()
        cursor = page["cursor"]
        if not page["has_more"]:
            return str(cursor)


def test_a_push_asking_for_a_page_gets_what_a_pull_after_it_gets(
    http: TestClient, engine: Engine
) -> None:
    auth = token(http, "zhang.wei")
    target = one_ticket(engine)["id"]
    cursor = head(http, auth)
    ask = {"cursor": cursor, "limit": 500}
    answer = http.post(
        "/v1/sync/push",
        json=body(wire(1, "ticket.add_event.v1", note(target))) | {"pull": ask},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    pushed = answer.json()
    assert pushed["results"][0]["status"] == "applied" and pushed["last_mutation_id"] == 1
    page = pushed["page"]
    pulled = http.get("/v1/sync/pull", params=ask | {"client_id": CLIENT}, headers=auth).json()
    assert page == pulled  # the same changes, cursor and acknowledged id
    assert page["last_mutation_id"] == 1 and not page["has_more"] and not page["reset"]
    assert {(c["type"], c["id"]) for c in page["changes"]} >= {("ticket", target)}
    notes = [c["row"]["body"] for c in page["changes"] if c["type"] == "ticket_event"]
    assert notes == ["Called back, refund confirmed"]


def test_a_push_without_the_ask_or_after_a_gap_or_at_a_foreign_cursor_has_no_page(
    http: TestClient, engine: Engine
) -> None:
    auth = token(http, "zhang.wei")
    target = one_ticket(engine)["id"]
    ask = {"pull": {"cursor": head(http, auth)}}
    plain = http.post(
        "/v1/sync/push", json=body(wire(1, "ticket.add_event.v1", note(target))), headers=auth
    )
    assert plain.status_code == 200 and plain.json().get("page") is None
    gap = http.post(
        "/v1/sync/push", json=body(wire(3, "ticket.add_event.v1", note(target))) | ask, headers=auth
    )
    assert gap.json()["stopped_at"] == 3 and gap.json().get("page") is None
    forged = {"pull": {"cursor": "eyJ2IjoxfQ.0000"}}
    applied = http.post(
        "/v1/sync/push",
        json=body(wire(2, "ticket.add_event.v1", note(target))) | forged,
        headers=auth,
    )
    assert applied.status_code == 200, applied.text  # the edit stands; the page is left out
    assert applied.json()["results"][0]["status"] == "applied"
    assert applied.json().get("page") is None
    assert len(events_of(engine, target, "note")) == 2


def test_a_supervisor_asking_for_a_page_still_cannot_write(
    http: TestClient, engine: Engine
) -> None:
    auth = token(http, "sun.li")
    target = one_ticket(engine)["id"]
    payload = body(wire(1, "ticket.add_event.v1", note(target))) | {"pull": {"limit": 10}}
    answer = http.post("/v1/sync/push", json=payload, headers=auth)
    assert answer.status_code == 403 and "page" not in answer.json()
    assert events_of(engine, target, "note") == []
