"""A line across the top of every working screen while a major incident is open (R13): the
floor speaks with one voice, and the crisis phrases are pinned in the phrase helper (F2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.widgets import Static

from agentdesk.i18n import t


class IncidentBanner(Static):
    DEFAULT_CSS = """
    IncidentBanner {
        height: auto; background: $error; color: $text; text-style: bold; padding: 0 1;
    }
    """

    def __init__(self, open_titles: Callable[[], Sequence[str]], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._open_titles = open_titles

    def on_mount(self) -> None:
        self.show_incidents()

    def show_incidents(self) -> None:
        """Read the open incidents again (after a sync, a declaration or a close)."""
        titles = list(self._open_titles())
        self.display = bool(titles)
        self.update("\n".join(f"⚠ {t('incident.banner', title=title)}" for title in titles))
