"""The local outbox: every local change queues an intent in the same transaction (SYNC.md)."""

from __future__ import annotations

import json
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
