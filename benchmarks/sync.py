"""Sync against a real server on PostgreSQL: prints one JSON object.

    uv run python -m benchmarks.sync [--tickets 100000] [--agents 2000] [--minutes 2]

Starts everything itself and stops it by PID (also on errors): a throwaway PostgreSQL cluster
(tests.pg_server.LocalPostgres: 127.0.0.1, durability off) and `agentdesk server --workers W` as a
subprocess (the escalation sweeper off). The demo store of --tickets tickets is built once
(benchmarks/.cache/sync-N.db) and seeded into PostgreSQL (`seed_s`), then VACUUM ANALYZE.

What is measured:
- the ready-made first download of --bootstrap-as (default the demo lead, who sees every
  team): asked for once, the server has none and builds it in a process of its own;
  `snapshot_build_s` until it is offered, `snapshot_mb` its size (server.snapshots).
- bootstrap (`bootstrap_100k_s`, whatever --tickets is): a fresh console with an empty store,
  signed in as that account, runs one `sync_round` over HTTP that downloads the snapshot,
  copies it (`bootstrap_snapshot_tickets`) and pulls what changed since (`bootstrap_changes`).
- `bootstrap_pages_*`: the same without a snapshot (none ready, or the client refuses it): the
  round pulls and applies everything page by page: catalogue, customers, tickets, timelines. The
  next page is fetched and decoded on another thread while one is applied: `*_http_s`
  (waiting for the server) and `*_json_s` (decoding) are that thread's, overlapping;
  `*_page_wait_s` is how long the console waited for a page, and `*_apply_s` the rest of the
  round, mostly applying pages to the store. `server_pull_ms_p50` is
  `pull.pull` alone (no HTTP, no JSON) on the first pages, called in this process.
- idle rounds (`idle_round_ms_p50`, p95): IDLE_ROUNDS more rounds of that console with nothing
  to push or pull.
- load: --agents simulated consoles (asyncio, one aiohttp session each, no local store), one
  agent account each in an organisation of teams of --team-size (benchmarks/sync_staff.py
  restaffs the demo store; 0 keeps the demo's three teams and shares their agent accounts
  round-robin), each with its own client id, signed in and caught up to the head of their team's
  changes before the timed part. Over --minutes each runs a round (push what is queued, its
  answer bringing the first pull page, then pull the rest) every --interval seconds from a
  random phase, and makes --edits-per-minute notes (Poisson) on open tickets of its team, each
  pushed by a round right away as the console does. `sync_p50/p95/p99_ms`: one round (push +
  every pull page) as the client sees it; `errors`: rounds that failed (non-2xx, the console's
  10 s timeout, any exception, or still running DRAIN_SECONDS after the end). When
  `rounds_per_s` stays below `rounds_offered_per_s` the server is saturated and the latencies
  are mostly queueing. A console pulls every change of its team, so the volume grows with agents
  squared over teams (`changes_pulled_per_round`). CPU is a share of one core over the load
  window, per process tree (server, PostgreSQL, this load generator) and for the whole machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx

from benchmarks.queue import CACHE, build
from benchmarks.sync_staff import staffed_store

if TYPE_CHECKING:
    from agentdesk.domain.sla_policy import SlaPolicy

SEED = 2026
PASSWORD = "benchmark-password"
DATABASE = "agentdesk_sync"
IDLE_ROUNDS = 50
SERVER_PAGES_SAMPLED = 20
CATCH_UP_LIMIT = 1000  # the server's maximum page: the untimed pull-through to the head
START_TIMEOUT = 60.0
DRAIN_SECONDS = 30.0
SNAPSHOT_TIMEOUT = 600.0
TIMEOUT_S = 10.0  # the console's (agentdesk.cli_login)
NOTE = "已电话联系客户，确认问题并记录处理进度。"


def percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))], 1)


# -- the store, PostgreSQL, the server ------------------------------------------------------------


def store_for(tickets: int, rebuild: bool) -> tuple[Path, float | None]:
    """The demo store of `tickets` tickets, (re)built when missing, stale or asked to."""
    from agentdesk.domain.errors import AgentdeskError
    from agentdesk.store import database

    path = CACHE / f"sync-{tickets}.db"
    if path.exists() and not rebuild:
        try:
            rebuild = database.store_revision(path) != database.HEAD_REVISION
        except AgentdeskError:  # corrupt or foreign: build it again
            rebuild = True
    return path, build(tickets, path, rebuild)


def seed(url: str, store: Path) -> dict[str, Any]:
    import sqlalchemy as sa

    from agentdesk.server import accounts, db
    from agentdesk.server.seeding import seed_from_store

    db.upgrade(url)
    password_hash = accounts.hash_password(PASSWORD)
    engine = db.make_engine(url)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            counts = seed_from_store(conn, store, password_hash, datetime.now(UTC))
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        analyzed = time.perf_counter() - started
        with engine.connect() as conn:
            change_rows = conn.execute(sa.text("SELECT count(*) FROM change_index")).scalar()
    finally:
        engine.dispose()
    return {
        "seeded": counts,
        "change_index_rows": change_rows,
        "seed_s": round(seeded, 1),
        "analyze_s": round(analyzed, 1),
    }


class Server:
    """`agentdesk server` in a subprocess; `stop()` ends the master and then any worker left,
    by the PIDs recorded once it answered."""

    def __init__(self, url: str, workers: int, home: Path) -> None:
        from tests.pg_server import _parent_death_signal, free_port

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / "server.log"
        env = dict(os.environ, AGENTDESK_HOME=str(home / "home"), AGENTDESK_SWEEP_SECONDS="0")
        command = [sys.executable, "-c", "from agentdesk.cli import main; main()", "server"]
        command += ["--db", url, "--port", str(self.port), "--workers", str(workers)]
        command += ["--snapshot-dir", str(home / "snapshots")]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # a Ctrl-C in the terminal reaches only this process
                preexec_fn=_parent_death_signal(),  # and it goes if this process is killed
            )
        self.children: list[Any] = []

    def wait_ready(self) -> None:
        import psutil

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the server did not answer /healthz:\n{self.tail()}")
        self.children = psutil.Process(self.process.pid).children(recursive=True)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        import psutil

        if self.process.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):  # workers started since wait_ready
                self.children = psutil.Process(self.process.pid).children(recursive=True)
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for child in self.children:  # psutil checks the PID still names the same process
            try:
                child.kill()
                child.wait(timeout=10)
            except psutil.NoSuchProcess:
                pass


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and all its descendants so far, gone ones included: each live
    process's own time plus that of the children it reaped (PostgreSQL's parallel workers live
    for one query)."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def machine_busy_seconds() -> float:
    import psutil

    times = psutil.cpu_times()._asdict()  # guest time is counted in user time already
    idle = ("idle", "iowait", "guest", "guest_nice")
    return sum(seconds for name, seconds in times.items() if name not in idle)


def sign_in(base: str, username: str, http: httpx.Client | None = None) -> str:
    login = {"username": username, "password": PASSWORD}
    response = (http or httpx).post(f"{base}/v1/auth/login", json=login, timeout=30)
    response.raise_for_status()
    return str(response.json()["token"])


# -- bootstrap and idle rounds --------------------------------------------------------------------


def timed_client(base: str, token: str, http: httpx.Client) -> Any:
    from agentdesk.sync.transport import ServerClient

    @dataclass
    class TimedClient(ServerClient):
        """The console's client, keeping the seconds spent waiting and decoding."""

        waited: float = 0.0
        decoded: float = 0.0

        def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
            started = time.perf_counter()
            try:
                return super().request(method, path, **kwargs)
            finally:
                self.waited += time.perf_counter() - started

        def json_or_problem(self, response: httpx.Response) -> Any:
            started = time.perf_counter()
            try:
                return super().json_or_problem(response)
            finally:
                self.decoded += time.perf_counter() - started

    return TimedClient(base, token, http)


