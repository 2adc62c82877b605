"""SYNC.md T23: randomized scripts of two consoles (zhang.wei and emma.clark, same team, same
three tickets) editing offline and syncing with the server through a faulty network — requests
refused, answers lost after the server applied them, requests delivered twice, the server
crashing inside a mutation's transaction, the server restarting — checked by a Hypothesis state
machine. SQLite server only (the other scenarios run on PostgreSQL too).

After every step: no outbox row lost or in an unknown state; nothing applied twice (one receipt
per edit, each note at most once on the server); acknowledged ids and cursors never go back.
At the end the network heals, both consoles sync until drained, and then every edit has ended
with the outcome its receipt records, every queued note exists exactly once, and both consoles
hold exactly the server's tickets, timelines and conflicts.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy.engine import Engine

from agentdesk.domain import status_flow
from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.model import EventKind, Status
from agentdesk.server import accounts, db, intents
from agentdesk.server.seeding import seed_from_store
from agentdesk.server.tables import sync_conflict, ticket, ticket_event
from agentdesk.store import database
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import SyncProblem
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD
from tests.server.test_faults import (
    EPOCH,
    FINAL_STATES,
    POLICY,
    REFUND,
    VACUUM,
    WARRANTY,
    Fate,
    Network,
    acked,
    assert_each_edit_ended_once,
    cursor_position,
    open_repo,
    outbox_states,
    pending,
    receipts,
    server_notes,
    timeline,
)

AGENTS = ("zhang.wei", "emma.clark")
FAULTS = ("ok", "refuse", "lose_answer", "twice", "crash")


def sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


class World:
    """A seeded server database and both consoles, synced once, with both agents signed in:
    copied for each example (much faster than building it again)."""

    def __init__(self, folder: Path, seeded: Path) -> None:
        self.folder = folder
        self.server = folder / "server.db"
        db.upgrade(f"sqlite:///{self.server}")
        engine = db.make_engine(f"sqlite:///{self.server}")
        with engine.begin() as conn:
            seed_from_store(conn, seeded, accounts.hash_password(PASSWORD), NOW)
        network = Network(engine)
        self.consoles = {"zhang.wei": folder / "zhang.db", "emma.clark": folder / "emma.db"}
        shutil.copyfile(seeded, self.consoles["zhang.wei"])
        database.upgrade(self.consoles["emma.clark"])
        for username, store in self.consoles.items():
            sync_round(store, network.client(username), POLICY, EPOCH)
        self.tokens = dict(network.tokens)
        network.close()
        engine.dispose()

    def copy(self, into: Path) -> tuple[Engine, dict[str, Path]]:
        sqlite_copy(self.server, into / "server.db")
        consoles = {}
        for username, store in self.consoles.items():
            consoles[username] = into / store.name
            sqlite_copy(store, consoles[username])
        return db.make_engine(f"sqlite:///{into / 'server.db'}"), consoles


@pytest.fixture
def world(seeded: Path, tmp_path: Path) -> World:
    return World(tmp_path, seeded)


@contextmanager
def server_dying_in_next_mutation() -> Iterator[None]:
    """The server dies inside the transaction of the next mutation it applies, after that
    mutation's writes: none of it commits, the console gets a 500."""
    real_apply = intents.apply

    def apply_then_die(
        conn: Any, who: Any, name: str, args: dict[str, Any], now: Any
    ) -> intents.Outcome:
        intents.apply = real_apply
        real_apply(conn, who, name, args, now)
        raise RuntimeError("server killed before commit")

    intents.apply = apply_then_die
    try:
        yield
    finally:
        intents.apply = real_apply


class Faults:
    """The first `count` requests of a round meet `fate` (`crash` is the server's, not the
    network's: see server_dying_in_next_mutation)."""

    def __init__(self, fate: str, count: int) -> None:
        self.fate, self.left = fate, count

    def plan(self, _request: httpx.Request) -> Fate:
        if self.left <= 0 or self.fate in ("ok", "crash"):
            return "ok"
        self.left -= 1
        return self.fate


