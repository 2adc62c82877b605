"""Always-visible line: who is signed in, queue figures, edits waiting to sync, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from textual.widgets import Static

from agentdesk.domain.records import AgentRecord
from agentdesk.i18n import label, t
from agentdesk.store.queue_query import QueueFigures


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(
        self,
        agent: AgentRecord,
        team_name: str,
        now: Callable[[], datetime],
        zone: tzinfo,
        figures: Callable[[], QueueFigures],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.agent = agent
        self.team_name = team_name
        self._now = now
        self._zone = zone
        self._figures = figures
        self._shown = ""

    def on_mount(self) -> None:
        self.tick()

    def tick(self) -> None:
        """Repaint when the text changed: the minute turned or the figures moved."""
        text = self.render_text()
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)  # one line, fixed height: nothing to lay out

    def render_text(self) -> str:
        clock = self._now().astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
        who = t(
            "statusbar.signed_in",
            name=self.agent.display_name,
            role=label("role", self.agent.role.value),
            team=self.team_name,
        )
        figures = self._figures()
        counts = t("statusbar.counts", mine=figures.mine, unassigned=figures.unassigned)
        sla = t("statusbar.sla", at_risk=figures.at_risk, breached=figures.breached)
        outbox = t("statusbar.outbox", pending=figures.pending)
        return f"{who}  │  {counts}  │  {sla}  │  {outbox}  │  {clock}"
