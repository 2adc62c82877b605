"""The queue as an agent uses it: views, order, filters, search, opening, live countdowns."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import Input, Select

from agentdesk import i18n
from agentdesk.domain.clock import FrozenClock
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.store.queue_query import View
from agentdesk.widgets.ticket_list import TicketList
from tests.pilot.conftest import AppFactory, settle


def numbers(app: object) -> list[str]:
    tickets = app.screen.query_one(TicketList)  # type: ignore[attr-defined]
    return [tickets.pager.row(i).number for i in range(tickets.total)]


async def test_views_switch_with_number_keys(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.filter.view is View.MINE
        assert len(numbers(app)) == 1  # only the ticket taken at intake
        await pilot.press("3")
        await settle(pilot)
        assert screen.filter.view is View.UNASSIGNED and len(numbers(app)) == 2
        await pilot.press("4")
        await settle(pilot)
        assert len(numbers(app)) == 3
        await pilot.press("2")
        await settle(pilot)
        assert len(numbers(app)) == 3  # all three belong to the front line


async def test_queue_is_sorted_by_nearest_deadline(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        dues = [tickets.pager.row(i).due_sort for i in range(tickets.total)]
        assert dues == sorted(dues)
        # the high-priority complaint is due in 12 h, before the 24 h ones
        assert tickets.pager.row(0).category == "complaint"


async def test_search_as_you_type_in_chinese_and_english(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("4", "slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"退")
        await settle(pilot)
        assert len(numbers(app)) == 1
        await pilot.press("backspace", *"robot")
        await settle(pilot)
        assert len(numbers(app)) == 1
        await pilot.press("escape")
        assert isinstance(app.focused, TicketList)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(numbers(app)) == 3


async def filter_in_dialog(pilot: Pilot[None], name: str, value: str, key: str) -> None:
    """Open the filter dialog (f), choose `value` for `name`, leave with `key`."""
    from agentdesk.dialogs.filter_dialog import FilterDialog

    await pilot.press("f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FilterDialog)
    pilot.app.screen.query_one(f"#filter-{name}", Select).value = value
    await pilot.press(key)
    await settle(pilot)


async def test_filters_narrow_the_view(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("4")
        await filter_in_dialog(pilot, "category", "complaint", "ctrl+s")
        assert len(numbers(app)) == 1
        summary = str(app.screen.query_one("#filter-summary").render())
        assert "Category: Complaint" in summary
        await filter_in_dialog(pilot, "channel", "phone", "ctrl+s")
        assert numbers(app) == []
        await filter_in_dialog(pilot, "status", "new", "escape")  # cancelled: nothing changes
        assert app.screen.filter.status is None and numbers(app) == []
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(numbers(app)) == 3


async def test_enter_opens_the_ticket_and_escape_returns(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        first = numbers(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.detail is not None and app.screen.detail.ticket.number == first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_countdowns_follow_the_injected_clock(
    make_app: AppFactory, clock: FrozenClock
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        row = tickets.pager.row(0)
        # the refund's nearest clock: first response, 4 h (warning from 1 h before)
        text, style = tickets._countdown(row)
        assert text == "1st 04:00" and style == tickets._component("ticket-list--ok")
        clock.advance(timedelta(hours=3, minutes=30))
        text, style = tickets._countdown(row)
        assert text == "1st 00:30" and style == tickets._component("ticket-list--warning")
        clock.advance(timedelta(hours=2, minutes=15))
        text, style = tickets._countdown(row)
        assert text == "1st +01:45" and style == tickets._component("ticket-list--breached")
        line = tickets.render_line(0).text
        assert "+01:45" in line and row.number in line


async def test_a_tick_repaints_only_the_rows_whose_countdown_changed(
    make_app: AppFactory, clock: FrozenClock
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        clock.advance(timedelta(seconds=10))  # off the minute: 04:00 left reads 03:59
        app.screen.tick()
        await pilot.pause()  # painted
        repainted: list[int] = []
        refresh_line = tickets.refresh_line

        def spy(y: int) -> None:
            repainted.append(y)
            refresh_line(y)

        tickets.refresh_line = spy  # type: ignore[method-assign]
        clock.advance(timedelta(seconds=20))  # the same minute on every countdown
        app.screen.tick()
        assert repainted == []
        clock.advance(timedelta(minutes=1))  # every running countdown moves a minute
        app.screen.tick()
        running = [i for i in range(tickets.total) if tickets.pager.row(i).due_at is not None]
        assert running and sorted(repainted) == running
        await pilot.pause()  # painted
        repainted.clear()
        app.screen.tick()  # nothing new to show
        assert repainted == []


async def test_scrolling_with_keys_moves_the_cursor(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        await pilot.press("down", "down")
        assert tickets.cursor == 2
        await pilot.press("down")
        assert tickets.cursor == 2  # stays on the last row
        await pilot.press("home")
        assert tickets.cursor == 0
        await pilot.press("end")
        assert tickets.cursor == 2


async def test_queue_speaks_chinese(make_app: AppFactory) -> None:
    i18n.set_language("zh-CN")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tabs = str(app.screen.query_one("#view-tabs").render())
        assert "我的" in tabs and "未分配" in tabs
        header = str(app.screen.query_one("#queue-header").render())
        assert "工单号" in header
        line = app.screen.query_one(TicketList).render_line(0).text
        assert "已分配" in line and "退款" in line


async def test_help_lists_the_keys_of_the_screen(make_app: AppFactory) -> None:
    from agentdesk.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        descriptions = {d for _, d in app.screen.keys}
        assert {"New call", "Search", "Unassigned", "Open"} <= descriptions
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_command_palette_switches_views(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"unassigned")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.filter.view is View.UNASSIGNED


async def test_keys_can_be_remapped_from_the_config(seeded: object, clock: object) -> None:
    from agentdesk.app import AgentDeskApp
    from agentdesk.console import ConsoleContext
    from agentdesk.screens.intake import IntakeScreen

    context = ConsoleContext.open(
        seeded,  # type: ignore[arg-type]
        "zhang.wei",
        clock,  # type: ignore[arg-type]
        keymap={"queue.new": "ctrl+n"},
    )
    app = AgentDeskApp(context)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)  # the old key no longer starts intake
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


async def test_cursor_row_shows_whether_the_list_has_focus(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        focused = tickets.render_line(0)
        await pilot.press("slash")  # focus moves to the search box
        await settle(pilot)
        assert not tickets.has_focus
        blurred = tickets.render_line(0)
        assert focused.text == blurred.text
        assert next(iter(focused)).style != next(iter(blurred)).style


async def test_help_in_chinese_translates_textuals_own_keys_too(make_app: AppFactory) -> None:
    from agentdesk.screens.help import HelpScreen

    i18n.set_language("zh-CN")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        descriptions = {d for _, d in app.screen.keys}
        assert {"下一项", "复制选中文字", "向左滚动", "新来电"} <= descriptions
        assert not descriptions & {"Focus Next", "Scroll Left", "Copy selected text"}
