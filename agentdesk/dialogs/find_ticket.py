"""Go to a ticket by its number (e.g. T-20261123-0042)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp


class FindTicketDialog(Dialog[str | None]):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.find_title"), classes="dialog-title", markup=False)
            yield Input(placeholder="T-20261123-0042", id="ticket-number")
            yield Static(classes="dialog-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        number = self.query_one(Input).value.strip()
        app: AgentDeskApp = self.app  # type: ignore[assignment]
        try:
            ticket = app.context.repository().ticket(number)
        except AgentdeskError as exc:
            self.show_error(exc.message())
            return
        self.dismiss(ticket.id)