@contextmanager
def pages_waited() -> Iterator[list[float]]:
    """The seconds the console's round spent waiting for pulled pages (its fetcher thread's
    futures, timed where the round asks for their result)."""
    from agentdesk.sync import round as round_module

    waits: list[float] = []

    class TimedFuture:
        def __init__(self, future: Future[Any]) -> None:
            self.future = future

        def done(self) -> bool:
            return self.future.done()

        def result(self, timeout: float | None = None) -> Any:
            started = time.perf_counter()
            try:
                return self.future.result(timeout)
            finally:
                waits.append(time.perf_counter() - started)

    class TimedExecutor(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            return TimedFuture(super().submit(fn, *args, **kwargs))

    plain = round_module.ThreadPoolExecutor
    round_module.ThreadPoolExecutor = TimedExecutor  # type: ignore[misc]
    try:
        yield waits
    finally:
        round_module.ThreadPoolExecutor = plain  # type: ignore[misc]


def bootstrap_and_idle(
    base: str, username: str, policy: SlaPolicy, workdir: Path
) -> dict[str, Any]:
    from agentdesk.sync.round import sync_round

    with httpx.Client(timeout=60) as http:
        token = sign_in(base, username, http)
        figures: dict[str, Any] = {"bootstrap_account": username}
        figures |= snapshot_built(base, token, http)
        store = workdir / "console.db"
        figures |= bootstrap(store, timed_client(base, token, http), policy, snapshot=True)
        pages_store = workdir / "console-pages.db"
        pages = bootstrap(pages_store, timed_client(base, token, http), policy, snapshot=False)
        figures |= {key.replace("bootstrap", "bootstrap_pages", 1): v for key, v in pages.items()}
        pages_store.unlink()
        server = timed_client(base, token, http)
        idle = []
        for _ in range(IDLE_ROUNDS):
            started = time.perf_counter()
            again = sync_round(store, server, policy, int(time.time()))
            idle.append((time.perf_counter() - started) * 1000)
            assert again.pulled == 0 and again.pushed == 0, again
    figures["idle_round_ms_p50"] = round(statistics.median(idle), 1)
    figures["idle_round_ms_p95"] = percentile(idle, 0.95)
    return figures


def snapshot_built(base: str, token: str, http: httpx.Client) -> dict[str, Any]:
    """Ask for the account's ready-made first download (none yet: the server starts building
    it) and wait until it is offered: `snapshot_build_s`, `snapshot_mb`."""
    from agentdesk.store.database import HEAD_REVISION

    started = time.perf_counter()
    while time.perf_counter() - started < SNAPSHOT_TIMEOUT:
        with http.stream(
            "GET",
            f"{base}/v1/sync/snapshot",
            params={"schema": HEAD_REVISION},
            headers={"Authorization": f"Bearer {token}"},
        ) as answer:
            if answer.status_code == 200:
                return {
                    "snapshot_build_s": round(time.perf_counter() - started, 1),
                    "snapshot_mb": round(int(answer.headers["content-length"]) / 2**20, 1),
                }
            if answer.status_code != 404:
                raise RuntimeError(f"snapshot: {answer.status_code} {answer.read()[:200]!r}")
        time.sleep(0.5)
    raise RuntimeError(f"no snapshot after {SNAPSHOT_TIMEOUT} s")


def bootstrap(store: Path, server: Any, policy: SlaPolicy, *, snapshot: bool) -> dict[str, Any]:
    """A fresh console's first round, taking the server's snapshot or pulling from zero."""
    from agentdesk.store import database
    from agentdesk.sync.round import sync_round

    database.upgrade(store)  # a fresh console: an empty store
    with pages_waited() as waits:
        started = time.perf_counter()
        summary = sync_round(store, server, policy, int(time.time()), snapshot=snapshot)
        took = time.perf_counter() - started
    conn = sqlite3.connect(store)
    try:
        held = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("ticket", "ticket_event", "customer", "customer_order")
        }
    finally:
        conn.close()
    assert summary.snapshot == (held["ticket"] if snapshot else 0), summary
    return {
        "bootstrap_100k_s": round(took, 2),
        "bootstrap_snapshot_tickets": summary.snapshot,
        "bootstrap_changes": summary.pulled,
        "bootstrap_pages": summary.pages,
        "bootstrap_tickets": held["ticket"],
        "bootstrap_events": held["ticket_event"],
        "bootstrap_customers": held["customer"],
        "bootstrap_orders": held["customer_order"],
        "bootstrap_http_s": round(server.waited, 2),
        "bootstrap_json_s": round(server.decoded, 2),
        "bootstrap_page_wait_s": round(sum(waits), 2),
        "bootstrap_apply_s": round(took - sum(waits), 2),
        "bootstrap_store_mb": round(store.stat().st_size / 2**20, 1),
    }


