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


def test_reviews_drawn_before_qa_synced_are_queued_for_the_server(tmp_path: Path) -> None:
    """Migration 0015: a lead's reviews from before QA reviews synced go out with the next sync
    (a draw each, and a score for the scored one), after the edits already waiting."""
    import json

    from alembic import command

    from agentdesk.store.migrations import alembic_config

    path = tmp_path / "older.db"
    engine = database.make_engine(path)
    with engine.connect() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0014")
        conn.commit()
    engine.dispose()
    raw = sqlite3.connect(path)  # foreign keys off: the reviewed tickets do not matter here
    raw.execute(
        "INSERT INTO sync_state (id, client_id, next_mutation_id, acked_mutation_id, "
        "protocol_version, schema_version) VALUES (1, 'c-1', 8, 7, 1, '0014')"
    )
    columns = "ticket_id, agent_id, drawn_at, drawn_by, period_since, period_until, seed"
    raw.execute(
        f"INSERT INTO qa_review ({columns}, scored_at, tone, professionalism, efficiency, "
        "compliance, comment) VALUES ('t-1', 'ag-1', '2026-11-20T01:00:00+00:00', 'ag-4', "
        "'2026-11-01', '2026-11-20', 42, '2026-11-21T02:00:00+00:00', 4, 5, 3, 4, '语气好')"
    )
    raw.execute(
        f"INSERT INTO qa_review ({columns}) VALUES ('t-2', 'ag-2', '2026-11-20T01:00:00+00:00', "
        "'ag-4', '2026-11-01', '2026-11-20', 42)"
    )
    raw.commit()
    raw.close()
    database.upgrade(path)
    conn = database.connect(path)
    queued = conn.execute(
        "SELECT mutation_id, name, ticket_id, state, args_json FROM outbox ORDER BY mutation_id"
    ).fetchall()
    next_id = conn.execute("SELECT next_mutation_id FROM sync_state").fetchone()[0]
    reviews = conn.execute("SELECT id, ticket_id, tone FROM qa_review ORDER BY id").fetchall()
    conn.close()
    assert [(q[0], q[1], q[2], q[3]) for q in queued] == [
        (8, "qa.draw.v1", "t-1", "pending"),
        (9, "qa.score.v1", "t-1", "pending"),
        (10, "qa.draw.v1", "t-2", "pending"),
    ]
    assert json.loads(queued[1][4]) == {
        "ticket_id": "t-1", "tone": 4, "professionalism": 5, "efficiency": 3, "compliance": 4,
        "comment": "语气好",
    }  # fmt: skip
    assert next_id == 11 and reviews == [("t-1", "t-1", 4), ("t-2", "t-2", None)]
