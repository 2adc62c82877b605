"""Administration of a server database beyond accounts: after restoring it from a backup, a new
epoch makes every client's cursor answer `reset`, so each pulls its scopes again (keeping its
outbox) instead of missing what happened between the backup and the restore (SYNC.md T18)."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Connection

from agentdesk.server.tables import server_meta


def rotate_epoch(conn: Connection) -> str:
    epoch = str(uuid.uuid4())
    conn.execute(server_meta.update().where(server_meta.c.key == "epoch").values(value=epoch))
    return epoch
