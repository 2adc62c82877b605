"""Alembic environment of the server: runs on the connection handed in by server.db.upgrade."""

from __future__ import annotations

from alembic import context

from agentdesk.server.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `agentdesk server upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
