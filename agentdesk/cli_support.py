"""What every `agentdesk` command shares: the profile (settings, store, clock) and output."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from agentdesk.domain.clock import Clock
from agentdesk.domain.errors import AgentdeskError
from agentdesk.settings import Paths, Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentdesk.domain.records import AgentRecord
    from agentdesk.store.repository import Repository


class Profile:
    """Settings, locations and the clock for one command invocation."""

    def __init__(self, settings: Settings, paths: Paths, store: Path, clock: Clock) -> None:
        self.settings = settings
        self.paths = paths
        self.store = store
        self.clock = clock

    def repository(self, progress: Callable[[int], None] | None = None) -> Repository:
        """The store's repository under the current SLA policy (`progress`: of a recompute)."""
        from agentdesk.store import database
        from agentdesk.store.repository import Repository

        if database.store_revision(self.store) is None:
            raise AgentdeskError("error.store_missing", path=str(self.store))
        database.open_store(self.store)
        repo = Repository(database.make_engine(self.store))
        self.install_policy(repo, progress)
        return repo

    def policy_dir(self) -> Path:
        from agentdesk.io.policy_files import SHIPPED_POLICY_DIR

        return self.settings.policy_dir or SHIPPED_POLICY_DIR

    def install_policy(
        self, repo: Repository, progress: Callable[[int], None] | None = None
    ) -> None:
        """Use the policy folder's SLA policy (or the last good one) and banned-phrase rules
        (or the shipped ones), saying why on stderr."""
        from agentdesk.io.phrase_files import load_banned
        from agentdesk.io.policy_files import install_policy

        load, _ = install_policy(repo, self.policy_dir(), self.clock.now(), progress)
        if load.problem:
            typer.echo(f"agentdesk: {load.problem}", err=True)
        rules, problem = load_banned(self.policy_dir())
        repo.use_rules(rules)
        if problem:
            typer.echo(f"agentdesk: {problem}", err=True)
        from agentdesk.io.authority_file import install_authority

        refused = install_authority(repo, self.policy_dir())
        if refused:
            typer.echo(f"agentdesk: {refused}", err=True)
        from agentdesk.io.quality_file import install_follow_up

        refused = install_follow_up(repo, self.policy_dir())
        if refused:
            typer.echo(f"agentdesk: {refused}", err=True)

    def acting_agent(self, repo: Repository, username: str | None) -> AgentRecord:
        """`--agent`, else the config's agent, else the account this profile signed in as."""
        name = username or self.settings.agent or self._signed_in_as()
        if not name:
            raise AgentdeskError("error.no_agent")
        return repo.agent_by_username(name)

    def _signed_in_as(self) -> str | None:
        from agentdesk.cli_login import load_session

        stored = load_session(self.paths.config_dir / "session.json")
        return stored.username if stored else None


def profile_of(ctx: typer.Context) -> Profile:
    profile: Profile = ctx.ensure_object(dict)["profile"]
    return profile


def emit(data: Any, as_json: bool, human: Any) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))
    else:
        human()


def json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(type(value).__name__)


def local_time(iso: str | None) -> str:
    """A stored UTC time as the service centre's local time, as the console shows it."""
    from agentdesk.console import DEFAULT_ZONE

    if iso is None:
        return "—"
    return datetime.fromisoformat(iso).astimezone(DEFAULT_ZONE).strftime("%Y-%m-%d %H:%M")
