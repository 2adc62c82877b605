"""Opening stores: new, current, foreign, corrupt; pragmas; migrations from the first schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentdesk.domain.errors import AgentdeskError
from agentdesk.store import database


def test_new_store_is_migrated_with_wal_and_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert database.upgrade(path) == (None, database.HEAD_REVISION)
    assert database.upgrade(path) == (database.HEAD_REVISION, database.HEAD_REVISION)
    conn = database.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA application_id").fetchone()[0] == database.APPLICATION_ID
    conn.close()


def test_head_revision_constant_matches_the_migrations() -> None:
    from alembic.script import ScriptDirectory

    from agentdesk.store.migrations import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == (
        database.HEAD_REVISION
    )


def test_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, not a database")
    with pytest.raises(AgentdeskError, match="not an agentdesk store"):
        database.open_store(path)
    assert path.read_text() == "hello, not a database"


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(AgentdeskError, match="another program"):
        database.open_store(path)
    assert path.read_bytes() == before


def test_a_damaged_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    database.upgrade(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page
    path.write_bytes(bytes(data))
    with pytest.raises(AgentdeskError):
        database.open_store(path)


def test_a_store_from_a_newer_agentdesk_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    database.upgrade(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(AgentdeskError, match="newer agentdesk"):
        database.open_store(path)
    assert path.read_bytes() == before
