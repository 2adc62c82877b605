"""Which row an imported record became, by its source's key (as the store's 0012)

Revision ID: s0008
Revises: s0007
"""

import sqlalchemy as sa
from alembic import op

revision = "s0008"
down_revision = "s0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_key",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "source", "key"),
    )


def downgrade() -> None:
    op.drop_table("import_key")
