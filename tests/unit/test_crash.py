"""kill -9 a writer mid-transaction: the store stays consistent and the outbox matches."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from agentdesk.store import database
from tests.conftest import rows

WRITER = """
import sys, time
from datetime import UTC, datetime
from agentdesk.domain.model import EventKind
from agentdesk.store import database, outbox
from agentdesk.store.repository import Repository

store, mode = sys.argv[1], sys.argv[2]
repo = Repository(database.make_engine(store))
me = repo.agent_by_username("zhang.wei")
number = "T-20261123-0001"
if mode == "pause":
    original = outbox.enqueue
    def enqueue_then_hang(session, *args, **kwargs):
        result = original(session, *args, **kwargs)
        session.flush()  # the event and the outbox row are written, not committed
        print("inside", flush=True)
        time.sleep(60)
        return result
    outbox.enqueue = enqueue_then_hang
print("ready", flush=True)
i = 0
while True:
    repo.add_message(number, EventKind.NOTE, f"note {i}", me, datetime.now(UTC))
    i += 1
    print(i, flush=True)
"""


def start_writer(store: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store), mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def assert_consistent(store: Path) -> int:
    """Integrity ok; each note has exactly one outbox intent and each intent its note."""
    conn = database.connect(store)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    notes = {r[0] for r in rows(store, "SELECT id FROM ticket_event WHERE kind = 'note'")}
    intents = [
        json.loads(r[0])["event_id"]
        for r in rows(store, "SELECT args_json FROM outbox WHERE name = 'ticket.add_event.v1'")
    ]
    assert sorted(intents) == sorted(notes)
    ids = [r[0] for r in rows(store, "SELECT mutation_id FROM outbox ORDER BY mutation_id")]
    assert ids == list(range(1, len(ids) + 1))
    assert rows(store, "SELECT next_mutation_id FROM sync_state") == [(len(ids) + 1,)]
    version = rows(store, "SELECT version FROM ticket WHERE number = 'T-20261123-0001'")[0][0]
    assert version == 1 + len(notes)  # every note bumped the version exactly once
    return len(notes)


def test_kill_inside_a_transaction_leaves_nothing_half_written(seeded: Path) -> None:
    before = rows(seeded, "SELECT count(*) FROM ticket_event")
    proc = start_writer(seeded, "pause")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "inside"
    kill(proc)
    assert rows(seeded, "SELECT count(*) FROM ticket_event") == before
    assert assert_consistent(seeded) == 0


def test_kill_at_random_moments_during_writes(seeded: Path) -> None:
    rng = random.Random(20261123)
    written = 0
    for _ in range(4):
        proc = start_writer(seeded, "loop")
        assert proc.stdout is not None
        target = rng.randint(3, 30)
        while int(proc.stdout.readline()) < target:
            pass
        kill(proc)  # lands somewhere inside the next write
        count = assert_consistent(seeded)
        assert count >= written + target
        written = count
    assert written > 0
