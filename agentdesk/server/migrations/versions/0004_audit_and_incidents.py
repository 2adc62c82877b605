"""The audit log (PII reveals, phrase overrides) and major incidents; on SQLite, change_index
seqs are never reused (AUTOINCREMENT)

Revision ID: s0004
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None


def _change_index(name: str, autoincrement: bool) -> None:
    op.create_table(
        name,
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entity_type", "entity_id", "scope", name="ux_change_entity_scope"),
        sqlite_autoincrement=autoincrement,
    )


def _rebuild_change_index(autoincrement: bool) -> None:
    """SQLite only. Without AUTOINCREMENT a rowid freed at the top is handed out again, and
    recording a change deletes the entity's row and inserts a new one: a change made right
    after a pull could take a seq at or below the client's cursor and never be delivered.
    (PostgreSQL's sequence never reuses a value.)"""
    columns = "seq, entity_type, entity_id, scope, op, xid"
    _change_index("change_index_rebuilt", autoincrement)
    op.execute(f"INSERT INTO change_index_rebuilt ({columns}) SELECT {columns} FROM change_index")
    op.drop_table("change_index")
    op.rename_table("change_index_rebuilt", "change_index")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_change_index(autoincrement=True)
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_table(
        "incident",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False, server_default=""),
        sa.Column("status", sa.String(), nullable=False, server_default="open"),
        sa.Column("opened_at", sa.String(), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("closed_at", sa.String(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("incident")
    op.drop_index("ix_audit_log_target", table_name="audit_log")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_change_index(autoincrement=False)
