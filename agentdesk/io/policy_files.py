"""Reading the SLA policy files (calendars.toml, sla.toml, escalation.toml) from a folder.

A refused folder gives one line naming the file, the key (or line) and the reason, and the
caller keeps the last policy that loaded cleanly (`load_with_fallback`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.sla_policy import (
    CalendarsFile,
    EscalationFile,
    PolicyCrossCheck,
    SlaFile,
    SlaPolicy,
    assemble,
)
from agentdesk.i18n import t

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from agentdesk.store.repository import Repository

SHIPPED_POLICY_DIR = Path(__file__).resolve().parents[2] / "data" / "policy"
SLA_FILES: dict[str, type[BaseModel]] = {
    "calendars.toml": CalendarsFile,
    "sla.toml": SlaFile,
    "escalation.toml": EscalationFile,
}
_PLURAL_TO_NAME = {"clock": "name", "step": "id"}


class PolicyError(AgentdeskError):
    """A policy file refused: `file`, `where` (key path or line) and `reason`."""

    def __init__(self, file: str, where: str, reason: str) -> None:
        super().__init__("error.policy", file=file, where=where, reason=reason)


M = TypeVar("M", bound=BaseModel)


def read_policy_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), "-", str(exc)) from None


def folder_or_shipped(directory: Path, name: str) -> Path:
    """The folder's file `name`, or the shipped one when the folder has none."""
    path = directory / name
    return path if path.exists() else SHIPPED_POLICY_DIR / name


def parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(label, t("policy.syntax"), str(exc)) from None


def validated(text: str, label: str, model: type[M]) -> M:
    """`text` as TOML checked against `model`; PolicyError names the first key at fault."""
    raw = parse_toml(text, label)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(step) for step in err["loc"]) or "-"
        raise PolicyError(label, where, err["msg"]) from None


def read_texts(directory: Path) -> dict[str, str]:
    texts = {}
    for name in SLA_FILES:
        path = directory / name
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PolicyError(str(path), "-", t("policy.file_missing")) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(str(path), "-", str(exc)) from None
    return texts


def fingerprint(texts: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(texts.items()))).encode()).hexdigest()[:16]


def parse_policy(texts: Mapping[str, str], origin: str = "") -> SlaPolicy:
    """Validate the three files' texts and build the policy; PolicyError names what is wrong."""
    models: dict[str, Any] = {}
    for name, model in SLA_FILES.items():
        label = f"{origin}/{name}" if origin else name
        try:
            raw = tomllib.loads(texts[name])
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(label, t("policy.syntax"), str(exc)) from None
        try:
            models[name] = model.model_validate(raw)
        except ValidationError as exc:
            where, reason = _describe(exc, raw)
            raise PolicyError(label, where, reason) from None
    try:
        return assemble(
            models["calendars.toml"],
            models["sla.toml"],
            models["escalation.toml"],
            fingerprint(texts),
        )
    except PolicyCrossCheck as exc:
        label = f"{origin}/{exc.file}" if origin else exc.file
        raise PolicyError(label, exc.key, t(exc.reason_key, **exc.args_)) from None


def load_policy(directory: Path) -> SlaPolicy:
    return parse_policy(read_texts(directory), str(directory))


def server_policy() -> SlaPolicy:
    """The central server's policy: the folder in AGENTDESK_POLICY_DIR, or the shipped one."""
    directory = os.environ.get("AGENTDESK_POLICY_DIR")
    return load_policy(Path(directory) if directory else SHIPPED_POLICY_DIR)


def _describe(exc: ValidationError, raw: dict[str, Any]) -> tuple[str, str]:
    """The first problem as (key path, reason): `clock[2] (first_response).target`."""
    err = exc.errors()[0]
    parts: list[str] = []
    node: Any = raw
    for step in err["loc"]:
        if isinstance(step, int) and parts:
            parts[-1] += f"[{step}]"
            plural = parts[-1].split("[")[0]
            entry = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(entry, dict) and _PLURAL_TO_NAME.get(plural) in entry:
                parts[-1] += f" ({entry[_PLURAL_TO_NAME[plural]]})"
        else:
            parts.append(str(step))
        node = _child(node, step)
    return ".".join(parts) or "-", _reason(err)


def _reason(err: Any) -> str:
    """pydantic's problem in the catalog's words (its own messages are English only)."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind.startswith("policy."):
        return t(kind, **ctx)
    simple = {
        "extra_forbidden": "policy.unknown_field",
        "missing": "policy.missing_field",
        "too_short": "policy.empty_list",
    }
    if kind in simple:
        return t(simple[kind])
    if kind in ("enum", "literal_error"):
        return t("policy.bad_choice", value=str(value), expected=str(ctx.get("expected", "")))
    if kind == "string_pattern_mismatch":
        return t("policy.bad_name", value=str(value))
    return t("policy.invalid_value", value=str(value))


def _child(node: Any, step: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None


# -- falling back to the last good policy ---------------------------------------------------------


@dataclass(frozen=True)
class PolicyLoad:
    """The policy in use, its file texts, and — after a refusal — why and what is used instead."""

    policy: SlaPolicy
    texts: dict[str, str]
    problem: str | None = None


def load_with_fallback(
    directory: Path, last_good: Mapping[str, str] | None, last_good_at: str | None = None
) -> PolicyLoad:
    """The folder's policy; if refused, the last good one (else the shipped defaults)."""
    try:
        texts = read_texts(directory)
        return PolicyLoad(parse_policy(texts, str(directory)), texts)
    except PolicyError as refused:
        if last_good is not None:
            fallback = dict(last_good)
            why = t("policy.using_last_good", reason=refused.message(), at=last_good_at or "?")
        else:
            fallback = read_texts(SHIPPED_POLICY_DIR)
            why = t("policy.using_defaults", reason=refused.message())
        return PolicyLoad(parse_policy(fallback), fallback, why)


def install_policy(
    repo: Repository,
    directory: Path,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> tuple[PolicyLoad, int | None]:
    """Load the folder's policy (falling back as above) into `repo`; a clean policy that differs
    from the store's last good one recomputes every open ticket. Returns the load and how many
    tickets were recomputed (None: none needed)."""
    last = repo.last_good_policy()
    load = load_with_fallback(directory, *(last or (None, None)))
    adopt = load.problem is None or last is None
    recomputed = repo.adopt_policy(load.policy, load.texts if adopt else None, now, progress)
    return load, recomputed
