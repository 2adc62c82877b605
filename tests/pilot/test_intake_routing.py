"""Intake and routing: the category suggested as the agent types, the "Goes to" line before
saving, and the saved ticket in the routed team at the routed priority."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Checkbox, Input, Select, Static

from agentdesk.screens.intake import IntakeScreen
from agentdesk.screens.ticket import TicketScreen
from tests.conftest import rows
from tests.pilot.conftest import AppFactory, settle
from tests.pilot.test_intake_screen import start_intake


def route_line(screen: IntakeScreen) -> str:
    return str(screen.query_one("#route", Static).render())


async def pick_wang_fang(pilot: object, screen: IntakeScreen) -> None:
    await pilot.press(*"13812345678")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter", "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert screen.customer is not None and screen.customer.name == "王芳"


async def describe(pilot: object, screen: IntakeScreen, text: str) -> None:
    screen.query_one("#description").focus()
    await pilot.press(*text)  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_typing_suggests_a_category_and_shows_where_it_goes(
    make_app: AppFactory, seeded: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await start_intake(app, pilot)
        assert route_line(screen).startswith("Goes to: choose a category")
        await pick_wang_fang(pilot, screen)
        await describe(pilot, screen, "扫地机坏了，充电座不亮")
        category = screen.query_one("#category", Select)
        assert category.value == "repair"  # 坏了: suggested, pre-selected
        assert "suggested" in str(screen.query_one("#category-suggestion", Static).render())
        line = route_line(screen)
        assert line.startswith("Goes to: After-sales · priority Normal · Product fault")
        assert line.endswith("dispatch due 14:05")  # 5 min after the frozen 14:00
        take = screen.query_one("#take", Checkbox)
        assert take.disabled and not take.value  # not the agent's team: cannot be taken

        await pilot.press(*" I want a refund")  # the description now speaks of a refund
        await settle(pilot)
        assert category.value == "refund"
        assert screen.query_one("#refund-amount").display
        assert "Refund amount not known yet" in route_line(screen)
        screen.query_one("#refund-amount", Input).value = "800"
        await settle(pilot)
        assert route_line(screen).startswith("Goes to: Team leads · priority Normal · Refund above")
        screen.query_one("#refund-amount", Input).value = "300"
        await settle(pilot)
        assert route_line(screen).startswith("Goes to: Front line")
        assert route_line(screen).endswith("dispatched now (you take it)")
        assert not take.disabled and take.value  # the agent's choice is back
        await pilot.click("#take")
        await settle(pilot)
        assert not take.value and route_line(screen).endswith("dispatch due 14:05")
        screen.query_one("#refund-amount", Input).value = "800"
        await settle(pilot)
        screen.query_one("#refund-amount", Input).value = "30"
        await settle(pilot)
        assert not take.value  # unticked by the agent: stays unticked


async def test_an_explicit_category_is_never_overridden(make_app: AppFactory, seeded: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await start_intake(app, pilot)
        await pick_wang_fang(pilot, screen)
        category = screen.query_one("#category", Select)
        category.value = "inquiry"  # the agent's own choice
        await settle(pilot)
        await describe(pilot, screen, "退款 refund 退货 投诉")
        assert category.value == "inquiry"
        assert str(screen.query_one("#category-suggestion", Static).render()) == ""


async def test_saving_puts_the_ticket_in_the_routed_team(
    make_app: AppFactory, seeded: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await start_intake(app, pilot)
        await pick_wang_fang(pilot, screen)
        screen.query_one("#subject", Input).value = "Refund for a cancelled order"
        await describe(pilot, screen, "Please refund the order")
        assert screen.query_one("#category", Select).value == "refund"
        screen.query_one("#refund-amount", Input).value = "1200"
        await settle(pilot)
        assert not screen.query_one("#take", Checkbox).value  # not the agent's team
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen | TicketScreen)  # back to the queue
    made = rows(
        seeded,
        "SELECT t.team_id, t.assignee_id, t.status, t.priority, e.data_json FROM ticket t "
        "JOIN ticket_event e ON e.ticket_id = t.id AND e.kind = 'created' "
        "WHERE t.subject = 'Refund for a cancelled order'",
    )
    assert [row[:4] for row in made] == [("team-ld", None, "new", "normal")]
    data = json.loads(str(made[0][4]))
    assert data["routing_rule"] == "refund-above-authority"
    assert data["refund_amount_cents"] == 120000
    intent = rows(seeded, "SELECT args_json FROM outbox WHERE name = 'ticket.create.v1'")
    sent = json.loads(str(intent[-1][0]))
    assert sent["team_id"] == "team-ld" and sent["assignee_id"] is None
    assert sent["routing_rule"] == "refund-above-authority"


async def test_a_ticket_for_the_agents_own_team_is_taken_and_opened(
    make_app: AppFactory, seeded: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await start_intake(app, pilot)
        await pick_wang_fang(pilot, screen)
        screen.query_one("#category", Select).value = "complaint"
        await settle(pilot)
        screen.query_one("#level", Select).value = "major"
        screen.query_one("#subject", Input).value = "Rude courier"
        await describe(pilot, screen, "The courier was rude")
        assert route_line(screen).startswith("Goes to: Team leads · priority High · Major")
        screen.query_one("#level", Select).value = "minor"
        await settle(pilot)
        assert route_line(screen).startswith("Goes to: Front line · priority Normal · Minor")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        ticket = app.screen.detail.ticket
        assert ticket.team_id == "team-fl" and ticket.assignee_id == app.context.agent.id


async def test_a_bad_refund_amount_is_refused_and_nothing_saved(
    make_app: AppFactory, seeded: Path
) -> None:
    before = rows(seeded, "SELECT count(*) FROM ticket")
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await start_intake(app, pilot)
        await pick_wang_fang(pilot, screen)
        screen.query_one("#category", Select).value = "refund"
        screen.query_one("#subject", Input).value = "Refund"
        await describe(pilot, screen, "refund please")
        screen.query_one("#refund-amount", Input).value = "-5"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert "not an amount in yuan" in str(screen.query_one("#intake-error").render())
    assert rows(seeded, "SELECT count(*) FROM ticket") == before
