"""The server database: one URL, PostgreSQL (`postgresql+psycopg://...`) or SQLite
(`sqlite:///path`), migrated by Alembic."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

from agentdesk.domain.errors import AgentdeskError

HEAD_REVISION = "s0009"


def normalize_url(url: str) -> str:
    """PostgreSQL URLs use the psycopg (3) driver; anything but PostgreSQL or SQLite is refused."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise AgentdeskError("error.bad_db_url", url=redacted(url))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def full_url(engine: Engine) -> str:
    """The engine's URL with its password, for a process of ours that opens the same database."""
    return engine.url.render_as_string(hide_password=False)


POOL_SIZE = 20  # connections kept per server process; its routes run in as many threads
POOL_OVERFLOW = 5  # opened for a moment beyond them (the escalation sweep's, a route's)
IDLE_BEFORE_PING_S = 10.0  # a pooled PostgreSQL connection idle longer is checked before use


def make_engine(
    url: str,
    pool_size: int = POOL_SIZE,
    max_overflow: int = POOL_OVERFLOW,
    pool_timeout: float = 30.0,
) -> Engine:
    """An engine with a pool of `pool_size` connections (+ `max_overflow` in a rush) per
    process; a request waits up to `pool_timeout` seconds for one."""
    url = normalize_url(url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 5}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        # One writer at a time, taken at BEGIN: a push's read of the client's last mutation id
        # and its write can never interleave with another push's.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    engine = sa.create_engine(url, **pool)
    _ping_when_idle(engine)
    return engine


def read_connection(engine: Engine) -> sa.Connection:
    """A connection for a request that only reads (`reads_only`)."""
    return reads_only(engine.connect())


def reads_only(conn: sa.Connection) -> sa.Connection:
    """`conn`, with no transaction open, from here on only reads. On PostgreSQL it then runs
    in autocommit: no BEGIN and ROLLBACK round trips, and the same reads, since under READ
    COMMITTED each statement reads its own snapshot anyway. (SQLite's connections begin
    IMMEDIATE, and stay so: its reads are cheap and local.)"""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before a request gets it, when it sat idle IDLE_BEFORE_PING_S
    or longer (PostgreSQL restarted, a firewall dropped it); a dead one is replaced by the
    pool. SQLAlchemy's pool_pre_ping checks every checkout: a round trip per request on a
    busy server whose connections are never idle for long. A connection that dies in use
    fails its request, which the API answers 503 (the console retries), and the pool
    replaces the connections opened before."""

    @event.listens_for(engine, "checkin")
    def checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_S:
            return  # just opened, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # transactions begin where SQLAlchemy says (see above)
    cursor = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def revision(engine: Engine) -> str | None:
    """The database's schema revision (None: not an agentdesk server database yet)."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise AgentdeskError(
            "error.db_unreachable", url=redacted(str(engine.url)), reason=_first_line(exc)
        ) from None


def upgrade(url: str) -> tuple[str | None, str]:
    """Bring the database at `url` to the newest schema; returns (before, after)."""
    from alembic import command

    from agentdesk.server.migrations import alembic_config

    engine = make_engine(url)
    try:
        before = revision(engine)
        if before != HEAD_REVISION:
            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        return before, HEAD_REVISION
    finally:
        engine.dispose()


def check_current(engine: Engine) -> None:
    """Refuse to serve a database that is missing or not upgraded."""
    found = revision(engine)
    if found != HEAD_REVISION:
        raise AgentdeskError(
            "error.db_not_upgraded", url=redacted(str(engine.url)), revision=found or "—"
        )


def dialect_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """The backend's own INSERT into `table`, the one with ON CONFLICT (`excluded`, do nothing,
    do update)."""
    return insert_on(conn.dialect.name, table)


def insert_on(backend: str, table: sa.Table) -> Any:
    """`dialect_insert` by the backend's name (for a statement built once per backend)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if backend == "postgresql" else sqlite).insert(table)


def insert_or_skip(conn: sa.Connection, table: sa.Table) -> Any:
    """INSERT into `table` that skips a row whose key is already there (ON CONFLICT DO NOTHING,
    the same on both backends); add `.returning(...)` to learn whether it wrote."""
    return dialect_insert(conn, table).on_conflict_do_nothing()


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
