"""Fault scenarios of design/SYNC.md not covered elsewhere, against the real server app (in
process) on SQLite and PostgreSQL, with consoles syncing through a network that fails on demand.

- T1  server killed mid-push, before commit: test_t1_*
- T5  client killed between its local write and its outbox row: test_t5_*
- T7  network partition 0–60 s, half-open connections: test_t7_*
- T8  agent offline for days with 500 queued edits while others edit the same tickets: test_t8_*
- T11 long-running writer transaction (PostgreSQL): test_t11_*
- T13 client clock ±1 day, stepping backwards: test_t13_*
- T18 server database restored to an earlier point: test_t18_*
- T23 randomized client scripts with fault schedules: tests/server/test_fault_model.py

After each scenario the invariants that apply are checked: every queued edit ends applied,
rejected or conflict with exactly one receipt on the server (applied exactly once); each note
exists exactly once; the console converges with what a fresh pull of the same account holds;
cursors and acknowledged ids never go back.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import EventKind, Status
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import intents, maintenance, push
from agentdesk.server.app import create_app
from agentdesk.server.tables import (
    mutation_receipt,
    sync_client,
    sync_conflict,
    ticket,
    ticket_event,
)
from agentdesk.store import database, outbox
from agentdesk.store.repository import Repository
from agentdesk.store.sync_apply import COLUMNS
from agentdesk.sync.backoff import Backoff
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import ServerClient, SyncProblem
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD, who

POLICY = load_policy(SHIPPED_POLICY_DIR)
EPOCH = int(NOW.timestamp())
REFUND = "T-20261123-0001"  # assigned to zhang.wei, status assigned
VACUUM = "T-20261123-0002"  # unassigned, front line
WARRANTY = "T-20261123-0003"  # unassigned, front line
FINAL_STATES = {"applied", "rejected", "conflict"}

Fate = str  # "ok" | "refuse" (never arrives) | "lose_answer" (handled, answer lost) | "twice"


# -- the network and the consoles -----------------------------------------------------------------


class Network:
    """The consoles' way to the in-process server app. `plan` decides each request's fate;
    `slept` collects the backoff delays asked for (nothing really sleeps)."""

    def __init__(self, engine: Engine, clock: FrozenClock | None = None) -> None:
        self.engine, self.clock = engine, clock or FrozenClock(NOW)
        self.plan: Callable[[httpx.Request], Fate] = lambda _request: "ok"
        self.slept: list[float] = []
        self.fates: list[tuple[str, Fate]] = []
        self.tokens: dict[str, str] = {}
        self._http = self._start()

    def _start(self) -> TestClient:
        # a crash inside the app is a 500 to the client, as a real server's would be
        return TestClient(create_app(self.engine, clock=self.clock), raise_server_exceptions=False)

    def restart(self) -> None:
        """The server process goes away and comes back (its pooled connections with it)."""
        self._http.close()
        self.engine.dispose()
        self._http = self._start()

    def close(self) -> None:
        self._http.close()

    def client(self, username: str = "zhang.wei") -> ServerClient:
        if username not in self.tokens:
            login = {"username": username, "password": PASSWORD}
            self.tokens[username] = self._http.post("/v1/auth/login", json=login).json()["token"]
        http = httpx.Client(transport=httpx.MockTransport(self._handle))
        backoff = Backoff(base=1, cap=8, random=lambda: 1.0)
        return ServerClient(
            "http://server", self.tokens[username], http, backoff, self.slept.append
        )

    def _handle(self, request: httpx.Request) -> httpx.Response:
        fate = self.plan(request)
        self.fates.append((request.url.path, fate))
        if fate == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        answer = self._forward(request)
        if fate == "twice":
            answer = self._forward(request)
        if fate == "lose_answer":
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    def _forward(self, request: httpx.Request) -> httpx.Response:
        answer = self._http.request(
            request.method, request.url.path, params=request.url.params,
            content=request.content, headers=dict(request.headers),
        )  # fmt: skip
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)


@pytest.fixture
def network(engine: Engine) -> Iterator[Network]:
    net = Network(engine)
    yield net
    net.close()


@pytest.fixture
def console(seeded: Path, tmp_path: Path, engine: Engine) -> Path:
    """zhang.wei's console store: a copy of the store the server was seeded from (same ids; its
    five seeding intents still queued, already on the server)."""
    path = tmp_path / "console.db"
    shutil.copyfile(seeded, path)
    return path


def pulled_console(network: Network, path: Path, username: str) -> Path:
    """A new console that signed in as `username` and pulled everything."""
    database.upgrade(path)
    sync_round(path, network.client(username), POLICY, EPOCH)
    return path


def open_repo(store: Path) -> Repository:
    return Repository(database.make_engine(store), POLICY)


def note(store: Path, number: str, body: str, username: str = "zhang.wei",
         now: datetime = NOW) -> None:  # fmt: skip
    repo = open_repo(store)
    try:
        repo.add_message(number, EventKind.NOTE, body, repo.agent_by_username(username), now)
    finally:
        repo.engine.dispose()


def move(store: Path, number: str, to: Status, username: str = "zhang.wei",
         now: datetime = NOW) -> None:  # fmt: skip
    repo = open_repo(store)
    try:
        repo.change_status(number, to, repo.agent_by_username(username), now)
    finally:
        repo.engine.dispose()


def claim(store: Path, number: str, username: str, now: datetime = NOW) -> None:
    repo = open_repo(store)
    try:
        repo.take(number, repo.agent_by_username(username), now)
    finally:
        repo.engine.dispose()


# -- what the stores and the server hold ----------------------------------------------------------


def outbox_states(store: Path) -> dict[int, str]:
    return dict(rows(store, "SELECT mutation_id, state FROM outbox"))  # type: ignore[arg-type]


def pending(store: Path) -> list[int]:
    return [n for n, state in outbox_states(store).items() if state == "pending"]


def ticket_id(store: Path, number: str) -> str:
    return str(rows(store, "SELECT id FROM ticket WHERE number = ?", (number,))[0][0])


def server_ticket(engine: Engine, ident: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(ticket).where(ticket.c.id == ident)).mappings().first()
    return dict(found or {})


def server_events(engine: Engine) -> dict[str, str]:
    """Every timeline entry on the server: id → its time."""
    with engine.connect() as conn:
        return {r.id: r.at for r in conn.execute(sa.select(ticket_event.c.id, ticket_event.c.at))}


def server_notes(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        query = sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note")
        return Counter(conn.execute(query).scalars())


def status_moves(engine: Engine, ident: str) -> list[str]:
    with engine.connect() as conn:
        query = (
            sa.select(ticket_event.c.data_json)
            .where(ticket_event.c.ticket_id == ident, ticket_event.c.kind == "status_change")
            .order_by(ticket_event.c.at, ticket_event.c.id)
        )
        return [json.loads(data)["to"] for data in conn.execute(query).scalars()]


def receipts(engine: Engine) -> dict[str, list[str]]:
    """Each mutation uuid → the statuses of its receipts (a duplicate is not a receipt of its own,
    except under a client id taken after a 409)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        query = sa.select(mutation_receipt.c.mutation_uuid, mutation_receipt.c.status)
        for uuid_, status in conn.execute(query):
            found.setdefault(uuid_, []).append(status)
    return found


