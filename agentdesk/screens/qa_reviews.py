"""The leads' QA reviews (F8, R8): the tickets drawn by `agentdesk qa sample`, not yet scored
first. Enter (or `s`) scores the highlighted one beside its replies and their banned-phrase
findings; `o` opens the ticket. A score goes to the server at once when online (every lead and
supervisor sees it), or with the first sync after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from agentdesk.domain.qa import DIMENSIONS, QaScore, reply_findings
from agentdesk.i18n import t
from agentdesk.store import database, qa_store
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.store.qa_store import Review


class QaReviewsScreen(ModalScreen[str | None]):
    """Dismisses with the ticket id to open, or None."""

    DEFAULT_CSS = """
    QaReviewsScreen { align: center middle; }
    QaReviewsScreen > Vertical {
        width: 95%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    QaReviewsScreen .qa-title { text-style: bold; margin-bottom: 1; }
    QaReviewsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "key.close", id="qa.close"),
        Binding("s", "score", "key.qa_score", id="qa.score"),
        Binding("o", "open_ticket", "key.open", id="qa.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.reviews: list[Review] = []

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("qa.screen_title"), classes="qa-title", markup=False)
            yield DataTable(id="qa-reviews", cursor_type="row", zebra_stripes=True)
            yield Static(id="qa-empty", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        headers = [t("qa.column_number"), t("qa.agent"), *(t(f"qa.{n}") for n in DIMENSIONS)]
        for header in [*headers, t("qa.column_subject")]:
            table.add_column(header)
        table.focus()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        conn = database.connect(self.desk.context.store_path, readonly=True)
        try:
            found = qa_store.reviews(conn)
        finally:
            conn.close()
        found.sort(key=lambda r: (r.score is not None, r.username, r.number))  # to score first
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[Review]) -> None:
        self.reviews = found
        table = self.query_one(DataTable)
        table.clear()
        for review in found:
            scores = [str(getattr(review.score, n)) if review.score else "·" for n in DIMENSIONS]
            table.add_row(review.number, review.agent_name, *scores, review.subject[:50])
        self.query_one("#qa-empty", Static).update("" if found else t("qa.no_reviews"))

    def _current(self) -> Review | None:
        row = self.query_one(DataTable).cursor_row
        return self.reviews[row] if 0 <= row < len(self.reviews) else None

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_score()

    def action_open_ticket(self) -> None:
        current = self._current()
        if current is not None:
            self.dismiss(current.ticket_id)

    def action_score(self) -> None:
        from agentdesk.dialogs.qa_score_dialog import QaScoreDialog

        current = self._current()
        if current is None:
            return
        if current.agent_id == self.desk.context.agent.id:
            self.notify(t("qa.own_ticket", number=current.number), severity="warning")
            return
        replies = self._replies(current.ticket_id)
        title = t("qa.dialog_title", number=current.number, agent=current.agent_name)

        def chosen(score: QaScore | None) -> None:
            if score is not None:
                self._save(current, score)

        self.app.push_screen(QaScoreDialog(title, replies, current.score), chosen)

    def _replies(self, ticket_id: str) -> list[tuple[str, str, list[str]]]:
        repo = self.desk.context.repository()
        found = []
        for entry in repo.timeline(ticket_id):
            checked = reply_findings(entry, repo.rules)
            if checked is None:
                continue
            findings = [
                t("qa.finding", text=f.text, rule=f.rule.id, rewrite=(f.rule.rewrites or ("—",))[0])
                for f in checked
            ]
            found.append((self.desk.local_time(entry.at), " ".join(entry.body.split()), findings))
        return found

    @work(thread=True, exclusive=True, group="qa-save", exit_on_error=False)
    def _save(self, review: Review, score: QaScore) -> None:
        ctx = self.desk.context
        conn = database.connect(ctx.store_path)
        try:
            qa_store.save_score(conn, review.ticket_id, score, ctx.agent.id, ctx.now())
            conn.commit()
        finally:
            conn.close()
        self.app.call_from_thread(self._saved, review.number, score)

    def _saved(self, number: str, score: QaScore) -> None:
        self.notify(t("qa.scored", number=number, overall=f"{score.overall:.2f}"))
        self.desk.request_sync()
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
