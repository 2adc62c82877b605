"""Tickets a first download has pulled but not derived yet

Revision ID: 0010
Revises: 0009

A first download (a fresh console, or one the server told to start over) brings every ticket
row before the timelines. Deriving a ticket's deadlines and search entry when its row arrives
would be redone when its timeline follows, so the ticket is listed here instead and derived
once: when its timeline comes, or at the end of the download. The list is written in the
page's transaction, so a console killed part-way derives what is left on its next round.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE sync_underived (ticket_id VARCHAR PRIMARY KEY) WITHOUT ROWID")


def downgrade() -> None:
    op.execute("DROP TABLE sync_underived")
