"""Narrow the queue by status, category, priority and channel; Ctrl+S applies, Esc keeps."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Select, Static

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.model import Category, Channel, Priority, Status
from agentdesk.i18n import label, t
from agentdesk.store.queue_query import FILTER_FIELDS

FILTERS = tuple(zip(FILTER_FIELDS, (Status, Category, Priority, Channel), strict=True))
Filters = dict[str, str | None]


class FilterDialog(Dialog[Filters | None]):
    BINDINGS = [Binding("ctrl+r", "clear", "key.clear_filters", id="filters.clear")]

    def __init__(self, current: Filters) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(t("dialog.filters_title"), classes="dialog-title", markup=False)
            for name, enum in FILTERS:
                yield Label(t(f"filter.{name}"))
                value = self.current.get(name)
                yield Select(
                    [(label(name, m.value), m.value) for m in enum],
                    prompt=t("filter.any"),
                    value=value if value is not None else Select.NULL,
                    id=f"filter-{name}",
                )
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.filters_hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_clear(self) -> None:
        for select in self.query(Select):
            select.clear()

    def action_confirm(self) -> None:
        chosen: Filters = {}
        for name, _ in FILTERS:
            value = self.query_one(f"#filter-{name}", Select).value
            chosen[name] = None if value is Select.NULL else str(value)
        self.dismiss(chosen)
