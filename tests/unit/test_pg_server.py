"""The database fixtures themselves: SQLite and a private PostgreSQL, each fresh per test."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text

from tests.pg_server import LocalPostgres, find_bindir

_seen_urls: set[str] = set()


def _use(db_url: str) -> None:
    """Connect, check the database is empty, make a table, write, read back."""
    assert db_url not in _seen_urls, "two tests got the same database"
    _seen_urls.add(db_url)
    engine = create_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == [], "a fresh database has tables"
        with engine.begin() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            conn.execute(text("CREATE TABLE leftover (id INTEGER PRIMARY KEY, name TEXT)"))
            conn.execute(
                text("INSERT INTO leftover (id, name) VALUES (:id, :name)"),
                [{"id": 1, "name": "张伟"}, {"id": 2, "name": "Emma"}],
            )
        with engine.connect() as conn:
            got = conn.execute(text("SELECT id, name FROM leftover ORDER BY id")).all()
            assert [tuple(row) for row in got] == [(1, "张伟"), (2, "Emma")]
            if engine.dialect.name == "postgresql":
                xid = conn.execute(text("SELECT pg_current_xact_id()::text")).scalar_one()
                assert int(xid) > 0
        assert inspect(engine).get_table_names() == ["leftover"]
    finally:
        engine.dispose()


def test_database_is_usable(db_url: str) -> None:
    _use(db_url)


def test_next_test_gets_another_empty_database(db_url: str) -> None:
    # Both tests make the table `leftover`: whichever runs second would see it if shared.
    _use(db_url)


def test_backend_matches_the_param(db_url: str, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params["db_url"]
    assert db_url.startswith(
        {"sqlite": "sqlite:///", "postgresql": "postgresql+psycopg://"}[backend]
    )
    if backend == "sqlite":
        assert db_url.endswith("/server.db")
        assert not Path(db_url.removeprefix("sqlite:///")).exists()


def test_server_listens_on_localhost_only(postgres: LocalPostgres) -> None:
    with psycopg.connect(postgres.dsn("postgres")) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("listen_addresses", "port", "unix_socket_directories", "fsync")
        }
        assert conn.execute("SELECT current_user").fetchone() == ("agentdesk",)
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["port"] == str(postgres.port)
    assert settings["unix_socket_directories"] == str(postgres.socket_dir)
    assert settings["fsync"] == "off"
    assert postgres.url("x") == f"postgresql+psycopg://agentdesk@127.0.0.1:{postgres.port}/x"


def test_database_names_are_checked(postgres: LocalPostgres) -> None:
    with pytest.raises(ValueError):
        postgres.create_database('x"; DROP DATABASE postgres; --')


def test_stop_ends_its_server_and_removes_its_directory() -> None:
    if os.environ.get("AGENTDESK_NO_POSTGRES") == "1":
        pytest.skip("PostgreSQL tests switched off by AGENTDESK_NO_POSTGRES=1")
    with LocalPostgres(find_bindir()) as server:
        pid, tmpdir = server.pid, server.tmpdir
        assert pid is not None and tmpdir is not None
        assert (tmpdir / "data" / "postmaster.pid").read_text().split()[0] == str(pid)
        os.kill(pid, 0)  # alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not tmpdir.exists()
    server.stop()  # idempotent
