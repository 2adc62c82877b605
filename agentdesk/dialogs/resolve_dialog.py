"""Resolve a ticket: what was done, and the root cause (R9) for the Pareto of causes."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.model import RootCause
from agentdesk.i18n import label, t


@dataclass(frozen=True)
class Resolution:
    text: str
    root_cause: RootCause


class ResolveDialog(Dialog[Resolution | None]):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.resolve_title"), classes="dialog-title", markup=False)
            yield Label(t("dialog.resolution"))
            yield TextArea(id="resolution", soft_wrap=True)
            yield Label(t("dialog.root_cause"))
            yield Select(
                [(label("root_cause", c.value), c.value) for c in RootCause],
                prompt=t("dialog.root_cause"),
                id="root-cause",
            )
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_confirm(self) -> None:
        text = self.query_one(TextArea).text.strip()
        cause = self.query_one(Select).value
        if not text:
            self.show_error(t("error.required", field=t("dialog.resolution")))
            self.query_one(TextArea).focus()
            return
        if cause is Select.NULL:
            self.show_error(t("error.required", field=t("dialog.root_cause")))
            self.query_one(Select).focus()
            return
        self.dismiss(Resolution(text, RootCause(str(cause))))
