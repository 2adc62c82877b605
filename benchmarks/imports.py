"""Import speed: prints one JSON object.

    uv run python -m benchmarks.imports --rows 1000000

Writes a tickets CSV in agentdesk's format (benchmarks/.cache/import-N.csv, reused) with a
realistic mix (Chinese and English text, customers given by name/phone/e-mail, 5% of tickets
open), then, in this one run:

- imports it into a fresh store holding the demo teams, agents and products, the way
  `agentdesk import tickets FILE` does (parse, check, upsert tickets, customers and their
  synthesized timelines, derive the open tickets' SLA clocks, index every ticket for search;
  one transaction): `tickets_rows_per_s`;
- loads the same CSV with the `sqlite3` shell's `.import` into a plain table:
  `sqlite3_rows_per_s`, and `ratio_vs_sqlite3_import` = ours / theirs;
- re-imports the same file (every row an update): `reimport_rows_per_s`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CACHE = Path(__file__).parent / ".cache"
DEMO = Path(__file__).parents[1] / "data" / "demo"
HEADER = (
    "external_id",
    "subject",
    "description",
    "customer_name",
    "customer_phone",
    "customer_email",
    "channel",
    "category",
    "priority",
    "status",
    "team",
    "assignee",
    "created_at",
    "resolved_at",
    "resolution",
    "root_cause",
)
SUBJECTS = [
    ("扫地机器人无法回充", "机器人找不到充电座，电量耗尽后停在客厅中间。", "technical"),
    ("退款一直没有到账", "退货已签收七天，退款仍未到账，请尽快处理。", "refund"),
    (
        "Robot vacuum stops charging",
        "The X5 no longer docks; the light blinks red twice.",
        "technical",
    ),
    ("快递延误三天", "订单显示已发货，但物流三天没有更新。", "complaint"),
    ("Invoice needed for order", "Please send a VAT invoice for my last order.", "inquiry"),
    ("空气净化器异响", "开机后有明显的嗡嗡声，滤网已经更换。", "repair"),
    (
        "Exchange for a different colour",
        "I would like to exchange the white model for black.",
        "return_exchange",
    ),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞"]
CHANNELS = ["phone", "web", "app", "wechat", "email"]
CAUSES = ["delivery_delay", "product_defect", "process", "usage_question", "billing_error"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    agents = _agents()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            out.writerow(_row(rng, i, agents, start, max(1, 330 * 86_400 // rows)))


def _agents() -> list[tuple[str, str]]:
    with (DEMO / "agents.csv").open(encoding="utf-8") as f:
        teams = {
            r["id"]: r["code"] for r in csv.DictReader((DEMO / "teams.csv").open(encoding="utf-8"))
        }
        return [
            (r["username"], teams[r["team_id"]])
            for r in csv.DictReader(f)
            if r["role"] in ("agent", "lead")
        ]


def _row(
    rng: random.Random, i: int, agents: list[tuple[str, str]], start: datetime, step: int
) -> list[str]:
    subject, description, category = SUBJECTS[i % len(SUBJECTS)]
    customer = rng.randrange(max(1, i // 3) + 1)
    name = SURNAMES[customer % len(SURNAMES)] + GIVEN[customer % len(GIVEN)]
    username, team = agents[rng.randrange(len(agents))]
    # an export lists tickets by id, so by creation: ~330 days spread evenly over the rows
    created = start + timedelta(seconds=i * step + rng.randrange(step))
    is_open = rng.random() < 0.05
    status = (
        rng.choice(["assigned", "in_progress", "waiting_customer"])
        if is_open
        else rng.choice(["resolved", "closed"])
    )
    resolved = (
        ""
        if is_open
        else (created + timedelta(hours=rng.randrange(1, 72))).strftime("%Y-%m-%d %H:%M:%S")
    )
    return [
        f"BENCH-{i}",
        subject,
        description,
        name,
        f"13{customer:09d}",
        f"c{customer}@example.cn",
        CHANNELS[i % len(CHANNELS)],
        category,
        "normal",
        status,
        team,
        username,
        created.strftime("%Y-%m-%d %H:%M:%S"),
        resolved,
        "" if is_open else "已处理，客户确认。",
        CAUSES[i % len(CAUSES)] if category == "complaint" and not is_open else "",
    ]


def fresh_store(folder: Path) -> Path:
    from agentdesk.io.demo_data import _read_csv
    from agentdesk.store import database

    store = folder / "import.db"
    database.upgrade(store)
    conn = database.connect(store)
    conn.executemany("INSERT INTO team VALUES (?, ?, ?, ?, ?)", _read_csv(DEMO, "teams.csv"))
    conn.executemany(
        "INSERT INTO agent (id, username, display_name, role, team_id, language, active) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*a[:6], a[6] == "true") for a in _read_csv(DEMO, "agents.csv")],
    )
    conn.executemany("INSERT INTO product VALUES (?, ?, ?, ?, ?)", _read_csv(DEMO, "products.csv"))
    conn.commit()
    conn.close()
    return store


def run_import(store: Path, csv_path: Path) -> tuple[float, Any]:
    from zoneinfo import ZoneInfo

    from agentdesk.io.imports import reading
    from agentdesk.io.imports.building import ImportOptions
    from agentdesk.io.imports.fields import RecordKind
    from agentdesk.io.imports.run import ImportReport, derive_after, run_import
    from agentdesk.io.imports.source import open_source
    from agentdesk.io.imports.store_target import SEPARATE_WRITER_BYTES, StoreTarget
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy

    started = time.perf_counter()
    source = open_source(csv_path, max_bytes=1 << 40)
    fmt = reading.format_named("agentdesk")
    plan = reading.plan(source, RecordKind.TICKETS, fmt, [], None)
    now = datetime.now(UTC)
    opts = ImportOptions("agentdesk", ZoneInfo("Asia/Shanghai"), now, plan.tables, False, "IM")
    report = ImportReport("tickets", str(csv_path), False, False)
    separate = csv_path.stat().st_size >= SEPARATE_WRITER_BYTES  # as `agentdesk import` decides
    target = StoreTarget(
        store, load_policy(SHIPPED_POLICY_DIR), int(now.timestamp()), separate_writer=separate
    )
    try:
        run_import(target, RecordKind.TICKETS, plan.rows(None), opts, report)
        report.seconds = time.perf_counter() - started
        derive_after(target, report)
    finally:
        target.close()
    return report.seconds, report


def sqlite3_import(csv_path: Path, folder: Path) -> float | None:
    shell = shutil.which("sqlite3")
    if shell is None:
        return None
    plain = folder / "plain.db"
    started = time.perf_counter()
    subprocess.run(
        [shell, str(plain)], input=f".import --csv {csv_path} t\n", text=True, check=True
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    csv_path = CACHE / f"import-v2-{args.rows}.csv"
    if not csv_path.exists():
        write_csv(csv_path, args.rows)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        folder = Path(tmp)
        store = fresh_store(folder)
        seconds, report = run_import(store, csv_path)
        again, second = run_import(store, csv_path)
        theirs = sqlite3_import(csv_path, folder)
        size = store.stat().st_size
    ours = report.rows / seconds
    figures = {
        "rows": report.rows,
        "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
        "import_s": round(seconds, 2),
        "tickets_rows_per_s": round(ours),
        "derive_s": round(report.derive_seconds, 2),
        "derive_rows_per_s": round(report.derived / report.derive_seconds)
        if report.derive_seconds
        else None,
        "searchable_rows_per_s": round(report.rows / (seconds + report.derive_seconds)),
        "created": report.created,
        "rejected": report.rejected,
        "events_written": report.events,
        "reimport_rows_per_s": round(second.rows / again),
        "reimport_derive_s": round(second.derive_seconds, 2),
        "reimport_updated": second.updated,
        "sqlite3_import_s": round(theirs, 2) if theirs else None,
        "sqlite3_rows_per_s": round(report.rows / theirs) if theirs else None,
        "ratio_vs_sqlite3_import": round(ours / (report.rows / theirs), 3) if theirs else None,
        "store_mb": round(size / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
