"""The queue's ticket list: a virtual list that renders only visible rows (Line API).

Rows come from a QueuePager a page at a time; a million-row queue costs what one screen costs.
Each visible row shows a live countdown computed from the injected clock; a tick repaints only
the rows whose countdown text or colour changed since they were painted (about once a minute).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentdesk.domain.deadlines import format_remaining
from agentdesk.i18n import label, t, t_or
from agentdesk.store.queue_query import FOLLOW_UP_CLOCK, QueueRow
from agentdesk.widgets.translated import translate_bindings

# (title key, width in cells); the subject takes what is left.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("col.number", 16),
    ("col.due", 14),
    ("col.priority", 6),
    ("col.status", 12),
    ("col.category", 10),
    ("col.channel", 8),
    ("col.customer", 12),
)


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` terminal cells (CJK characters are two wide)."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def short_clock(name: str) -> str:
    """A clock's short name for the queue column (an admin's own clock: its name, cut)."""
    return t_or(f"clock_short.{name}", name[:4])


class RowSource(Protocol):
    """Where the list reads its rows by position: a queue view's pager, or a fixed list."""

    page_size: int
    total: int | None

    def row(self, position: int) -> QueueRow | None: ...


def countdown_of(row: QueueRow, now: int) -> tuple[str, str]:
    """A row's nearest clock and its state (ok, warning, breached, done): `首响 02:15`,
    `+00:40` overdue, `⏸ 审核` paused, `—` none."""
    finished = row.status in ("resolved", "closed") and row.due_clock != FOLLOW_UP_CLOCK
    if row.due_clock is None or finished:
        return "—", "done"
    clock = short_clock(row.due_clock)
    if row.due_at is None:
        return f"⏸ {clock}", "done"
    remaining = row.due_sort - now
    if remaining <= 0:
        state = "breached"
    elif row.warn_sort <= now:
        state = "warning"
    else:
        state = "ok"
    return f"{clock} {format_remaining(timedelta(seconds=remaining))}", state


def header_line(width: int) -> str:
    cells = [fit(t(key), w) for key, w in COLUMNS]
    used = sum(w + 1 for _, w in COLUMNS)
    cells.append(fit(t("col.subject"), max(0, width - used)))
    return " ".join(cells)


