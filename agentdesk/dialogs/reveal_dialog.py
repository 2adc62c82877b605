"""Reveal a customer's masked details: a reason is required and the reveal is logged (R12)."""

from __future__ import annotations

from agentdesk.dialogs.base import ReasonDialog
from agentdesk.i18n import t


class RevealDialog(ReasonDialog):
    def __init__(self, customer_name: str) -> None:
        super().__init__(
            t("dialog.reveal_title", name=customer_name),
            t("dialog.reveal_reason"),
            t("dialog.reveal_hint"),
        )
        self.customer_name = customer_name
