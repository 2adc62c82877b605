"""SLA clocks on a large local store: prints one JSON object.

    uv run python -m benchmarks.sla --tickets 1000000

Uses the queue benchmark's store (benchmarks/.cache/queue-N.db; built when missing, when its
schema is older than the code's, or with --rebuild), under the shipped SLA policy:
- recompute: every open ticket's clocks in one transaction (what a policy change costs), median;
- due dates: business-time adds on the shipped cn-business calendar (as benchmarks.calendar_speed);
- one ticket's clocks replayed from its timeline (the ticket screen's clock panel), p50/p95;
- the escalation sweep as a dry run over the whole store, and what it found;
- the countdown tick: CPU share and RSS of a real `agentdesk` console process on a copy of the
  store, in a pseudo-terminal, queue screen open, measured with psutil once start-up settled.
  Everything the console does in that minute counts: the status bar figures (every 15 s) and
  its escalation sweep (every minute; on a demo store it fires steps for the overdue backlog,
  which is why it runs on a copy). The UI thread's share is reported apart.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.calendar_speed import calls_per_second, workload
from benchmarks.queue import CACHE, SIZE, build, p95

if TYPE_CHECKING:
    from agentdesk.domain.sla_policy import SlaPolicy
    from agentdesk.store.repository import Repository

SEED = 2026
DUE_CALLS = 200_000
EXPLAIN_SAMPLES = 200
RECOMPUTE_RUNS = 3
SETTLE_QUIET_PERCENT = 5.0  # start-up has settled after a few seconds below this share of a core
SETTLE_QUIET_SECONDS = 5
SETTLE_MIN_SECONDS = 10.0
SETTLE_MAX_SECONDS = 600.0


def store_for(tickets: int, store: Path | None, rebuild: bool) -> tuple[Path, float | None]:
    """The queue benchmark's cached store, (re)built when missing, stale or asked to."""
    from agentdesk.domain.errors import AgentdeskError
    from agentdesk.store import database

    path = store or CACHE / f"queue-{tickets}.db"
    if path.exists() and not rebuild:
        try:
            stale = database.store_revision(path) != database.HEAD_REVISION
        except AgentdeskError:  # corrupt or foreign: build it again
            stale = True
        rebuild = stale
    return path, build(tickets, path, rebuild)


def counts(store: Path) -> dict[str, int]:
    from agentdesk.store.clock_store import OPEN_SQL

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
        open_ = conn.execute(f"SELECT count(*) FROM ticket WHERE status IN {OPEN_SQL}").fetchone()
    finally:
        conn.close()
    return {"tickets": total, "open_tickets": open_[0]}


def open_ticket_sample(store: Path, size: int, seed: int) -> list[str]:
    from agentdesk.store.clock_store import OPEN_SQL

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in conn.execute(f"SELECT id FROM ticket WHERE status IN {OPEN_SQL}")]
    finally:
        conn.close()
    ids.sort()  # the draw must not depend on the scan order
    return random.Random(seed).sample(ids, min(size, len(ids)))


# -- in this process: recompute, due dates, one ticket's clocks, the sweep ----------------------


def measure_recompute(repo: Repository, now: datetime, open_tickets: int) -> dict[str, Any]:
    """Recompute is idempotent (it rewrites the same rows), so the cached store is reused."""
    runs = []
    for _ in range(RECOMPUTE_RUNS):
        started = time.perf_counter()
        done = repo.recompute_open(now)
        runs.append(time.perf_counter() - started)
        assert done == open_tickets, (done, open_tickets)
    median = statistics.median(runs)
    return {
        "recompute_all_s": round(median, 2),
        "recompute_runs_s": [round(r, 2) for r in runs],
        "recompute_per_ticket_us": round(median / max(1, open_tickets) * 1e6, 1),
    }


def measure_due_calls(policy: SlaPolicy) -> dict[str, Any]:
    calendar = policy.calendar("cn-business")
    starts, durations = workload(DUE_CALLS, SEED)
    add_seconds = calendar.add_seconds
    list(map(add_seconds, starts, durations))  # warm-up: builds every year involved

    def due() -> None:
        for start, seconds in zip(starts, durations, strict=True):
            add_seconds(start, seconds)

    return {"due_calls_per_s": calls_per_second(due, DUE_CALLS)}


def measure_clocks(repo: Repository, store: Path, now: datetime) -> dict[str, Any]:
    refs = open_ticket_sample(store, EXPLAIN_SAMPLES, SEED)
    repo.clocks(refs[0], now)  # warm-up: the ORM's first query, the calendars' years
    samples = []
    for ref in refs:
        started = time.perf_counter()
        repo.clocks(ref, now)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "clocks_one_ticket_p50_ms": round(statistics.median(samples), 3),
        "clocks_one_ticket_p95_ms": p95(samples),
    }


def measure_sweep(repo: Repository, now: datetime) -> dict[str, Any]:
    started = time.perf_counter()
    found = repo.run_escalations(now, dry_run=True, limit=1_000_000)
    elapsed = time.perf_counter() - started
    return {
        "escalation_sweep_s": round(elapsed, 2),
        "escalation_sweep_found": len(found),
        "escalation_sweep_tickets": len({r.ticket_id for r in found}),
    }


# -- a real console process: the countdown tick ---------------------------------------------------


def scratch_copy(store: Path) -> Path:
    """The console writes (its escalation sweep fires steps): give it a copy, not the cache."""
    conn = sqlite3.connect(store)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    copy = store.with_name(f"sla-tick-{store.name}")
    remove_store(copy)
    shutil.copyfile(store, copy)
    return copy


