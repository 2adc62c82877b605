"""`quality.toml` in the policy folder: the quality measures' targets and clocks (SPEC R7).
A profile's policy folder may hold its own; without one the shipped file applies. A bad file is
refused with the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from agentdesk.domain.follow_up import FollowUpPolicy, LowScoreAction
from agentdesk.domain.metrics import QualityPolicy, QualityTargets
from agentdesk.domain.model import Channel
from agentdesk.domain.sla_policy import NAME_PATTERN, parse_duration
from agentdesk.i18n import t
from agentdesk.io.policy_files import (
    SHIPPED_POLICY_DIR,
    PolicyError,
    folder_or_shipped,
    read_policy_file,
    validated,
)

FILE = "quality.toml"


class _Targets(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fcr: float = Field(default=0.90, ge=0, le=1)
    csat: float = Field(default=4.5, ge=1, le=5)
    first_response: Annotated[int, BeforeValidator(parse_duration)] = 3600
    sla_attainment: float = Field(default=0.95, ge=0, le=1)


class _Measures(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_response_clock: str = Field(default="first_response", pattern=NAME_PATTERN)
    handling_clock: str = Field(default="resolution", pattern=NAME_PATTERN)
    zone: str = "Asia/Shanghai"


Hours = Annotated[int, Field(ge=1, le=24 * 90)]


class _FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after_hours: Hours = 24
    by_channel: dict[Channel, Hours] = Field(default_factory=dict)
    low_score: int = Field(default=2, ge=0, le=4)
    on_low_score: LowScoreAction = LowScoreAction.REOPEN


class _QualityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: _Targets = Field(default_factory=_Targets)
    measures: _Measures = Field(default_factory=_Measures)
    follow_up: _FollowUp = Field(default_factory=_FollowUp)


def load_quality(directory: Path) -> QualityPolicy:
    """The folder's quality.toml, or the shipped one when the folder has none."""
    path = folder_or_shipped(directory, FILE)
    return parse_quality(read_policy_file(path), str(path))


def parse_quality(text: str, label: str = FILE) -> QualityPolicy:
    parsed = validated(text, label, _QualityFile)
    measures = parsed.measures
    try:
        ZoneInfo(measures.zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(
            label, "measures.zone", t("policy.unknown_zone", value=measures.zone)
        ) from None
    targets = parsed.targets
    return QualityPolicy(
        targets=QualityTargets(
            targets.fcr, targets.csat, targets.first_response, targets.sla_attainment
        ),
        first_response_clock=measures.first_response_clock,
        handling_clock=measures.handling_clock,
        zone=measures.zone,
        follow_up=FollowUpPolicy(
            after_hours=parsed.follow_up.after_hours,
            by_channel={c.value: h for c, h in parsed.follow_up.by_channel.items()},
            low_score=parsed.follow_up.low_score,
            on_low_score=parsed.follow_up.on_low_score,
        ),
    )


def install_follow_up(repo: Any, directory: Path | None) -> str | None:
    """Give `repo` the folder's follow-up policy; a refused file keeps the shipped one and
    returns why (one line)."""
    try:
        repo.use_follow_up(load_quality(directory or SHIPPED_POLICY_DIR).follow_up)
    except PolicyError as exc:
        return exc.message()
    return None
