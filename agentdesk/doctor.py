"""`agentdesk doctor`: is this machine and profile ready to work, and if not, what to fix."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t
from agentdesk.settings import Paths, load_settings
from agentdesk.store import database


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(paths: Paths, store: Path) -> list[Check]:
    checks = [
        Check(
            t("doctor.versions"),
            True,
            f"agentdesk {version('agentdesk')}, "
            f"textual {version('textual')}, SQLite {sqlite3.sqlite_version}",
        ),
        Check(
            t("doctor.paths"),
            True,
            t(
                "doctor.paths_detail",
                config=str(paths.config_file),
                store=str(store),
                logs=str(paths.log_dir),
            ),
        ),
        _config_check(paths),
    ]
    checks.extend(_store_checks(store))
    return checks


def _config_check(paths: Paths) -> Check:
    try:
        load_settings(paths)
    except AgentdeskError as exc:
        return Check(t("doctor.config"), False, exc.message())
    exists = paths.config_file.exists()
    return Check(t("doctor.config"), True, t("doctor.config_ok" if exists else "doctor.no_config"))


def _store_checks(store: Path) -> list[Check]:
    name = t("doctor.store")
    try:
        revision = database.store_revision(store)
    except AgentdeskError as exc:
        return [Check(name, False, exc.message())]
    if revision is None:
        return [Check(name, False, t("error.store_missing", path=str(store)))]
    if revision != database.HEAD_REVISION:
        return [Check(name, False, t("doctor.store_old", revision=revision))]
    conn = database.connect(store, readonly=True)
    try:
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM outbox WHERE state='pending'").fetchone()[0]
    finally:
        conn.close()
    return [
        Check(
            name,
            integrity == "ok",
            t("doctor.store_ok", revision=revision, tickets=tickets)
            if integrity == "ok"
            else integrity,
        ),
        Check(t("doctor.journal"), journal == "wal", journal),
        Check(t("doctor.outbox"), True, t("doctor.outbox_detail", pending=pending)),
    ]
