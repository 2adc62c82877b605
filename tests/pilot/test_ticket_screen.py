"""Working a ticket with the keyboard: take, status, reply, note, transfer, resolve, reveal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, OptionList, Select, TextArea

from agentdesk.dialogs.resolve_dialog import ResolveDialog
from agentdesk.dialogs.reveal_dialog import RevealDialog
from agentdesk.dialogs.status_dialog import StatusDialog
from agentdesk.dialogs.transfer_dialog import TransferDialog
from agentdesk.domain.clock import FrozenClock
from agentdesk.screens.ticket import TicketScreen
from agentdesk.widgets.status_bar import StatusBar
from tests.conftest import rows
from tests.pilot.conftest import AppFactory, settle


async def open_ticket(app: object, pilot: object, view: str = "4", index: int = 0) -> TicketScreen:
    await pilot.press(view)  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    for _ in range(index):
        await pilot.press("down")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, TicketScreen) and screen.detail is not None
    return screen


def outbox_names(store: Path) -> list[str]:
    return [r[0] for r in rows(store, "SELECT name FROM outbox ORDER BY mutation_id")]


async def test_take_then_reply_then_resolve(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="3")  # an unassigned ticket
        assert screen.detail.ticket.assignee_id is None
        await pilot.press("t")
        await settle(pilot)
        assert screen.detail.ticket.assignee_id == app.context.agent.id
        assert screen.detail.ticket.status.value == "assigned"

        await pilot.press("c")
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"We will call you back today.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one("#composer", TextArea).text == ""
        assert screen.detail.timeline[-1].kind.value == "reply"
        assert screen.detail.timeline[-1].body == "We will call you back today."

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ResolveDialog)
        await pilot.press("ctrl+s")  # nothing filled in: refused inline
        assert isinstance(app.screen, ResolveDialog)
        await pilot.press(*"Explained the warranty terms")
        app.screen.query_one(Select).value = "usage_question"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert screen.detail.ticket.status.value == "resolved"
        assert screen.detail.ticket.root_cause.value == "usage_question"
    assert outbox_names(seeded)[-3:] == [
        "ticket.claim.v1",
        "ticket.add_event.v1",
        "ticket.resolve.v1",
    ]


async def test_status_dialog_offers_only_allowed_moves(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")  # mine: assigned
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StatusDialog)
        offered = [o.id for o in dialog.query_one(OptionList).options]
        assert offered == ["in_progress", "waiting_customer"]  # resolve has its own dialog
        await pilot.press("enter")
        await settle(pilot)
        assert screen.detail.ticket.status.value == "in_progress"


async def test_note_and_call_log_modes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")
        await pilot.press("i", *"客户情绪稳定", "ctrl+s")
        await settle(pilot)
        await pilot.press("l", *"来电询问进度", "ctrl+s")
        await settle(pilot)
        kinds = [(e.kind.value, e.body) for e in screen.detail.timeline[-2:]]
        assert kinds == [("note", "客户情绪稳定"), ("call_log", "来电询问进度")]
        await pilot.press("c", "ctrl+s")  # empty message is not sent
        await settle(pilot)
        assert len(screen.detail.timeline) == len(kinds) + 2


async def test_transfer_needs_a_handoff_note(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        dialog.query_one(Select).value = "team-as"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, TransferDialog)  # refused: no note
        assert "Hand-off note" in str(dialog.query_one(".dialog-error").render())
        dialog.query_one(TextArea).focus()
        await pilot.press(*"Customer sent photos; promised a call today")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert screen.detail.ticket.team_id == "team-as"
        handoff = str(screen.query_one("#handoff").render())
        assert "promised a call today" in handoff
    assert outbox_names(seeded)[-1] == "ticket.transfer.v1"


async def test_reveal_contact_with_a_reason(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")
        card = str(screen.query_one("#customer-card").render())
        assert "138****5678" in card and "13812345678" not in card
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, RevealDialog)
        await pilot.press("enter")  # no reason: refused
        assert isinstance(app.screen, RevealDialog)
        await pilot.press(*"call back about refund", "enter")
        await settle(pilot)
        card = str(screen.query_one("#customer-card").render())
        assert "13812345678" in card
    assert rows(seeded, "SELECT reason FROM audit_log") == [("call back about refund",)]


async def test_supervisor_cannot_write_and_is_told_why(make_app: AppFactory, seeded: Path) -> None:
    before = rows(seeded, "SELECT count(*) FROM outbox")
    app = make_app("sun.li")
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot)
        await pilot.press("i", *"note", "ctrl+s")
        await settle(pilot)
        assert screen.detail.timeline[-1].kind.value != "note"
        assert "read-only" in str(screen.query_one(StatusBar).render())  # the keys are hidden
    assert rows(seeded, "SELECT count(*) FROM outbox") == before


async def test_go_to_ticket_by_number(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press(*"T-20990101-0001", "enter")
        await settle(pilot)
        assert "No ticket" in str(app.screen.query_one(".dialog-error").render())
        app.screen.query_one(Input).value = "t-20261123-0002"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.detail.ticket.number == "T-20261123-0002"


async def test_deadline_countdown_changes_state_with_the_clock(
    make_app: AppFactory, clock: FrozenClock
) -> None:
    from agentdesk.widgets.sla_countdown import SlaCountdown

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_ticket(app, pilot, view="1")  # refund: first response in 4 h
        clocks = {w.id: w for w in screen.query(SlaCountdown)}
        assert list(clocks) == ["clock-dispatch", "clock-first_response", "clock-resolution"]
        assert clocks["clock-dispatch"].state == "stopped"  # taken at creation: met
        assert "met" in str(clocks["clock-dispatch"].render())
        countdown = clocks["clock-first_response"]
        assert countdown.has_class("-ok") and "04:00" in str(countdown.render())
        clock.advance(timedelta(hours=3))
        screen.tick()
        assert countdown.has_class("-warning") and "01:00" in str(countdown.render())
        clock.advance(timedelta(hours=2, minutes=15))
        screen.tick()
        assert countdown.has_class("-breached") and "+01:15" in str(countdown.render())
        # resolution: 24 business hours (Mon 14:00 → Thu 14:00), still fine
        assert clocks["clock-resolution"].has_class("-ok")
