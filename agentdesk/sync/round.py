"""One sync round: push the outbox's pending edits, then pull every page and apply it.

Never holds a write transaction across the network: each push answer and each pulled page is
written in its own short transaction. A round that stops (offline, signed out, refused) leaves
the outbox as it was; the next round carries on.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store import database
from agentdesk.store.database import HEAD_REVISION
from agentdesk.store.snapshot_copy import SnapshotUnusable, copy_snapshot, takes_snapshot
from agentdesk.store.sync_apply import (
    WriteBatch,
    apply_page,
    derive_underived,
    forget_events,
    forget_refused_edit,
    saved_cursor,
)
from agentdesk.store.underived import underived_left
from agentdesk.sync.transport import ServerClient, SyncProblem

log = logging.getLogger("agentdesk.sync")
PROTOCOL_VERSION = 1
PUSH_BATCH = 200
PULL_PAGE = 500
CATCH_UP_PAGE = 1000  # the most the server sends (agentdesk.server.pull.MAX_LIMIT)
BATCH_PAGES = 8  # pages in one transaction at most (a first download): ~0.3 s of the write lock
# A first download writes hundreds of pages in a row: no fsync per page (WAL keeps the store
# consistent; a page lost to a power cut is pulled again, its cursor is lost with it), fewer,
# larger checkpoints and a page cache that holds the indexes being filled. Then back to the
# store's usual settings (database.PRAGMAS; SQLite's defaults for the other two).
BULK_WRITES = (
    "PRAGMA synchronous=NORMAL",
    "PRAGMA wal_autocheckpoint=10000",
    "PRAGMA cache_size=-65536",
)
USUAL_WRITES = (
    "PRAGMA synchronous=FULL",
    "PRAGMA wal_autocheckpoint=1000",
    "PRAGMA cache_size=-2000",
)


@dataclass
class SyncSummary:
    pushed: int = 0
    applied: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    pages: int = 0
    reset: bool = False
    rotated: bool = False  # took a new client id (this store was restored from a backup)
    requeued: int = 0  # edits the server lost (its database restored), pushed again
    snapshot: int = 0  # tickets taken from a ready-made first download (server.snapshots)


def sync_round(
    store: Path,
    server: ServerClient,
    policy: SlaPolicy,
    now: int,
    *,
    batch: int = PUSH_BATCH,
    snapshot: bool = True,
) -> SyncSummary:
    """Push, then pull. A store that never pulled first asks for a ready-made first download
    (unless `snapshot` is off) and pulls on from it; without one it pulls from the start."""
    summary = SyncSummary()
    conn = database.connect(store)
    try:
        first_page = _push(conn, server, summary, batch)
        if snapshot and takes_snapshot(conn):
            summary.snapshot = _take_snapshot(conn, server, store, policy)
        _pull(conn, server, policy, now, summary, first_page)
        if summary.requeued:  # the server was restored: what it lost goes out again now
            first_page = _push(conn, server, summary, batch)
            _pull(conn, server, policy, now, summary, first_page)
    finally:
        conn.close()
    return summary


# -- push -----------------------------------------------------------------------------------------


def _push(
    conn: sqlite3.Connection, server: ServerClient, summary: SyncSummary, batch: int
) -> dict[str, Any] | None:
    """Push the outbox in batches. The last batch asks for the first pull page too (a store
    that has pulled before): the page the server read after applying it, returned for `_pull`
    (None when not asked for or not given)."""
    client_id = _client_id(conn)
    rotated = recovered = False
    while rows := _pending(conn, batch):
        body: dict[str, Any] = {
            "client_id": client_id,
            "protocol_version": PROTOCOL_VERSION,
            "schema_version": HEAD_REVISION,
            "mutations": [_mutation(row) for row in rows],
        }
        ask = _page_ask(conn) if len(rows) < batch else None
        if ask is not None:
            body["pull"] = ask
        response = server.request("POST", "/v1/sync/push", json=body)
        if response.status_code == 413:
            if len(rows) > 1:
                batch = len(rows) // 2  # too big: halve what was sent
                continue
            _quarantine(conn, rows[0][0])  # one item too large on its own: visible, skipped
            summary.rejected += 1
            continue
        if response.status_code == 409 and not rotated and "client_state" in response.text:
            client_id = _rotate_client_id(conn)  # restored from an old backup (T17)
            summary.rotated = rotated = True
            continue
        answer = server.json_or_problem(response)
        _record_results(conn, answer, summary)
        if answer.get("stopped_at") is not None:
            if recovered:
                raise SyncProblem(409, "error.sync_gap", at=answer["stopped_at"])
            recovered = True
            client_id = _recover_from_gap(conn, int(answer["last_mutation_id"]), client_id)
            continue
        if len(rows) < batch:
            page: dict[str, Any] | None = answer.get("page") if ask is not None else None
            return page
    return None


def _page_ask(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The pull a push may carry: the next page from the saved cursor, unless this is a first
    download (no cursor, or tickets still to derive), which pulls its own larger pages."""
    cursor = saved_cursor(conn)
    if cursor is None or underived_left(conn):
        return None
    return {"cursor": cursor, "limit": PULL_PAGE}


