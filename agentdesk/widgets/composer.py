"""The reply composer: a text area that checks the draft as the agent types.

Banned phrases are highlighted where they stand and unfilled placeholders (`{{...}}`) are
marked; the screen shows the findings under the composer and F3 puts the rule's positive
rewrite in place of the phrase at (or after) the cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from agentdesk.domain.phrase_check import Finding, RuleSet, unfilled

THEME = TextAreaTheme(
    name="agentdesk",
    syntax_styles={
        "banned": Style(color="bright_white", bgcolor="red3", bold=True, underline=True),
        "placeholder": Style(color="black", bgcolor="yellow"),
    },
)


class Composer(TextArea):
    """A TextArea whose highlights are the phrase check's findings (no syntax language)."""

    class Checked(Message):
        """The draft was checked: what was found (the screen shows it under the composer)."""

        def __init__(self, findings: list[Finding], holes: list[tuple[int, int, str]]) -> None:
            super().__init__()
            self.findings = findings
            self.holes = holes

    def __init__(self, rules: Callable[[], RuleSet | None], *, id: str | None = None) -> None:
        self._rules = rules
        self.findings: list[Finding] = []
        self.holes: list[tuple[int, int, str]] = []
        super().__init__(id=id, soft_wrap=True)
        self.register_theme(THEME)
        self.theme = THEME.name

    def _build_highlight_map(self) -> None:
        """Called by TextArea after every edit: check the draft and mark what was found."""
        self._line_cache.clear()
        self._highlights.clear()
        lines = self.document.lines
        text = "\n".join(lines)
        rules = self._rules()
        self.findings = rules.check(text) if rules is not None else []
        self.holes = unfilled(text)
        starts = _line_starts(lines)
        for finding in self.findings:
            self._mark(lines, starts, finding.start, finding.end, "banned")
        for start, end, _ in self.holes:
            self._mark(lines, starts, start, end, "placeholder")
        if self.is_mounted:
            self.post_message(self.Checked(self.findings, self.holes))

    def recheck(self) -> None:
        """Check again (the rules changed)."""
        self._build_highlight_map()
        self.refresh()

    def _mark(self, lines: list[str], starts: list[int], start: int, end: int, name: str) -> None:
        """Highlight [start, end) of the text, split by line, in UTF-8 byte columns."""
        for row, line in enumerate(lines):
            line_start, line_end = starts[row], starts[row] + len(line)
            lo, hi = max(start, line_start), min(end, line_end)
            if lo >= hi:
                continue
            first = len(line[: lo - line_start].encode())
            last = len(line[: hi - line_start].encode())
            self._highlights[row].append((first, last, name))

    def rewrite(self) -> Finding | None:
        """Put the rewrite in place of the finding at or after the cursor (else the first)."""
        if not self.findings:
            return None
        cursor = self._offset(self.cursor_location)
        finding = next((f for f in self.findings if f.end >= cursor), self.findings[0])
        start = self._location(finding.start)
        end = self._location(finding.end)
        self.replace(finding.rewrite, start, end)
        self.move_cursor(self._location(finding.start + len(finding.rewrite)))
        return finding

    def _offset(self, location: tuple[int, int]) -> int:
        row, column = location
        return sum(len(line) + 1 for line in self.document.lines[:row]) + column

    def _location(self, offset: int) -> tuple[int, int]:
        for row, line in enumerate(self.document.lines):
            if offset <= len(line):
                return row, offset
            offset -= len(line) + 1
        last = len(self.document.lines) - 1
        return last, len(self.document.lines[last])


def _line_starts(lines: list[str]) -> list[int]:
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return starts
