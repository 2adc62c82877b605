"""What the console runs with: the store, the signed-in agent, the clock, the time zone.

Built by the CLI (or a test) and handed to the app, so tests inject a frozen clock and a temp
store. The ORM-backed repository is created on first use, off the start-up path.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from agentdesk.domain.clock import Clock
from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.records import AgentRecord, TeamRecord
from agentdesk.i18n import current_language
from agentdesk.store import database, lookups

if TYPE_CHECKING:
    import httpx

    from agentdesk.domain.phrase_check import RuleSet
    from agentdesk.store.repository import Repository

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
QUEUE_CACHE_MB = 32  # measured: English search p95 at 1M tickets 36 → 24 ms, RSS +30 MB


@dataclass(frozen=True)
class ServerLink:
    """Where and as whom this console syncs; `http` makes the HTTP client (tests hand in the
    server app in-process, or a transport that fails to play offline). A session renewed by
    signing in again is saved to `session_file` (the profile's, as `agentdesk login` does)."""

    url: str
    token: str
    http: Callable[[], httpx.Client]
    username: str = ""
    session_file: Path | None = None

    def sign_in_again(self, password: str) -> ServerLink:
        """A new session for the same account (the old one expired or was revoked)."""
        import httpx

        from agentdesk.cli_login import StoredSession, answer_of, save_session

        body = {"username": self.username, "password": password}
        with self.http() as http:
            try:
                response = http.post(f"{self.url}/v1/auth/login", json=body)
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise AgentdeskError(
                    "error.server_unreachable", url=self.url, reason=reason
                ) from exc
        answer = answer_of(response)
        if self.session_file is not None:
            stored = StoredSession(self.url, self.username, answer["token"], answer["expires_at"])
            save_session(self.session_file, stored)
        return replace(self, token=answer["token"])


@dataclass(frozen=True)
class MonitorOptions:
    """The supervisor monitor's schedule and period (`agentdesk monitor --every --days`)."""

    interval: float = 10.0  # seconds between refreshes
    days: int = 7  # the KPIs' period: the last N local days, today included


@dataclass
class ConsoleContext:
    store_path: Path
    agent: AgentRecord
    clock: Clock
    zone: ZoneInfo = DEFAULT_ZONE
    tick_seconds: float = 1.0
    keymap: dict[str, str] = field(default_factory=dict)  # binding id → keys, from config
    policy_dir: Path | None = None  # SLA policy folder (None: the shipped one)
    escalation_interval: float = 60.0  # seconds between escalation sweeps
    teams: list[TeamRecord] = field(default_factory=list)
    agent_names: dict[str, str] = field(default_factory=dict)
    reader: sqlite3.Connection | None = None
    rules: RuleSet | None = None  # banned-phrase rules, once the policy worker loaded them
    link: ServerLink | None = None  # the central server this console syncs with (signed in)
    sync_interval: float = 30.0
    _repository: Repository | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls,
        store_path: Path,
        username: str,
        clock: Clock,
        *,
        zone: ZoneInfo = DEFAULT_ZONE,
        tick_seconds: float = 1.0,
        keymap: dict[str, str] | None = None,
        policy_dir: Path | None = None,
        escalation_interval: float = 60.0,
        link: ServerLink | None = None,
        sync_interval: float = 30.0,
    ) -> ConsoleContext:
        database.open_store(store_path)
        reader = database.connect(store_path, cache_mb=QUEUE_CACHE_MB)
        agent = lookups.agent_by_username(reader, username)
        return cls(
            store_path=store_path,
            agent=agent,
            clock=clock,
            zone=zone,
            tick_seconds=tick_seconds,
            keymap=dict(keymap or {}),
            policy_dir=policy_dir,
            escalation_interval=escalation_interval,
            link=link,
            sync_interval=sync_interval,
            teams=lookups.teams(reader),
            agent_names=lookups.agent_names(reader),
            reader=reader,
        )

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def conn(self) -> sqlite3.Connection:
        assert self.reader is not None
        return self.reader

    def repository(self) -> Repository:
        """The write/read repository; importing the ORM happens here, once, in any thread."""
        with self._lock:
            if self._repository is None:
                from agentdesk.store.repository import Repository

                self._repository = Repository(database.make_engine(self.store_path))
            return self._repository

    def team_name(self, team_id: str | None) -> str:
        for team in self.teams:
            if team.id == team_id:
                return team.name(current_language())
        return "—"

    def team_code(self, team_id: str | None) -> str | None:
        return next((team.code for team in self.teams if team.id == team_id), None)

    def agent_name(self, agent_id: str | None) -> str:
        return self.agent_names.get(agent_id or "", "—")

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self._repository is not None:
            self._repository.engine.dispose()