def _client_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT client_id FROM sync_state WHERE id = 1").fetchone()
    if row is None:  # nothing was ever queued: nothing to push either
        return ""
    return str(row[0])


def _recover_from_gap(conn: sqlite3.Connection, server_last: int, client_id: str) -> str:
    """The server expects an edit this store no longer has pending: it lost edits it had
    acknowledged (restored from a backup) — they go out again. When this store does not have
    them either, a new client id starts afresh (the server knows edits by their uuid)."""
    return client_id if _requeue_lost(conn, server_last) else _rotate_client_id(conn)


def _requeue_lost(conn: sqlite3.Connection, server_last: int) -> int:
    """Edits applied here after the server's last mutation for this client: the server lost
    them (its database restored to an earlier point). Pending again, they apply once more —
    the restored server has no receipt for them. Returns how many."""
    with conn:
        again = conn.execute(
            "UPDATE outbox SET state = 'pending' WHERE mutation_id > ? AND state = 'applied'",
            (server_last,),
        ).rowcount
        conn.execute("UPDATE sync_state SET acked_mutation_id = ? WHERE id = 1", (server_last,))
    return int(again)


def _rotate_client_id(conn: sqlite3.Connection) -> str:
    """The server saw other edits under this client id than the ones queued here: this store
    is an old copy. A new id keeps both histories apart; the queued edits go out under it (the
    server recognises those it already applied by their uuid)."""
    client_id = str(uuid.uuid4())
    with conn:
        conn.execute("UPDATE sync_state SET client_id = ? WHERE id = 1", (client_id,))
    return client_id


def _pending(conn: sqlite3.Connection, limit: int) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT mutation_id, mutation_uuid, name, args_json, client_time FROM outbox "
        "WHERE state = 'pending' ORDER BY mutation_id LIMIT ?",
        (limit,),
    ).fetchall()


def _mutation(row: tuple[Any, ...]) -> dict[str, Any]:
    mutation_id, uuid, name, args_json, client_time = row
    return {
        "id": mutation_id,
        "uuid": uuid,
        "name": name,
        "args": json.loads(args_json),
        "client_time": client_time,
    }


def _final_state(result: dict[str, Any]) -> str:
    """What the outbox records: a duplicate (the answer to its first push was lost) ended as
    it did the first time, refused ones too (a server that does not say: applied)."""
    if result["status"] != "duplicate":
        return str(result["status"])
    first = result.get("first_status")
    return str(first) if first in ("applied", "rejected", "conflict") else "applied"


def _record_results(conn: sqlite3.Connection, answer: dict[str, Any], summary: SyncSummary) -> None:
    with conn:
        for result in answer.get("results", []):
            state = _final_state(result)
            conn.execute(
                "UPDATE outbox SET state = ?, server_result = ?, last_error = ?, "
                "attempts = attempts + 1 WHERE mutation_id = ?",
                (
                    state,
                    json.dumps(result, ensure_ascii=False),
                    result.get("detail") or None,
                    result["id"],
                ),
            )
            if state in ("rejected", "conflict"):
                forget_refused_edit(conn, result["id"])
            elif result.get("unrecorded_events"):
                _forget_unrecorded(conn, result["id"], result["unrecorded_events"])
            summary.pushed += 1
            summary.applied += state == "applied"
            summary.rejected += state == "rejected"
            summary.conflicts += state == "conflict"
        conn.execute(
            "UPDATE sync_state SET acked_mutation_id = max(acked_mutation_id, ?) WHERE id = 1",
            (int(answer.get("last_mutation_id") or 0),),
        )


def _forget_unrecorded(conn: sqlite3.Connection, mutation_id: int, event_ids: list[str]) -> None:
    found = conn.execute("SELECT ticket_id FROM outbox WHERE mutation_id = ?", (mutation_id,))
    row = found.fetchone()
    if row is not None and row[0] is not None:
        forget_events(conn, str(row[0]), event_ids)


def _quarantine(conn: sqlite3.Connection, mutation_id: int) -> None:
    with conn:
        conn.execute(
            "UPDATE outbox SET state = 'rejected', last_error = 'too large for the server', "
            "attempts = attempts + 1 WHERE mutation_id = ?",
            (mutation_id,),
        )


# -- a ready-made first download -----------------------------------------------------------------


