"""What every dialog shares: a titled box, Escape cancels, Ctrl+S confirms, inline errors."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from agentdesk.i18n import t
from agentdesk.widgets.translated import translate_bindings

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > .dialog-box {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    Dialog .dialog-title { text-style: bold; margin-bottom: 1; }
    Dialog .dialog-error { color: $error; height: auto; }
    Dialog .dialog-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "key.cancel", id="dialog.cancel"),
        Binding("ctrl+s", "confirm", "key.confirm", id="dialog.confirm", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def show_error(self, message: str) -> None:
        self.query_one(".dialog-error", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        raise NotImplementedError


class ReasonDialog(Dialog[str | None]):
    """Asks for a reason (required) before something that is logged; returns it."""

    def __init__(self, title: str, field: str, hint: str, body: str = "") -> None:
        super().__init__()
        self.title_text, self.field, self.hint, self.body = title, field, hint, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.body:
                yield Static(self.body, markup=False)
            yield Input(placeholder=self.field, id="reason")
            yield Static(classes="dialog-error", markup=False)
            yield Static(self.hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        reason = self.query_one(Input).value.strip()
        if not reason:
            self.show_error(t("error.required", field=self.field))
            return
        self.dismiss(reason)
