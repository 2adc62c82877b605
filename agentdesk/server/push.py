"""The push side of sync: each mutation applied exactly once, in the client's order.

Exactly once = the client resends until it hears back + the server de-duplicates by
(client_id, mutation_id). Each mutation runs in its own short transaction that first locks the
client's row (`FOR UPDATE` on PostgreSQL; SQLite's single writer): an id already seen is a
duplicate (its first result is reported again), an id beyond the next one is a gap (stop and say
where), anything else is applied — or recorded as rejected or conflict with its payload kept, and
the queue moves on (one poison item never blocks an agent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentdesk.domain import authority
from agentdesk.domain.errors import AgentdeskError, ValidationFailed
from agentdesk.domain.model import TIMELINE_ID_ARGS
from agentdesk.domain.records import AgentRecord
from agentdesk.server import changes, conflicts, db, intents
from agentdesk.server.accounts import Account, utc
from agentdesk.server.tables import (
    mutation_receipt,
    qa_review,
    sync_client,
    ticket,
    ticket_event,
)

MAX_BATCH = 500


class ClientStateMismatch(AgentdeskError):
    """The client's mutation ids do not match what the server saw (e.g. restored from an old
    backup): 409, the client takes a new client id and pushes its outbox again."""


class UnsupportedVersion(AgentdeskError):
    """An intent version this server does not speak: 426, the client keeps its outbox."""


@dataclass(frozen=True)
class Mutation:
    id: int
    uuid: str
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Result:
    id: int
    status: str  # applied | duplicate | rejected | conflict
    detail: str = ""
    unrecorded: tuple[str, ...] = ()  # the console's timeline entries the server did not keep
    first_status: str | None = None  # a duplicate: how it ended the first time it came


@dataclass(frozen=True)
class PushResult:
    last_mutation_id: int
    results: list[Result]
    stopped_at: int | None


def check_batch(who: Account, mutations: list[Mutation]) -> None:
    """Refusals of the whole request: a read-only role (403), a name the server does not know
    (400; an older/newer version of a known intent: 426 by the caller)."""
    authority.check_can_write(
        AgentRecord(who.id, who.username, who.display_name, who.role, who.team_id)
    )
    known_bases = {name.rsplit(".", 1)[0] for name in intents.INTENTS}
    for m in mutations:
        if m.name in intents.INTENTS:
            continue
        if m.name.rsplit(".", 1)[0] in known_bases:
            raise UnsupportedVersion("error.intent_version", name=m.name, id=m.id)
        raise ValidationFailed("error.unknown_intent", name=m.name, id=m.id)


def push(
    engine: Engine, who: Account, client_id: str, mutations: list[Mutation], now: datetime
) -> PushResult:
    """`push_on` a connection of its own."""
    with engine.connect() as conn:
        return push_on(conn, who, client_id, mutations, now)


def push_on(
    conn: sa.Connection, who: Account, client_id: str, mutations: list[Mutation], now: datetime
) -> PushResult:
    """Apply `mutations` on `conn`, each in a transaction of its own: the first carries on the
    transaction `conn` may have begun (the sign-in's read: no rollback and begin between)."""
    check_batch(who, mutations)
    results: list[Result] = []
    last = 0
    for m in mutations:
        outcome = _one(conn, who, client_id, m, now)
        if outcome is None:  # a gap: earlier mutations are missing
            return PushResult(_last_id(conn, client_id), results, m.id)
        result, last = outcome
        results.append(result)
    if not mutations:
        last = _last_id(conn, client_id)
    return PushResult(last, results, None)


def _one(
    conn: sa.Connection, who: Account, client_id: str, m: Mutation, now: datetime
) -> tuple[Result, int] | None:
    with _transaction(conn):
        last = _lock_client(conn, client_id, who, m.id, now)
        if m.id <= last:
            return replace(_duplicate(conn, client_id, m), unrecorded=_unrecorded(conn, m)), last
        if m.id != last + 1:
            return None
        earlier = _seen_under_another_id(conn, who, m)
        if earlier is not None:  # pushed before by this installation under its old client id
            outcome = earlier
        else:
            outcome = intents.apply(conn, who, m.name, m.args, now)
            if outcome.status in ("conflict", "rejected"):
                _resend_truth(conn, m)
                conflicts.record(conn, who, client_id, m.id, m.name, m.args, outcome, now)
        _receipt(conn, who, client_id, m, outcome, now)
        applied = outcome.status in ("applied", "duplicate")
        unrecorded = _unrecorded(conn, m, outcome.kept) if applied else ()
        return Result(m.id, outcome.status, outcome.detail, unrecorded), m.id


# Run for every mutation: built once, their values bound per call.
LOCK_CLIENT = (
    sa.select(sync_client.c.last_mutation_id)
    .where(sync_client.c.client_id == sa.bindparam("client_id"))
    .with_for_update()
)
SEEN_UNDER_ANOTHER_ID = (
    sa.select(mutation_receipt.c.status, mutation_receipt.c.detail)
    .where(
        mutation_receipt.c.mutation_uuid == sa.bindparam("mutation_uuid"),
        mutation_receipt.c.account_id == sa.bindparam("account_id"),
        mutation_receipt.c.status != "duplicate",
    )
    .limit(1)
)
ADVANCE_CLIENT = (
    sync_client.update()
    .where(sync_client.c.client_id == sa.bindparam("the_client_id"))
    .values(
        last_mutation_id=sa.bindparam("the_mutation_id"),
        account_id=sa.bindparam("the_account_id"),
        updated_at=sa.bindparam("the_time"),
    )
)


def _unrecorded(conn: sa.Connection, m: Mutation, kept: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Timeline entries the console wrote for an edit the server found already done (the same
    move made by someone else first, a claim of one's own ticket): not on the server, so the
    console drops them instead of keeping entries nobody else has. Those the intent `kept`
    are known to be there without asking."""
    named = [m.args[k] for k in TIMELINE_ID_ARGS if isinstance(m.args.get(k), str)]
    asked = [ident for ident in named if ident not in kept]
    if not asked:
        return ()
    found = set(
        conn.execute(sa.select(ticket_event.c.id).where(ticket_event.c.id.in_(asked))).scalars()
    )
    return tuple(ident for ident in asked if ident not in found)


def _seen_under_another_id(
    conn: sa.Connection, who: Account, m: Mutation
) -> intents.Outcome | None:
    """A client restored from an old backup takes a new client id (409) and pushes its outbox
    again: what the server already has under the old id is reported (applied: `duplicate`;
    refused: as it was refused), not applied twice."""
    found = conn.execute(
        SEEN_UNDER_ANOTHER_ID, {"mutation_uuid": m.uuid, "account_id": who.id}
    ).first()
    if found is None:
        return None
    if found.status == "applied":
        return intents.Outcome("duplicate", f"applied: {found.detail}".rstrip(": "))
    return intents.Outcome(found.status, found.detail)


def _receipt(
    conn: sa.Connection,
    who: Account,
    client_id: str,
    m: Mutation,
    outcome: intents.Outcome,
    now: datetime,
) -> None:
    receipt = {
        "client_id": client_id,
        "mutation_id": m.id,
        "mutation_uuid": m.uuid,
        "account_id": who.id,
        "name": m.name,
        "args_json": json.dumps(m.args, ensure_ascii=False, sort_keys=True),
        "status": outcome.status,
        "detail": outcome.detail,
        "at": utc(now),
    }
    conn.execute(mutation_receipt.insert(), receipt)
    advanced = {"the_mutation_id": m.id, "the_account_id": who.id, "the_time": utc(now)}
    conn.execute(ADVANCE_CLIENT, {"the_client_id": client_id, **advanced})


def _resend_truth(conn: sa.Connection, m: Mutation) -> None:
    """The client applied this edit optimistically; the server refused it. Mark the ticket
    (for a QA intent, its review) changed so the next pull brings the server's version and
    corrects the client's."""
    ticket_id = m.args.get("ticket_id")
    if not isinstance(ticket_id, str):
        return
    if m.name.startswith("qa."):
        if conn.execute(sa.select(qa_review.c.id).where(qa_review.c.id == ticket_id)).first():
            changes.record(conn, "qa_review", ticket_id, changes.QA)
        return
    query = sa.select(ticket.c.team_id).where(ticket.c.id == ticket_id)
    row = conn.execute(query).first()
    if row is not None:
        changes.record(conn, "ticket", ticket_id, changes.ticket_scope(row.team_id))


def _lock_client(
    conn: sa.Connection, client_id: str, who: Account, first_id: int, now: datetime
) -> int:
    """The client's last applied mutation id, its row locked. A client id the server has not
    seen starts just before the first mutation it sends: a new installation sends 1, a client
    that took a new id (restored from a backup, 409) carries on from its oldest pending edit.
    Two first pushes at once: one inserts, both then lock."""
    found = conn.execute(LOCK_CLIENT, {"client_id": client_id}).scalar()
    if found is None:
        values = {"client_id": client_id, "account_id": who.id, "updated_at": utc(now)}
        start = max(0, first_id - 1)
        conn.execute(db.insert_or_skip(conn, sync_client).values(last_mutation_id=start, **values))
        found = conn.execute(LOCK_CLIENT, {"client_id": client_id}).scalar()
    return int(found or 0)


def _duplicate(conn: sa.Connection, client_id: str, m: Mutation) -> Result:
    receipt = conn.execute(
        sa.select(
            mutation_receipt.c.status, mutation_receipt.c.detail, mutation_receipt.c.mutation_uuid
        ).where(mutation_receipt.c.client_id == client_id, mutation_receipt.c.mutation_id == m.id)
    ).first()
    if receipt is not None and receipt.mutation_uuid != m.uuid:
        raise ClientStateMismatch("error.client_state", client_id=client_id, id=m.id)
    detail = f"{receipt.status}: {receipt.detail}".rstrip(": ") if receipt else ""
    first = receipt.status if receipt is not None and receipt.status != "duplicate" else "applied"
    return Result(m.id, "duplicate", detail, first_status=first)


def _transaction(conn: sa.Connection) -> sa.Transaction:
    """The transaction `conn` has begun, or a new one; committed at the end of its block."""
    return conn.get_transaction() or conn.begin()


def _last_id(conn: sa.Connection, client_id: str) -> int:
    with _transaction(conn):
        query = sa.select(sync_client.c.last_mutation_id).where(
            sync_client.c.client_id == client_id
        )
        return int(conn.execute(query).scalar() or 0)
