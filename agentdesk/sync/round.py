"""One sync round: push the outbox's pending edits, then pull every page and apply it.

Never holds a write transaction across the network: each push answer and each pulled page is
written in its own short transaction. A round that stops (offline, signed out, refused) leaves
the outbox as it was; the next round carries on.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.store import database
from agentdesk.store.database import HEAD_REVISION
from agentdesk.store.sync_apply import apply_page, forget_refused_edit, saved_cursor
from agentdesk.sync.transport import ServerClient, SyncProblem

PROTOCOL_VERSION = 1
PUSH_BATCH = 200
PULL_PAGE = 500


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


def sync_round(
    store: Path, server: ServerClient, policy: SlaPolicy, now: int, *, batch: int = PUSH_BATCH
) -> SyncSummary:
    summary = SyncSummary()
    conn = database.connect(store)
    try:
        _push(conn, server, summary, batch)
        _pull(conn, server, policy, now, summary)
    finally:
        conn.close()
    return summary


# -- push -----------------------------------------------------------------------------------------


def _push(conn: sqlite3.Connection, server: ServerClient, summary: SyncSummary, batch: int) -> None:
    client_id = _client_id(conn)
    rotated = False
    while rows := _pending(conn, batch):
        body = {
            "client_id": client_id,
            "protocol_version": PROTOCOL_VERSION,
            "schema_version": HEAD_REVISION,
            "mutations": [_mutation(row) for row in rows],
        }
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
            raise SyncProblem(409, "error.sync_gap", at=answer["stopped_at"])
        if len(rows) < batch:
            return


def _client_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT client_id FROM sync_state WHERE id = 1").fetchone()
    if row is None:  # nothing was ever queued: nothing to push either
        return ""
    return str(row[0])


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


def _record_results(conn: sqlite3.Connection, answer: dict[str, Any], summary: SyncSummary) -> None:
    with conn:
        for result in answer.get("results", []):
            state = {"duplicate": "applied"}.get(result["status"], result["status"])
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
            summary.pushed += 1
            summary.applied += state == "applied"
            summary.rejected += state == "rejected"
            summary.conflicts += state == "conflict"
        conn.execute(
            "UPDATE sync_state SET acked_mutation_id = max(acked_mutation_id, ?) WHERE id = 1",
            (int(answer.get("last_mutation_id") or 0),),
        )


def _quarantine(conn: sqlite3.Connection, mutation_id: int) -> None:
    with conn:
        conn.execute(
            "UPDATE outbox SET state = 'rejected', last_error = 'too large for the server', "
            "attempts = attempts + 1 WHERE mutation_id = ?",
            (mutation_id,),
        )


# -- pull -----------------------------------------------------------------------------------------


def _pull(
    conn: sqlite3.Connection,
    server: ServerClient,
    policy: SlaPolicy,
    now: int,
    summary: SyncSummary,
) -> None:
    start_over = False
    while True:
        params: dict[str, Any] = {"limit": PULL_PAGE, "client_id": _client_id(conn)}
        cursor = saved_cursor(conn)
        if cursor:
            params["cursor"] = cursor
        response = server.request("GET", "/v1/sync/pull", params=params)
        if response.status_code == 400 and cursor and "bad_cursor" in response.text:
            _forget_cursor(conn)  # not this server's: start over, as after a reset
            start_over = True
            continue
        page = server.json_or_problem(response)
        reset = bool(page["reset"]) or start_over
        apply_page(
            conn,
            page["changes"],
            page["cursor"],
            policy,
            now,
            reset=reset,
            acknowledged=int(page.get("last_mutation_id") or 0),
        )
        start_over = False
        summary.pulled += len(page["changes"])
        summary.pages += 1
        summary.reset = summary.reset or reset
        if not page["has_more"]:
            return


def _forget_cursor(conn: sqlite3.Connection) -> None:
    with conn:
        conn.execute("UPDATE sync_state SET pull_cursor = NULL WHERE id = 1")
