"""The pull side of sync: pages of changes in commit-safe order behind a signed opaque cursor.

On PostgreSQL a change is stamped with its transaction's id and only changes of transactions
older than every still-running one (`pg_snapshot_xmin`) are handed out, in (xid, seq) order; so a
transaction that commits late is never skipped. On SQLite one writer at a time makes seq order
commit order. The cursor is HMAC-signed over the database's epoch, the backend, the position and
the scopes it was issued for: a cursor from another database, a restored database (position
ahead of it) or changed team membership answers `reset` and the client pulls from zero.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from typing_extensions import TypedDict

from agentdesk.domain.errors import ValidationFailed
from agentdesk.server import accounts, changes
from agentdesk.server.accounts import TOKEN_ACCOUNT, WIDE_ROLES, Account, visible_team_ids
from agentdesk.server.tables import (
    account,
    change_index,
    customer,
    customer_order,
    incident,
    product,
    qa_review,
    server_meta,
    sync_client,
    sync_conflict,
    team,
    ticket,
    ticket_event,
)

CURSOR_VERSION = 1
MAX_LIMIT = 1000
ENTITY_TABLES: dict[str, sa.Table] = {
    "team": team,
    "agent": account,
    "customer": customer,
    "product": product,
    "customer_order": customer_order,
    "ticket": ticket,
    "ticket_event": ticket_event,
    "incident": incident,
    "sync_conflict": sync_conflict,
    "qa_review": qa_review,
}
PRIVATE_COLUMNS = frozenset({"password_hash"})


@dataclass(frozen=True)
class Position:
    xid: int  # 0 on SQLite
    seq: int


START = Position(0, 0)


@dataclass(frozen=True)
class Page:
    changes: list[dict[str, Any]]
    cursor: str
    has_more: bool
    reset: bool
    acknowledged: int = 0  # the last mutation of the pulling client the server applied
    position: Position = START  # of the page's last change (the cursor's, unsigned)


@dataclass(frozen=True)
class _Standing:
    """What a pull reads before its page, in one round trip."""

    epoch: str
    cursor_secret: str
    last_seq: int  # the newest change
    acknowledged: int


def _meta_value(key: str) -> Any:
    query = sa.select(server_meta.c.value).where(server_meta.c.key == key)
    return query.scalar_subquery().label(key)


def _standing_columns(account_id: Any) -> list[Any]:
    return [
        _meta_value("epoch"),
        _meta_value("cursor_secret"),
        sa.select(sa.func.coalesce(sa.func.max(change_index.c.seq), 0))
        .scalar_subquery()
        .label("last_seq"),
        sa.select(sync_client.c.last_mutation_id)
        .where(
            sync_client.c.client_id == sa.bindparam("client_id"),
            sync_client.c.account_id == account_id,
        )
        .scalar_subquery()
        .label("acknowledged"),
    ]


# Built once, parameters bound per call: a pull runs one of them every page. The second also
# signs the caller in: the token's account and the standing in one round trip.
STANDING = sa.select(*_standing_columns(sa.bindparam("account_id")))
TOKEN_STANDING = TOKEN_ACCOUNT.add_columns(*_standing_columns(account.c.id))


def _standing(found: Any) -> _Standing:
    return _Standing(
        found.epoch, found.cursor_secret, int(found.last_seq or 0), int(found.acknowledged or 0)
    )


def scopes_of(conn: Connection, who: Account) -> list[str]:
    teams_seen = visible_team_ids(conn, who)
    qa = [changes.QA] if who.role in WIDE_ROLES else []
    return sorted(
        {changes.ALL, changes.NO_TEAM, *qa, *(changes.ticket_scope(t) for t in teams_seen)}
    )


def pull(
    conn: Connection, who: Account, cursor: str | None, limit: int, client_id: str | None = None
) -> Page:
    """The page after `cursor` (none: from the start); with the last mutation of `client_id`
    applied, read before the page: every change it made is on this page or a later one (0 for
    another account's client)."""
    return pull_scopes(conn, scopes_of(conn, who), cursor, limit, client_id or "", who.id)


def pull_for_token(
    conn: Connection,
    token: str,
    now: datetime,
    cursor: str | None,
    limit: int,
    client_id: str | None = None,
) -> Page:
    """`pull` for the account behind `token` (AuthFailed for a dead one), which is read with the
    page's standing: a statement fewer for the request every console sends every round."""
    bound = {"client_id": client_id or ""}
    found = accounts.row_for_token(conn, TOKEN_STANDING, token, now, **bound)
    who = accounts.account_of(found)
    return _page_at(conn, scopes_of(conn, who), cursor, limit, _standing(found))


def pull_scopes(
    conn: Connection,
    scopes: list[str],
    cursor: str | None,
    limit: int,
    client_id: str = "",
    account_id: str = "",
) -> Page:
    """`pull` for whoever sees exactly `scopes` (a ready-made first download is built so)."""
    found = conn.execute(STANDING, {"client_id": client_id, "account_id": account_id}).one()
    return _page_at(conn, scopes, cursor, limit, _standing(found))


def _page_at(
    conn: Connection, scopes: list[str], cursor: str | None, limit: int, standing: _Standing
) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("error.bad_limit", limit=limit, maximum=MAX_LIMIT)
    backend = conn.dialect.name
    position, reset = START, False
    if cursor:
        position, reset = _read_cursor(cursor, standing, backend, scopes)
    rows = _page(conn, scopes, position, limit + 1, backend)
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        position = Position(int(last["xid"] or 0), int(last["seq"]))
    entities = _entities(conn, rows)
    cursor_out = _write_cursor(standing, backend, position, scopes)
    return Page(entities, cursor_out, has_more, reset, standing.acknowledged, position)


def _page(
    conn: Connection, scopes: list[str], after: Position, limit: int, backend: str
) -> list[Any]:
    bound = {"scopes": scopes, "after_xid": after.xid, "after_seq": after.seq, "limit": limit}
    return list(conn.execute(_page_query(backend), bound).mappings().all())


@cache
def _page_query(backend: str) -> sa.Select[Any]:
    """The changes in `scopes` after a position, in pull order: built once per backend."""
    ci = change_index
    after_xid = sa.bindparam("after_xid", type_=sa.BigInteger)
    after_seq = sa.bindparam("after_seq", type_=sa.BigInteger)
    query = sa.select(ci).limit(sa.bindparam("limit", type_=sa.Integer))
    if backend == "postgresql":
        horizon = sa.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return query.where(
            ci.c.scope == sa.any_(sa.bindparam("scopes", type_=postgresql.ARRAY(sa.String))),
            sa.tuple_(ci.c.xid, ci.c.seq) > sa.tuple_(after_xid, after_seq),
            ci.c.xid < horizon,
        ).order_by(ci.c.xid, ci.c.seq)
    in_scope = ci.c.scope.in_(sa.bindparam("scopes", expanding=True))
    return query.where(in_scope, ci.c.seq > after_seq).order_by(ci.c.seq)


def _entities(conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    """Each change with its entity's current row (upserts whose entity is gone become deletes)."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row["op"] == "upsert":
            wanted.setdefault(row["entity_type"], set()).add(row["entity_id"])
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for entity_type, ids in wanted.items():
        query, names = _entity_query(entity_type, conn.dialect.name)
        found_rows = conn.execute(query, {"ids": sorted(ids)}).all()
        for found in found_rows:  # fetched at once: far fewer calls per row
            data = dict(zip(names, found, strict=True))
            current[entity_type, data["id"]] = data
    out = []
    for row in rows:
        key = (row["entity_type"], row["entity_id"])
        op = row["op"]
        entity = current.get(key) if op == "upsert" else None
        if op == "upsert" and entity is None:
            op = "delete"
        out.append({"type": key[0], "id": key[1], "op": op, "scope": row["scope"], "row": entity})
    return out


@cache
def _entity_query(entity_type: str, backend: str) -> tuple[sa.Select[Any], list[str]]:
    """The rows of an entity type by their ids, and the column names (private ones left out):
    built once per type and backend. On PostgreSQL the ids are one array parameter (`= ANY`):
    the same statement text for every page, where an IN list of up to a thousand values is a
    new statement to render, send and plan each time."""
    table = ENTITY_TABLES[entity_type]
    columns = [c for c in table.columns if c.name not in PRIVATE_COLUMNS]
    if backend == "postgresql":
        among = table.c.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))
    else:
        among = table.c.id.in_(sa.bindparam("ids", expanding=True))
    return sa.select(*columns).where(among), [c.name for c in columns]


# -- on the wire ----------------------------------------------------------------------------------


class _ChangeBody(TypedDict):
    type: str
    id: str
    op: str
    scope: str
    row: dict[str, Any] | None


class PullBody(TypedDict):
    """The API's PullResponse as plain dicts: a page of a thousand changes is serialized as it
    is, without building and validating a model per change (the bytes are the same)."""

    cursor: str
    has_more: bool
    reset: bool
    last_mutation_id: int
    changes: list[_ChangeBody]


PULL_BODY: TypeAdapter[PullBody] = TypeAdapter(PullBody)


def page_body(page: Page) -> PullBody:
    return {
        "cursor": page.cursor,
        "has_more": page.has_more,
        "reset": page.reset,
        "last_mutation_id": page.acknowledged,
        "changes": page.changes,  # type: ignore[typeddict-item]  # the same keys
    }


def page_json(page: Page) -> bytes:
    """The page as the pull endpoint sends it (and as a ready-made first download reads it)."""
    return PULL_BODY.dump_json(page_body(page))


# -- the cursor -----------------------------------------------------------------------------------


def scope_hash(scopes: list[str]) -> str:
    return hashlib.sha256("\n".join(scopes).encode()).hexdigest()[:16]


def _write_cursor(standing: _Standing, backend: str, at: Position, scopes: list[str]) -> str:
    body = {
        "v": CURSOR_VERSION,
        "epoch": standing.epoch,
        "backend": backend,
        "xid": at.xid,
        "seq": at.seq,
        "scopes": scope_hash(scopes),
    }
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(standing.cursor_secret.encode(), raw, hashlib.sha256).hexdigest()[:32]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + mac


def _read_cursor(
    cursor: str, standing: _Standing, backend: str, scopes: list[str]
) -> tuple[Position, bool]:
    """(where to continue, whether the client must start over: the scopes changed, or the
    database is behind the cursor — restored from a backup). A cursor that does not verify under
    this database's key (forged, or from another database) is refused."""
    try:
        encoded, mac = cursor.split(".", 1)
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        body = json.loads(raw)
        position = Position(int(body["xid"]), int(body["seq"]))
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed("error.bad_cursor") from None
    expected = hmac.new(standing.cursor_secret.encode(), raw, hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        raise ValidationFailed("error.bad_cursor")  # forged, or issued by another database
    if (
        body.get("v") != CURSOR_VERSION
        or body.get("epoch") != standing.epoch
        or body.get("backend") != backend
        or body.get("scopes") != scope_hash(scopes)
        or position.seq > standing.last_seq
    ):
        return START, True
    return position, False
