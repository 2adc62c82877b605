"""`authority.toml` in the policy folder: refund authority by role and by agent (SPEC R4).
A profile's policy folder may hold its own; without one the shipped file applies. A bad file is
refused with the file, the key and the reason."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentdesk.domain.authority import RefundAuthority
from agentdesk.domain.model import Role
from agentdesk.i18n import t
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError

FILE = "authority.toml"


class _Refund(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: float = Field(ge=0)
    lead: float = Field(ge=0)
    admin: float = Field(ge=0)
    per_agent: dict[str, float] = Field(default_factory=dict)


class _AuthorityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refund: _Refund


def load_authority(directory: Path) -> RefundAuthority:
    """The folder's authority.toml, or the shipped one when the folder has none."""
    path = directory / FILE
    if not path.exists():
        path = SHIPPED_POLICY_DIR / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), "-", str(exc)) from None
    return parse_authority(text, str(path))


@lru_cache(maxsize=1)
def shipped_authority() -> RefundAuthority:
    return load_authority(SHIPPED_POLICY_DIR)


def parse_authority(text: str, label: str = FILE) -> RefundAuthority:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(label, t("policy.syntax"), str(exc)) from None
    try:
        parsed = _AuthorityFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(step) for step in err["loc"]) or "-"
        raise PolicyError(label, where, err["msg"]) from None
    for name, amount in parsed.refund.per_agent.items():
        if amount < 0:
            raise PolicyError(label, f"refund.per_agent.{name}", t("policy.negative_amount"))
    refund = parsed.refund
    return RefundAuthority(
        {Role.AGENT: _cents(refund.agent), Role.LEAD: _cents(refund.lead),
         Role.ADMIN: _cents(refund.admin)},
        {name: _cents(amount) for name, amount in refund.per_agent.items()},
    )  # fmt: skip


def _cents(yuan: float) -> int:
    return round(yuan * 100)


def install_authority(repo: Any, directory: Path | None) -> str | None:
    """Give `repo` the folder's refund authority; a refused file keeps the shipped one and
    returns why (one line)."""
    try:
        repo.use_authority(load_authority(directory or SHIPPED_POLICY_DIR))
    except PolicyError as exc:
        return exc.message()
    return None