def assert_each_edit_ended_once(store: Path, engine: Engine) -> None:
    """No outbox row lost or left behind, each applied (or refused) exactly once on the server,
    with the same outcome the console recorded."""
    outcome = receipts(engine)
    queued = rows(store, "SELECT mutation_id, mutation_uuid, state, args_json FROM outbox")
    assert queued, "nothing was queued"
    for mutation_id, uuid_, state, args in queued:
        assert state in FINAL_STATES, (mutation_id, state)
        assert json.loads(str(args)) is not None  # the payload stays readable
        first = [s for s in outcome.get(str(uuid_), []) if s != "duplicate"]
        assert first == [state], (mutation_id, state, outcome.get(str(uuid_)))


def assert_notes_once(engine: Engine, store: Path, bodies: list[str]) -> None:
    on_server = server_notes(engine)
    assert {body: on_server[body] for body in bodies} == dict.fromkeys(bodies, 1)
    here = Counter(
        str(r[0]) for r in rows(store, "SELECT body FROM ticket_event WHERE kind='note'")
    )
    assert {body: here[body] for body in bodies} == dict.fromkeys(bodies, 1)


def view(store: Path) -> tuple[dict[str, tuple[Any, ...]], set[str], set[str]]:
    """What a console shows of its scopes: ticket rows (the synced columns), timeline entry ids,
    conflict ids."""
    tickets = {
        str(r[0]): tuple(r)
        for r in rows(store, f"SELECT {', '.join(COLUMNS['ticket'])} FROM ticket")
    }
    events = {str(r[0]) for r in rows(store, "SELECT id FROM ticket_event")}
    collided = {str(r[0]) for r in rows(store, "SELECT id FROM sync_conflict")}
    return tickets, events, collided


