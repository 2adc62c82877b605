"""Always-visible line: who is signed in, queue figures, edits waiting to sync, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from textual.reactive import reactive
from textual.widgets import Static

from agentdesk.domain.records import AgentRecord
from agentdesk.i18n import label, t


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { dock: bottom; height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    mine: reactive[int] = reactive(0)
    unassigned: reactive[int] = reactive(0)
    pending: reactive[int] = reactive(0)

    def __init__(
        self,
        agent: AgentRecord,
        team_name: str,
        now: Callable[[], datetime],
        zone: tzinfo,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.agent = agent
        self.team_name = team_name
        self._now = now
        self._zone = zone

    def on_mount(self) -> None:
        self.tick()

    def tick(self) -> None:
        self.update(self.render_text())

    def watch_mine(self) -> None:
        self.tick()

    def watch_unassigned(self) -> None:
        self.tick()

    def watch_pending(self) -> None:
        self.tick()

    def render_text(self) -> str:
        clock = self._now().astimezone(self._zone).strftime("%Y-%m-%d %H:%M:%S")
        who = t(
            "statusbar.signed_in",
            name=self.agent.display_name,
            role=label("role", self.agent.role.value),
            team=self.team_name,
        )
        counts = t("statusbar.counts", mine=self.mine, unassigned=self.unassigned)
        outbox = t("statusbar.outbox", pending=self.pending)
        return f"{who}  │  {counts}  │  {outbox}  │  {clock}"
