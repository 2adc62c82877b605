"""Command palette provider: the console's actions, found by name in the current language."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from agentdesk.i18n import t

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp


class ConsoleCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: AgentDeskApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (t("cmd.help"), t("cmd.help_help"), app.action_help),
            (t("cmd.open_ticket"), t("cmd.open_ticket_help"), app.action_find_ticket),
        ]
        if app.monitor is not None:  # the monitor has no queue under it, and reads only
            return commands
        if app.can_write():
            commands += [
                (t("cmd.new_ticket"), t("cmd.new_ticket_help"), app.open_intake),
                (t("cmd.reload_policy"), t("cmd.reload_policy_help"), app.install_policy),
                (t("cmd.run_escalation"), t("cmd.run_escalation_help"), app.sweep_escalations),
            ]
        for view in ("mine", "team", "unassigned", "all", "at_risk", "breached", "escalated"):
            commands.append(
                (
                    t("cmd.view", view=t(f"view.{view}")),
                    t("cmd.view_help"),
                    partial(app.show_queue_view, view),
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