def assert_converged(store: Path, network: Network, username: str = "zhang.wei") -> None:
    """The console holds what a new console of the same account pulls from the server now."""
    fresh = pulled_console(network, store.with_name(f"fresh-{len(network.fates)}.db"), username)
    tickets, events, collided = view(store)
    tickets_there, events_there, collided_there = view(fresh)
    assert tickets == tickets_there
    only_here = timeline(store, events - events_there)
    only_there = timeline(fresh, events_there - events)
    assert (only_here, only_there) == ([], []), "timeline entries on one side only"
    assert collided == collided_there


def timeline(store: Path, ids: set[str]) -> list[tuple[object, ...]]:
    found = rows(store, "SELECT id, ticket_id, kind, at, body, data_json FROM ticket_event")
    return sorted(r for r in found if r[0] in ids)


def cursor_position(store: Path) -> tuple[str, int, int]:
    """(epoch, xid, seq) inside the console's opaque cursor."""
    cursor = str(rows(store, "SELECT pull_cursor FROM sync_state")[0][0])
    encoded = cursor.split(".")[0]
    body = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return str(body["epoch"]), int(body["xid"]), int(body["seq"])


def acked(store: Path) -> int:
    return int(rows(store, "SELECT acked_mutation_id FROM sync_state")[0][0])  # type: ignore[call-overload]


def pushes(network: Network) -> list[Fate]:
    return [fate for path, fate in network.fates if path == "/v1/sync/push"]


# -- T1: the server dies mid-push, before it commits ----------------------------------------------


def first_pushes(count: int, fate: Fate) -> Callable[[httpx.Request], Fate]:
    """The first `count` pushes meet `fate` ("refuse": they never reach the server, it is down;
    "lose_answer": handled, the answer never comes back); everything else goes."""
    left = [count]

    def plan(request: httpx.Request) -> Fate:
        if request.url.path == "/v1/sync/push" and left[0] > 0:
            left[0] -= 1
            return fate
        return "ok"

    return plan


@pytest.mark.parametrize("refused", [1, 4], ids=["retried-within-the-round", "next-round"])
def test_t1_a_push_the_dead_server_never_got_is_resent_and_applied_once(
    console: Path, engine: Engine, network: Network, refused: int
) -> None:
    target = ticket_id(console, REFUND)
    version = server_ticket(engine, target)["version"]
    note(console, REFUND, "Called the bank")
    move(console, REFUND, Status.IN_PROGRESS)
    queued = outbox_states(console)
    network.plan = first_pushes(refused, "refuse")
    client = network.client()
    if refused == client.attempts:  # down for the whole round: it stops, the outbox stays
        with pytest.raises(SyncProblem) as stopped:
            sync_round(console, client, POLICY, EPOCH)
        assert stopped.value.http_status == 0
        assert outbox_states(console) == queued and server_notes(engine) == Counter()
    sync_round(console, client, POLICY, EPOCH)
    assert pushes(network)[: refused + 1] == ["refuse"] * refused + ["ok"]
    assert_each_edit_ended_once(console, engine)
    assert server_ticket(engine, target)["version"] == version + 2  # the note and the move, once
    assert status_moves(engine, target).count("in_progress") == 1
    assert_notes_once(engine, console, ["Called the bank"])
    assert_converged(console, network)


