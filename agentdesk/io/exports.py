"""Exports in agentdesk's own format (docs/import-formats.md): the same fields an import reads,
so an exported file imports again unchanged (round trip). Tickets name their team by code, their
assignee by username, product by SKU and order by number; JSON carries each ticket's timeline.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from typing import Any, TextIO

TICKET_FIELDS = (
    "id",
    "number",
    "subject",
    "description",
    "customer_request",
    "customer_id",
    "channel",
    "category",
    "complaint_level",
    "priority",
    "status",
    "team",
    "assignee",
    "product",
    "order",
    "created_at",
    "updated_at",
    "resolved_at",
    "resolution",
    "root_cause",
)
CUSTOMER_FIELDS = ("id", "external_id", "name", "phone", "email", "address", "tier", "created_at")
TICKETS_SQL = """
SELECT t.id, t.number, t.subject, t.description, t.customer_request, t.customer_id, t.channel,
       t.category, t.complaint_level, t.priority, t.status, tm.code, a.username, p.sku, o.number,
       t.created_at, t.updated_at, t.resolved_at, t.resolution, t.root_cause
FROM ticket t
LEFT JOIN team tm ON tm.id = t.team_id
LEFT JOIN agent a ON a.id = t.assignee_id
LEFT JOIN product p ON p.id = t.product_id
LEFT JOIN customer_order o ON o.id = t.order_id
WHERE t.updated_at >= ?
ORDER BY t.pk
"""
CUSTOMERS_SQL = (
    f"SELECT {', '.join(CUSTOMER_FIELDS)} FROM customer WHERE created_at >= ? ORDER BY pk"
)
EVENTS_SQL = (
    "SELECT ticket_id, id, kind, actor_id, at, body, data_json FROM ticket_event "
    "WHERE ticket_id IN ({}) ORDER BY ticket_id, at, pk"
)
CHUNK = 500
EPOCH = "0000"


def ticket_records(
    conn: sqlite3.Connection, since: str | None, with_events: bool
) -> Iterator[dict[str, Any]]:
    cursor = conn.execute(TICKETS_SQL, (since or EPOCH,))
    while rows := cursor.fetchmany(CHUNK):
        records = [{k: v for k, v in zip(TICKET_FIELDS, row, strict=True)} for row in rows]
        if with_events:
            timelines = _timelines(conn, [r["id"] for r in records])
            for record in records:
                record["events"] = timelines.get(record["id"], [])
        yield from records


def customer_records(conn: sqlite3.Connection, since: str | None) -> Iterator[dict[str, Any]]:
    for row in conn.execute(CUSTOMERS_SQL, (since or EPOCH,)):
        yield dict(zip(CUSTOMER_FIELDS, row, strict=True))


def _timelines(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    rows = conn.execute(EVENTS_SQL.format(", ".join("?" * len(ids))), ids)
    for ticket_id, ident, kind, actor, at, body, data in rows:
        entry = {
            "id": ident,
            "kind": kind,
            "actor_id": actor,
            "at": at,
            "body": body,
            "data": json.loads(data),
        }
        found.setdefault(ticket_id, []).append(entry)
    return found


def write_csv(out: TextIO, fields: tuple[str, ...], records: Iterator[dict[str, Any]]) -> int:
    writer = csv.writer(out)
    writer.writerow(fields)
    count = 0
    for record in records:
        writer.writerow(["" if record.get(f) is None else record[f] for f in fields])
        count += 1
    return count


def write_json(out: TextIO, key: str, records: Iterator[dict[str, Any]]) -> int:
    """`{"<key>": [...]}`, written record by record (a large export never sits in memory)."""
    out.write(f'{{"{key}": [')
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
