"""A small table of the supervisor monitor: a titled DataTable whose cells take their colour
from the theme (ok / warning / breached / done, target hit / missed), and a text sparkline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

STATES = ("ok", "warning", "breached", "done", "hit", "miss")
SPARKS = "▁▂▃▄▅▆▇█"


class BoardTable(DataTable[Text | str]):
    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {f"board-table--{s}" for s in STATES}
    DEFAULT_CSS = """
    BoardTable { height: 1fr; border: round $panel-lighten-2; background: $surface; }
    BoardTable:focus { border: round $accent; }
    BoardTable > .board-table--ok { color: $success; }
    BoardTable > .board-table--warning { color: $warning; text-style: bold; }
    BoardTable > .board-table--breached { color: $error; text-style: bold; }
    BoardTable > .board-table--done { color: $text-muted; }
    BoardTable > .board-table--hit { color: $success; }
    BoardTable > .board-table--miss { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, *, cursor: str = "row", id: str | None = None) -> None:
        super().__init__(id=id, cursor_type=cursor, zebra_stripes=False)  # type: ignore[arg-type]
        self.border_title = title
        self.can_focus = cursor != "none"

    def styled(self, text: str, state: str | None) -> Text:
        """`text` in a state's colour (None: plain)."""
        if state is None:
            return Text(text)
        return Text(text, style=self.get_component_rich_style(f"board-table--{state}"))


def sparkline(values: Sequence[float | None], width: int = 0) -> str:
    """Blocks scaled between the smallest and the largest value, each value repeated to share
    `width` cells (at least one each); no data is a space."""
    repeat = max(1, width // len(values)) if values else 1
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values) * repeat
    low, high = min(known), max(known)
    span = high - low
    cells = []
    for v in values:
        if v is None:
            cells.append(" ")
        elif span == 0:
            cells.append(SPARKS[len(SPARKS) // 2 - 1])
        else:
            cells.append(SPARKS[round((v - low) / span * (len(SPARKS) - 1))])
    return "".join(c * repeat for c in cells)
