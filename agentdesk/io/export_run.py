"""Running an export: the rows out of the store, to a file or standard output, and one line in
the audit log (who, when, what, how many, why) in the same transaction as the read."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from agentdesk.domain.errors import AgentdeskError, ValidationFailed
from agentdesk.io import exports
from agentdesk.io.imports.dates import DateRefused, iso_utc, parse_instant
from agentdesk.store import database

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

    from agentdesk.cli_support import Profile
    from agentdesk.store.repository import Repository


def export(
    profile: Profile,
    kind: str,
    fmt: str,
    file: Path | None,
    since: str | None,
    reason: str,
    agent: str | None,
) -> int:
    """Write `kind` (tickets or customers) as `fmt` (csv or json); returns how many rows."""
    from agentdesk.console import DEFAULT_ZONE

    since_iso = _since(since, DEFAULT_ZONE) if since else None
    repo = profile.repository()
    actor = _actor_id(profile, repo, agent)
    repo.engine.dispose()
    conn = database.connect(profile.store)
    try:
        conn.execute("BEGIN")
        with _output(file, fmt) as out:
            count = _write(conn, kind, fmt, out, since_iso)
        target = f"{kind}:{fmt}:{file or '-'}:{count}"
        conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, target, reason) VALUES (?, ?, ?, ?, ?)",
            (iso_utc(profile.clock.now()), actor, "export", target, reason),
        )
        conn.commit()
    finally:
        conn.close()
    return count


def _write(conn: sqlite3.Connection, kind: str, fmt: str, out: TextIO, since: str | None) -> int:
    fields: tuple[str, ...]
    if kind == "tickets":
        records = exports.ticket_records(conn, since, with_events=fmt == "json")
        fields = exports.TICKET_FIELDS
    else:
        records = exports.customer_records(conn, since)
        fields = exports.CUSTOMER_FIELDS
    if fmt == "csv":
        return exports.write_csv(out, fields, records)
    return exports.write_json(out, kind, records)


@contextmanager
def _output(file: Path | None, fmt: str) -> Iterator[TextIO]:
    if file is None:
        yield sys.stdout
        return
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # the BOM tells Excel it is UTF-8
    try:
        handle = file.open("w", encoding=encoding, newline="")
    except OSError as exc:
        raise ValidationFailed(
            "error.cannot_write", file=str(file), reason=exc.strerror or ""
        ) from None
    with handle:
        yield handle


def _since(text: str, zone: ZoneInfo) -> str:
    try:
        return iso_utc(parse_instant(text, zone))
    except DateRefused:
        raise AgentdeskError("imports.bad_since", value=text) from None


def _actor_id(profile: Profile, repo: Repository, agent: str | None) -> str | None:
    try:
        return profile.acting_agent(repo, agent).id
    except AgentdeskError:
        if agent:
            raise
        return None
