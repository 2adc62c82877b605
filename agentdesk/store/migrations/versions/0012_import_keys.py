"""Which local row an imported record became, by its source's key

Revision ID: 0012
Revises: 0011

Teams and agents are matched by code and user name when they already exist, so the id a Zendesk
group or user got cannot be computed from the source's key alone: this table remembers it, and
a later file (users naming their group, tickets naming their assignee) finds the row again.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE import_key (kind VARCHAR NOT NULL, source VARCHAR NOT NULL, "
        "key VARCHAR NOT NULL, id VARCHAR NOT NULL, PRIMARY KEY (kind, source, key)) WITHOUT ROWID"
    )


def downgrade() -> None:
    op.execute("DROP TABLE import_key")
