"""A large refund goes to the lead and back (R4): the agent asks in the ticket (f), the ticket
shows it waiting, the lead decides it from the approval queue (F7), both on the timeline."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static, TextArea

from agentdesk.dialogs.refund_dialog import RefundDialog
from agentdesk.dialogs.review_dialog import DecisionDialog
from agentdesk.domain.model import EventKind
from agentdesk.screens.approvals import ApprovalsScreen
from agentdesk.screens.ticket import TicketScreen
from tests.pilot.conftest import AppFactory, settle
from tests.pilot.test_ticket_screen import open_ticket


async def test_a_refund_above_authority_goes_to_the_lead_and_back(
    make_app: AppFactory, seeded: Path
) -> None:
    app = make_app("zhang.wei")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RefundDialog)
        await pilot.press(*"800")
        await settle(pilot)
        assert "above your authority (¥500)" in str(dialog.query_one("#refund-route").render())
        await pilot.press("enter", *"Faulty unit, full price", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.detail is not None and len(screen.detail.pending_refunds) == 1
        banner = str(screen.query_one("#handoff", Static).render())
        assert "¥800" in banner and "waiting for a lead" in banner
        assert screen.check_action("decide_refund", ()) is False  # not for an agent
        number = screen.detail.ticket.number

    lead = make_app("chen.jing")
    async with lead.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        queue = lead.screen
        assert isinstance(queue, ApprovalsScreen) and len(queue.pending) == 1
        assert queue.pending[0].ticket_number == number
        await pilot.press("a")
        await settle(pilot)
        decision = lead.screen
        assert isinstance(decision, DecisionDialog)
        decision.query_one(Select).value = "approved"
        decision.query_one(TextArea).focus()
        await pilot.press(*"Defect confirmed", "ctrl+s")
        await settle(pilot)
        assert lead.screen is queue and queue.pending == []
        await pilot.press("escape")
        await settle(pilot)
        entries = lead.context.repository().timeline(lead.context.repository().ticket(number).id)
        kinds = [e.kind for e in entries][-2:]
        assert kinds == [EventKind.REFUND_REQUEST, EventKind.REFUND_DECISION]
        assert entries[-1].data["decision"] == "approved"
        assert not isinstance(lead.screen, TicketScreen)


async def test_consulting_the_warehouse_shows_at_the_top_until_answered(
    make_app: AppFactory,
) -> None:
    from textual.widgets import Input

    from agentdesk.dialogs.base import ReasonDialog
    from agentdesk.dialogs.consult_dialog import ConsultDialog

    app = make_app("zhang.wei")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")
        owner = screen.detail.ticket.assignee_id if screen.detail else None
        assert screen.check_action("answer_consult", ()) is False  # nothing asked yet
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConsultDialog)
        dialog.query_one(Select).value = "warehouse"
        dialog.query_one(Input).value = "4"
        dialog.query_one(TextArea).focus()
        await pilot.press(*"Is a replacement unit in stock?", "ctrl+s")
        await settle(pilot)
        banner = str(screen.query_one("#handoff", Static).render())
        assert "Warehouse" in banner and "Is a replacement unit in stock?" in banner
        assert screen.detail is not None and screen.detail.ticket.assignee_id == owner
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"Two units left, shipping today", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert not screen.query_one("#handoff", Static).display or "Warehouse" not in str(
            screen.query_one("#handoff", Static).render()
        )
        kinds = [e.kind for e in screen.detail.timeline][-2:]
        assert kinds == [EventKind.CONSULT_REQUEST, EventKind.CONSULT_ANSWER]
