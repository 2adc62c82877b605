"""Pilot helpers (the `make_app` fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from agentdesk.app import AgentDeskApp

AppFactory = Callable[..., AgentDeskApp]


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their results reach the screen. A worker cancelled because a
    newer one replaced it (an exclusive group) is finished too: its successor is waited for."""
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            await pilot.app.workers.wait_for_complete(
                [w for w in pilot.app.workers if not w.is_cancelled]
            )
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
