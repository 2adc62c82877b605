"""QA reviews sync with the server (its s0009): keyed by `id` like every synced entity

Revision ID: 0015
Revises: 0014

A review's id is its ticket's id (a ticket is reviewed once). The reference to the ticket goes:
a pulled review may come before its ticket in a first download, and a review stays readable
while the server still holds it.

Reviews drawn and scored before they synced are queued for the server (qa.draw.v1, and
qa.score.v1 for a scored one), as if drawn now: the next sync pushes them before it pulls, so a
reset of the console's synced data (the new `qa` scope changes a lead's scopes) loses none.
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    "agent_id, drawn_at, drawn_by, period_since, period_until, seed, scored_at, scorer_id, "
    "tone, professionalism, efficiency, compliance, comment"
)
COLUMNS_DDL = (  # the columns after the key, the same in 0014's table and this one
    "agent_id VARCHAR NOT NULL, "
    "drawn_at VARCHAR NOT NULL, drawn_by VARCHAR, "
    "period_since VARCHAR NOT NULL, period_until VARCHAR NOT NULL, seed INTEGER NOT NULL, "
    "scored_at VARCHAR, scorer_id VARCHAR, "
    "tone INTEGER, professionalism INTEGER, efficiency INTEGER, compliance INTEGER, "
    "comment VARCHAR NOT NULL DEFAULT ''"
)


def upgrade() -> None:
    op.execute("ALTER TABLE qa_review RENAME TO qa_review_0014")
    op.execute(
        "CREATE TABLE qa_review ("
        f"id VARCHAR PRIMARY KEY, ticket_id VARCHAR NOT NULL UNIQUE, {COLUMNS_DDL})"
    )
    op.execute(
        f"INSERT INTO qa_review (id, ticket_id, {COLUMNS}) "
        f"SELECT ticket_id, ticket_id, {COLUMNS} FROM qa_review_0014"
    )
    op.execute("DROP TABLE qa_review_0014")
    op.execute("CREATE INDEX ix_qa_review_agent ON qa_review (agent_id)")
    _queue_earlier_reviews(op.get_bind())


def _queue_earlier_reviews(conn: sa.Connection) -> None:
    reviews = conn.execute(
        sa.text(
            "SELECT id, drawn_at, period_since, period_until, seed, scored_at, tone, "
            "professionalism, efficiency, compliance, comment FROM qa_review ORDER BY drawn_at, id"
        )
    ).all()
    if not reviews:
        return
    conn.execute(
        sa.text(
            "INSERT OR IGNORE INTO sync_state (id, client_id, next_mutation_id, acked_mutation_id, "
            "protocol_version, schema_version) VALUES (1, :client, 1, 0, 1, '0015')"
        ),
        {"client": str(uuid.uuid4())},
    )
    next_id = conn.execute(sa.text("SELECT next_mutation_id FROM sync_state WHERE id = 1")).scalar()
    queued = []
    for r in reviews:
        draw = {"ticket_id": r.id, "period_since": r.period_since,
                "period_until": r.period_until, "seed": r.seed}  # fmt: skip
        queued.append(("qa.draw.v1", draw, r.id, r.drawn_at))
        if r.scored_at is not None:
            score = {"ticket_id": r.id, "tone": r.tone, "professionalism": r.professionalism,
                     "efficiency": r.efficiency, "compliance": r.compliance,
                     "comment": r.comment}  # fmt: skip
            queued.append(("qa.score.v1", score, r.id, r.scored_at))
    rows = [
        {"id": next_id + n, "uuid": str(uuid.uuid4()), "name": name, "at": at, "ticket": ticket,
         "args": json.dumps(args, ensure_ascii=False, sort_keys=True)}
        for n, (name, args, ticket, at) in enumerate(queued)
    ]  # fmt: skip
    conn.execute(
        sa.text(
            "INSERT INTO outbox (mutation_id, mutation_uuid, name, args_json, ticket_id, "
            "client_time, state, attempts) VALUES (:id, :uuid, :name, :args, :ticket, :at, "
            "'pending', 0)"
        ),
        rows,
    )
    conn.execute(
        sa.text("UPDATE sync_state SET next_mutation_id = :next WHERE id = 1"),
        {"next": next_id + len(rows)},
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_qa_review_agent")
    op.execute("ALTER TABLE qa_review RENAME TO qa_review_0015")
    op.execute(
        f"CREATE TABLE qa_review (ticket_id VARCHAR PRIMARY KEY REFERENCES ticket (id), "
        f"{COLUMNS_DDL})"
    )
    op.execute(
        f"INSERT INTO qa_review (ticket_id, {COLUMNS}) SELECT ticket_id, {COLUMNS} "
        "FROM qa_review_0015"
    )
    op.execute("DROP TABLE qa_review_0015")
    op.execute("CREATE INDEX ix_qa_review_agent ON qa_review (agent_id)")