def server_pull_sample(url: str, username: str) -> dict[str, Any]:
    """pull.pull alone (no HTTP, no JSON) on the bootstrap account's first pages."""
    from agentdesk.server import accounts, db, pull
    from agentdesk.sync.round import PULL_PAGE

    engine = db.make_engine(url)
    samples = []
    try:
        with engine.connect() as conn:
            who = accounts.account_by_username(conn, username)
        cursor = None
        for _ in range(SERVER_PAGES_SAMPLED):
            with engine.connect() as conn:
                started = time.perf_counter()
                page = pull.pull(conn, who, cursor, PULL_PAGE)
                samples.append((time.perf_counter() - started) * 1000)
            cursor = page.cursor
            if not page.has_more:
                break
    finally:
        engine.dispose()
    return {
        "server_pull_ms_p50": round(statistics.median(samples), 1),
        "server_pull_pages_sampled": len(samples),
    }


# -- the simulated consoles -----------------------------------------------------------------------


@dataclass
class Agent:
    username: str
    token: str
    tickets: list[str]
    cursor: str
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    next_id: int = 1
    pending: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    results: Counter[str] = field(default_factory=Counter)
    edits: int = 0
    pulled: int = 0
    pages: int = 0
    pages_with_push: int = 0  # first pages that came in the push's answer
    in_flight: int = 0


