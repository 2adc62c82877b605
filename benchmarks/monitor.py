"""Quality measures on a large local store: prints one JSON object.

    uv run python -m benchmarks.monitor --tickets 1000000

Builds a store (benchmarks/.cache/monitor-N.db, reused; --rebuild to redo) straight with SQL:
teams, agents, customers, and N tickets created over the last 90 days with timelines of 3-8
entries (assignment, replies, transfers, resolutions, reopenings, customer calls after
resolving, follow-up scores); open tickets get their SLA clocks from the real recompute. Then:
- facts_build_s: the first `refresh`, deriving every ticket's quality facts from its timeline
  through the real code (agentdesk.store.metrics_query), what an upgraded store pays once;
- kpi_all_ms: every measure for every team over 90 days, as `agentdesk report kpi` computes it
  (the refresh check that finds nothing to do, the sums, the measures), median of runs;
- kpi_by_ms: the same grouped by agent, category, day, week and month;
- root_causes_ms: the Pareto of complaint root causes over 90 days;
- refresh_after_edits_ms: the refresh after EDITS tickets changed (re-derived, cells rewritten);
- refresh_ms_p95 (and _p50): one supervisor monitor refresh's data gathering
  (agentdesk.store.monitor_query.gather: the facts check, tiles per team, agent board, the
  at-risk / breached / escalated lists, KPIs and their trend over 7 days, root causes,
  incidents), as the monitor's worker runs it; rendering is not included.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.queue import CACHE

SEED = 2026
DAYS = 90
RUNS = 7
EDITS = 1000
CHUNK = 20_000
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TEAMS = [
    ("team-fl", "front_line", "Front line", "一线客服", "front_line"),
    ("team-ts", "technical", "Technical support", "技术支持", "technical"),
    ("team-as", "after_sales", "After-sales", "售后服务", "after_sales"),
    ("team-ld", "leads", "Team leads", "主管组", "leads"),
]
AGENTS_PER_TEAM = 15
CATEGORIES = [
    ("inquiry", 30), ("presales", 10), ("technical", 15), ("repair", 10),
    ("return_exchange", 10), ("refund", 12), ("complaint", 13),
]  # fmt: skip
CHANNELS = ["phone", "web", "app", "wechat", "email"]
CAUSES = ["delivery_delay", "product_defect", "process", "staff_attitude", "billing_error"]
TICKET_INSERT = (
    "INSERT INTO ticket (pk, id, number, subject, description, customer_request, customer_id, "
    "channel, category, complaint_level, priority, status, team_id, assignee_id, created_at, "
    "updated_at, due_sort, warn_sort, escalation_level, resolved_at, root_cause, version) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
EVENT_INSERT = (
    "INSERT INTO ticket_event (id, ticket_id, kind, actor_id, at, body, data_json) "
    "VALUES (?,?,?,?,?,?,?)"
)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


# -- building the store -------------------------------------------------------------------------


class Timeline:
    """One generated ticket: its row and its entries."""

    def __init__(self, rng: random.Random, pk: int, created: int, agents: list[str]) -> None:
        self.rng, self.pk, self.created = rng, pk, created
        self.id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.entries: list[tuple[str, str, str, str]] = []
        self.status, self.at = "new", created
        self.agent = rng.choice(agents)
        self.team = self.agent.split(":")[0]
        self.resolved_at: int | None = None

    def add(self, kind: str, gap: int, data: dict[str, Any] | None = None) -> None:
        self.at += gap
        body = "" if kind != "reply" else "您好，已为您处理。"
        self.entries.append((kind, iso(self.at), body, json.dumps(data or {})))

    def move(self, to: str, gap: int = 0) -> None:
        self.add("status_change", gap, {"from": self.status, "to": to})
        self.status = to


def timeline(rng: random.Random, pk: int, created: int, agents: list[str], now: int) -> Timeline:
    """Created → assigned → replied → maybe transferred → resolved, reopened, rated ..."""
    tl = Timeline(rng, pk, created, agents)
    tl.add("created", 0, {"channel": "phone"})
    tl.add("assignment", rng.randint(30, 900), {"assignee_id": tl.agent})
    tl.move("assigned")
    tl.add("reply", rng.randint(60, 7200), {"direction": "outbound"})
    if rng.random() < 0.08:
        tl.add("transfer", rng.randint(600, 7200), {"to_team": "team-as"})
    if tl.at + 3600 > now or rng.random() < 0.06:
        return tl  # still open
    tl.add("resolution", rng.randint(600, 2 * 86_400), {"root_cause": rng.choice(CAUSES)})
    tl.move("resolved")
    tl.resolved_at = tl.at
    if rng.random() < 0.04:
        tl.add("call_log", rng.randint(3600, 86_400))
    if rng.random() < 0.05:
        tl.move("in_progress", rng.randint(3600, 86_400))
        tl.add("resolution", rng.randint(600, 86_400), {"root_cause": rng.choice(CAUSES)})
        tl.move("resolved")
    if rng.random() < 0.3:
        tl.add("follow_up_result", 86_400, {"score": rng.choice([1, 2, 3, 4, 4, 5, 5, 5])})
    return tl


def ticket_row(tl: Timeline, rng: random.Random, customer: str) -> tuple[object, ...]:
    category = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
    finished = tl.resolved_at is not None
    return (
        tl.pk, tl.id, f"T-{tl.pk:09d}", "产品问题", "客户来电咨询", "", customer,
        rng.choice(CHANNELS), category, "minor" if category == "complaint" else None,
        "normal", tl.status, tl.team, tl.agent.split(":")[1], iso(tl.created), iso(tl.at),
        9_000_000_000_000, 9_000_000_000_000, int(rng.random() < 0.03),
        iso(tl.resolved_at) if finished else None,
        rng.choice(CAUSES) if finished else None, 1,
    )  # fmt: skip


def build(path: Path, tickets: int) -> float:
    from agentdesk.io.demo_data import derive_clocks
    from agentdesk.store import database

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    database.upgrade(path)
    conn = database.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        agents = people(conn)
        customers = max(1, tickets // 4)
        conn.executemany(
            "INSERT INTO customer (id, name, phone, email, address, tier, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                (f"c-{i}", f"客户{i}", f"138{i:08d}", "", "", "standard", iso(0))
                for i in range(customers)
            ],
        )
        conn.commit()
        for rows, events in chunks(tickets, agents, customers):
            conn.executemany(TICKET_INSERT, rows)
            conn.executemany(EVENT_INSERT, events)
            conn.commit()
    finally:
        conn.close()
    derive_clocks(path, NOW)  # the open tickets' SLA clocks, as the demo store gets them
    return time.perf_counter() - started


def people(conn: sqlite3.Connection) -> list[str]:
    conn.executemany("INSERT INTO team VALUES (?,?,?,?,?)", TEAMS)
    agents = [(f"ag-{t[1]}-{i}", t[0]) for t in TEAMS for i in range(AGENTS_PER_TEAM)]
    conn.executemany(
        "INSERT INTO agent (id, username, display_name, role, team_id, language, active) "
        "VALUES (?,?,?,?,?,?,?)",
        [(a, a, a, "agent", team, "zh-CN", 1) for a, team in agents],
    )
    return [f"{team}:{a}" for a, team in agents]


def chunks(
    tickets: int, agents: list[str], customers: int
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    rng = random.Random(SEED)
    now = int(NOW.timestamp())
    first = now - DAYS * 86_400
    for start in range(0, tickets, CHUNK):
        rows, events = [], []
        for pk in range(start + 1, min(tickets, start + CHUNK) + 1):
            created = first + (pk * DAYS * 86_400) // (tickets + 1)
            tl = timeline(rng, pk, created, agents, now)
            rows.append(ticket_row(tl, rng, f"c-{rng.randrange(customers)}"))
            events += [
                (f"{tl.id}-{n}", tl.id, kind, None, at, body, data)
                for n, (kind, at, body, data) in enumerate(tl.entries)
            ]
        yield rows, events


# -- measuring ----------------------------------------------------------------------------------


def measure(path: Path) -> dict[str, Any]:
    from agentdesk.domain.metrics import GroupBy, Period, local_day, measures
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
    from agentdesk.io.quality_file import load_quality
    from agentdesk.store import database, metrics_query

    policy = load_policy(SHIPPED_POLICY_DIR)
    quality = load_quality(SHIPPED_POLICY_DIR)
    now = int(NOW.timestamp())
    conn = database.connect(path)
    started = time.perf_counter()
    derived = metrics_query.refresh(conn, policy, quality, now)
    build_s = time.perf_counter() - started
    today = date.fromisoformat(local_day(now, quality.zone))
    scope = metrics_query.Scope(Period(today - timedelta(days=DAYS), today + timedelta(days=1)))
    order = policy.clock_names()

    def kpi(by: GroupBy) -> None:
        metrics_query.refresh(conn, policy, quality, now)
        for tally in metrics_query.kpi_tallies(conn, scope, by).values():
            measures(tally, now, order)

    result: dict[str, Any] = {
        "tickets": conn.execute("SELECT count(*) FROM ticket").fetchone()[0],
        "facts_derived": derived,
        "facts_build_s": round(build_s, 1),
        "cells": conn.execute("SELECT count(*) FROM quality_cell").fetchone()[0],
        "kpi_all_ms": timed(lambda: kpi(GroupBy.TEAM)),
        "kpi_by_ms": {by: timed(lambda b=by: kpi(GroupBy(b))) for by in BY},
        "root_causes_ms": timed(lambda: metrics_query.cause_counts(conn, scope)),
        "refresh_after_edits_ms": refresh_after_edits(conn, policy, quality, now),
        "edits": EDITS,
        **monitor_refresh(conn, policy, quality, now),
    }
    conn.close()
    return result


BY = ("agent", "category", "day", "week", "month")


def timed(action: Any) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def refresh_after_edits(conn: sqlite3.Connection, policy: Any, quality: Any, now: int) -> float:
    """EDITS tickets touched (the trigger marks them), then one refresh."""
    from agentdesk.store import metrics_query

    total = conn.execute("SELECT max(pk) FROM ticket").fetchone()[0]
    picks = random.Random(SEED).sample(range(1, total + 1), min(EDITS, total))
    with conn:
        conn.executemany(
            "UPDATE ticket SET version = version + 1 WHERE pk = ?", [(p,) for p in picks]
        )
    started = time.perf_counter()
    metrics_query.refresh(conn, policy, quality, now)
    return round((time.perf_counter() - started) * 1000, 1)


MONITOR_RUNS = 40


def monitor_refresh(
    conn: sqlite3.Connection, policy: Any, quality: Any, now: int
) -> dict[str, Any]:
    """One monitor refresh's data, timed MONITOR_RUNS times a few seconds of floor time apart
    (as the monitor refreshes every 10 s; the first refresh after the edits is not counted)."""
    from agentdesk.store.monitor_query import gather, last_days

    period = last_days(now, quality.zone)
    gather(conn, policy, quality, now, period)
    samples = []
    for run in range(MONITOR_RUNS):
        started = time.perf_counter()
        data = gather(conn, policy, quality, now + 10 * run, period)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "refresh_ms_p50": round(statistics.median(samples), 1),
        "refresh_ms_p95": round(samples[max(0, round(0.95 * len(samples)) - 1)], 1),
        "refresh_open_tickets": data.total.open,
        "refresh_agents": len(data.agents),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.monitor")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    from agentdesk.store import database

    path = args.store or CACHE / f"monitor-{args.tickets}.db"
    built = round(build(path, args.tickets), 1) if not path.exists() or args.rebuild else None
    if built is None and database.store_revision(path) != database.HEAD_REVISION:
        database.upgrade(path)  # a newer schema (new indexes) over the same generated data
    print(json.dumps({"store": str(path), "store_build_s": built, **measure(path)}, indent=2))


if __name__ == "__main__":
    main()
