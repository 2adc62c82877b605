"""The phrase library, its use counts and the knowledge base

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _searchable(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        *columns,
        sa.Column("head_pinyin", sa.String(), nullable=False),
        sa.Column("head_initials", sa.String(), nullable=False),
        sa.Column("body_pinyin", sa.String(), nullable=False),
        sa.Column("body_initials", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )


def upgrade() -> None:
    _searchable(
        "phrase",
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("tags_json", sa.String(), nullable=False),
        sa.Column("teams_json", sa.String(), nullable=False),
        sa.Column("categories_json", sa.String(), nullable=False),
    )
    op.create_table(
        "phrase_use",
        sa.Column("phrase_id", sa.String(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("phrase_id"),
    )
    _searchable(
        "kb_article",
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("tags_json", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_article")
    op.drop_table("phrase_use")
    op.drop_table("phrase")
