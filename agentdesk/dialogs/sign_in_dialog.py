"""Sign in again when the server ended the session (expired or revoked) mid-sync (SYNC T20):
the password for the same account, checked by the server; the queued edits wait meanwhile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t

if TYPE_CHECKING:
    from agentdesk.console import ServerLink


class SignInDialog(Dialog["ServerLink | None"]):
    """Returns the link with its new session, or None (cancelled: the console stays offline)."""

    def __init__(self, link: ServerLink) -> None:
        super().__init__()
        self.link = link

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("signin.title"), classes="dialog-title", markup=False)
            yield Static(
                t("signin.body", user=self.link.username, server=self.link.url), markup=False
            )
            yield Input(placeholder=t("signin.password"), password=True, id="password")
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("signin.hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        password = self.query_one(Input).value
        if not password:
            self.show_error(t("error.required", field=t("signin.password")))
            return
        self.show_error(t("signin.checking"))
        self._sign_in(password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _sign_in(self, password: str) -> None:
        try:
            renewed = self.link.sign_in_again(password)
        except AgentdeskError as exc:
            self.app.call_from_thread(self.show_error, exc.message())
            return
        self.app.call_from_thread(self.dismiss, renewed)
