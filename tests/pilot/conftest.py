"""Pilot fixtures: the real app over a real seeded store, with a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from agentdesk.app import AgentDeskApp
from agentdesk.console import ConsoleContext
from agentdesk.domain.clock import FrozenClock

AppFactory = Callable[..., AgentDeskApp]


@pytest.fixture
def make_app(seeded: Path, clock: FrozenClock) -> AppFactory:
    def factory(username: str = "zhang.wei", store: Path | None = None) -> AgentDeskApp:
        context = ConsoleContext.open(store or seeded, username, clock, tick_seconds=3600)
        return AgentDeskApp(context)

    return factory


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
