"""QA reviews (R8): tickets drawn for a lead's review, and their scores

Revision ID: 0014
Revises: 0013

One row per sampled ticket (a ticket is reviewed once); the score columns stay empty until a
lead scores it. Which draw it came from (period, seed, who drew it) is kept for the record.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    op.execute("CREATE INDEX ix_qa_review_agent ON qa_review (agent_id)")


def downgrade() -> None:
    op.execute("DROP TABLE qa_review")