def accounts_and_tickets(store: Path) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """The demo's agent accounts (username, team id) and each team's open tickets."""
    from agentdesk.store.clock_store import OPEN_SQL

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        sql = "SELECT username, team_id FROM agent WHERE role = 'agent' AND active"
        people = [(r[0], r[1]) for r in conn.execute(sql)]
        tickets: dict[str, list[str]] = {}
        sql = f"SELECT team_id, id FROM ticket WHERE status IN {OPEN_SQL} AND team_id IS NOT NULL"
        for team_id, ticket_id in conn.execute(sql):
            tickets.setdefault(team_id, []).append(ticket_id)
    finally:
        conn.close()
    for ids in tickets.values():
        ids.sort()  # the draws must not depend on the scan order
    people.sort()
    return [p for p in people if tickets.get(p[1])], tickets


def head_cursor(base: str, token: str, http: httpx.Client) -> tuple[str, int]:
    """Pull from nothing to the head; returns the cursor and the changes seen."""
    cursor, seen = None, 0
    while True:
        params: dict[str, Any] = {"limit": CATCH_UP_LIMIT}
        if cursor:
            params["cursor"] = cursor
        response = http.get(
            f"{base}/v1/sync/pull", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        page = response.json()
        cursor, seen = page["cursor"], seen + len(page["changes"])
        if not page["has_more"]:
            return cursor, seen


def prepare_agents(base: str, store: Path, count: int, each: bool) -> tuple[list[Agent], dict]:
    """Sign the simulated consoles in and give each team's a cursor at the head (untimed)."""
    from concurrent.futures import ThreadPoolExecutor

    people, tickets = accounts_and_tickets(store)
    chosen = [people[i % len(people)] for i in range(count)]
    names = [name for name, _ in chosen] if each else sorted({name for name, _ in chosen})
    started = time.perf_counter()
    with httpx.Client(timeout=60) as http, ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda name: sign_in(base, name, http), names))
        signed_in = time.perf_counter() - started
        by_name = dict(zip(names, tokens, strict=True))
        started = time.perf_counter()
        teams_chosen = {team for _, team in chosen}
        first_of_team: dict[str, str] = {}
        for name, team_id in people:
            if team_id in teams_chosen and name in by_name:
                first_of_team.setdefault(team_id, name)
        heads = pool.map(
            lambda name: head_cursor(base, by_name[name], http), first_of_team.values()
        )
        cursors = {}
        caught_up = 0
        for team_id, (cursor, seen) in zip(first_of_team, heads, strict=True):
            cursors[team_id] = cursor
            caught_up += seen
        catch_up = time.perf_counter() - started
    agents = []
    for i, (name, team_id) in enumerate(chosen):
        token = tokens[i] if each else by_name[name]
        agents.append(Agent(name, token, tickets[team_id], cursors[team_id]))
    return agents, {
        "accounts_used": len({name for name, _ in chosen}),
        "sign_ins": len(names),
        "sign_in_s": round(signed_in, 1),
        "catch_up_s": round(catch_up, 1),
        "catch_up_changes": caught_up,
    }