def _take_snapshot(
    conn: sqlite3.Connection, server: ServerClient, store: Path, policy: SlaPolicy
) -> int:
    """The tickets copied from the server's snapshot of this account's scopes, 0 when it has
    none ready or it cannot be used (then the pull starts from the beginning, as without).
    Downloaded beside the store, then copied in one transaction; its clocks are derived again
    here when the server's SLA policy is not this console's."""
    download = store.with_name(f".{store.name}.snapshot")
    try:
        headers = server.download("/v1/sync/snapshot", {"schema": HEAD_REVISION}, download)
        if headers is None:
            return 0
        rederive = headers.get("x-snapshot-policy") != policy.fingerprint
        try:
            return copy_snapshot(conn, download, rederive=rederive)
        except SnapshotUnusable as exc:
            log.warning("ready-made first download not used: %s", exc.message())
            return 0
    finally:
        download.unlink(missing_ok=True)


# -- pull -----------------------------------------------------------------------------------------


def _pull(
    conn: sqlite3.Connection,
    server: ServerClient,
    policy: SlaPolicy,
    now: int,
    summary: SyncSummary,
    first_page: dict[str, Any] | None = None,
) -> None:
    """Every page, each applied in its own transaction, in order; the next page is fetched
    (and decoded) on another thread while this one is applied. A first download (no cursor
    yet, a reset, or one cut short) derives each ticket once, the ones left at the end.
    `first_page`: the page the push's answer brought, from the cursor saved now."""
    first_download = saved_cursor(conn) is None or underived_left(conn)
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="agentdesk-pull") as fetcher:
            _pull_pages(conn, server, fetcher, policy, now, summary, first_download, first_page)
        derive_underived(conn, policy, now)
    finally:
        _set_pragmas(conn, USUAL_WRITES)


def _pull_pages(
    conn: sqlite3.Connection,
    server: ServerClient,
    fetcher: ThreadPoolExecutor,
    policy: SlaPolicy,
    now: int,
    summary: SyncSummary,
    first_download: bool,
    first_page: dict[str, Any] | None,
) -> None:
    """In a first download, pages that are here already (the next one was fetched while this
    one was applied) share a transaction, up to BATCH_PAGES; otherwise each page is one."""
    start_over = False
    if first_download:
        _set_pragmas(conn, BULK_WRITES)
    limit = CATCH_UP_PAGE if first_download else PULL_PAGE
    coming: Future[dict[str, Any] | None]
    if first_page is not None:
        coming = Future()
        coming.set_result(first_page)
    else:
        params = _pull_params(conn, saved_cursor(conn), limit)
        coming = fetcher.submit(_fetch_page, server, params)
    with WriteBatch(conn) as batch:
        while True:
            if not coming.done() or batch.pages >= BATCH_PAGES or not first_download:
                batch.commit()  # never wait for the network holding the store's write lock
            page = coming.result()
            if page is None:  # a cursor not this server's: start over, as after a reset
                batch.commit()
                _forget_cursor(conn)
                start_over = True
                params = _pull_params(conn, None, CATCH_UP_PAGE)
                coming = fetcher.submit(_fetch_page, server, params)
                continue
            if page["has_more"]:  # catching up: the next page comes while this one is applied
                params = _pull_params(conn, page["cursor"], CATCH_UP_PAGE)
                coming = fetcher.submit(_fetch_page, server, params)
            reset = bool(page["reset"]) or start_over
            if reset and not first_download:
                first_download = True
                _set_pragmas(conn, BULK_WRITES)
            _apply_pulled(conn, page, policy, now, summary, reset, first_download, batch)
            start_over = False
            if not page["has_more"]:
                return


def _apply_pulled(
    conn: sqlite3.Connection,
    page: dict[str, Any],
    policy: SlaPolicy,
    now: int,
    summary: SyncSummary,
    reset: bool,
    first_download: bool,
    batch: WriteBatch,
) -> None:
    acknowledged = int(page.get("last_mutation_id") or 0)
    if page["reset"] and not summary.reset:  # a restored server: did it lose our edits?
        batch.commit()
        summary.requeued += _requeue_lost(conn, acknowledged)
    apply_page(
        conn,
        page["changes"],
        page["cursor"],
        policy,
        now,
        reset=reset,
        acknowledged=acknowledged,
        first_download=first_download,
        batch=batch,
    )
    summary.pulled += len(page["changes"])
    summary.pages += 1
    summary.reset = summary.reset or reset


def _set_pragmas(conn: sqlite3.Connection, pragmas: tuple[str, ...]) -> None:
    for pragma in pragmas:
        conn.execute(pragma)


def _pull_params(conn: sqlite3.Connection, cursor: str | None, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "client_id": _client_id(conn)}
    if cursor:
        params["cursor"] = cursor
    return params


def _fetch_page(server: ServerClient, params: dict[str, Any]) -> dict[str, Any] | None:
    """One page, decoded (on the fetcher thread); None when the server does not know the
    cursor (issued by another server)."""
    response = server.request("GET", "/v1/sync/pull", params=params)
    if response.status_code == 400 and params.get("cursor") and "bad_cursor" in response.text:
        return None
    page: dict[str, Any] = server.json_or_problem(response)
    return page


def _forget_cursor(conn: sqlite3.Connection) -> None:
    with conn:
        conn.execute("UPDATE sync_state SET pull_cursor = NULL WHERE id = 1")
