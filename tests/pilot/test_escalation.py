"""The escalation ladder in the console: the app's sweep, the lead's queue, the timeline."""

from __future__ import annotations

from datetime import timedelta

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import EventKind
from agentdesk.screens.ticket import TicketScreen
from agentdesk.widgets.sla_countdown import SlaCountdown
from agentdesk.widgets.ticket_list import TicketList
from tests.conftest import NOW
from tests.pilot.conftest import AppFactory, settle

COMPLAINT = "T-20261123-0002"


async def test_an_unresolved_complaint_reaches_the_lead_once(
    make_app: AppFactory, clock: FrozenClock
) -> None:
    clock.set(NOW + timedelta(hours=24, minutes=30))  # the complaint came in at NOW
    app = make_app("chen.jing")  # a team lead
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)  # policy installed, first sweep done
        app.sweep_escalations()  # and again: nothing new may fire
        await settle(pilot)
        await pilot.press("7")  # the escalation queue
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        assert tickets.total == 1 and tickets.current().number == COMPLAINT
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        ladder = [
            e
            for e in screen.detail.timeline
            if e.kind is EventKind.ESCALATION and e.data["step"] == "complaint-24h"
        ]
        assert len(ladder) == 1 and ladder[0].data["owner_id"] == "ag-4"
        shown = [str(w.render()) for w in screen.query(".event.-escalation")]
        assert sum("complaint-24h" in text for text in shown) == 1
        assert "follow-up owner 陈静" in str(screen.query_one("#ticket-meta").render())
        resolution = screen.query_one("#clock-resolution", SlaCountdown)
        assert resolution.has_class("-breached") and "+00:30" in str(resolution.render())


async def test_a_countdown_turns_amber_then_red_in_the_queue_and_the_status_bar(
    make_app: AppFactory, clock: FrozenClock
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert (app.figures.at_risk, app.figures.breached) == (0, 0)
        clock.advance(timedelta(hours=3, minutes=30))  # refund's first response: 30 min left
        app.refresh_figures()
        await settle(pilot)
        assert (app.figures.at_risk, app.figures.breached) == (1, 0)
        clock.advance(timedelta(hours=1))
        app.refresh_figures()
        await settle(pilot)
        assert (app.figures.at_risk, app.figures.breached) == (0, 1)
        bar = str(app.screen.query_one("StatusBar").render())
        assert "at risk 0 · breached 1" in bar
