"""The console syncing: edit offline, see it waiting, come online, see it synced (Pilot, both
server backends; the server app runs in-process behind the console's HTTP client)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Input, Static

from agentdesk.app import AgentDeskApp
from agentdesk.console import ConsoleContext, ServerLink
from agentdesk.dialogs.sign_in_dialog import SignInDialog
from agentdesk.domain.clock import FrozenClock
from agentdesk.screens.conflicts import ConflictsScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.server import push
from agentdesk.server.app import create_app
from agentdesk.server.tables import ticket_event
from agentdesk.widgets.status_bar import StatusBar
from tests.conftest import NOW, rows
from tests.pilot.conftest import settle
from tests.server.conftest import PASSWORD, who


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


async def test_a_session_that_ends_asks_for_the_password_and_the_edits_then_go_out(
    engine: Engine, seeded: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    """T20 at the console: the server says 401; the agent signs in again in a dialog; the
    queued edit goes out without another key."""
    store = tmp_path / "console.db"
    shutil.copyfile(seeded, store)
    network = Network(engine)
    network.up = True
    link = ServerLink("http://server", "an-expired-token", network.client, "zhang.wei")
    context = ConsoleContext.open(store, "zhang.wei", clock, tick_seconds=3600, link=link)
    app = AgentDeskApp(context)
    app.animation_level = "none"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInDialog)
        assert app.link_state.online is False and "sign in again" in bar_text_below(app)
        await pilot.press(*"wrong password", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInDialog)  # refused: says why, stays open
        assert "401" in str(app.screen.query_one(".dialog-error", Static).render())
        app.screen.query_one(Input).value = ""
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, SignInDialog)
        assert app.link_state.online is True and app.figures.pending == 0
        assert context.link is not None and context.link.token != "an-expired-token"


def bar_text_below(app: AgentDeskApp) -> str:
    """The status bar of the screen under the dialog, with the link's problem."""
    return str(app.link_state.problem or "")


async def test_a_lost_race_shows_in_the_status_bar_and_the_conflicts_list(
    engine: Engine, seeded: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    store = tmp_path / "console.db"
    shutil.copyfile(seeded, store)
    network = Network(engine)
    network.up = True
    target = rows(store, "SELECT id FROM ticket WHERE number = 'T-20261123-0002'")[0][0]
    lead = who(engine, "chen.jing")  # the lead takes the complaint on the server first
    claim = {"ticket_id": target, "assignee_id": lead.id}
    mutation = push.Mutation(1, "u-lead-claim", "ticket.claim.v1", claim)
    assert push.push(engine, lead, "lead-console", [mutation], NOW).results[0].status == "applied"
    link = ServerLink("http://server", network.token, network.client, "zhang.wei")
    context = ConsoleContext.open(store, "zhang.wei", clock, tick_seconds=3600, link=link)
    repo = context.repository()
    repo.take("T-20261123-0002", repo.agent_by_username("zhang.wei"), NOW)  # offline, too late
    app = AgentDeskApp(context)
    app.animation_level = "none"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.figures.conflicts == 1 and "conflicts: 1 (F6)" in bar_text(app)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert cells[1] == "T-20261123-0002" and cells[3] == "Take"
        assert cells[4] == "lost a race" and "already assigned" in cells[5]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.figures.conflicts == 0  # seen


async def test_an_open_ticket_shows_a_colleagues_note_after_the_next_sync(
    engine: Engine, seeded: Path, tmp_path: Path, clock: FrozenClock
) -> None:
    store = tmp_path / "console.db"
    shutil.copyfile(seeded, store)
    network = Network(engine)
    network.up = True
    link = ServerLink("http://server", network.token, network.client, "zhang.wei")
    context = ConsoleContext.open(store, "zhang.wei", clock, tick_seconds=3600, link=link)
    app = AgentDeskApp(context)
    app.animation_level = "none"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        colleague = who(engine, "emma.clark")
        note = {"ticket_id": screen.ticket_id, "event_id": "01b0-emma-note", "kind": "note"}
        note["body"] = "Emma: customer sent the bank receipt"
        mutation = push.Mutation(1, "u-emma-1", "ticket.add_event.v1", note)
        assert push.push(engine, colleague, "emma-console", [mutation], NOW).results[0].status == (
            "applied"
        )
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen is screen
        bodies = [entry.body for entry in screen.detail.timeline]
        assert "Emma: customer sent the bank receipt" in bodies
