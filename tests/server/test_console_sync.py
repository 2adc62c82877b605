"""The console syncing: edit offline, see it waiting, come online, see it synced (Pilot, both
server backends; the server app runs in-process behind the console's HTTP client)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.app import AgentDeskApp
from agentdesk.console import ConsoleContext, ServerLink
from agentdesk.domain.clock import FrozenClock
from agentdesk.screens.ticket import TicketScreen
from agentdesk.server.app import create_app
from agentdesk.server.tables import ticket_event
from agentdesk.widgets.status_bar import StatusBar
from tests.conftest import rows
from tests.pilot.conftest import settle
from tests.server.conftest import PASSWORD


class Network:
    """The console's way to the server: down (connection refused) or up (the real app)."""

    def __init__(self, engine: Engine) -> None:
        self.up = False
        self.server_app = create_app(engine)
        with TestClient(self.server_app) as http:
            login = {"username": "zhang.wei", "password": PASSWORD}
            self.token = http.post("/v1/auth/login", json=login).json()["token"]

    def client(self) -> httpx.Client:
        if self.up:
            return TestClient(self.server_app)

        def refused(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        return httpx.Client(transport=httpx.MockTransport(refused))


def bar_text(app: AgentDeskApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def test_an_offline_edit_waits_then_syncs_when_the_server_is_back(
    engine: Engine, seeded: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    store = tmp_path / "console.db"
    shutil.copyfile(seeded, store)
    network = Network(engine)
    link = ServerLink("http://server", network.token, network.client)
    context = ConsoleContext.open(store, "zhang.wei", clock, tick_seconds=3600, link=link)
    app = AgentDeskApp(context)
    app.animation_level = "none"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.link_state.online is False and "offline" in bar_text(app)
        await pilot.press("1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("i", *"Customer called back", "ctrl+s")
        await settle(pilot)
        waiting = app.figures.pending
        assert waiting >= 1 and f"edits waiting to sync: {waiting}" in bar_text(app)
        network.up = True
        await pilot.press("f5")
        await settle(pilot)
        assert app.link_state.online is True and app.figures.pending == 0
        assert "online · synced" in bar_text(app) and "edits waiting to sync: 0" in bar_text(app)
    with engine.connect() as conn:
        notes = (
            conn.execute(sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note"))
            .scalars()
            .all()
        )
    assert notes == ["Customer called back"]
    assert rows(store, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]
