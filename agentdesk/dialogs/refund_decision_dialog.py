"""A lead's decision on a refund above an agent's authority (R4): approve or decline, with a
note the agent reads on the timeline."""

from __future__ import annotations

from agentdesk.dialogs.review_dialog import DecisionDialog
from agentdesk.domain.authority import format_yuan
from agentdesk.i18n import t
from agentdesk.store.refund_query import PendingRefund


def refund_decision_dialog(pending: PendingRefund) -> DecisionDialog:
    body = t(
        "dialog.refund_decision_request",
        number=pending.ticket_number,
        amount=format_yuan(pending.amount_cents),
        who=pending.requested_by,
        reason=pending.reason,
    )
    return DecisionDialog(t("dialog.refund_decision_title"), t("dialog.refund_decision_note"), body)
