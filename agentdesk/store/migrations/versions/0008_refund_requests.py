"""Refund requests waiting for a lead: found through small partial indexes over the timeline

Revision ID: 0008
Revises: 0007

A refund above the agent's authority is a `refund_request` timeline entry until a lead's
`refund_decision` names it (SPEC R4). The approval queue looks for requests without a decision;
these indexes hold only those two kinds of entries, so the queue does not scan the timeline.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


KINDS = ("refund_request", "refund_decision")


def upgrade() -> None:
    for kind in KINDS:
        op.execute(
            f"CREATE INDEX ix_ticket_event_{kind} ON ticket_event (ticket_id, at) "
            f"WHERE kind = '{kind}'"
        )


def downgrade() -> None:
    for kind in KINDS:
        op.execute(f"DROP INDEX ix_ticket_event_{kind}")
