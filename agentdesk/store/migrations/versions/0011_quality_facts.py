"""Quality measures: each ticket's facts, and their sums per day, team, agent and category

Revision ID: 0011
Revises: 0010

A report over a million tickets cannot replay a million timelines, nor sum a million rows in
time, so the measures read sums (agentdesk.store.metrics_query):
- ticket_quality: one row per ticket (rowid = ticket.pk), derived from its timeline and clocks;
- quality_cell*: the sums of those rows per (local creation day, team, agent, category), with
  per-clock outcomes, a first-response histogram and root causes beside them (the histogram
  also per day and team: a report by team or period reads far fewer rows);
- quality_dirty: tickets whose row changed since their facts were derived, marked by triggers,
  so every writer (console, sync, imports) keeps the facts honest without knowing about them.
Tickets with no facts yet (new rows) are found by count; see metrics_query.refresh.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CELL = "day TEXT NOT NULL, team_id TEXT NOT NULL, agent_id TEXT NOT NULL, category TEXT NOT NULL"
CELL_KEY = "day, team_id, agent_id, category"

STATEMENTS = (
    "CREATE TABLE ticket_quality ("
    "pk INTEGER PRIMARY KEY, "
    f"{CELL}, "
    "created_epoch INTEGER NOT NULL, is_open INTEGER NOT NULL, resolved INTEGER NOT NULL, "
    "first_contact INTEGER NOT NULL, reopened INTEGER NOT NULL, transferred INTEGER NOT NULL, "
    "escalated INTEGER NOT NULL, first_response_s INTEGER, handling_s INTEGER, csat INTEGER, "
    "root_cause TEXT, clocks_json TEXT NOT NULL DEFAULT '{}', recheck_epoch INTEGER)",
    f"CREATE INDEX ix_ticket_quality_cell ON ticket_quality ({CELL_KEY})",
    "CREATE INDEX ix_ticket_quality_recheck ON ticket_quality (recheck_epoch) "
    "WHERE recheck_epoch IS NOT NULL",
    "CREATE TABLE quality_cell ("
    f"{CELL}, "
    "tickets INTEGER NOT NULL, open INTEGER NOT NULL, open_created_sum INTEGER NOT NULL, "
    "resolved INTEGER NOT NULL, first_contact INTEGER NOT NULL, reopened INTEGER NOT NULL, "
    "transferred INTEGER NOT NULL, escalated INTEGER NOT NULL, complaints INTEGER NOT NULL, "
    "responded INTEGER NOT NULL, response_s_sum INTEGER NOT NULL, handled INTEGER NOT NULL, "
    "handling_s_sum INTEGER NOT NULL, csat_n INTEGER NOT NULL, csat_sum INTEGER NOT NULL, "
    "open_created_min INTEGER, "
    f"PRIMARY KEY ({CELL_KEY})) WITHOUT ROWID",
    f"CREATE TABLE quality_cell_clock ({CELL}, clock TEXT NOT NULL, met INTEGER NOT NULL, "
    f"missed INTEGER NOT NULL, PRIMARY KEY ({CELL_KEY}, clock)) WITHOUT ROWID",
    f"CREATE TABLE quality_cell_response ({CELL}, bucket INTEGER NOT NULL, n INTEGER NOT NULL, "
    f"PRIMARY KEY ({CELL_KEY}, bucket)) WITHOUT ROWID",
    # the same histogram per day and team only: what reports by team or period read
    "CREATE TABLE quality_day_response (day TEXT NOT NULL, team_id TEXT NOT NULL, "
    "bucket INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, team_id, bucket)) "
    "WITHOUT ROWID",
    f"CREATE TABLE quality_cell_cause ({CELL}, cause TEXT NOT NULL, n INTEGER NOT NULL, "
    f"PRIMARY KEY ({CELL_KEY}, cause)) WITHOUT ROWID",
    "CREATE TABLE quality_dirty (pk INTEGER PRIMARY KEY)",
    "CREATE TABLE quality_state (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL)",
    "CREATE TRIGGER ticket_quality_changed AFTER UPDATE ON ticket "
    "BEGIN INSERT INTO quality_dirty (pk) SELECT NEW.pk "
    "WHERE NOT EXISTS (SELECT 1 FROM quality_dirty WHERE pk = NEW.pk); END",
    "CREATE TRIGGER ticket_quality_removed AFTER DELETE ON ticket "
    "BEGIN INSERT INTO quality_dirty (pk) SELECT OLD.pk "
    "WHERE NOT EXISTS (SELECT 1 FROM quality_dirty WHERE pk = OLD.pk); END",
)
TABLES = (
    "ticket_quality", "quality_cell", "quality_cell_clock", "quality_cell_response",
    "quality_day_response", "quality_cell_cause", "quality_dirty", "quality_state",
)  # fmt: skip


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS ticket_quality_changed")
    op.execute("DROP TRIGGER IF EXISTS ticket_quality_removed")
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