def test_t2_a_refused_edit_whose_answer_was_lost_ends_refused_at_the_console(
    console: Path, engine: Engine, network: Network, tmp_path: Path
) -> None:
    """The resend is a duplicate; the console records how the edit ended the first time (a
    conflict), keeps the conflict, and drops its optimistic timeline entry, as if the answer had
    come the first time (found by T23's random scripts)."""
    emma = pulled_console(network, tmp_path / "emma.db", "emma.clark")
    sync_round(console, network.client(), POLICY, EPOCH)  # zhang's seeding intents, done
    claim(console, VACUUM, "zhang.wei")
    sync_round(console, network.client(), POLICY, EPOCH)
    claim(emma, VACUUM, "emma.clark")  # before she has seen zhang's claim
    network.plan = first_pushes(1, "lose_answer")
    sync_round(emma, network.client("emma.clark"), POLICY, EPOCH)
    assert pushes(network)[-2:] == ["lose_answer", "ok"]
    assert list(outbox_states(emma).values()) == ["conflict"]
    assert_each_edit_ended_once(emma, engine)
    assert server_ticket(engine, ticket_id(emma, VACUUM))["assignee_id"] == "ag-1"
    assert_converged(emma, network, "emma.clark")


def test_t1_a_server_killed_inside_a_mutations_transaction_commits_none_of_it(
    console: Path, engine: Engine, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = ticket_id(console, REFUND)
    version = server_ticket(engine, target)["version"]
    note(console, REFUND, "Called the bank")
    move(console, REFUND, Status.IN_PROGRESS)
    note_id = max(outbox_states(console)) - 1
    real_apply, dying = intents.apply, [True]

    def apply_then_die(conn: Any, account: Any, name: str, args: dict[str, Any], now: Any) -> Any:
        outcome = real_apply(conn, account, name, args, now)  # the note is written ...
        if dying[0] and args.get("body") == "Called the bank":
            raise RuntimeError("killed before commit")  # ... and never committed
        return outcome

    monkeypatch.setattr(intents, "apply", apply_then_die)
    client = network.client()
    with pytest.raises(SyncProblem) as stopped:
        sync_round(console, client, POLICY, EPOCH)
    assert stopped.value.http_status == 500
    assert server_notes(engine) == Counter() and server_ticket(engine, target)["version"] == version
    with engine.connect() as conn:  # the mutations before it committed, each on its own
        last = conn.execute(sa.select(sync_client.c.last_mutation_id)).scalars().all()
    assert last == [note_id - 1]
    assert set(outbox_states(console).values()) == {"pending"}  # it never heard back
    dying[0] = False
    sync_round(console, client, POLICY, EPOCH)
    assert_each_edit_ended_once(console, engine)
    assert server_ticket(engine, target)["version"] == version + 2
    assert status_moves(engine, target).count("in_progress") == 1
    assert_notes_once(engine, console, ["Called the bank"])
    assert_converged(console, network)


# -- T5: the console dies between its local write and its outbox row ------------------------------

T5_EDITS: dict[str, Callable[[Repository], object]] = {
    "note": lambda repo: repo.add_message(
        REFUND, EventKind.NOTE, "Half-written?", repo.agent_by_username("zhang.wei"), NOW
    ),
    "status": lambda repo: repo.change_status(
        REFUND, Status.IN_PROGRESS, repo.agent_by_username("zhang.wei"), NOW
    ),
    "claim": lambda repo: repo.take(VACUUM, repo.agent_by_username("zhang.wei"), NOW),
}


def store_snapshot(store: Path) -> dict[str, list[tuple[object, ...]]]:
    tables = ("ticket", "ticket_event", "outbox", "sync_state", "ticket_clock", "audit_log")
    return {table: rows(store, f"SELECT * FROM {table} ORDER BY 1") for table in tables}


@pytest.mark.parametrize("edit", sorted(T5_EDITS))
def test_t5_an_edit_whose_outbox_row_fails_leaves_no_trace(
    seeded: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    before = store_snapshot(seeded)
    real_enqueue = outbox.enqueue

    def enqueue_then_die(*args: Any, **kwargs: Any) -> int:
        real_enqueue(*args, **kwargs)
        args[0].flush()  # the outbox row is written, the transaction not yet committed
        raise OSError("killed")

    monkeypatch.setattr(outbox, "enqueue", enqueue_then_die)
    repo = open_repo(seeded)
    try:
        with pytest.raises(OSError):
            T5_EDITS[edit](repo)
        assert store_snapshot(seeded) == before  # neither the change nor its intent
        monkeypatch.setattr(outbox, "enqueue", real_enqueue)
        T5_EDITS[edit](repo)
    finally:
        repo.engine.dispose()
    after = store_snapshot(seeded)
    new_events = {r[1] for r in after["ticket_event"]} - {r[1] for r in before["ticket_event"]}
    (queued,) = [r for r in after["outbox"] if r not in before["outbox"]]
    args = json.loads(str(queued[3]))
    assert new_events and args["event_id"] in new_events  # both, and they belong together
    assert after["ticket"] != before["ticket"]


KILLED_CONSOLE = """
import os, sys
from datetime import datetime
from pathlib import Path
from agentdesk.domain.model import EventKind
from agentdesk.store import database, outbox
from agentdesk.store.repository import Repository

store, when, now, number = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
real_enqueue = outbox.enqueue

def dying(session, *args, **kwargs):
    if when == "after_outbox_row":
        real_enqueue(session, *args, **kwargs)
        session.flush()
    os._exit(9)

if when != "after_commit":
    outbox.enqueue = dying
repo = Repository(database.make_engine(store))
me = repo.agent_by_username("zhang.wei")
repo.add_message(number, EventKind.NOTE, "Half-written?", me, datetime.fromisoformat(now))
os._exit(9)
"""


@pytest.mark.parametrize("when", ["before_outbox_row", "after_outbox_row", "after_commit"])
def test_t5_a_console_process_killed_mid_edit_keeps_both_or_neither(
    seeded: Path, when: str
) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CONSOLE, str(seeded), when, NOW.isoformat(), REFUND],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    assert rows(seeded, "PRAGMA integrity_check") == [("ok",)]
    events = rows(seeded, "SELECT id FROM ticket_event WHERE body = 'Half-written?'")
    queued = rows(seeded, "SELECT args_json FROM outbox WHERE args_json LIKE '%Half-written?%'")
    expected = 1 if when == "after_commit" else 0
    assert (len(events), len(queued)) == (expected, expected)
    if expected:
        assert json.loads(str(queued[0][0]))["event_id"] == events[0][0]
    (next_id,) = rows(seeded, "SELECT next_mutation_id FROM sync_state")[0]
    assert next_id == max(outbox_states(seeded)) + 1  # no mutation id taken by a lost edit


# -- T7: a network partition of up to a minute, half-open connections -----------------------------


class Partition:
    """Simulated seconds; until `heals_at` every request fails after its 10 s timeout: refused,
    or (half-open) delivered and handled with the answer lost. The console's sleeps move time."""

    TIMEOUT = 10.0

    def __init__(self, seconds: float, half_open: bool) -> None:
        self.now, self.heals_at, self.half_open = 0.0, seconds, half_open
        self.slept: list[float] = []

    def plan(self, _request: httpx.Request) -> Fate:
        if self.now >= self.heals_at:
            return "ok"
        self.now += self.TIMEOUT
        return "lose_answer" if self.half_open else "refuse"

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    ("seconds", "half_open"),
    [(0, False), (20, False), (60, False), (60, True)],
    ids=["no-partition", "down-20s", "down-60s", "half-open-60s"],
)
def test_t7_a_partition_never_wedges_the_queue_and_the_console_converges(
    console: Path, engine: Engine, network: Network, seconds: int, half_open: bool
) -> None:
    partition = Partition(seconds, half_open)
    network.plan = partition.plan
    client = network.client()
    client.sleep = partition.sleep
    target = ticket_id(console, REFUND)
    version = server_ticket(engine, target)["version"]
    note(console, REFUND, "Before the partition")
    move(console, REFUND, Status.IN_PROGRESS)
    bodies, positions, rounds = ["Before the partition"], [], 0
    while True:  # the console's timer: a round every 30 s, an edit now and then meanwhile
        rounds += 1
        assert rounds <= seconds // 30 + 3, "the queue is wedged"
        try:
            sync_round(console, client, POLICY, EPOCH)
        except SyncProblem as stopped:
            assert stopped.http_status == 0
            bodies.append(f"Written offline, round {rounds}")
            note(console, REFUND, bodies[-1])
            partition.now += 30
            continue
        positions.append(cursor_position(console))
        if not pending(console):
            break
    sync_round(console, client, POLICY, EPOCH)  # one more: nothing new either way
    positions.append(cursor_position(console))
    assert positions == sorted(positions)  # the cursor never went back
    assert max(partition.slept, default=0) <= 8  # backoff capped, never stuck waiting
    lost = [fate for fate in pushes(network) if fate == "lose_answer"]
    assert bool(lost) == (half_open and seconds > 0)  # pushes handled, answers lost: resent
    assert_each_edit_ended_once(console, engine)
    assert server_ticket(engine, target)["version"] == version + len(bodies) + 1
    assert status_moves(engine, target).count("in_progress") == 1
    assert_notes_once(engine, console, bodies)
    assert_converged(console, network)


