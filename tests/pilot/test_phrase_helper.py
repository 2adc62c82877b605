"""The phrase helper, the knowledge base and the pre-send check, driven from the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.dialogs.override_dialog import OverrideDialog
from agentdesk.io.phrase_files import SHIPPED_KB, SHIPPED_PHRASES, load_articles, load_phrases
from agentdesk.screens.library_search import KnowledgeSearch, PhraseHelper
from agentdesk.store import database
from agentdesk.store.repository import Repository
from agentdesk.widgets.composer import Composer
from tests.conftest import NOW, rows
from tests.pilot.conftest import AppFactory, settle
from tests.pilot.test_ticket_screen import open_ticket

REFUND = "T-20261123-0001"  # 退款没有到账, mine, first response running


@pytest.fixture
def library(seeded: Path) -> Path:
    """The seeded store with the shipped phrase library and knowledge base imported."""
    repo = Repository(database.make_engine(seeded))
    phrases = [p for path in SHIPPED_PHRASES for p in load_phrases(path)]
    repo.import_phrases(phrases, "agentdesk", NOW)
    repo.import_articles(load_articles(SHIPPED_KB), "agentdesk", NOW)
    repo.engine.dispose()
    return seeded


async def open_refund(app: object, pilot: object) -> Composer:
    screen = await open_ticket(app, pilot, view="1")
    assert screen.detail.ticket.number == REFUND
    await pilot.press("c")  # type: ignore[attr-defined]
    composer = screen.query_one("#composer", Composer)
    assert app.focused is composer  # type: ignore[attr-defined]
    return composer


async def test_initials_find_an_apology_and_enter_inserts_it_filled_at_the_cursor(
    make_app: AppFactory, library: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = await open_refund(app, pilot)
        await pilot.press(*"Hi. ")
        await pilot.press("f2")
        await settle(pilot)
        helper = app.screen
        assert isinstance(helper, PhraseHelper)
        await pilot.press("d", "q")
        first = helper.current()
        assert first is not None and first.scenario.value == "empathy"
        assert first.text.startswith(("抱歉", "对不起", "非常抱歉"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#composer", Composer) is composer
        assert composer.text.startswith("Hi. " + first.text[:2])
        assert "{{customer.name}}" not in composer.text  # filled from the ticket
    used = rows(library, "SELECT phrase_id, uses FROM phrase_use")
    assert used == [(first.id, 1)]


async def test_a_placeholder_that_cannot_be_filled_stays_and_blocks_sending(
    make_app: AppFactory, library: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = await open_refund(app, pilot)
        await pilot.press(*"Update by {{clock.next_update.due}} ok")  # no next-update clock
        await settle(pilot)
        assert [name for _, _, name in composer.holes] == ["clock.next_update.due"]
        before = rows(library, "SELECT count(*) FROM ticket_event")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert composer.text.startswith("Update by {{clock.next_update.due}}")
        assert rows(library, "SELECT count(*) FROM ticket_event") == before


async def test_a_banned_phrase_is_highlighted_blocked_and_rewritten_with_f3(
    make_app: AppFactory, library: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = await open_refund(app, pilot)
        composer.insert("您好，这个 我也不清楚")  # as an IME delivers it
        await settle(pilot)
        assert [f.rule.id for f in composer.findings] == ["dont-know"]
        marked = [h[2] for h in composer._highlights[0]]
        assert marked == ["banned"]
        check = str(app.screen.query_one("#composer-check").render())
        assert "我马上帮您确认一下" in check
        before = rows(library, "SELECT count(*) FROM ticket_event")
        await pilot.press("ctrl+s")  # blocked: nothing is sent
        await settle(pilot)
        assert rows(library, "SELECT count(*) FROM ticket_event") == before
        await pilot.press("f3")
        await settle(pilot)
        assert composer.text == "您好，我马上帮您确认一下"
        assert composer.findings == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert composer.text == ""
    last = rows(library, "SELECT kind, body FROM ticket_event ORDER BY pk DESC LIMIT 1")
    assert last == [("reply", "您好，我马上帮您确认一下")]


async def test_an_override_rule_sends_with_a_logged_reason(
    make_app: AppFactory, library: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = await open_refund(app, pilot)
        composer.insert("你先听我说，退款今天到账")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OverrideDialog)
        await pilot.press("enter")  # no reason: refused in the dialog
        assert isinstance(app.screen, OverrideDialog)
        await pilot.press(*"customer asked for exact words", "enter")
        await settle(pilot)
    logged = rows(library, "SELECT action, reason FROM audit_log WHERE action = 'phrase_override'")
    assert logged == [("phrase_override", "customer asked for exact words")]


async def test_the_knowledge_base_inserts_an_answer_or_a_reference(
    make_app: AppFactory, library: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        composer = await open_refund(app, pilot)
        await pilot.press("f4")
        await settle(pilot)
        kb = app.screen
        assert isinstance(kb, KnowledgeSearch)
        await pilot.press(*"tuikuan")
        article = kb.current()
        assert article is not None and "退款" in article.title
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert article.id in composer.text and article.title in composer.text


async def test_crisis_phrases_are_pinned_while_an_incident_is_open(
    make_app: AppFactory, library: Path
) -> None:
    repo = Repository(database.make_engine(library))
    lead = repo.agent_by_username("chen.jing")
    repo.declare_incident("X7 Pro docks not charging", "Batch X7D23", lead, NOW)
    repo.engine.dispose()
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_refund(app, pilot)
        await pilot.press("f2")
        await settle(pilot)
        helper = app.screen
        assert isinstance(helper, PhraseHelper)
        crisis = [h.item.scenario.value for h in helper.hits[:5]]
        assert crisis == ["crisis"] * 5
        assert "X7 Pro docks not charging" in str(helper.query_one("#library-title").render())
        await pilot.press(*"tuikuan")  # a search still ranks by match; pins only break ties
        assert helper.current() is not None


async def test_without_an_incident_nothing_is_pinned(make_app: AppFactory, library: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_refund(app, pilot)
        await pilot.press("f2")
        await settle(pilot)
        helper = app.screen
        assert isinstance(helper, PhraseHelper)
        assert "crisis" not in {h.item.scenario.value for h in helper.hits[:10]}


async def test_the_scenario_filter_narrows_the_results(make_app: AppFactory, library: Path) -> None:
    from textual.widgets import Select

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_refund(app, pilot)
        await pilot.press("f2")
        await settle(pilot)
        helper = app.screen
        assert isinstance(helper, PhraseHelper)
        assert len({h.item.scenario for h in helper.hits}) > 1
        helper.query_one("#library-scenario", Select).value = "closing"
        await pilot.pause()
        assert helper.hits and {h.item.scenario.value for h in helper.hits} == {"closing"}
        await pilot.press(*"thank")
        assert helper.hits and {h.item.scenario.value for h in helper.hits} == {"closing"}
