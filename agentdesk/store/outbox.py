"""The local outbox: every local change queues an intent in the same transaction (SYNC.md)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from agentdesk.domain.numbering import new_id
from agentdesk.store.database import HEAD_REVISION
from agentdesk.store.tables import Outbox, SyncState


def sync_state(session: Session) -> SyncState:
    """The single sync-state row, created on first use with a new installation client id."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, client_id=str(uuid.uuid4()), schema_version=HEAD_REVISION)
        session.add(state)
        session.flush()
    return state


def enqueue(
    session: Session, name: str, args: dict[str, Any], ticket_id: str | None, now: datetime
) -> int:
    """Take the next mutation id and queue `name(args)`; the caller's transaction commits both."""
    state = sync_state(session)
    mutation_id = state.next_mutation_id
    state.next_mutation_id = mutation_id + 1
    session.add(state)
    session.add(
        Outbox(
            mutation_id=mutation_id,
            mutation_uuid=new_id(),
            name=name,
            args_json=json.dumps(args, ensure_ascii=False, sort_keys=True),
            ticket_id=ticket_id,
            client_time=now.isoformat(),
        )
    )
    return mutation_id


def ensure_sync_state(conn: sqlite3.Connection) -> None:
    """`sync_state` through sqlite3: the single row, made on first use as `sync_state` does."""
    conn.execute(
        "INSERT OR IGNORE INTO sync_state (id, client_id, next_mutation_id, acked_mutation_id, "
        "protocol_version, schema_version) VALUES (1, ?, 1, 0, 1, ?)",
        (str(uuid.uuid4()), HEAD_REVISION),
    )


def enqueue_sql(
    conn: sqlite3.Connection, name: str, args: dict[str, Any], ticket_id: str | None, now: datetime
) -> int:
    """`enqueue` for code that writes the store through sqlite3 (in the caller's transaction)."""
    ensure_sync_state(conn)
    (mutation_id,) = conn.execute(
        "UPDATE sync_state SET next_mutation_id = next_mutation_id + 1 WHERE id = 1 "
        "RETURNING next_mutation_id - 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO outbox (mutation_id, mutation_uuid, name, args_json, ticket_id, client_time, "
        "state, attempts) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0)",
        (
            mutation_id, new_id(), name, json.dumps(args, ensure_ascii=False, sort_keys=True),
            ticket_id, now.isoformat(),
        ),
    )  # fmt: skip
    return int(mutation_id)
