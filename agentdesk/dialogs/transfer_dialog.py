"""Transfer to another team: the hand-off note is mandatory so the customer never repeats."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.records import TeamRecord
from agentdesk.i18n import current_language, t


@dataclass(frozen=True)
class TransferRequest:
    team_id: str
    team_code: str
    note: str


class TransferDialog(Dialog[TransferRequest | None]):
    def __init__(self, teams: list[TeamRecord]) -> None:
        super().__init__()
        self.teams = teams

    def compose(self) -> ComposeResult:
        lang = current_language()
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.transfer_title"), classes="dialog-title", markup=False)
            yield Label(t("dialog.transfer_team"))
            yield Select(
                [(tm.name(lang), tm.id) for tm in self.teams],
                prompt=t("dialog.transfer_team"),
                id="transfer-team",
            )
            yield Label(t("dialog.handoff_note"))
            yield TextArea(id="handoff-note", soft_wrap=True)
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_confirm(self) -> None:
        team_id = self.query_one(Select).value
        note = self.query_one(TextArea).text.strip()
        if team_id is Select.NULL:
            self.show_error(t("error.required", field=t("dialog.transfer_team")))
            return
        if not note:
            self.show_error(t("error.required", field=t("dialog.handoff_note")))
            self.query_one(TextArea).focus()
            return
        team = next(tm for tm in self.teams if tm.id == team_id)
        self.dismiss(TransferRequest(team.id, team.code, note))
