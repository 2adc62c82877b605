"""Choose the next status: only the moves the status graph allows are offered."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.model import Status
from agentdesk.i18n import label, t


class StatusDialog(Dialog[Status | None]):
    def __init__(self, current: Status, choices: Sequence[Status]) -> None:
        super().__init__()
        self.current = current
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(
                t("dialog.status_title", current=label("status", self.current.value)),
                classes="dialog-title",
                markup=False,
            )
            yield OptionList(
                *(Option(label("status", s.value), id=s.value) for s in self.choices),
                id="status-choices",
            )
            yield Static(classes="dialog-error")
            yield Static(t("dialog.choose_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Status(str(event.option.id)))

    def action_confirm(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(self.choices[options.highlighted])
