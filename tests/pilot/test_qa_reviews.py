"""A lead scores a ticket drawn for QA (R8) in the console: F8, the replies with their
banned-phrase findings beside the scores, Ctrl+S saves; agents do not get the screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static, TextArea

from agentdesk.dialogs.qa_score_dialog import QaScoreDialog
from agentdesk.domain.qa import DIMENSIONS
from agentdesk.screens.qa_reviews import QaReviewsScreen
from agentdesk.store import database, qa_store
from tests.cli.test_qa_cli import handled
from tests.conftest import NOW, rows
from tests.pilot.conftest import AppFactory, settle


def drawn(store: Path) -> str:
    number = handled(store)
    conn = database.connect(store)
    ticket_id, agent_id = conn.execute(
        "SELECT id, assignee_id FROM ticket WHERE number = ?", (number,)
    ).fetchone()
    qa_store.add_reviews(conn, {agent_id: [ticket_id]}, at=NOW, by=None,
                         period=("2026-11-23", "2026-11-24"), seed=1)  # fmt: skip
    conn.commit()
    conn.close()
    return number


async def test_a_lead_scores_a_drawn_ticket_beside_its_findings(
    make_app: AppFactory, seeded: Path
) -> None:
    number = drawn(seeded)
    app = make_app("chen.jing")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QaReviewsScreen) and [r.number for r in screen.reviews] == [
            number
        ]
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, QaScoreDialog)
        shown = " ".join(str(s.render()) for s in dialog.query(Static))
        assert "没办法" in shown and "no-way-zh" in shown  # the finding beside the reply
        await pilot.press("ctrl+s")  # nothing chosen yet: refused inline, the dialog stays
        await settle(pilot)
        assert app.screen is dialog
        await pilot.press("2", "4", "5", "3")  # a digit on each score moves to the next
        assert [dialog.query_one(f"#qa-{n}", Select).value for n in DIMENSIONS] == [2, 4, 5, 3]
        assert isinstance(dialog.focused, TextArea)
        await pilot.press(*"语气需改进", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.reviews[0].score is not None and screen.reviews[0].score.overall == 3.5
    scored = rows(
        seeded, "SELECT tone, professionalism, efficiency, compliance, comment FROM qa_review"
    )
    assert scored == [(2, 4, 5, 3, "语气需改进")]
    queued = rows(seeded, "SELECT name, args_json FROM outbox WHERE name LIKE 'qa.%' ORDER BY 1")
    assert [name for name, _ in queued] == ["qa.draw.v1", "qa.score.v1"]  # to the server
    assert '"comment": "语气需改进"' in queued[1][1] and '"tone": 2' in queued[1][1]


async def test_an_agent_gets_no_qa_screen(make_app: AppFactory, seeded: Path) -> None:
    drawn(seeded)
    app = make_app("zhang.wei")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert not isinstance(app.screen, QaReviewsScreen)