class SyncModel(RuleBasedStateMachine):
    world: World
    temp: Path

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(dir=self.temp))
        self.engine, self.consoles = self.world.copy(self.folder)
        self.network = Network(self.engine)
        self.network.tokens.update(self.world.tokens)
        self.clients = {name: self.network.client(name) for name in AGENTS}
        self.queued = {name: len(outbox_states(store)) for name, store in self.consoles.items()}
        self.notes: dict[str, list[str]] = {name: [] for name in AGENTS}
        self.acked = {name: acked(store) for name, store in self.consoles.items()}
        self.cursors = {name: cursor_position(store) for name, store in self.consoles.items()}
        self.repos = {name: open_repo(store) for name, store in self.consoles.items()}
        self.agents = {name: repo.agent_by_username(name) for name, repo in self.repos.items()}

    # -- what happens -----------------------------------------------------------------------------

    @rule(
        agent=st.sampled_from(AGENTS),
        action=st.sampled_from(("note", "note", "move", "claim")),
        number=st.sampled_from((REFUND, VACUUM, WARRANTY)),
        choice=st.integers(0, 1),
    )
    def edit(self, agent: str, action: str, number: str, choice: int) -> None:
        """A local edit at `agent`'s console; one the console itself refuses queues nothing."""
        store, repo = self.consoles[agent], self.repos[agent]
        before = len(outbox_states(store))
        try:
            me = self.agents[agent]
            if action == "note":
                body = f"{agent} note {sum(map(len, self.notes.values()))}"
                repo.add_message(number, EventKind.NOTE, body, me, NOW)
                self.notes[agent].append(body)
            elif action == "claim":
                repo.take(number, me, NOW)
            else:
                allowed = status_flow.allowed_next(repo.ticket(number).status)
                targets = [s for s in allowed if s is not Status.RESOLVED]
                if targets:
                    repo.change_status(number, targets[choice % len(targets)], me, NOW)
        except AgentdeskError:
            pass
        self.queued[agent] = len(outbox_states(store))
        assert self.queued[agent] - before in (0, 1)

    @rule(agent=st.sampled_from(AGENTS), fate=st.sampled_from(FAULTS), count=st.integers(1, 4))
    def sync(self, agent: str, fate: str, count: int) -> None:
        self.network.plan = Faults(fate, count).plan
        crashing = server_dying_in_next_mutation() if fate == "crash" else nullcontext()
        try:
            with crashing:
                sync_round(self.consoles[agent], self.clients[agent], POLICY, EPOCH)
        except SyncProblem:
            pass
        finally:
            self.network.plan = Faults("ok", 0).plan

    @rule()
    def restart_server(self) -> None:
        self.network.restart()

    # -- after every step -------------------------------------------------------------------------

    @invariant()
    def nothing_lost_nothing_twice_nothing_back(self) -> None:
        outcome = receipts(self.engine)
        notes_there = server_notes(self.engine)
        for agent, store in self.consoles.items():
            states = outbox_states(store)
            assert len(states) == self.queued[agent]  # no outbox row lost
            assert set(states.values()) <= FINAL_STATES | {"pending"}
            for uuid_, state in rows(store, "SELECT mutation_uuid, state FROM outbox"):
                first = [s for s in outcome.get(str(uuid_), []) if s != "duplicate"]
                assert len(first) <= 1, (agent, uuid_, first)  # applied at most once
                if state != "pending":
                    assert first == [state], (agent, uuid_, state, first)
            assert all(notes_there[body] <= 1 for body in self.notes[agent])
            assert acked(store) >= self.acked[agent]
            assert cursor_position(store) >= self.cursors[agent]
            self.acked[agent], self.cursors[agent] = acked(store), cursor_position(store)

    def teardown(self) -> None:
        try:
            self._heal_and_check()
        finally:
            for repo in self.repos.values():
                repo.engine.dispose()
            self.network.close()
            self.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _heal_and_check(self) -> None:
        """The network heals: both consoles sync until nothing is pending (a last round each so
        both have seen the other's last push), then every invariant holds, with convergence."""
        for _ in range(3):
            for agent in AGENTS:
                sync_round(self.consoles[agent], self.clients[agent], POLICY, EPOCH)
        all_notes = self.notes["zhang.wei"] + self.notes["emma.clark"]
        on_server = server_notes(self.engine)
        assert {body: on_server[body] for body in all_notes} == dict.fromkeys(all_notes, 1)
        tickets_there, events_there, collided_there = server_view(self.engine)
        for agent, store in self.consoles.items():
            assert pending(store) == []
            if outbox_states(store):
                assert_each_edit_ended_once(store, self.engine)
            here = Counter(str(r[0]) for r in rows(store, "SELECT body FROM ticket_event"))
            assert all(here[body] == 1 for body in all_notes)
            tickets, events, collided = console_view(store)
            assert tickets == tickets_there, agent
            only_here = timeline(store, events - events_there)
            assert (only_here, sorted(events_there - events)) == ([], []), (
                f"{agent}: timeline entries on one side only (console's, server's)"
            )
            assert collided == collided_there, agent


def server_view(engine: Engine) -> tuple[dict[str, Any], set[str], set[str]]:
    with engine.connect() as conn:
        tickets = {
            r.id: (r.status, r.assignee_id, r.team_id, r.version)
            for r in conn.execute(sa.select(ticket))
        }
        events = set(conn.execute(sa.select(ticket_event.c.id)).scalars())
        collided = set(conn.execute(sa.select(sync_conflict.c.id)).scalars())
    return tickets, events, collided


def console_view(store: Path) -> tuple[dict[str, Any], set[str], set[str]]:
    tickets = {
        str(r[0]): tuple(r[1:])
        for r in rows(store, "SELECT id, status, assignee_id, team_id, version FROM ticket")
    }
    events = {str(r[0]) for r in rows(store, "SELECT id FROM ticket_event")}
    collided = {str(r[0]) for r in rows(store, "SELECT id FROM sync_conflict")}
    return tickets, events, collided


def test_t23_random_scripts_with_faults_keep_every_invariant(world: World, tmp_path: Path) -> None:
    model = type("Model", (SyncModel,), {"world": world, "temp": tmp_path})
    run_state_machine_as_test(
        model,
        settings=settings(
            max_examples=30,
            database=None,
            # no shrinking: a failing script (at most 20 steps) is reported as found, in seconds,
            # where shrinking replays it for minutes; no `explain` phase (it traces every line)
            phases=[Phase.explicit, Phase.generate],
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