class TicketList(ScrollView, can_focus=True):
    """Scrollable, keyboard-driven list of queue rows."""

    COMPONENT_CLASSES = {
        "ticket-list--cursor",
        "ticket-list--ok",
        "ticket-list--warning",
        "ticket-list--breached",
        "ticket-list--done",
    }
    DEFAULT_CSS = """
    TicketList { height: 1fr; }
    TicketList > .ticket-list--cursor { background: $accent 40%; text-style: bold; }
    TicketList:focus > .ticket-list--cursor { background: $accent; color: $text; }
    TicketList > .ticket-list--ok { color: $success; }
    TicketList > .ticket-list--warning { color: $warning; text-style: bold; }
    TicketList > .ticket-list--breached { color: $error; text-style: bold reverse; }
    TicketList > .ticket-list--done { color: $text-muted; }
    """
    BINDINGS = [
        Binding("down,j", "cursor(1)", "key.down", show=False),
        Binding("up,k", "cursor(-1)", "key.up", show=False),
        Binding("pagedown", "page(1)", "key.page_down", show=False),
        Binding("pageup", "page(-1)", "key.page_up", show=False),
        Binding("home", "jump(0)", "key.first", show=False),
        Binding("end", "jump(-1)", "key.last", show=False),
        Binding("enter", "open", "key.open", id="queue.open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Opened(Message):
        def __init__(self, row: QueueRow) -> None:
            super().__init__()
            self.row = row

    class Highlighted(Message):
        def __init__(self, position: int, total: int) -> None:
            super().__init__()
            self.position = position
            self.total = total

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        translate_bindings(self)
        self._now = now
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._painted: dict[int, tuple[QueueRow, str, Style | None]] = {}  # by list position
        self._styles: dict[str, Style] = {}
        self.pager: RowSource | None = None
        self.total = 0

    def show(self, pager: RowSource, guess: int) -> None:
        """Display a new queue view with a first guess at its length, until `set_total`."""
        self.pager = pager
        self._strips.clear()  # rows may have changed (an edit, a new view)
        self._painted.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._resize(guess)

    def set_total(self, total: int) -> None:
        """The counted length of the view (the pager may then read far pages backwards)."""
        if self.pager is not None:
            self.pager.total = total
        self._resize(total)

    def _resize(self, total: int) -> None:
        self.total = total
        self.virtual_size = Size(self.size.width, total)
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        self.refresh()

    def current(self) -> QueueRow | None:
        if self.pager is None or self.total == 0:
            return None
        return self.pager.row(self.cursor)

    # -- rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        position = int(self.scroll_offset.y) + y
        width = self.size.width
        row = self.pager.row(position) if self.pager and position < self.total else None
        if row is None:
            return Strip.blank(width, self._base_style())
        due_text, due_style = self._countdown(row)
        self._painted[position] = (row, due_text, due_style)
        is_cursor = position == self.cursor
        # A row looks the same until its countdown's minute changes: reuse the strip till then.
        key = (row.pk, width, is_cursor, due_text, due_style)
        strip = self._strips.get(key)
        if strip is None:
            base = self._base_style()
            if is_cursor:
                base = base + self._component("ticket-list--cursor")
            segments = self._segments(row, width, base, due_text, due_style)
            strip = Strip(segments, width).crop(0, width)
            if len(self._strips) > 1024:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def tick(self) -> None:
        """Repaint the visible rows whose countdown changed; the rest of the screen stays put."""
        top = int(self.scroll_offset.y)
        bottom = top + self.scrollable_content_region.height
        for position in [p for p in self._painted if not top <= p < bottom]:
            del self._painted[position]  # scrolled away: painted again when back in view
        for position, (row, text, style) in list(self._painted.items()):
            if self._countdown(row) != (text, style):
                self.refresh_line(position)

    def _base_style(self) -> Style:
        return self._component("")

    def _component(self, name: str) -> Style:
        """The widget's ("") or a component's style; Textual recomputes these on every call,
        but they only change with the CSS (see notify_style_update)."""
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _segments(
        self, row: QueueRow, width: int, base: Style, due_text: str, due_style: Style | None
    ) -> list[Segment]:
        cells = [
            (row.number, None),
            (due_text, due_style),
            (label("priority", row.priority), None),
            (label("status", row.status), None),
            (label("category", row.category), None),
            (label("channel", row.channel), None),
            (row.customer_name or "", None),
        ]
        segments: list[Segment] = []
        for (text, style), (_, col_width) in zip(cells, COLUMNS, strict=True):
            segments.append(Segment(fit(text, col_width), base + style if style else base))
            segments.append(Segment(" ", base))
        used = sum(w + 1 for _, w in COLUMNS)
        segments.append(Segment(fit(row.subject, max(0, width - used)), base))
        return segments

    def _countdown(self, row: QueueRow) -> tuple[str, Style | None]:
        text, state = countdown_of(row, int(self._now().timestamp()))
        return text, self._component(f"ticket-list--{state}")

    # -- keys -----------------------------------------------------------------------------

    def watch_cursor(self, position: int) -> None:
        self._scroll_cursor_into_view(position)
        self.post_message(self.Highlighted(position, self.total))
        self.refresh()

    def _scroll_cursor_into_view(self, position: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if position < top:
            self.scroll_to(y=position, animate=False)
        elif position >= top + height:
            self.scroll_to(y=position - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor = min(max(0, self.cursor + delta), self.total - 1)

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = 0 if where == 0 else self.total - 1

    def action_open(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(self.Opened(row))
