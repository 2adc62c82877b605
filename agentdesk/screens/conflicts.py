"""The conflicts list (F6, or a click on the status bar): every edit the server refused on this
console's tickets — what collided, what won, and where the losing text went. Enter opens the
ticket; opening the list marks its entries seen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from agentdesk.i18n import intent_label, t
from agentdesk.store import conflict_store, database
from agentdesk.store.conflict_store import ConflictEntry
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp

TEXT_SHOWN = 60  # characters of the losing text in the table; the whole of it below


class ConflictsScreen(ModalScreen[str | None]):
    """Dismisses with the ticket id to open, or None."""

    DEFAULT_CSS = """
    ConflictsScreen { align: center middle; }
    ConflictsScreen > Vertical {
        width: 95%; height: 85%; border: thick $warning; background: $surface; padding: 0 1;
    }
    ConflictsScreen .conflicts-title { text-style: bold; margin-bottom: 1; }
    ConflictsScreen DataTable { height: 1fr; }
    ConflictsScreen #conflict-detail { height: auto; max-height: 8; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "key.close", id="conflicts.close"),
        Binding("enter", "open_ticket", "key.open", id="conflicts.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.entries: list[ConflictEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("conflicts.title"), classes="conflicts-title", markup=False)
            yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
            yield Static(t("conflicts.loading"), id="conflict-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("when", "ticket", "whose", "edit", "outcome", "won", "text"):
            table.add_column(t(f"conflicts.column.{key}"), key=key)
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        app: AgentDeskApp = self.app  # type: ignore[assignment]
        ctx = app.context
        conn = database.connect(ctx.store_path)
        try:
            entries = conflict_store.conflict_list(conn, ctx.agent.id, ctx.agent.display_name)
            conflict_store.mark_seen(conn, ctx.now().isoformat())
        finally:
            conn.close()
        self.app.call_from_thread(self._show, entries)

    def _show(self, entries: list[ConflictEntry]) -> None:
        app: AgentDeskApp = self.app  # type: ignore[assignment]
        self.entries = entries
        table = self.query_one(DataTable)
        table.clear()
        for entry in entries:
            table.add_row(
                app.local_time(datetime.fromisoformat(entry.at)),
                entry.ticket_number or "—",
                ("● " if entry.unseen else "") + entry.author,
                intent_label(entry.intent),
                t(f"conflicts.outcome.{entry.outcome}"),
                entry.detail,
                _short(entry.losing_text),
            )
        detail = self.query_one("#conflict-detail", Static)
        detail.update(t("conflicts.none") if not entries else self._explain(0))
        app.refresh_figures()  # the status bar's count: now all seen

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.entries:
            self.query_one("#conflict-detail", Static).update(self._explain(event.cursor_row))

    def _explain(self, row: int) -> str:
        entry = self.entries[row]
        where = t(f"conflicts.kept_in.{entry.kept_in or 'nothing'}")
        lines = [f"{intent_label(entry.intent)} — {entry.detail}", where]
        if entry.losing_text:
            lines.append(entry.losing_text)
        return "\n".join(lines)

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_ticket()

    def action_open_ticket(self) -> None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row >= len(self.entries):
            return
        entry = self.entries[table.cursor_row]
        if entry.ticket_id and entry.ticket_number:
            self.dismiss(entry.ticket_id)

    def action_close(self) -> None:
        self.dismiss(None)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_SHOWN else flat[: TEXT_SHOWN - 1] + "…"
