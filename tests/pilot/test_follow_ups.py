"""Follow-ups at the console (SPEC R10): the follow-ups view lists the team's pending ones, `u`
on the ticket records the customer's score and comment, and the ticket leaves the view; a
read-only console is not offered the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, Static

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import EventKind, RootCause
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.store import database
from agentdesk.store.queue_query import View
from tests.conftest import NOW
from tests.pilot.conftest import AppFactory, settle
from tests.pilot.test_queue_screen import numbers


def _resolve_the_refund(store: Path) -> None:
    from agentdesk.store.repository import Repository

    repo = Repository(database.make_engine(store))
    me = repo.agent_by_username("zhang.wei")
    repo.resolve("T-20261123-0001", "Refund reissued", RootCause.PROCESS, me, NOW)
    repo.engine.dispose()


async def test_follow_up_view_records_a_score_and_the_ticket_leaves_it(
    make_app: AppFactory, seeded: Path, clock: FrozenClock
) -> None:
    _resolve_the_refund(seeded)
    clock.advance(timedelta(hours=26))  # the phone follow-up is due after 24 h
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.filter.view is View.FOLLOW_UPS
        assert numbers(app) == ["T-20261123-0001"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "Follow-up OVERDUE" in str(app.screen.query_one("#handoff", Static).render())
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        await pilot.press("4", "tab", *"Solved", "ctrl+s")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen) and ticket.detail is not None
        last = ticket.detail.timeline[-1]
        assert last.kind is EventKind.FOLLOW_UP_RESULT and last.data["score"] == 4
        assert ticket.detail.follow_up_due is None
        assert ticket.check_action("follow_up", ()) is False
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and numbers(app) == []


async def test_a_read_only_console_is_not_offered_the_follow_up(
    make_app: AppFactory, seeded: Path
) -> None:
    _resolve_the_refund(seeded)
    app = make_app("sun.li")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.open_ticket("T-20261123-0001")  # type: ignore[attr-defined]
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        assert screen.detail.follow_up_due is not None
        assert screen.check_action("follow_up", ()) is False
