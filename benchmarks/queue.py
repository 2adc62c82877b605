"""Queue performance on a large local store: prints one JSON object.

    uv run python -m benchmarks.queue --tickets 1000000

Builds the store once (benchmarks/.cache/queue-N.db, reused; --rebuild to redo), then:
- startup: fresh processes, agentdesk to a usable queue vs. a bare Textual app (median of runs);
- queue actions, timed on the UI thread inside the real app (Pilot, headless): open a view,
  scroll a page, type a search/filter character, run a search — each including rendering the
  visible rows; p95 in milliseconds;
- peak RSS of the process that ran the console; CPU share of the countdown tick.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CACHE = Path(__file__).parent / ".cache"
SIZE = (140, 40)
TICK_SECONDS = 1.0  # the console's default tick
CHINESE_2 = ["退款", "充电", "王芳", "发票", "物流", "维修", "投诉", "客服"]
ENGLISH = ["refund", "charging", "vacuum", "invoice", "delivery", "repair", "warranty", "smith"]
TYPED = ["退款没", "robot vac", "T-2026", "app 登录"]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3)


def build(tickets: int, store: Path, rebuild: bool) -> float | None:
    if store.exists() and not rebuild:
        return None
    from agentdesk.io import demo_data

    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    store.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    demo_data.build_demo_store(store, tickets, datetime.now(UTC))
    return round(time.perf_counter() - started, 1)


# -- startup ------------------------------------------------------------------------------------

# Each child prints the wall-clock time of its first frame; the parent subtracts its spawn time.
BARE = """
import time
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("ready")
    def on_mount(self):
        self.call_after_refresh(self.first_frame)
    def first_frame(self):
        print(time.time(), flush=True)
        self.exit()
Bare().run(headless=True, size=(140, 40))
"""

AGENTDESK = """
import sys
from pathlib import Path
from agentdesk.console import ConsoleContext
from agentdesk.domain.clock import SystemClock
from agentdesk.app import AgentDeskApp
from agentdesk.widgets.ticket_list import TicketList

import time

class Measured(AgentDeskApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.first_frame)
    def first_frame(self):
        tickets = self.screen.query_one(TicketList)
        assert tickets.total > 0, "queue not usable"
        print(time.time(), flush=True)
        self.exit()

store, agent = sys.argv[1], sys.argv[2]
Measured(ConsoleContext.open(Path(store), agent, SystemClock())).run(headless=True, size=(140, 40))
"""


def time_to_first_frame(code: str, *args: str) -> float:
    """Seconds from spawning a fresh interpreter to the app's first frame on screen."""
    # Normal bytecode caching, as on a user's machine (this sandbox may switch it off).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    return float(done.stdout.split()[-1]) - started


def startup(store: Path, agent: str, runs: int) -> dict[str, float]:
    time_to_first_frame(BARE)  # warm the file cache for both
    time_to_first_frame(AGENTDESK, str(store), agent)
    bare = [time_to_first_frame(BARE) for _ in range(runs)]
    desk = [time_to_first_frame(AGENTDESK, str(store), agent) for _ in range(runs)]
    return {
        "startup_bare_textual_ms": round(statistics.median(bare) * 1000, 1),
        "startup_agentdesk_ms": round(statistics.median(desk) * 1000, 1),
        "startup_ratio_vs_bare_textual": round(
            statistics.median(desk) / statistics.median(bare), 2
        ),
    }


# -- actions inside the running console ---------------------------------------------------------


def measure_actions(store: Path, agent: str) -> dict[str, Any]:
    from agentdesk.app import AgentDeskApp
    from agentdesk.console import ConsoleContext
    from agentdesk.domain.clock import SystemClock
    from agentdesk.screens.queue import QueueScreen
    from agentdesk.store.queue_query import View
    from agentdesk.widgets.ticket_list import TicketList

    results: dict[str, Any] = {}

    async def run() -> None:
        app = AgentDeskApp(ConsoleContext.open(store, agent, SystemClock(), tick_seconds=3600))
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            tickets = screen.query_one(TicketList)
            height = tickets.scrollable_content_region.height

            def timed(action: Callable[[], object]) -> float:
                started = time.perf_counter()
                action()
                for y in range(height):  # what the compositor asks for: the visible rows
                    tickets.render_line(y)
                return (time.perf_counter() - started) * 1000

            async def settle() -> None:
                await app.workers.wait_for_complete()
                await pilot.pause()

            views: list[float] = []
            for _ in range(5):
                for view in View:
                    views.append(timed(lambda v=view: screen.action_view(v.value)))
                    await settle()
            results["view_open_ms_p95"] = p95(views)
            results["all_view_tickets"] = tickets.total

            screen.action_view("all")
            await settle()
            scrolls = []
            for _ in range(300):
                scrolls.append(timed(lambda: tickets.action_page(1)))
                await pilot.pause()
            results["scroll_page_ms_p95"] = p95(scrolls)
            jumps = [timed(lambda: tickets.action_jump(-1)), timed(lambda: tickets.action_jump(0))]
            results["jump_end_and_home_ms_max"] = round(max(jumps), 3)

            keystrokes = []
            for text in TYPED:
                for i in range(1, len(text) + 1):
                    screen.query_one("#search").value = text[:i]  # type: ignore[attr-defined]
                    keystrokes.append(timed(lambda q=text[:i]: screen.search_for(q)))
                    await settle()
            for name, value in (
                ("status", "in_progress"),
                ("category", "refund"),
                ("priority", "high"),
                ("channel", "wechat"),
            ):
                keystrokes.append(timed(lambda n=name, v=value: screen.set_filters({n: v})))
                await settle()
            results["filter_keystroke_ms_p95"] = p95(keystrokes)
            screen.action_clear_filters()
            await settle()

            searches: dict[str, list[float]] = {"zh2": [], "en": []}
            for _ in range(3):
                for kind, words in (("zh2", CHINESE_2), ("en", ENGLISH)):
                    for word in words:
                        searches[kind].append(timed(lambda w=word: screen.search_for(w)))
                        await settle()
            results["search_ms_p95"] = p95(searches["zh2"] + searches["en"])
            results["search_zh2_ms_p95"] = p95(searches["zh2"])
            results["search_en_ms_p95"] = p95(searches["en"])

            screen.action_clear_filters()
            await settle()
            cpu0 = time.process_time()
            ticks = 200
            for _ in range(ticks):
                screen.tick()
                for y in range(height):
                    tickets.render_line(y)
            per_tick = (time.process_time() - cpu0) / ticks
            results["countdown_tick_cpu_percent"] = round(per_tick / TICK_SECONDS * 100, 3)

    asyncio.run(run())
    results["peak_rss_mb"] = peak_rss_mb()
    return results


def peak_rss_mb() -> float:
    """This process's own high-water mark (ru_maxrss would include the parent's, on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--measure-actions", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from agentdesk.io.demo_data import DEMO_AGENT

    if args.measure_actions:  # the child process: only the console, for an honest peak RSS
        print(json.dumps(measure_actions(args.measure_actions, DEMO_AGENT)))
        return
    store = args.store or CACHE / f"queue-{args.tickets}.db"
    figures: dict[str, Any] = {"tickets": args.tickets}
    built = build(args.tickets, store, args.rebuild)
    if built is not None:
        figures["build_seconds"] = built
    figures.update(startup(store, DEMO_AGENT, args.startup_runs))
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.queue", "--measure-actions", str(store)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures.update(json.loads(child.stdout.strip().splitlines()[-1]))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
