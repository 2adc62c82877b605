"""Conflicts pulled from the server (design/SYNC.md: conflicts are data)

Revision ID: 0007
Revises: 0006

The server records every edit it refused on a ticket — one that lost a race, or one that can
never apply — and syncs it to the ticket's team. `seen_at` is local: when this console's agent
opened the conflicts list after it arrived; the outbox gets the same for the edits of this
console the server refused.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("mutation_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
        sa.Column("losing_text", sa.String(), nullable=False, server_default=""),
        sa.Column("note_event_id", sa.String(), nullable=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("seen_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_conflict_ticket_id", "sync_conflict", ["ticket_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("seen_at", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("seen_at")
    op.drop_index("ix_sync_conflict_ticket_id", table_name="sync_conflict")
    op.drop_table("sync_conflict")
