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

# -- the synced data (the client store's tables, as the server holds them) -------------------------

customer = sa.Table(
    "customer",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("phone", sa.String, nullable=False, server_default=""),
    sa.Column("email", sa.String, nullable=False, server_default=""),
    sa.Column("address", sa.String, nullable=False, server_default=""),
    sa.Column("tier", sa.String, nullable=False, server_default="standard"),
    sa.Column("external_id", sa.String, nullable=True, unique=True),
    sa.Column("created_at", sa.String, nullable=False),
)

product = sa.Table(
    "product",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("sku", sa.String, nullable=False, unique=True),
    sa.Column("name_en", sa.String, nullable=False),
    sa.Column("name_zh", sa.String, nullable=False),
    sa.Column("line", sa.String, nullable=False),
)

customer_order = sa.Table(
    "customer_order",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("number", sa.String, nullable=False, unique=True),
    sa.Column("customer_id", sa.String, nullable=False, index=True),
    sa.Column("product_id", sa.String, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("ordered_at", sa.String, nullable=False),
)

ticket = sa.Table(
    "ticket",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("number", sa.String, nullable=False, unique=True),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("description", sa.String, nullable=False),
    sa.Column("customer_request", sa.String, nullable=False, server_default=""),
    sa.Column("customer_id", sa.String, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("product_id", sa.String, nullable=True),
    sa.Column("order_id", sa.String, nullable=True),
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("complaint_level", sa.String, nullable=True),
    sa.Column("priority", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("team_id", sa.String, sa.ForeignKey("team.id"), nullable=True),
    sa.Column("assignee_id", sa.String, nullable=True),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("updated_at", sa.String, nullable=False),
    sa.Column("resolved_at", sa.String, nullable=True),
    sa.Column("resolution", sa.String, nullable=True),
    sa.Column("root_cause", sa.String, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("follow_up_owner_id", sa.String, nullable=True),
)

ticket_event = sa.Table(
    "ticket_event",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("ticket_id", sa.String, sa.ForeignKey("ticket.id"), nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("actor_id", sa.String, nullable=True),
    sa.Column("at", sa.String, nullable=False),
    sa.Column("body", sa.String, nullable=False, server_default=""),
    sa.Column("data_json", sa.String, nullable=False, server_default="{}"),
)

incident = sa.Table(
    "incident",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("description", sa.String, nullable=False, server_default=""),
    sa.Column("status", sa.String, nullable=False, server_default="open"),  # open | closed
    sa.Column("opened_at", sa.String, nullable=False),
    sa.Column("opened_by", sa.String, nullable=False),
    sa.Column("closed_at", sa.String, nullable=True),
    sa.Column("closed_by", sa.String, nullable=True),
)

qa_review = sa.Table(
    "qa_review",  # R8: a ticket drawn for a lead's QA review (id = the ticket's id), its score
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("ticket_id", sa.String, sa.ForeignKey("ticket.id"), nullable=False),
    sa.Column("agent_id", sa.String, nullable=False),
    sa.Column("drawn_at", sa.String, nullable=False),
    sa.Column("drawn_by", sa.String, nullable=True),
    sa.Column("period_since", sa.String, nullable=False),
    sa.Column("period_until", sa.String, nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("scored_at", sa.String, nullable=True),
    sa.Column("scorer_id", sa.String, nullable=True),
    sa.Column("tone", sa.Integer, nullable=True),
    sa.Column("professionalism", sa.Integer, nullable=True),
    sa.Column("efficiency", sa.Integer, nullable=True),
    sa.Column("compliance", sa.Integer, nullable=True),
    sa.Column("comment", sa.String, nullable=False, server_default=""),
)

# -- server-only records ---------------------------------------------------------------------------

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.String, nullable=True),  # None: the system
    sa.Column("action", sa.String, nullable=False),  # pii_reveal | phrase_override
    sa.Column("target", sa.String, nullable=False, index=True),  # customer:<id> | event:<id>
    sa.Column("reason", sa.Text, nullable=False),
)

# -- change tracking and the pull cursor (design/SYNC.md) -----------------------------------------

change_index = sa.Table(
    "change_index",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("entity_type", sa.String, nullable=False),
    sa.Column("entity_id", sa.String, nullable=False),
    sa.Column("scope", sa.String, nullable=False),
    sa.Column("op", sa.String, nullable=False),  # upsert | delete | remove
    sa.Column("xid", sa.BigInteger, nullable=True),  # PostgreSQL: the writing transaction
    sa.UniqueConstraint("entity_type", "entity_id", "scope", name="ux_change_entity_scope"),
    # SQLite: AUTOINCREMENT, or a change re-recorded right after the newest one (its row deleted,
    # a new one inserted) would take the freed seq again, at or below a cursor: never delivered.
    sqlite_autoincrement=True,
)
# PostgreSQL pulls in (xid, seq) order: pages read from this index (migration s0006).
sa.Index("ix_change_index_xid_seq", change_index.c.xid, change_index.c.seq).ddl_if(
    dialect="postgresql"
)

import_key = sa.Table(
    "import_key",
    metadata,
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("source", sa.String, primary_key=True),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("id", sa.String, nullable=False),
)

server_meta = sa.Table(
    "server_meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)

sync_client = sa.Table(
    "sync_client",
    metadata,
    sa.Column("client_id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, nullable=False),
    sa.Column("last_mutation_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

mutation_receipt = sa.Table(
    "mutation_receipt",
    metadata,
    sa.Column("client_id", sa.String, primary_key=True),
    sa.Column("mutation_id", sa.BigInteger, primary_key=True),
    sa.Column("mutation_uuid", sa.String, nullable=False, index=True),
    sa.Column("account_id", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("args_json", sa.Text, nullable=False),  # kept even when rejected
    sa.Column("status", sa.String, nullable=False),  # applied|rejected|conflict|duplicate
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# -- conflicts: data, synced to the ticket's team (design/SYNC.md) --------------------------------

sync_conflict = sa.Table(
    "sync_conflict",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("ticket_id", sa.String, nullable=True, index=True),
    sa.Column("account_id", sa.String, nullable=False),  # whose edit lost
    sa.Column("client_id", sa.String, nullable=False),
    sa.Column("mutation_id", sa.BigInteger, nullable=False),
    sa.Column("intent", sa.String, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),  # conflict | rejected
    sa.Column("detail", sa.Text, nullable=False, server_default=""),  # what won, or why
    sa.Column("losing_text", sa.Text, nullable=False, server_default=""),
    sa.Column("note_event_id", sa.String, nullable=True),  # where the losing text went
    sa.Column("at", sa.String, nullable=False),
)
