"""SLA clocks, escalation and the last good policy

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NO_DEADLINE_SORT = 9_000_000_000_000

EXTRA_SCHEMA = (
    "CREATE UNIQUE INDEX ux_ticket_clock_name ON ticket_clock (ticket_id, name)",
    # The escalation sweep: breaches not yet handled, oldest first.
    "CREATE INDEX ix_ticket_clock_unswept ON ticket_clock (breach_epoch) "
    "WHERE breach_epoch IS NOT NULL AND swept_cycle < cycle",
    "CREATE UNIQUE INDEX ux_escalation_fired ON escalation_fired (ticket_id, fire_key)",
    # The escalation queue and the follow-up owners' lists, in deadline order.
    "CREATE INDEX ix_ticket_queue_escalated ON ticket (due_sort) WHERE escalation_level > 0",
    "CREATE INDEX ix_ticket_queue_owner ON ticket (follow_up_owner_id, due_sort) "
    "WHERE follow_up_owner_id IS NOT NULL",
)


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite adds these in place, the ticket table is not rebuilt.
    op.add_column("ticket", sa.Column("due_clock", sa.String(), nullable=True))
    op.add_column(
        "ticket",
        sa.Column("warn_sort", sa.Integer(), nullable=False, server_default=str(NO_DEADLINE_SORT)),
    )
    op.add_column(
        "ticket", sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("ticket", sa.Column("follow_up_owner_id", sa.String(), nullable=True))
    op.create_table(
        "ticket_clock",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("calendar", sa.String(), nullable=False),
        sa.Column("target_s", sa.Integer(), nullable=False),
        sa.Column("used_s", sa.Integer(), nullable=False),
        sa.Column("started_epoch", sa.Integer(), nullable=True),
        sa.Column("due_epoch", sa.Integer(), nullable=True),
        sa.Column("warn_epoch", sa.Integer(), nullable=True),
        sa.Column("stopped_epoch", sa.Integer(), nullable=True),
        sa.Column("breach_epoch", sa.Integer(), nullable=True),
        sa.Column("swept_cycle", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_table(
        "escalation_fired",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("fire_key", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_table(
        "policy_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("files_json", sa.String(), nullable=False),
        sa.Column("loaded_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for statement in EXTRA_SCHEMA:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("policy_snapshot")
    op.drop_table("escalation_fired")
    op.drop_table("ticket_clock")
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue_escalated")
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue_owner")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("follow_up_owner_id")
        batch.drop_column("escalation_level")
        batch.drop_column("warn_sort")
        batch.drop_column("due_clock")
