"""The server database's tables (SQLAlchemy Core; Alembic migrations in ./migrations)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

team = sa.Table(
    "team",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("code", sa.String, nullable=False, unique=True),
    sa.Column("name_en", sa.String, nullable=False),
    sa.Column("name_zh", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
)

account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("username", sa.String, nullable=False, unique=True),
    sa.Column("display_name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("team_id", sa.String, sa.ForeignKey("team.id"), nullable=False),
    sa.Column("language", sa.String, nullable=False, server_default="zh-CN"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

session_token = sa.Table(
    "session_token",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("account.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)
