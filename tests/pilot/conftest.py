"""Pilot helpers (the `make_app` fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from agentdesk.app import AgentDeskApp

AppFactory = Callable[..., AgentDeskApp]


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
