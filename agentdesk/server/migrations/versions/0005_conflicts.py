"""Conflicts as data (sync_conflict, synced to the ticket's team); mutation receipts found by
their uuid (an edit pushed again under a new client id is recognised)

Revision ID: s0005
Revises: s0004
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("intent", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("losing_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("note_event_id", sa.String(), nullable=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_conflict_ticket_id", "sync_conflict", ["ticket_id"])
    op.create_index("ix_mutation_receipt_mutation_uuid", "mutation_receipt", ["mutation_uuid"])


def downgrade() -> None:
    op.drop_index("ix_mutation_receipt_mutation_uuid", table_name="mutation_receipt")
    op.drop_index("ix_sync_conflict_ticket_id", table_name="sync_conflict")
    op.drop_table("sync_conflict")
