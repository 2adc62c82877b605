"""Consult another department (R14): which one, the question, and when the answer is due. The
ticket keeps its owner and its clocks."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.consults import MAX_DUE_HOURS
from agentdesk.domain.model import Department
from agentdesk.i18n import label, t


@dataclass(frozen=True)
class ConsultRequest:
    department: Department
    question: str
    hours: float | None  # None: the department's usual time


class ConsultDialog(Dialog[ConsultRequest | None]):
    DEFAULT_CSS = """
    ConsultDialog #consult-question { height: 5; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.consult_title"), classes="dialog-title", markup=False)
            yield Label(t("dialog.consult_department"))
            yield Select(
                [(label("department", d.value), d.value) for d in Department],
                prompt=t("dialog.consult_department"),
                id="department",
            )
            yield Label(t("dialog.consult_hours"))
            yield Input(placeholder="24", id="hours")
            yield Label(t("dialog.consult_question"))
            yield TextArea(id="consult-question", soft_wrap=True)
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_confirm(self) -> None:
        department = self.query_one(Select).value
        typed = self.query_one(Input).value.strip()
        question = self.query_one(TextArea).text.strip()
        if department is Select.NULL:
            self.show_error(t("error.required", field=t("dialog.consult_department")))
            self.query_one(Select).focus()
            return
        try:
            hours = float(typed) if typed else None
        except ValueError:
            self.show_error(t("error.consult_due", hours=typed, maximum=MAX_DUE_HOURS))
            self.query_one(Input).focus()
            return
        if not question:
            self.show_error(t("error.required", field=t("dialog.consult_question")))
            self.query_one(TextArea).focus()
            return
        self.dismiss(ConsultRequest(Department(str(department)), question, hours))
