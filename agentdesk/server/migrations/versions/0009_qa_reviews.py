"""QA reviews (R8) on the server: drawn by leads, scored by leads, read by leads, supervisors
and admins on every console (as the store's 0014/0015)

Revision ID: s0009
Revises: s0008
"""

import sqlalchemy as sa
from alembic import op

revision = "s0009"
down_revision = "s0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_review",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("ticket_id", sa.String(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("agent_id", sa.String(), nullable=False),
        sa.Column("drawn_at", sa.String(), nullable=False),
        sa.Column("drawn_by", sa.String(), nullable=True),
        sa.Column("period_since", sa.String(), nullable=False),
        sa.Column("period_until", sa.String(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("scored_at", sa.String(), nullable=True),
        sa.Column("scorer_id", sa.String(), nullable=True),
        sa.Column("tone", sa.Integer(), nullable=True),
        sa.Column("professionalism", sa.Integer(), nullable=True),
        sa.Column("efficiency", sa.Integer(), nullable=True),
        sa.Column("compliance", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("qa_review")
