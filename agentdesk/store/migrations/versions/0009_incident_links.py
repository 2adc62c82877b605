"""Tickets linked to a major incident: found through a partial index over the timeline

Revision ID: 0009
Revises: 0008

A ticket joins an incident with an `incident_link` timeline entry (SPEC R13); posting the
incident's update looks up every linked ticket, so this index holds only those entries.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_ticket_event_incident_link ON ticket_event (ticket_id) "
        "WHERE kind = 'incident_link'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_ticket_event_incident_link")