def escalation_events(store: Path) -> int:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        sql = "SELECT count(*) FROM ticket_event WHERE kind = 'escalation'"
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def remove_store(store: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)


def _controlling_terminal() -> None:
    """In the child, after setsid: make the pty (stdin) its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _drain(fd: int, drawn: list[int]) -> None:
    """Read what the console draws (a terminal would), counting the bytes in drawn[0]; ends
    when the console closes the pty."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            return
        if not chunk:
            return
        drawn[0] += len(chunk)


def measure_tick(store: Path, agent: str, seconds: float) -> dict[str, Any]:
    """CPU share and RSS of `agentdesk run` in a pseudo-terminal, queue screen open, ticking
    every second (the default), over `seconds` once start-up has settled."""
    import psutil

    copy = scratch_copy(store)
    escalated = escalation_events(copy)
    master, slave = os.openpty()
    columns, rows = SIZE
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    home = tempfile.TemporaryDirectory(prefix="agentdesk-sla-")  # no user config, own logs
    env = dict(os.environ, AGENTDESK_HOME=home.name, TERM="xterm-256color", COLORTERM="truecolor")
    command = [sys.executable, "-c", "from agentdesk.cli import main; main()"]
    command += ["--store", str(copy), "run", "--agent", agent]
    child = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    os.close(slave)
    drawn = [0]
    reader = threading.Thread(target=_drain, args=(master, drawn), daemon=True)
    reader.start()
    try:
        process = psutil.Process(child.pid)
        settled = settle(process, child)
        main_thread = thread_cpu(process, child.pid)
        before, drawn_before = process.cpu_times(), drawn[0]
        started = time.perf_counter()
        per_second: list[float] = []
        last = before.user + before.system
        while (elapsed := time.perf_counter() - started) < seconds:
            time.sleep(min(1.0, seconds - elapsed))
            now = process.cpu_times()
            per_second.append((now.user + now.system - last) * 100)
            last = now.user + now.system
        after, drawn_after = process.cpu_times(), drawn[0]
        wall = time.perf_counter() - started
        rss = process.memory_info().rss
        main_used = thread_cpu(process, child.pid) - main_thread
        if child.poll() is not None:
            raise RuntimeError(f"the console exited early ({child.returncode})")
    finally:
        stop(child, master)
        reader.join(timeout=5)
        os.close(master)
        home.cleanup()
        try:
            escalated = escalation_events(copy) - escalated
        finally:
            remove_store(copy)
    used = after.user + after.system - before.user - before.system
    return {
        "tick_cpu_percent": round(used / wall * 100, 3),
        "tick_cpu_ui_thread_percent": round(main_used / wall * 100, 3),
        "tick_cpu_other_threads_percent": round((used - main_used) / wall * 100, 3),
        "tick_cpu_max_1s_percent": round(max(per_second), 1),
        "tick_cpu_median_1s_percent": round(statistics.median(per_second), 1),
        "tick_terminal_kb_per_s": round((drawn_after - drawn_before) / wall / 1024, 1),
        "tick_seconds": round(wall, 1),
        "tick_settled_after_s": settled,
        "rss_mb": round(rss / 2**20, 1),
        "tick_console_escalations_fired": escalated,  # its own sweeps, start-up included
    }


def settle(process: Any, child: subprocess.Popen[bytes]) -> float:
    """Wait until start-up (first frame, policy check, first escalation sweep) has gone quiet:
    a few one-second samples in a row below SETTLE_QUIET_PERCENT; returns seconds waited."""
    started = time.perf_counter()
    quiet = 0
    last = sum(process.cpu_times()[:2])
    while True:
        time.sleep(1.0)
        if child.poll() is not None:
            raise RuntimeError(f"the console exited during start-up ({child.returncode})")
        now = sum(process.cpu_times()[:2])
        quiet = quiet + 1 if (now - last) * 100 < SETTLE_QUIET_PERCENT else 0
        last = now
        waited = time.perf_counter() - started
        if quiet >= SETTLE_QUIET_SECONDS and waited >= SETTLE_MIN_SECONDS:
            return round(waited, 1)
        if waited > SETTLE_MAX_SECONDS:
            raise RuntimeError("the console did not settle")


def thread_cpu(process: Any, thread_id: int) -> float:
    """CPU seconds of one thread (the main thread's id is the process id on Linux)."""
    for thread in process.threads():
        if thread.id == thread_id:
            return float(thread.user_time + thread.system_time)
    return 0.0


def stop(child: subprocess.Popen[bytes], master: int) -> None:
    """Quit the console as a user would (ctrl+q); terminate it if it does not go."""
    if child.poll() is None:
        try:
            os.write(master, b"\x11")
            child.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--tick-seconds", type=float, default=60.0)
    parser.add_argument("--skip-tick", action="store_true", help="skip the console CPU figure")
    args = parser.parse_args()

    from agentdesk.io.demo_data import DEMO_AGENT
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
    from agentdesk.store import database
    from agentdesk.store.repository import Repository

    store, built = store_for(args.tickets, args.store, args.rebuild)
    figures: dict[str, Any] = counts(store)
    if built is not None:
        figures["build_seconds"] = built
    policy = load_policy(SHIPPED_POLICY_DIR)
    now = datetime.now(UTC)
    repo = Repository(database.make_engine(store), policy)
    try:
        figures.update(measure_recompute(repo, now, figures["open_tickets"]))
        figures.update(measure_due_calls(policy))
        figures.update(measure_clocks(repo, store, now))
        figures.update(measure_sweep(repo, now))
    finally:
        repo.engine.dispose()
    if not args.skip_tick:
        figures.update(measure_tick(store, DEMO_AGENT, args.tick_seconds))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
