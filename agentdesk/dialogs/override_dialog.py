"""Send a reply as written although a rule asks for a rewrite: a reason is required, and it is
logged on the reply and in the audit log (rules whose action is `override`)."""

from __future__ import annotations

from agentdesk.dialogs.base import ReasonDialog
from agentdesk.domain.phrase_check import Finding
from agentdesk.i18n import t


class OverrideDialog(ReasonDialog):
    def __init__(self, findings: list[Finding]) -> None:
        lines = [
            t("check.finding", phrase=f.text, reason=f.rule.reason, rewrite=f.rewrite)
            for f in findings
        ]
        super().__init__(
            t("dialog.override_title"),
            t("dialog.override_reason"),
            t("dialog.override_hint"),
            "\n".join(lines),
        )
        self.findings = findings
