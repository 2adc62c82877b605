"""The timeline stays append-only, except for what sync forgets

Revision ID: 0006
Revises: 0005

A console keeps only the tickets it may see. When the server says a ticket left this client's
scopes (moved to another team) or the client must start over (reset), sync forgets those
tickets' timelines: it lists them in `sync_forget` for the length of its transaction, and only
those rows may be deleted. Nothing else can delete or change a timeline entry.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GUARDED_DELETE = (
    "CREATE TRIGGER ticket_event_no_delete BEFORE DELETE ON ticket_event "
    "WHEN NOT EXISTS (SELECT 1 FROM sync_forget WHERE ticket_id = OLD.ticket_id) "
    "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END"
)
PLAIN_DELETE = (
    "CREATE TRIGGER ticket_event_no_delete BEFORE DELETE ON ticket_event "
    "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END"
)


def upgrade() -> None:
    op.execute("CREATE TABLE sync_forget (ticket_id VARCHAR NOT NULL PRIMARY KEY)")
    op.execute("DROP TRIGGER ticket_event_no_delete")
    op.execute(GUARDED_DELETE)


def downgrade() -> None:
    op.execute("DROP TRIGGER ticket_event_no_delete")
    op.execute(PLAIN_DELETE)
    op.execute("DROP TABLE sync_forget")
