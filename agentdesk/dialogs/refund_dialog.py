"""A refund on the ticket (R4): the amount and the reason. Within the agent's authority it is
recorded at once; above it, it goes to the team leads' approval queue — the dialog says which
before the agent confirms."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.authority import format_yuan, parse_yuan
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t


@dataclass(frozen=True)
class RefundRequest:
    amount_cents: int
    reason: str


class RefundDialog(Dialog[RefundRequest | None]):
    DEFAULT_CSS = """
    RefundDialog #refund-reason { height: 5; }
    """

    def __init__(self, limit_cents: int) -> None:
        super().__init__()
        self.limit_cents = limit_cents

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.refund_title"), classes="dialog-title", markup=False)
            yield Label(t("dialog.refund_amount"))
            yield Input(placeholder="300", id="amount")
            yield Static(self._route(None), id="refund-route", markup=False)
            yield Label(t("dialog.refund_reason"))
            yield TextArea(id="refund-reason", soft_wrap=True)
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _route(self, amount_cents: int | None) -> str:
        limit = format_yuan(self.limit_cents)
        if amount_cents is None:
            return t("dialog.refund_authority", limit=limit)
        if amount_cents > self.limit_cents:
            return t("dialog.refund_to_leads", amount=format_yuan(amount_cents), limit=limit)
        return t("dialog.refund_direct", amount=format_yuan(amount_cents), limit=limit)

    @on(Input.Changed, "#amount")
    def _amount_changed(self, event: Input.Changed) -> None:
        try:
            cents: int | None = parse_yuan(event.value)
        except AgentdeskError:
            cents = None
        self.query_one("#refund-route", Static).update(self._route(cents))

    @on(Input.Submitted, "#amount")
    def _next(self) -> None:
        self.query_one(TextArea).focus()

    def action_confirm(self) -> None:
        try:
            cents = parse_yuan(self.query_one(Input).value)
        except AgentdeskError as exc:
            self.show_error(exc.message())
            self.query_one(Input).focus()
            return
        reason = self.query_one(TextArea).text.strip()
        if not reason:
            self.show_error(t("error.required", field=t("dialog.refund_reason")))
            self.query_one(TextArea).focus()
            return
        self.dismiss(RefundRequest(cents, reason))
