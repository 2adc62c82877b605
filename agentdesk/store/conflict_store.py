"""The conflicts list (design/SYNC.md: conflicts are data, shown to the agents involved).

Two sources, newest first: the conflicts the server synced down (any edit it refused on a ticket
of this console's scopes: what collided, what won, where the losing text went), and this
console's own refused edits the server keeps no ticket record of (a customer, an incident).
"Unseen" counts what involves the signed-in agent — their edit lost, or it was on their ticket —
and arrived after they last opened the list.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

REFUSED = "('conflict', 'rejected')"
TEXT_ARGS = ("body", "note", "resolution", "description", "title", "reason")
LIST_LIMIT = 500


@dataclass(frozen=True)
class ConflictEntry:
    at: str  # ISO time: when the server refused it (own outbox rows: when it was made)
    ticket_id: str | None
    ticket_number: str | None
    author: str  # whose edit lost
    intent: str  # e.g. ticket.set_status.v1
    outcome: str  # conflict | rejected
    detail: str  # what won, or why it can never apply
    losing_text: str
    kept_in: str  # note (on the ticket) | outbox (this console's) | "" (no text lost)
    mine: bool  # the signed-in agent's edit
    unseen: bool


_FROM_SERVER = (
    "SELECT c.at, c.ticket_id, t.number, coalesce(a.display_name, c.account_id), c.intent, "
    "c.outcome, c.detail, c.losing_text, c.note_event_id, c.account_id = ?, c.seen_at IS NULL, "
    "o.args_json "
    "FROM sync_conflict c LEFT JOIN ticket t ON t.id = c.ticket_id "
    "LEFT JOIN agent a ON a.id = c.account_id "
    "LEFT JOIN sync_state s ON s.id = 1 "
    "LEFT JOIN outbox o ON o.mutation_id = c.mutation_id AND c.client_id = s.client_id "
    "ORDER BY c.at DESC LIMIT ?"
)
_OWN_ONLY = (  # refused here, with no conflict row from the server
    "SELECT o.client_time, o.ticket_id, t.number, o.name, o.state, "
    "coalesce(o.last_error, ''), o.args_json, o.seen_at IS NULL FROM outbox o "
    "LEFT JOIN ticket t ON t.id = o.ticket_id "
    f"WHERE o.state IN {REFUSED} AND NOT EXISTS ("
    "  SELECT 1 FROM sync_conflict c JOIN sync_state s ON s.id = 1 "
    "  WHERE c.client_id = s.client_id AND c.mutation_id = o.mutation_id) "
    "ORDER BY o.mutation_id DESC LIMIT ?"
)


def conflict_list(conn: sqlite3.Connection, agent_id: str, my_name: str) -> list[ConflictEntry]:
    entries = [_from_server(row) for row in conn.execute(_FROM_SERVER, (agent_id, LIST_LIMIT))]
    for at, ticket_id, number, intent, outcome, detail, args_json, unseen in conn.execute(
        _OWN_ONLY, (LIST_LIMIT,)
    ):
        text = losing_text(args_json)
        entries.append(
            ConflictEntry(
                at, ticket_id, number, my_name, intent, outcome, detail, text,
                "outbox" if text else "", True, bool(unseen),
            )
        )  # fmt: skip
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:LIST_LIMIT]


def _from_server(row: tuple[object, ...]) -> ConflictEntry:
    at, ticket_id, number, author, intent, outcome, detail, text, note, mine, unseen, args = row
    kept_in = "note" if note else ""
    if not text and mine and args:  # the server kept no text: this console's outbox has it
        text = losing_text(str(args))
        kept_in = "outbox" if text else ""
    return ConflictEntry(
        str(at), _opt(ticket_id), _opt(number), str(author), str(intent), str(outcome),
        str(detail), str(text or ""), kept_in, bool(mine), bool(unseen),
    )  # fmt: skip


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def losing_text(args_json: str) -> str:
    """The free text an edit carried (a reply, a note, a resolution…), if any."""
    try:
        args = json.loads(args_json)
    except ValueError:
        return ""
    if not isinstance(args, dict):
        return ""
    return next((str(args[k]) for k in TEXT_ARGS if isinstance(args.get(k), str) and args[k]), "")


def unseen_count(conn: sqlite3.Connection, agent_id: str | None) -> int:
    """Conflicts involving `agent_id` not yet seen in the list (see the module docstring)."""
    from_server = conn.execute(
        "SELECT count(*) FROM sync_conflict c LEFT JOIN ticket t ON t.id = c.ticket_id "
        "WHERE c.seen_at IS NULL AND (c.account_id = ? OR t.assignee_id = ?)",
        (agent_id, agent_id),
    ).fetchone()[0]
    own_only = conn.execute(
        f"SELECT count(*) FROM outbox o WHERE o.state IN {REFUSED} AND o.seen_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM sync_conflict c JOIN sync_state s ON s.id = 1 "
        "WHERE c.client_id = s.client_id AND c.mutation_id = o.mutation_id)"
    ).fetchone()[0]
    return int(from_server) + int(own_only)


def mark_seen(conn: sqlite3.Connection, at: str) -> None:
    """The agent opened the list: everything in it now counts as seen."""
    with conn:
        conn.execute("UPDATE sync_conflict SET seen_at = ? WHERE seen_at IS NULL", (at,))
        conn.execute(
            f"UPDATE outbox SET seen_at = ? WHERE state IN {REFUSED} AND seen_at IS NULL", (at,)
        )
