"""PostgreSQL: change_index in pull order (xid, seq), so a page reads its rows from an index
instead of scanning and sorting the whole change index on every pull

Revision ID: s0006
Revises: s0005
"""

from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None

NAME = "ix_change_index_xid_seq"


def upgrade() -> None:
    # SQLite pulls in seq order, its primary key; xid is always NULL there.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(NAME, "change_index", ["xid", "seq"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name="change_index")
