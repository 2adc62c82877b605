"""One typed settings model: where config, store and logs live, and what the user chose.

Locations come from platformdirs; AGENTDESK_HOME=<dir> puts config, store and logs in one folder.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentdesk.domain.errors import AgentdeskError

APP_NAME = "agentdesk"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["en", "zh-CN"] | None = None
    agent: str | None = Field(default=None, description="username signed in on this console")
    store_path: Path | None = None
    sync_interval: float = Field(default=30.0, gt=0)
    tick_seconds: float = Field(default=1.0, gt=0)
    keymap: dict[str, str] = Field(default_factory=dict)
    policy_dir: Path | None = Field(
        default=None, description="SLA policy folder (default: the shipped data/policy)"
    )
    escalation_interval: float = Field(default=60.0, gt=0, description="seconds between sweeps")
    monitor_interval: float = Field(
        default=10.0, ge=1, description="seconds between the supervisor monitor's refreshes"
    )


class Paths(BaseModel):
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def default_store(self) -> Path:
        return self.data_dir / "agentdesk.db"


def resolve_paths() -> Paths:
    home = os.environ.get("AGENTDESK_HOME")
    if home:
        base = Path(home).expanduser()
        return Paths(config_dir=base, data_dir=base, log_dir=base / "logs")
    import platformdirs

    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME)),
    )


def load_settings(paths: Paths | None = None) -> Settings:
    """Read config.toml (missing → defaults); a broken file raises a one-line error."""
    paths = paths or resolve_paths()
    file = paths.config_file
    if not file.exists():
        return Settings()
    try:
        with file.open("rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise AgentdeskError("error.config_syntax", file=str(file), reason=str(exc)) from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "?"
        raise AgentdeskError(
            "error.config_field", file=str(file), field=field, reason=err["msg"]
        ) from None


def store_path(settings: Settings, paths: Paths) -> Path:
    return settings.store_path or paths.default_store
