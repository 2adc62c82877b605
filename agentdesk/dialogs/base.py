"""What every dialog shares: a titled box, Escape cancels, Ctrl+S confirms, inline errors."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

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
