"""The key map (`?`): every key of the screen underneath and of the app, with what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from agentdesk.i18n import t
from agentdesk.widgets.translated import translate_bindings


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 80; max-width: 95%; height: 80%; border: thick $primary;
        background: $surface; padding: 1 2;
    }
    HelpScreen #help-keys { height: 1fr; }
    HelpScreen .help-title { text-style: bold; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "key.close", id="help.close"),
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        translate_bindings(self)
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, header_style="bold")
        table.add_column(t("help.key"), style="bold", no_wrap=True)
        table.add_column(t("help.action"))
        for key, description in self.keys:
            table.add_row(key, description)
        with Vertical():
            yield Static(t("help.title"), classes="help-title", markup=False)
            with VerticalScroll(id="help-keys"):
                yield Static(table)
            yield Static(t("help.palette_hint"), markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss()
