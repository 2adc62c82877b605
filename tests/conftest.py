"""Shared fixtures: a frozen clock, temp profiles (AGENTDESK_HOME), migrated stores."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentdesk import i18n
from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import Category, Channel, ComplaintLevel, Priority
from agentdesk.domain.records import AgentRecord, NewCustomer, NewTicket
from agentdesk.store import database
from tests.pg_server import LocalPostgres, PostgresNotFound

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own profile folder and English unless it asks otherwise."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AGENTDESK_HOME", str(home))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    database.upgrade(path)
    return path


TEAMS = [
    ("team-fl", "front_line", "Front line", "一线客服", "front_line"),
    ("team-ts", "technical", "Technical support", "技术支持", "technical"),
    ("team-as", "after_sales", "After-sales", "售后服务", "after_sales"),
    ("team-ld", "leads", "Team leads", "主管组", "leads"),
]
AGENTS = [
    ("ag-1", "zhang.wei", "张伟", "agent", "team-fl", "zh-CN", 1),
    ("ag-2", "emma.clark", "Emma Clark", "agent", "team-fl", "en", 1),
    ("ag-3", "li.na", "李娜", "agent", "team-as", "zh-CN", 1),
    ("ag-4", "chen.jing", "陈静", "lead", "team-ld", "zh-CN", 1),
    ("ag-5", "sun.li", "孙丽", "supervisor", "team-ld", "zh-CN", 1),
]


def seed_people(path: Path) -> None:
    conn = database.connect(path)
    with conn:
        conn.executemany("INSERT INTO team VALUES (?,?,?,?,?)", TEAMS)
        conn.executemany(
            "INSERT INTO agent (id, username, display_name, role, team_id, language, active) "
            "VALUES (?,?,?,?,?,?,?)",
            AGENTS,
        )
    conn.close()


@pytest.fixture
def seeded(store: Path, clock: FrozenClock) -> Path:
    """A store with teams, agents, two customers and three tickets made through the repository."""
    from agentdesk.store.repository import Repository

    seed_people(store)
    repo = Repository(database.make_engine(store))
    me = repo.agent_by_username("zhang.wei")
    now = clock.now()
    repo.create_ticket(
        NewTicket("", Channel.PHONE, Category.REFUND, "退款没有到账", "订单退款三天了还没到账"),
        me,
        now,
        take=True,
        new_customer=NewCustomer("王芳", "13812345678", "wangfang@example.cn", "上海市浦东新区"),
    )
    other = repo.find_customers("13812345678")[0]
    repo.create_ticket(
        NewTicket(
            other.id,
            Channel.WECHAT,
            Category.COMPLAINT,
            "Robot vacuum stopped charging",
            "Customer angry: second failure in a month",
            complaint_level=ComplaintLevel.MAJOR,
            priority=Priority.HIGH,
        ),
        me,
        now,
    )
    repo.create_ticket(
        NewTicket("", Channel.EMAIL, Category.INQUIRY, "Warranty question", "How long is it?"),
        me,
        now,
        new_customer=NewCustomer("Oliver Smith", "+44 7700 900123", "oliver@example.co.uk"),
    )
    repo.engine.dispose()
    return store


@pytest.fixture
def make_app(seeded: Path, clock: FrozenClock) -> Any:
    """Builds the real app over the seeded store with the frozen clock (ticks only on demand)."""
    from agentdesk.app import AgentDeskApp
    from agentdesk.console import ConsoleContext

    def factory(username: str = "zhang.wei", store: Path | None = None) -> AgentDeskApp:
        context = ConsoleContext.open(store or seeded, username, clock, tick_seconds=3600)
        app = AgentDeskApp(context)
        # Textual may be imported (by the snapshot plugin) before TEXTUAL_ANIMATIONS is set.
        app.animation_level = "none"
        return app

    return factory


@pytest.fixture
def repo(seeded: Path) -> Iterator[object]:
    from agentdesk.store.repository import Repository

    repository = Repository(database.make_engine(seeded))
    yield repository
    repository.engine.dispose()


def agent(repo: object, username: str = "zhang.wei") -> AgentRecord:
    return repo.agent_by_username(username)  # type: ignore[attr-defined, no-any-return]


def rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -- databases for the central server: SQLite and a real PostgreSQL ---------------------------

_pg_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One private PostgreSQL cluster for the whole session, on 127.0.0.1 and a free port.

    Skipped only when AGENTDESK_NO_POSTGRES=1; a machine without PostgreSQL fails instead,
    so that a missing install never passes silently."""
    if os.environ.get("AGENTDESK_NO_POSTGRES") == "1":
        pytest.skip("PostgreSQL tests switched off by AGENTDESK_NO_POSTGRES=1")
    try:
        server = LocalPostgres()
    except PostgresNotFound as error:
        missing = str(error)
    else:
        missing = ""
    if missing:
        pytest.fail(
            f"{missing}. `.ci/run` installs it (apt-get install postgresql); "
            "or set AGENTDESK_NO_POSTGRES=1 to skip the PostgreSQL tests",
            pytrace=False,
        )
    with server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for SQLAlchemy; a test taking it runs once on each backend.

    PostgreSQL is started (once per session) only when a postgresql case runs; each test gets
    its own database, dropped afterwards (WITH (FORCE), so engines left open do not matter)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/server.db"
        return
    server: LocalPostgres = request.getfixturevalue("postgres")
    name = f"t_{next(_pg_databases)}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)
