"""The follow-up call's outcome (SPEC R10): the customer's score, 1-5, and their comment."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.i18n import t


@dataclass(frozen=True)
class FollowUpResult:
    score: int
    comment: str


class FollowUpDialog(Dialog[FollowUpResult | None]):
    DEFAULT_CSS = """
    FollowUpDialog #follow-up-score { width: 8; }
    FollowUpDialog #follow-up-comment { height: 5; }
    """

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            title = t("follow_up.title", number=self.number)
            yield Static(title, classes="dialog-title", markup=False)
            yield Label(t("follow_up.score"))
            yield Input(id="follow-up-score", restrict="[1-5]", max_length=1)
            yield Label(t("follow_up.comment"))
            yield TextArea(id="follow-up-comment", soft_wrap=True)
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#follow-up-score", Input).focus()

    def action_confirm(self) -> None:
        score = self.query_one("#follow-up-score", Input)
        if not score.value:
            self.show_error(t("error.required", field=t("follow_up.score")))
            score.focus()
            return
        comment = self.query_one("#follow-up-comment", TextArea).text.strip()
        self.dismiss(FollowUpResult(int(score.value), comment))
