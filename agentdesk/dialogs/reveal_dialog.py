"""Reveal a customer's masked details: a reason is required and the reveal is logged (R12)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agentdesk.dialogs.base import Dialog
from agentdesk.i18n import t


class RevealDialog(Dialog[str | None]):
    def __init__(self, customer_name: str) -> None:
        super().__init__()
        self.customer_name = customer_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(
                t("dialog.reveal_title", name=self.customer_name),
                classes="dialog-title",
                markup=False,
            )
            yield Input(placeholder=t("dialog.reveal_reason"), id="reveal-reason")
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.reveal_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        reason = self.query_one(Input).value.strip()
        if not reason:
            self.show_error(t("error.required", field=t("dialog.reveal_reason")))
            return
        self.dismiss(reason)
