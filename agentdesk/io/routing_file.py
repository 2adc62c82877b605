"""`routing.toml` in the policy folder: routing rules and category keywords (SPEC R1, R4).

A profile's policy folder may hold its own; without one the shipped file applies. A file that
does not load is refused in one line: file, rule number (or key) and reason. `check_file` goes
further for `agentdesk routing check`: every validation error, unknown teams and products, and
the rules that never get a ticket.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentdesk.domain.routing import (
    RoutingFile,
    RoutingPolicy,
    RoutingProblem,
    Severity,
    check,
    rule_label,
)
from agentdesk.i18n import t
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError, parse_toml, read_policy_file
from agentdesk.io.policy_files import _reason as pydantic_reason

FILE = "routing.toml"


def routing_path(directory: Path | None) -> Path:
    """The folder's routing.toml, or the shipped one when the folder has none."""
    path = (directory or SHIPPED_POLICY_DIR) / FILE
    return path if path.exists() else SHIPPED_POLICY_DIR / FILE


def load_routing(directory: Path | None) -> RoutingPolicy:
    path = routing_path(directory)
    return parse_routing(read_policy_file(path), str(path))


def load_with_fallback(directory: Path | None) -> tuple[RoutingPolicy, str | None]:
    """The folder's rules; when refused, the shipped ones and why (one line)."""
    try:
        return load_routing(directory), None
    except PolicyError as refused:
        shipped = SHIPPED_POLICY_DIR / FILE
        why = t("routing.using_shipped", reason=refused.message())
        return parse_routing(read_policy_file(shipped), str(shipped)), why


def parse_routing(text: str, label: str = FILE) -> RoutingPolicy:
    """The rules in `text`; PolicyError names the first problem."""
    raw = parse_toml(text, label)
    try:
        return RoutingPolicy.build(RoutingFile.model_validate(raw))
    except ValidationError as exc:
        where, reason = describe(exc.errors()[0], raw)
        raise PolicyError(label, where, reason) from None


def describe(err: Any, raw: dict[str, Any]) -> tuple[str, str]:
    """A pydantic problem as (key path, reason): `rule 3 (refund-small).when.amount_min`."""
    loc = list(err["loc"])
    parts: list[str] = []
    if len(loc) >= 2 and loc[0] == "rule" and isinstance(loc[1], int):
        rules = raw.get("rule")
        entry = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        parts.append(rule_label(loc[1] + 1, name if isinstance(name, str) else None))
        loc = loc[2:]
    for step in loc:
        if step == "[key]":
            continue  # a dict key that is not valid: the key itself is named already
        if isinstance(step, int) and parts:
            parts[-1] += f"[{step}]"
        else:
            parts.append(str(step))
    return ".".join(parts) or "-", pydantic_reason(err)


# -- the full check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingCheck:
    """What `agentdesk routing check` reports: one line per error and per warning."""

    file: str
    policy: RoutingPolicy | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_file(
    path: Path,
    known_team_codes: list[str] | None,
    product_lines: dict[str, str] | None,
) -> RoutingCheck:
    """Every validation error in the file; if it loads, `check`'s errors and warnings."""
    label = str(path)
    try:
        raw = parse_toml(read_policy_file(path), label)
    except PolicyError as refused:
        return RoutingCheck(label, None, [refused.message()])
    try:
        policy = RoutingPolicy.build(RoutingFile.model_validate(raw))
    except ValidationError as exc:
        lines = [_line(label, *describe(err, raw)) for err in exc.errors()]
        return RoutingCheck(label, None, list(dict.fromkeys(lines)))
    problems = check(policy, known_team_codes, product_lines)
    return RoutingCheck(
        label,
        policy,
        [_problem_line(label, p) for p in problems if p.severity is Severity.ERROR],
        [_problem_line(label, p) for p in problems if p.severity is Severity.WARNING],
    )


def _problem_line(label: str, problem: RoutingProblem) -> str:
    return _line(label, problem.where, t(problem.reason_key, **problem.args))


def _line(label: str, where: str, reason: str) -> str:
    return t("error.policy", file=label, where=where, reason=reason)


def store_catalogue(conn: sqlite3.Connection) -> tuple[list[str], dict[str, str]]:
    """The store's team codes and products (SKU → product line) rules are checked against."""
    teams = [row[0] for row in conn.execute("SELECT code FROM team ORDER BY code")]
    products = dict(conn.execute("SELECT sku, line FROM product"))
    return teams, products
