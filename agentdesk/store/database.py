"""Opening the local store: pragmas, identity check, schema revision, migrations.

The console's read path uses plain `sqlite3` (fast start, no ORM import before the first
frame); writes and migrations go through SQLAlchemy/SQLModel, imported when first needed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.domain.errors import AgentdeskError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

APPLICATION_ID = 0x41474453  # "AGDS" in the SQLite header marks an agentdesk store
HEAD_REVISION = "0015"
SQLITE_MAGIC = b"SQLite format 3\x00"
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


def apply_pragmas(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)


def connect(path: Path, *, readonly: bool = False, cache_mb: int = 0) -> sqlite3.Connection:
    """A raw connection with the store's pragmas (autocommit off: callers commit).

    `cache_mb` enlarges SQLite's page cache (default 2 MB): the console's queue connection
    uses it so searches over a million tickets find their index pages in memory."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")
        return conn
    conn = sqlite3.connect(path, check_same_thread=False)
    apply_pragmas(conn)
    if cache_mb:
        conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
    return conn


def check_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database (a foreign or corrupt file)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        header = f.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise AgentdeskError("error.store_not_sqlite", path=str(path))


def identify(conn: sqlite3.Connection, path: Path) -> str | None:
    """The store's schema revision, None for an empty file; foreign databases are refused."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise AgentdeskError("error.store_corrupt", path=str(path), reason=str(exc)) from None
    if not tables:
        return None
    if app_id != APPLICATION_ID or "alembic_version" not in tables:
        raise AgentdeskError("error.store_foreign", path=str(path))
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def store_revision(path: Path) -> str | None:
    check_file(path)
    if not path.exists():
        return None
    conn = connect(path, readonly=True)
    try:
        return identify(conn, path)
    finally:
        conn.close()


def make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, open transactions (BEGIN IMMEDIATE for writers).
        dbapi_conn.isolation_level = None
        apply_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: object) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    return engine


def upgrade(path: Path) -> tuple[str | None, str]:
    """Bring the store at `path` to the newest schema; returns (before, after) revisions."""
    before = store_revision(path)
    if before == HEAD_REVISION:
        return before, before
    path.parent.mkdir(parents=True, exist_ok=True)
    from alembic import command
    from alembic.script import ScriptDirectory

    from agentdesk.store.migrations import alembic_config

    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if before is not None and before not in known:
        raise AgentdeskError("error.store_newer", path=str(path), revision=before)

    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
    finally:
        engine.dispose()
    return before, HEAD_REVISION


def open_store(path: Path) -> None:
    """Check the store is ours and current, creating or upgrading it as needed."""
    revision = store_revision(path)
    if revision != HEAD_REVISION:
        upgrade(path)
