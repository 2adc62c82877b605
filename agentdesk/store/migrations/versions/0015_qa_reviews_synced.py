"""QA reviews sync with the server (its s0009): keyed by `id` like every synced entity

Revision ID: 0015
Revises: 0014

A review's id is its ticket's id (a ticket is reviewed once). The reference to the ticket goes:
a pulled review may come before its ticket in a first download, and a review stays readable
while the server still holds it.
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    "agent_id, drawn_at, drawn_by, period_since, period_until, seed, scored_at, scorer_id, "
    "tone, professionalism, efficiency, compliance, comment"
)


def upgrade() -> None:
    op.execute("ALTER TABLE qa_review RENAME TO qa_review_0014")
    op.execute(
        "CREATE TABLE qa_review ("
        "id VARCHAR PRIMARY KEY, ticket_id VARCHAR NOT NULL UNIQUE, "
        "agent_id VARCHAR NOT NULL, "
        "drawn_at VARCHAR NOT NULL, drawn_by VARCHAR, "
        "period_since VARCHAR NOT NULL, period_until VARCHAR NOT NULL, seed INTEGER NOT NULL, "
        "scored_at VARCHAR, scorer_id VARCHAR, "
        "tone INTEGER, professionalism INTEGER, efficiency INTEGER, compliance INTEGER, "
        "comment VARCHAR NOT NULL DEFAULT '')"
    )
    op.execute(
        f"INSERT INTO qa_review (id, ticket_id, {COLUMNS}) "
        f"SELECT ticket_id, ticket_id, {COLUMNS} FROM qa_review_0014"
    )
    op.execute("DROP TABLE qa_review_0014")
    op.execute("CREATE INDEX ix_qa_review_agent ON qa_review (agent_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_qa_review_agent")
    op.execute("ALTER TABLE qa_review RENAME TO qa_review_0015")
    op.execute(
        "CREATE TABLE qa_review ("
        "ticket_id VARCHAR PRIMARY KEY REFERENCES ticket (id), "
        "agent_id VARCHAR NOT NULL, "
        "drawn_at VARCHAR NOT NULL, drawn_by VARCHAR, "
        "period_since VARCHAR NOT NULL, period_until VARCHAR NOT NULL, seed INTEGER NOT NULL, "
        "scored_at VARCHAR, scorer_id VARCHAR, "
        "tone INTEGER, professionalism INTEGER, efficiency INTEGER, compliance INTEGER, "
        "comment VARCHAR NOT NULL DEFAULT '')"
    )
    op.execute(
        f"INSERT INTO qa_review (ticket_id, {COLUMNS}) SELECT ticket_id, {COLUMNS} "
        "FROM qa_review_0015"
    )
    op.execute("DROP TABLE qa_review_0015")
    op.execute("CREATE INDEX ix_qa_review_agent ON qa_review (agent_id)")