async def sync_once(http: aiohttp.ClientSession, base: str, agent: Agent, load: Load) -> None:
    """One console round: push the queued notes (the answer brings the first pull page, as
    the console asks for it), then pull every page after."""
    from agentdesk.store.database import HEAD_REVISION
    from agentdesk.sync.round import PULL_PAGE

    headers = {"Authorization": f"Bearer {agent.token}"}
    load.in_flight += 1
    started = time.perf_counter()
    page: dict[str, Any] | None = None
    try:
        if agent.pending:
            body = {
                "client_id": agent.client_id,
                "protocol_version": 1,
                "schema_version": HEAD_REVISION,
                "mutations": list(agent.pending),
                "pull": {"cursor": agent.cursor, "limit": PULL_PAGE},  # as the console asks
            }
            sent = time.perf_counter()
            async with http.post(f"{base}/v1/sync/push", json=body, headers=headers) as response:
                answer = await response.json() if response.status < 300 else None
            load.push_ms.append((time.perf_counter() - sent) * 1000)
            if answer is None:
                load.errors[f"push {response.status}"] += 1
                return
            for result in answer["results"]:
                load.results[result["status"]] += 1
            done = int(answer["last_mutation_id"])
            agent.pending = [m for m in agent.pending if m["id"] > done]
            page = answer.get("page")
            load.pages_with_push += page is not None
        while True:
            if page is None:
                params: dict[str, str | int] = {
                    "limit": PULL_PAGE,
                    "cursor": agent.cursor,
                    "client_id": agent.client_id,
                }
                sent = time.perf_counter()
                url = f"{base}/v1/sync/pull"
                async with http.get(url, params=params, headers=headers) as response:
                    page = await response.json() if response.status < 300 else None
                load.pull_ms.append((time.perf_counter() - sent) * 1000)
                if page is None:
                    load.errors[f"pull {response.status}"] += 1
                    return
            agent.cursor = page["cursor"]
            load.pulled += len(page["changes"])
            load.pages += 1
            if not page["has_more"]:
                break
            page = None
        load.latencies.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # a round that fails for any reason is an error
        load.errors[type(exc).__name__] += 1
    finally:
        load.in_flight -= 1


