"""The status bar's figures from the index alone

Revision ID: 0003
Revises: 0002

The assignee's queue index also carries warn_sort, so "mine, at risk, breached" is counted
without reading one ticket row (the status bar recounts it every few seconds).
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue_assignee")
    op.execute("CREATE INDEX ix_ticket_queue_assignee ON ticket (assignee_id, due_sort, warn_sort)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue_assignee")
    op.execute("CREATE INDEX ix_ticket_queue_assignee ON ticket (assignee_id, due_sort)")
