"""Intake of a call: find the customer as you type, or create one, then the ticket."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Select

from agentdesk.screens.intake import IntakeScreen
from agentdesk.screens.ticket import TicketScreen
from tests.conftest import rows
from tests.pilot.conftest import AppFactory, settle


async def start_intake(app: object, pilot: object) -> IntakeScreen:
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, IntakeScreen)
    return screen


async def test_existing_customer_found_by_phone(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_intake(app, pilot)
        await pilot.press(*"1381234")
        await settle(pilot)
        options = screen.query_one("#matches", OptionList)
        first = str(options.get_option_at_index(0).prompt)
        assert "王芳" in first and "138****5678" in first  # masked in the list too
        await pilot.press("enter", "enter")  # to the list, pick the first match
        await settle(pilot)
        assert screen.customer is not None and screen.customer.name == "王芳"
        screen.query_one("#category", Select).value = "repair"
        screen.query_one("#subject", Input).value = "扫地机不充电"
        screen.query_one("#description").focus()
        await pilot.press(*"充电座指示灯不亮")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # routing sends a repair to after-sales: not the agent's to take, back to the queue
        assert not isinstance(app.screen, IntakeScreen | TicketScreen)
    assert rows(seeded, "SELECT count(*) FROM customer") == [(2,)]
    made = "SELECT category, team_id, assignee_id FROM ticket WHERE subject = '扫地机不充电'"
    assert rows(seeded, made) == [("repair", "team-as", None)]


async def test_new_customer_created_with_the_ticket(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_intake(app, pilot)
        await pilot.press(*"13900001111")
        await settle(pilot)
        await pilot.press("enter", "enter")  # only option: "+ New customer"
        await settle(pilot)
        assert screen.query_one("#new-customer").display
        assert screen.query_one("#new-phone", Input).value == "13900001111"
        assert app.focused is screen.query_one("#new-name")
        await pilot.press(*"赵六")
        screen.query_one("#category", Select).value = "complaint"
        await pilot.pause()
        assert not screen.query_one("#level", Select).disabled
        screen.query_one("#subject", Input).value = "送货员态度差"
        screen.query_one("#description").focus()
        await pilot.press(*"送货时态度恶劣")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)  # complaint without a level: refused
        assert "level" in str(screen.query_one("#intake-error").render())
        screen.query_one("#level", Select).value = "minor"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    assert rows(seeded, "SELECT name, phone FROM customer WHERE name = '赵六'") == [
        ("赵六", "13900001111")
    ]


async def test_nothing_is_saved_without_a_customer_or_category(
    make_app: AppFactory, seeded: Path
) -> None:
    before = rows(seeded, "SELECT count(*) FROM ticket")
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_intake(app, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose a customer" in str(screen.query_one("#intake-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
    assert rows(seeded, "SELECT count(*) FROM ticket") == before
