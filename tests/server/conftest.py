"""Server test helpers: a seeded server database on each backend, accounts, pulling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agentdesk.server import accounts, db, pull
from agentdesk.server.seeding import seed_from_store
from tests.conftest import NOW

PASSWORD = "correct horse battery"


def seed_database(db_url: str, store: Path, password: str = PASSWORD) -> None:
    """Upgrade the database at `db_url` and load `store` into it, every account with `password`."""
    db.upgrade(db_url)
    server = db.make_engine(db_url)
    with server.begin() as conn:
        seed_from_store(conn, store, accounts.hash_password(password), NOW)
    server.dispose()


@pytest.fixture
def engine(db_url: str, seeded: Path) -> Iterator[Engine]:
    """A server database seeded from the tests' store: 4 teams, 5 agents, 2 customers, 3 tickets."""
    seed_database(db_url, seeded)
    server = db.make_engine(db_url)
    yield server
    server.dispose()


def who(engine: Engine, username: str) -> accounts.Account:
    with engine.connect() as conn:
        return accounts.account_by_username(conn, username)


def pull_all(engine: Engine, account: accounts.Account, cursor: str | None = None,
             limit: int = 500) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
    """Every page until has_more is false; returns the changes and the last cursor."""
    found: list[dict[str, Any]] = []
    while True:
        with engine.connect() as conn:
            page = pull.pull(conn, account, cursor, limit)
        found += page.changes
        cursor = page.cursor
        if not page.has_more:
            return found, cursor