def queue_note(agent: Agent, rng: random.Random) -> None:
    from agentdesk.domain.numbering import new_id

    args = {"ticket_id": rng.choice(agent.tickets), "event_id": new_id(), "kind": "note"}
    args["body"] = NOTE
    mutation = {"id": agent.next_id, "uuid": new_id(), "name": "ticket.add_event.v1"}
    mutation |= {"args": args, "client_time": datetime.now(UTC).isoformat()}
    agent.pending.append(mutation)
    agent.next_id += 1


async def console(
    http: aiohttp.ClientSession,
    base: str,
    agent: Agent,
    load: Load,
    rng: random.Random,
    options: argparse.Namespace,
    end: float,
) -> None:
    clock = asyncio.get_running_loop().time
    interval = options.interval
    rate = options.edits_per_minute / 60
    next_round = clock() + rng.uniform(0, interval)
    next_edit = clock() + rng.expovariate(rate) if rate > 0 else float("inf")
    while (wake := min(next_round, next_edit)) < end:
        await asyncio.sleep(max(0.0, wake - clock()))
        if next_edit <= next_round:
            queue_note(agent, rng)
            load.edits += 1
            next_edit += rng.expovariate(rate)
            if not options.push_on_edit:
                continue
        else:
            next_round += interval
        await sync_once(http, base, agent, load)


async def loop_lag(load: Load, end: float) -> None:
    """How late this process's event loop wakes a sleeper: the load generator's own delay."""
    loop = asyncio.get_running_loop()
    while loop.time() < end:
        due = loop.time() + 0.1
        await asyncio.sleep(0.1)
        load.lag_ms.append((loop.time() - due) * 1000)


