"""A decision with a reason: the review of a return/exchange request (R3), or a lead's decision
on a refund above an agent's authority (R4) — approved or declined, and why."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.model import ReviewDecision
from agentdesk.i18n import label, t


@dataclass(frozen=True)
class Review:
    decision: ReviewDecision
    note: str


class DecisionDialog(Dialog[Review | None]):
    DEFAULT_CSS = """
    DecisionDialog #decision-note { height: 5; }
    """

    def __init__(self, title: str, note_label: str, body: str = "") -> None:
        super().__init__()
        self.title_text, self.note_label, self.body = title, note_label, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.body:
                yield Static(self.body, markup=False)
            yield Label(t("dialog.review_decision"))
            yield Select(
                [(label("decision", d.value), d.value) for d in ReviewDecision],
                prompt=t("dialog.review_decision"),
                id="decision",
            )
            yield Label(self.note_label)
            yield TextArea(id="decision-note", soft_wrap=True)
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_confirm(self) -> None:
        decision = self.query_one(Select).value
        note = self.query_one(TextArea).text.strip()
        if decision is Select.NULL:
            self.show_error(t("error.required", field=t("dialog.review_decision")))
            self.query_one(Select).focus()
            return
        if not note:
            self.show_error(t("error.required", field=self.note_label))
            self.query_one(TextArea).focus()
            return
        self.dismiss(Review(ReviewDecision(str(decision)), note))


def review_dialog() -> DecisionDialog:
    """The review of a return/exchange request."""
    return DecisionDialog(t("dialog.review_title"), t("dialog.review_note"))
