"""A live countdown to one deadline: remaining = due − now(), recomputed on every tick.

State shows as a CSS class (-ok, -warning, -breached, -stopped) so the theme colours it; a
paused or stopped clock shows why instead of a countdown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.widgets import Static

from agentdesk.domain.deadlines import DeadlineState, deadline_state, format_remaining
from agentdesk.i18n import t

STATE_CLASSES = ("-ok", "-warning", "-breached", "-stopped")


class SlaCountdown(Static):
    DEFAULT_CSS = """
    SlaCountdown { width: auto; padding: 0 1; }
    SlaCountdown.-ok { color: $success; }
    SlaCountdown.-warning { color: $warning; text-style: bold; }
    SlaCountdown.-breached { background: $error; color: $text; text-style: bold; }
    SlaCountdown.-stopped { color: $text-muted; }
    """

    def __init__(
        self,
        caption: str,
        now: Callable[[], datetime],
        due: datetime | None = None,
        *,
        warn_at: datetime | None = None,
        stopped_reason: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.caption = caption
        self._now = now
        self.due = due
        self.warn_at = warn_at
        self.stopped_reason = stopped_reason
        self._shown = ""

    def on_mount(self) -> None:
        self.tick()

    def set_deadline(
        self,
        due: datetime | None,
        stopped_reason: str | None = None,
        warn_at: datetime | None = None,
        caption: str | None = None,
    ) -> None:
        self.due = due
        self.warn_at = warn_at
        self.stopped_reason = stopped_reason
        self.caption = caption or self.caption
        self.tick()

    @property
    def state(self) -> str:
        """The CSS state shown: ok, warning, breached or stopped."""
        for css in STATE_CLASSES:
            if self.has_class(css):
                return css[1:]
        return "stopped"

    def tick(self) -> None:
        if self.due is None or self.stopped_reason is not None:
            reason = self.stopped_reason or "—"
            self._show("-stopped", t("countdown.stopped", caption=self.caption, reason=reason))
            return
        now = self._now()
        state = deadline_state(self.due, now, self.warn_at)
        remaining = format_remaining(self.due - now)
        if state is DeadlineState.BREACHED:
            text = t("countdown.overdue", caption=self.caption, remaining=remaining)
        else:
            text = t("countdown.left", caption=self.caption, remaining=remaining)
        self._show(f"-{state.value}", text)

    def _show(self, css_class: str, text: str) -> None:
        """Change what is shown only when it changed (a tick is usually a no-op)."""
        if self.has_class(css_class) and text == self._shown:
            return
        self._shown = text
        self.set_class(True, css_class)
        self.remove_class(*(c for c in STATE_CLASSES if c != css_class))
        self.update(text)
