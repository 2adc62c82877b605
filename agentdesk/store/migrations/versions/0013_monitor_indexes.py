"""The supervisor monitor's figures from the indexes alone

Revision ID: 0013
Revises: 0012

The monitor counts open / unassigned / at risk / breached per team and open tickets per agent
every few seconds: a partial index over the open tickets only (a few per cent of a large
store) carries every column those counts read. "Handled today" counts the tickets resolved
since local midnight: an index on resolution time reads only today's.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NO_DEADLINE_SORT = 9_000_000_000_000  # agentdesk.domain.deadlines: finished tickets sort last


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_ticket_monitor_open ON ticket "
        "(team_id, assignee_id, due_sort, warn_sort, escalation_level) "
        f"WHERE due_sort < {NO_DEADLINE_SORT}"
    )
    op.execute(
        "CREATE INDEX ix_ticket_resolved ON ticket (resolved_at, assignee_id) "
        "WHERE resolved_at IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_ticket_monitor_open")
    op.execute("DROP INDEX IF EXISTS ix_ticket_resolved")
