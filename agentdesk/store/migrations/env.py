"""Alembic environment: runs on the connection handed in by agentdesk.store.database.upgrade."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import agentdesk.store.tables  # noqa: F401  (registers the tables on the metadata)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `agentdesk db upgrade`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
