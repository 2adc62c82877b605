"""Scoring one ticket under QA review (R8): the replies the customer received, each with the
banned phrases found in it, above four 1–5 scores and a comment."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Select, Static, TextArea

from agentdesk.dialogs.base import Dialog
from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.qa import DIMENSIONS, SCORE_RANGE, QaScore
from agentdesk.i18n import t


class QaScoreDialog(Dialog[QaScore | None]):
    DEFAULT_CSS = """
    QaScoreDialog > .dialog-box { width: 110; }
    QaScoreDialog #qa-replies { height: 14; border: round $panel; margin-bottom: 1; }
    QaScoreDialog .qa-finding { color: $warning; }
    QaScoreDialog #qa-scores { height: auto; }
    QaScoreDialog #qa-scores Vertical { width: 1fr; height: auto; }
    QaScoreDialog #qa-comment { height: 4; }
    """

    def __init__(
        self, title: str, replies: list[tuple[str, str, list[str]]], current: QaScore | None
    ) -> None:
        """`replies`: (when, text, findings) of each reply the customer received."""
        super().__init__()
        self.title_text, self.replies, self.current = title, replies, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="qa-replies"):
                if not self.replies:
                    yield Static(t("qa.no_replies"), markup=False)
                for when, text, findings in self.replies:
                    yield Static(f"{when}  {text}", markup=False)
                    for finding in findings:
                        yield Static(f"  {finding}", classes="qa-finding", markup=False)
            with Horizontal(id="qa-scores"):
                for name in DIMENSIONS:
                    with Vertical():
                        yield Label(t(f"qa.{name}"))
                        yield Select(
                            _choices(),
                            id=f"qa-{name}",
                            prompt=t("qa.type_digit"),
                            value=self._value(name),
                        )
            yield Label(t("qa.comment"))
            yield TextArea(
                self.current.comment if self.current else "", id="qa-comment", soft_wrap=True
            )
            yield Static(classes="dialog-error", markup=False)
            yield Static(t("dialog.confirm_hint"), classes="dialog-hint", markup=False)

    def _value(self, name: str) -> object:
        return getattr(self.current, name) if self.current else Select.NULL

    def on_mount(self) -> None:
        self.query_one(f"#qa-{DIMENSIONS[0]}", Select).focus()

    def on_key(self, event: events.Key) -> None:
        """On a score, typing its digit chooses it and moves on: 4 5 3 5, then the comment."""
        focused = self.focused
        low, high = SCORE_RANGE
        if (
            isinstance(focused, Select)
            and not focused.expanded
            and event.character
            and (event.character.isdigit() and low <= int(event.character) <= high)
        ):
            focused.value = int(event.character)
            event.stop()
            self.focus_next()

    def action_confirm(self) -> None:
        values = {}
        for name in DIMENSIONS:
            select = self.query_one(f"#qa-{name}", Select)
            if select.value is Select.NULL:
                self.show_error(t("error.required", field=t(f"qa.{name}")))
                select.focus()
                return
            values[name] = int(str(select.value))
        try:
            score = QaScore(**values, comment=self.query_one(TextArea).text.strip())
        except ValidationFailed as refused:
            self.show_error(refused.message())
            return
        self.dismiss(score)


def _choices() -> list[tuple[str, int]]:
    low, high = SCORE_RANGE
    return [(str(n), n) for n in range(low, high + 1)]
