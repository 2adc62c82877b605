"""A supervisor's console reads only: it opens on the whole floor, offers no key that changes a
ticket, and has no composer (the server refuses a supervisor's writes as well)."""

from __future__ import annotations

from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.ticket import WRITE_ACTIONS, TicketScreen
from agentdesk.store.queue_query import View
from tests.conftest import rows
from tests.pilot.conftest import AppFactory, settle


async def test_a_supervisor_sees_the_floor_and_no_key_changes_anything(
    make_app: AppFactory,
) -> None:
    app = make_app("sun.li")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.filter.view is View.ALL
        assert queue.check_action("intake", ()) is False
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is queue  # no intake
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        assert not ticket.query_one("#composer-box").display
        offered = {b.binding.action for b in ticket.active_bindings.values() if b.enabled}
        assert not offered & {a for a in WRITE_ACTIONS if not a.startswith("compose")}
        assert all(ticket.check_action(action, ()) is False for action in WRITE_ACTIONS)
        before = rows(app.context.store_path, "SELECT count(*) FROM ticket_event")
        await pilot.press("t", "s", "x", "r", "i", "p")
        await settle(pilot)
        assert app.screen is ticket
        assert rows(app.context.store_path, "SELECT count(*) FROM ticket_event") == before
