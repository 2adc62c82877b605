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


async def test_the_incident_banner_shows_on_the_queue_and_the_ticket_while_it_is_open(
    make_app: AppFactory,
) -> None:
    from agentdesk.widgets.incident_banner import IncidentBanner
    from tests.conftest import NOW

    app = make_app("zhang.wei")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(IncidentBanner).display  # nothing open
        repo = app.context.repository()
        lead = repo.agent_by_username("chen.jing")
        incident = repo.declare_incident("X5 charging fault", "", lead, NOW)
        app.show_incident_banners()
        banner = app.screen.query_one(IncidentBanner)
        assert banner.display and "X5 charging fault" in str(banner.render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "X5 charging fault" in str(app.screen.query_one(IncidentBanner).render())
        repo.close_incident(incident.id, lead, NOW)
        app.show_incident_banners()
        assert not app.screen.query_one(IncidentBanner).display


async def test_a_lead_declares_links_the_view_and_posts_one_update(make_app: AppFactory) -> None:
    from agentdesk.domain.model import EventKind
    from agentdesk.widgets.incident_banner import IncidentBanner

    app = make_app("chen.jing")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.check_action("link_incident", ()) is False  # nothing declared yet
        await pilot.press("D", *"Refund delays", "enter")
        await settle(pilot)
        assert "Refund delays" in str(queue.query_one(IncidentBanner).render())
        assert queue.check_action("declare_incident", ()) is False  # one at a time
        await pilot.press("4", "L")
        await settle(pilot)
        repo = app.context.repository()
        incident = repo.incidents()[0]
        linked = repo.incident_tickets(incident.id)
        assert len(linked) == 3  # the whole view
        await pilot.press("U", *"The bank is processing refunds; no action needed.", "enter")
        await settle(pilot)
        for ticket_id in linked:
            last = repo.timeline(ticket_id)[-1]
            assert last.kind is EventKind.INCIDENT_UPDATE
            assert last.body == "The bank is processing refunds; no action needed."


async def test_agents_have_no_crisis_keys(make_app: AppFactory) -> None:
    app = make_app("zhang.wei")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        for action in ("declare_incident", "link_incident", "incident_update"):
            assert queue.check_action(action, ()) is False
