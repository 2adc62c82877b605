"""The leads' approval queue (F7): refunds above an agent's authority waiting for a decision,
oldest first (R4). `a` decides the highlighted one; Enter opens its ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from agentdesk.domain.authority import format_yuan
from agentdesk.domain.model import ReviewDecision
from agentdesk.i18n import label, t
from agentdesk.store.refund_query import PendingRefund
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp


class ApprovalsScreen(ModalScreen[str | None]):
    """Dismisses with the ticket id to open, or None."""

    DEFAULT_CSS = """
    ApprovalsScreen { align: center middle; }
    ApprovalsScreen > Vertical {
        width: 95%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ApprovalsScreen .approvals-title { text-style: bold; margin-bottom: 1; }
    ApprovalsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "key.close", id="approvals.close"),
        Binding("a", "decide", "key.decide_refund", id="approvals.decide"),
        Binding("enter", "open_ticket", "key.open", id="approvals.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.pending: list[PendingRefund] = []

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("approvals.title"), classes="approvals-title", markup=False)
            yield DataTable(id="approvals", cursor_type="row", zebra_stripes=True)
            yield Static(id="approvals-empty", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("when", "ticket", "amount", "who", "reason"):
            table.add_column(t(f"approvals.column.{key}"), key=key)
        table.focus()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        pending = self.desk.context.repository().pending_refunds()
        self.app.call_from_thread(self._show, pending)

    def _show(self, pending: list[PendingRefund]) -> None:
        self.pending = pending
        table = self.query_one(DataTable)
        table.clear()
        for p in pending:
            table.add_row(
                self.desk.local_time(p.requested_at),
                p.ticket_number,
                format_yuan(p.amount_cents),
                p.requested_by,
                " ".join(p.reason.split())[:60],
            )
        self.query_one("#approvals-empty", Static).update("" if pending else t("approvals.none"))

    def _current(self) -> PendingRefund | None:
        row = self.query_one(DataTable).cursor_row
        return self.pending[row] if 0 <= row < len(self.pending) else None

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_ticket()

    def action_open_ticket(self) -> None:
        current = self._current()
        if current is not None:
            self.dismiss(current.ticket_id)

    def action_decide(self) -> None:
        from agentdesk.dialogs.refund_decision_dialog import refund_decision_dialog
        from agentdesk.dialogs.review_dialog import Review

        current = self._current()
        if current is None:
            return
        ctx = self.desk.context

        def chosen(decided: Review | None) -> None:
            if decided is None:
                return
            self.desk.run_write(
                lambda repo: repo.decide_refund(
                    current.request_id, decided.decision, decided.note, ctx.agent, ctx.now()
                ),
                lambda _entry: self._decided(decided.decision),
            )

        self.app.push_screen(refund_decision_dialog(current), chosen)

    def _decided(self, decision: ReviewDecision) -> None:
        self.notify(t("done.refund_decided", decision=label("decision", decision.value)))
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