async def run_load(
    base: str, agents: list[Agent], options: argparse.Namespace, watched: dict[str, int]
) -> dict[str, Any]:
    """`watched`: process trees whose CPU share is reported, by name and root PID."""
    from contextlib import AsyncExitStack

    import psutil

    load = Load()
    rng = random.Random(SEED)
    # One client per console, as each console has its own (a shared pool queues requests in
    # this process once thousands are in flight); one connection, which uvicorn closes after
    # 5 s idle: let it go first. aiohttp, not the console's httpx: this process shares the
    # machine with the server, and httpx's async client took 2.8 ms of CPU a round where this
    # takes 1.0–1.7.
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    me = psutil.Process()
    async with AsyncExitStack() as clients:
        https = [
            await clients.enter_async_context(
                aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=4),
                    timeout=timeout,
                )
            )
            for _ in agents
        ]
        before = {name: tree_cpu_seconds(pid) for name, pid in watched.items()}
        mine, busy = sum(me.cpu_times()[:2]), machine_busy_seconds()
        started = time.perf_counter()
        end = asyncio.get_running_loop().time() + options.minutes * 60
        tasks = [
            asyncio.create_task(console(http, base, a, load, random.Random(seed), options, end))
            for http, a, seed in zip(
                https, agents, rng.sample(range(1 << 30), len(agents)), strict=True
            )
        ]
        lag = asyncio.create_task(loop_lag(load, end))
        _done, late = await asyncio.wait(tasks, timeout=options.minutes * 60 + DRAIN_SECONDS)
        unfinished = load.in_flight
        for task in late:
            task.cancel()
        await asyncio.gather(*late, lag, return_exceptions=True)
        wall = time.perf_counter() - started
        after = {name: tree_cpu_seconds(pid) for name, pid in watched.items()}
        mine, busy = sum(me.cpu_times()[:2]) - mine, machine_busy_seconds() - busy
    if unfinished:
        load.errors["unfinished"] += unfinished
    rounds = len(load.latencies) + sum(load.errors.values())
    per_minute = 60 / options.interval + (options.edits_per_minute if options.push_on_edit else 0)
    figures: dict[str, Any] = {
        "agents_simulated": len(agents),
        "load_seconds": round(wall, 1),
        "rounds": rounds,
        "rounds_per_s": round(rounds / wall, 1),
        "rounds_offered_per_s": round(len(agents) * per_minute / 60, 1),
        "sync_p50_ms": percentile(load.latencies, 0.50),
        "sync_p95_ms": percentile(load.latencies, 0.95),
        "sync_p99_ms": percentile(load.latencies, 0.99),
        "sync_max_ms": round(max(load.latencies), 1) if load.latencies else None,
        "errors": sum(load.errors.values()),
        "error_kinds": dict(load.errors),
        "edits": load.edits,
        "edits_applied": load.results["applied"],
        "edits_rejected": load.results["rejected"] + load.results["conflict"],
        "changes_pulled_per_round": round(load.pulled / max(1, len(load.latencies)), 1),
        "pages_per_round": round(load.pages / max(1, len(load.latencies)), 2),
        "pages_with_push": load.pages_with_push,
        "push_ms_p50": percentile(load.push_ms, 0.50),
        "push_ms_p99": percentile(load.push_ms, 0.99),
        "pull_page_ms_p50": percentile(load.pull_ms, 0.50),
        "pull_page_ms_p99": percentile(load.pull_ms, 0.99),
        "loadgen_lag_ms_p99": percentile(load.lag_ms, 0.99),
    }
    for name in watched:
        figures[f"{name}_cpu_percent"] = round((after[name] - before[name]) / wall * 100, 1)
    figures["loadgen_cpu_percent"] = round(mine / wall * 100, 1)
    figures["machine_cpu_percent"] = round(busy / wall * 100, 1)  # of one core
    figures["machine_cores"] = os.cpu_count()
    return figures


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    from agentdesk.io.demo_data import DEMO_LEAD

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")
    parser.add_argument("--edits-per-minute", type=float, default=3.0)
    parser.add_argument("--push-on-edit", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--team-size", type=int, default=15, help="agents per team; 0: the demo's three teams"
    )
    parser.add_argument("--sign-in-each", action="store_true", help="a session per console")
    parser.add_argument("--bootstrap-as", default=DEMO_LEAD, help="default: the demo lead")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-bootstrap", action="store_true", help="and the idle rounds")
    args = parser.parse_args()

    store, built = store_for(args.tickets, args.rebuild)
    if args.team_size > 0 and not args.skip_load:
        store = staffed_store(store, args.agents, args.team_size)
    figures: dict[str, Any] = {"tickets": args.tickets, "workers": args.workers}
    figures["team_size"] = args.team_size or None
    if built is not None:
        figures["build_seconds"] = built
    workdir = Path(tempfile.mkdtemp(prefix="agentdesk-sync-"))
    try:
        figures.update(measure(args, store, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))


def measure(args: argparse.Namespace, store: Path, workdir: Path) -> dict[str, Any]:
    """Everything timed, between starting PostgreSQL and the server and stopping them (the
    server first, also on errors)."""
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
    from tests.pg_server import LocalPostgres

    policy = load_policy(SHIPPED_POLICY_DIR)
    with LocalPostgres() as pg:
        assert pg.pid is not None
        url = pg.create_database(DATABASE)
        figures = seed(url, store)
        server = Server(url, args.workers, workdir)
        try:
            server.wait_ready()
            if not args.skip_bootstrap:
                figures |= bootstrap_and_idle(server.base, args.bootstrap_as, policy, workdir)
                figures |= server_pull_sample(url, args.bootstrap_as)
            if not args.skip_load:
                agents, prepared = prepare_agents(
                    server.base, store, args.agents, args.sign_in_each
                )
                figures |= prepared
                watched = {"server": server.process.pid, "postgres": pg.pid}
                figures |= asyncio.run(run_load(server.base, agents, args, watched))
        finally:
            server.stop()
    return figures


if __name__ == "__main__":
    main()
