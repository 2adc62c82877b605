"""`quality.toml` in the policy folder: the quality measures' targets and clocks (SPEC R7).
A profile's policy folder may hold its own; without one the shipped file applies. A bad file is
refused with the file, the key and the reason."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from agentdesk.domain.metrics import QualityPolicy, QualityTargets
from agentdesk.domain.sla_policy import NAME_PATTERN, parse_duration
from agentdesk.i18n import t
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError

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


class _QualityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: _Targets = Field(default_factory=_Targets)
    measures: _Measures = Field(default_factory=_Measures)


def load_quality(directory: Path) -> QualityPolicy:
    """The folder's quality.toml, or the shipped one when the folder has none."""
    path = directory / FILE
    if not path.exists():
        path = SHIPPED_POLICY_DIR / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), "-", str(exc)) from None
    return parse_quality(text, str(path))


def parse_quality(text: str, label: str = FILE) -> QualityPolicy:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(label, t("policy.syntax"), str(exc)) from None
    try:
        parsed = _QualityFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(step) for step in err["loc"]) or "-"
        raise PolicyError(label, where, err["msg"]) from None
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
    )