# -- T8: offline for days with 500 queued edits while others edit the same tickets ----------------


def five_hundred_offline_edits(store: Path, start: datetime) -> list[str]:
    """Two claims, 100 status moves and 398 notes on the three tickets, ten minutes apart (three
    and a half days); returns the notes' bodies."""
    repo = open_repo(store)
    me, bodies = repo.agent_by_username("zhang.wei"), []
    try:
        repo.take(VACUUM, me, start)
        repo.take(WARRANTY, me, start)
        for n in range(498):
            at = start + timedelta(minutes=10 * n)
            number = (REFUND, VACUUM, WARRANTY)[n % 3]
            if n % 5 == 0:
                number = (REFUND, VACUUM)[n // 5 % 2]
                now = repo.ticket(number).status
                to = Status.WAITING_CUSTOMER if now is Status.IN_PROGRESS else Status.IN_PROGRESS
                repo.change_status(number, to, me, at)
                continue
            bodies.append(f"Offline note {n} on {number}")
            repo.add_message(number, EventKind.NOTE, bodies[-1], me, at)
    finally:
        repo.engine.dispose()
    return bodies


def test_t8_five_hundred_offline_edits_against_a_busy_server_all_end_and_conflicts_show(
    console: Path, engine: Engine, network: Network, tmp_path: Path
) -> None:
    network.clock.set(NOW + timedelta(days=4))  # the server's time when the agent is back
    emma = pulled_console(network, tmp_path / "emma.db", "emma.clark")
    bodies = five_hundred_offline_edits(console, NOW)
    assert len(outbox_states(console)) == 5 + 500
    claim(emma, VACUUM, "emma.clark")  # meanwhile, on the same tickets
    move(emma, REFUND, Status.WAITING_CUSTOMER, "emma.clark")
    theirs = [f"Emma on {number}" for number in (REFUND, VACUUM, WARRANTY)]
    for body, number in zip(theirs, (REFUND, VACUUM, WARRANTY), strict=True):
        note(emma, number, body, "emma.clark")
    sync_round(emma, network.client("emma.clark"), POLICY, EPOCH)

    summary = sync_round(console, network.client(), POLICY, EPOCH)
    assert summary.pushed == 505 and summary.applied + summary.rejected + summary.conflicts == 505
    assert_each_edit_ended_once(console, engine)
    refused = {n: s for n, s in outbox_states(console).items() if s != "applied"}
    claims = rows(console, "SELECT state, last_error FROM outbox WHERE name = 'ticket.claim.v1'")
    emma_id = rows(console, "SELECT id FROM agent WHERE username = 'emma.clark'")[0][0]
    assert claims[0][0] == "conflict" and "emma.clark" in str(claims[0][1])  # she was first
    assert claims[1][0] == "applied"
    assert summary.conflicts >= 2 and len(refused) == summary.conflicts + summary.rejected
    with engine.connect() as conn:  # each refused edit is a conflict row on the server ...
        client_id = rows(console, "SELECT client_id FROM sync_state")[0][0]
        query = sa.select(sync_conflict.c.mutation_id, sync_conflict.c.outcome, sync_conflict.c.id)
        recorded = conn.execute(query.where(sync_conflict.c.client_id == client_id)).all()
    assert {m: outcome for m, outcome, _ in recorded} == refused
    local = {str(r[0]) for r in rows(console, "SELECT id FROM sync_conflict")}
    assert {ident for _, _, ident in recorded} <= local  # ... and pulled down to the console
    assert server_ticket(engine, ticket_id(console, VACUUM))["assignee_id"] == emma_id
    assert_notes_once(engine, console, bodies + theirs)
    sync_round(emma, network.client("emma.clark"), POLICY, EPOCH)
    assert_notes_once(engine, emma, bodies + theirs)
    assert_converged(emma, network, "emma.clark")
    assert_converged(console, network)


# -- T11: a long-running writer transaction (PostgreSQL) ------------------------------------------


def pushed_note(engine: Engine, client_id: str, n: int, ident: str, body: str) -> None:
    """Emma's console pushes mutation `n`: a note on ticket `ident` (committed on return)."""
    args = {"ticket_id": ident, "event_id": f"ev-{client_id}-{n}", "kind": "note", "body": body}
    done = push.push(engine, who(engine, "emma.clark"), client_id, [
        push.Mutation(n, f"{client_id}-{n}", "ticket.add_event.v1", args)
    ], NOW)  # fmt: skip
    assert [r.status for r in done.results] == ["applied"]


def test_t11_a_long_writer_holds_delivery_back_and_nothing_is_skipped_after(
    engine: Engine, db_url: str, network: Network, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: a long writer blocks the others outright")
    reader = pulled_console(network, tmp_path / "reader.db", "zhang.wei")
    refund, vacuum, warranty = (ticket_id(reader, n) for n in (REFUND, VACUUM, WARRANTY))
    pushed_note(engine, "emma-console", 1, refund, "Before the long writer")
    long = engine.connect()
    try:
        long.begin()  # e.g. a slow import: it wrote its change and is still running
        args = {"ticket_id": warranty, "event_id": "ev-long", "kind": "note", "body": "Long"}
        outcome = intents.apply(long, who(engine, "emma.clark"), "ticket.add_event.v1", args, NOW)
        assert outcome.status == "applied"
        pushed_note(engine, "emma-console", 2, refund, "After it began, 1")
        pushed_note(engine, "emma-console", 3, vacuum, "After it began, 2")
        client = network.client()
        sync_round(reader, client, POLICY, EPOCH)
        held_at = cursor_position(reader)
        seen = Counter(str(r[0]) for r in rows(reader, "SELECT body FROM ticket_event"))
        assert seen["Before the long writer"] == 1
        assert seen["After it began, 1"] == seen["After it began, 2"] == seen["Long"] == 0
        assert sync_round(reader, client, POLICY, EPOCH).pulled == 0  # delivery waits
        assert cursor_position(reader) == held_at
        long.commit()
    finally:
        long.close()
    summary = sync_round(reader, client, POLICY, EPOCH)
    assert summary.pulled > 0 and cursor_position(reader) > held_at
    bodies = ["Before the long writer", "Long", "After it began, 1", "After it began, 2"]
    assert_notes_once(engine, reader, bodies)  # nothing skipped, nothing twice
    assert_converged(reader, network)


# -- T13: the console's clock a day off, or stepping backwards ------------------------------------

SERVER_NOW = NOW + timedelta(hours=2)
CLIENT_CLOCKS: dict[str, Callable[[int], datetime]] = {  # the console's time at its n-th edit
    "correct": lambda n: SERVER_NOW + timedelta(minutes=n),
    "ahead-1d": lambda n: SERVER_NOW + timedelta(days=1, minutes=n),
    "behind-1d": lambda n: SERVER_NOW - timedelta(days=1) + timedelta(minutes=n),
    "stepping-back": lambda n: SERVER_NOW + timedelta(days=1 if n < 3 else -1, minutes=-n),
}
T13_OUTCOMES = ["applied", "applied", "conflict", "applied", "applied", "applied", "applied"]


@pytest.mark.parametrize("clock_name", sorted(CLIENT_CLOCKS))
def test_t13_a_wrong_or_backward_client_clock_changes_no_outcome(
    console: Path, engine: Engine, network: Network, tmp_path: Path, clock_name: str
) -> None:
    network.clock.set(SERVER_NOW)
    emma = pulled_console(network, tmp_path / "emma.db", "emma.clark")
    claim(emma, VACUUM, "emma.clark", SERVER_NOW)
    sync_round(emma, network.client("emma.clark"), POLICY, EPOCH)
    at, before = CLIENT_CLOCKS[clock_name], server_events(engine)
    note(console, REFUND, "Clock test", now=at(0))
    move(console, REFUND, Status.IN_PROGRESS, now=at(1))
    claim(console, VACUUM, "zhang.wei", at(2))  # emma was first: a conflict
    claim(console, WARRANTY, "zhang.wei", at(3))
    move(console, WARRANTY, Status.IN_PROGRESS, now=at(4))
    note(console, WARRANTY, "Clock test 2", now=at(5))
    move(console, REFUND, Status.WAITING_CUSTOMER, now=at(6))
    sync_round(console, network.client(), POLICY, EPOCH)
    assert_each_edit_ended_once(console, engine)
    states = rows(console, "SELECT state FROM outbox WHERE mutation_id > 5 ORDER BY mutation_id")
    assert [s for (s,) in states] == T13_OUTCOMES
    ids = {number: ticket_id(console, number) for number in (REFUND, VACUUM, WARRANTY)}
    emma_id = who(engine, "emma.clark").id
    expected = {
        REFUND: ("waiting_customer", who(engine, "zhang.wei").id),
        VACUUM: ("assigned", emma_id),
        WARRANTY: ("in_progress", who(engine, "zhang.wei").id),
    }
    for number, (status, assignee) in expected.items():
        row = server_ticket(engine, ids[number])
        assert (row["status"], row["assignee_id"]) == (status, assignee), number
        assert row["updated_at"] == SERVER_NOW.isoformat()  # the server's clock, not the console's
    stamped = [at for ident, at in server_events(engine).items() if ident not in before]
    assert len(stamped) == 7 and set(stamped) == {SERVER_NOW.isoformat()}
    assert_notes_once(engine, console, ["Clock test", "Clock test 2"])
    assert_converged(console, network)


# -- T18: the server database restored to an earlier point ----------------------------------------


class Backup:
    """A full copy of the server database, put back as an admin would restore it: SQLite's file
    (backup API), or on PostgreSQL a database cloned with CREATE DATABASE … TEMPLATE."""

    def __init__(self, engine: Engine, db_url: str, request: pytest.FixtureRequest) -> None:
        self.engine, self.db_url = engine, db_url
        self.name = db_url.rsplit("/", 1)[1]
        self.postgres = request.getfixturevalue("postgres") if "postgresql" in db_url else None
        self.copy = Path(db_url.removeprefix("sqlite:///")).with_name("backup.db")
        engine.dispose()  # no session open on the database being copied
        if self.postgres is not None:
            self.postgres.create_database(f"{self.name}_backup", template=self.name)
        else:
            self._sqlite_copy(Path(db_url.removeprefix("sqlite:///")), self.copy)

    def restore(self) -> None:
        self.engine.dispose()
        if self.postgres is not None:
            self.postgres.drop_database(self.name)
            self.postgres.create_database(self.name, template=f"{self.name}_backup")
            self.postgres.drop_database(f"{self.name}_backup")
        else:
            self._sqlite_copy(self.copy, Path(self.db_url.removeprefix("sqlite:///")))

    @staticmethod
    def _sqlite_copy(source: Path, target: Path) -> None:
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()


@pytest.mark.parametrize("pushed", [False, True], ids=["queued-meanwhile", "applied-then-lost"])
def test_t18_after_a_restore_consoles_reset_keep_their_outbox_and_push_again(
    console: Path,
    engine: Engine,
    network: Network,
    db_url: str,
    request: pytest.FixtureRequest,
    pushed: bool,
) -> None:
    """`pushed`: the edits made after the backup reached the server (and were acknowledged)
    before the restore lost them; otherwise they were still queued."""
    client = network.client()
    note(console, REFUND, "Before the backup")
    sync_round(console, client, POLICY, EPOCH)
    epoch_before = cursor_position(console)[0]
    backup = Backup(engine, db_url, request)
    note(console, REFUND, "After the backup")
    move(console, REFUND, Status.IN_PROGRESS)
    if pushed:
        sync_round(console, client, POLICY, EPOCH)
        assert pending(console) == []
    backup.restore()
    with engine.begin() as conn:  # what the admin runs next: `agentdesk server restored`
        maintenance.rotate_epoch(conn)
    network.restart()
    note(console, REFUND, "After the restore")
    summary = sync_round(console, client, POLICY, EPOCH)
    assert summary.reset
    sync_round(console, client, POLICY, EPOCH)  # a second round settles whatever is left
    assert cursor_position(console)[0] != epoch_before  # a new epoch, pulled from zero
    assert_each_edit_ended_once(console, engine)
    target = ticket_id(console, REFUND)
    assert server_ticket(engine, target)["status"] == "in_progress"
    assert status_moves(engine, target).count("in_progress") == 1
    assert_notes_once(
        engine, console, ["Before the backup", "After the backup", "After the restore"]
    )
    assert_converged(console, network)
