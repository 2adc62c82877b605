"""`authority.toml` in the policy folder: refund authority by role and by agent (SPEC R4).
A profile's policy folder may hold its own; without one the shipped file applies. A bad file is
refused with the file, the key and the reason."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentdesk.domain.authority import RefundAuthority
from agentdesk.domain.model import Role
from agentdesk.i18n import t
from agentdesk.io.policy_files import (
    SHIPPED_POLICY_DIR,
    PolicyError,
    folder_or_shipped,
    read_policy_file,
    validated,
)

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
    path = folder_or_shipped(directory, FILE)
    return parse_authority(read_policy_file(path), str(path))


@lru_cache(maxsize=1)
def shipped_authority() -> RefundAuthority:
    return load_authority(SHIPPED_POLICY_DIR)


def parse_authority(text: str, label: str = FILE) -> RefundAuthority:
    parsed = validated(text, label, _AuthorityFile)
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
