"""Always-visible line: who is signed in, queue figures, edits waiting to sync, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from textual.widgets import Static

from agentdesk.domain.model import Role
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
        link: Callable[[], Any] = lambda: None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.agent = agent
        self.team_name = team_name
        self._now = now
        self._zone = zone
        self._figures = figures
        self._link = link
        self._shown = ""

    def on_mount(self) -> None:
        self.tick()

    async def on_click(self) -> None:
        """A click on the bar opens the conflicts list (F6)."""
        await self.app.run_action("conflicts")

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
        if self.agent.role is Role.SUPERVISOR:
            who += " · " + t("statusbar.read_only")
        figures = self._figures()
        counts = t("statusbar.counts", mine=figures.mine, unassigned=figures.unassigned)
        sla = t("statusbar.sla", at_risk=figures.at_risk, breached=figures.breached)
        outbox = t("statusbar.outbox", pending=figures.pending)
        if figures.conflicts:
            outbox += " · " + t("statusbar.conflicts", count=figures.conflicts)
        parts = [who, counts, sla, outbox, self._link_text(), clock]
        return "  │  ".join(part for part in parts if part)

    def _link_text(self) -> str:
        state = self._link()
        if state is None:
            return ""
        if state.online is None:
            return t("statusbar.connecting")
        if state.online:
            at = state.last_sync.astimezone(self._zone).strftime("%H:%M")
            return t("statusbar.online", at=at)
        return t("statusbar.offline")
