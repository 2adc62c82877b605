"""The file formats an import reads, and how each one's names map to ours.

Each help desk's tables (status, priority, channel, type) are written down in
docs/import-formats.md; a value neither in a format's table nor one of ours (or our label in
either language) is refused with the values we accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentdesk.io.imports.fields import RecordKind, SourceRow, field_names

Fixup = Callable[[dict[str, Any]], bool]  # adjusts a row's values; False: not of this kind
Convert = Callable[[dict[str, Any], int], SourceRow | None]


class FormatName(StrEnum):
    AGENTDESK = "agentdesk"  # our CSV (any CSV, with --map) and JSON
    ZENDESK = "zendesk"  # JSON exports: tickets (with comments), users, organizations, groups
    FRESHDESK = "freshdesk"  # CSV exports: tickets, contacts
    ZAMMAD = "zammad"  # CSV: tickets, users (attribute-named headers, ~~~ multi-values)


@dataclass(frozen=True)
class Format:
    name: FormatName
    foreign: bool
    ticket_prefix: str
    csv_columns: Mapping[RecordKind, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    csv_fixups: Mapping[RecordKind, Fixup] = field(default_factory=dict)
    provides: Mapping[RecordKind, frozenset[str]] = field(default_factory=dict)
    json_keys: Mapping[RecordKind, tuple[str, ...]] = field(default_factory=dict)
    json_converters: Mapping[RecordKind, Convert] = field(default_factory=dict)
    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def reads_csv(self, kind: RecordKind) -> bool:
        return self.name is FormatName.AGENTDESK or kind in self.csv_columns

    def reads_json(self, kind: RecordKind) -> bool:
        return self.name is FormatName.AGENTDESK or kind in self.json_converters

    def columns_for(self, kind: RecordKind) -> Mapping[str, tuple[str, ...]]:
        if self.name is FormatName.AGENTDESK:
            return {name: (name,) for name in field_names(kind)}
        return self.csv_columns.get(kind, {})


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:40]


def _blank_dash(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if str(values.get(name, "")).strip() in ("-", "--"):
            values[name] = ""


# -- agentdesk ------------------------------------------------------------------------------------

AGENTDESK = Format(
    FormatName.AGENTDESK,
    foreign=False,
    ticket_prefix="IM",
    json_keys={kind: (kind.value, kind.value.rstrip("s")) for kind in RecordKind},
)

# -- Freshdesk ------------------------------------------------------------------------------------

FRESHDESK_TABLES = {
    "status": {
        "open": "assigned",
        "pending": "waiting_customer",
        "resolved": "resolved",
        "closed": "closed",
        "waiting on customer": "waiting_customer",
        "waiting on third party": "in_progress",
    },
    "priority": {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"},
    "channel": {
        "email": "email",
        "portal": "web",
        "phone": "phone",
        "chat": "web",
        "feedback widget": "web",
        "outbound email": "email",
        "forum": "web",
        "twitter": "social",
        "facebook": "social",
        "whatsapp": "social",
        "instagram": "social",
        "mobihelp": "app",
        "ecommerce": "web",
        "bot": "web",
        "wechat": "wechat",
    },
    "category": {
        "question": "inquiry",
        "incident": "technical",
        "problem": "technical",
        "feature request": "inquiry",
        "refund": "refund",
        "complaint": "complaint",
        "return": "return_exchange",
        "repair": "repair",
        "presales": "presales",
    },
}

FRESHDESK = Format(
    FormatName.FRESHDESK,
    foreign=True,
    ticket_prefix="FD",
    csv_columns={
        RecordKind.TICKETS: {
            "external_id": ("Ticket ID",),
            "subject": ("Subject",),
            "description": ("Description",),
            "status": ("Status",),
            "priority": ("Priority",),
            "channel": ("Source",),
            "category": ("Type",),
            "assignee": ("Agent",),
            "team": ("Group",),
            "created_at": ("Created time",),
            "resolved_at": ("Resolved time",),
            "closed_at": ("Closed time",),
            "updated_at": ("Last updated time", "Last update time", "Updated time"),
            "customer_name": ("Full name", "Requester Name", "Contact"),
            "customer_email": ("Email", "Requester Email"),
            "customer_phone": ("Mobile phone", "Work phone", "Phone"),
        },
        RecordKind.CUSTOMERS: {
            "name": ("Name", "Full name"),
            "email": ("Email",),
            "phone": ("Mobile", "Mobile phone", "Phone", "Work phone"),
            "address": ("Address",),
        },  # keyed by e-mail (then phone), as the tickets export names its contacts
    },
    tables=FRESHDESK_TABLES,
)

# -- Zammad ---------------------------------------------------------------------------------------

ZAMMAD_TABLES = {
    "status": {
        "new": "new",
        "open": "assigned",
        "pending reminder": "waiting_customer",
        "pending close": "waiting_customer",
        "closed": "closed",
        "merged": "closed",
    },
    "priority": {"1 low": "low", "2 normal": "normal", "3 high": "high"},
    "channel": {
        "email": "email",
        "phone": "phone",
        "web": "web",
        "chat": "web",
        "sms": "phone",
        "note": "phone",
        "twitter status": "social",
        "twitter direct-message": "social",
        "facebook feed post": "social",
        "facebook feed comment": "social",
        "telegram personal-message": "social",
        "whatsapp message": "social",
    },
    "role": {"admin": "admin", "agent": "agent"},
}


def _zammad_ticket(values: dict[str, Any]) -> bool:
    _blank_dash(values, "assignee", "team")
    number = str(values.get("number", "")).strip()
    if number:
        values["number"] = f"ZM-{number}"
        values.setdefault("external_id", number)
    return True


def _zammad_roles(values: dict[str, Any]) -> set[str]:
    return {r.strip().casefold() for r in str(values.pop("_roles", "")).split("~~~") if r.strip()}


def _zammad_name(values: dict[str, Any]) -> str:
    """First and last name; a Chinese name reads family name first, without a space."""
    first, last = (
        str(values.pop("_firstname", "")).strip(),
        str(values.pop("_lastname", "")).strip(),
    )
    if first and last and all(_is_cjk(c) for c in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _zammad_agent(values: dict[str, Any]) -> bool:
    roles = _zammad_roles(values)
    values["display_name"] = _zammad_name(values) or values.get("username", "")
    values["role"] = "admin" if "admin" in roles else "agent"
    groups = str(values.get("team", "")).split("~~~")
    values["team"] = groups[0].strip()
    return bool(roles & {"agent", "admin"})


def _zammad_customer(values: dict[str, Any]) -> bool:
    roles = _zammad_roles(values)
    values["name"] = _zammad_name(values) or values.get("email") or values.get("external_id", "")
    if not values.get("phone"):
        values["phone"] = values.pop("_mobile", "")
    values.pop("_mobile", None)
    return not roles or "customer" in roles


ZAMMAD_USER_COLUMNS = {
    "_firstname": ("firstname",),
    "_lastname": ("lastname",),
    "_roles": ("roles",),
    "email": ("email",),
}
ZAMMAD = Format(
    FormatName.ZAMMAD,
    foreign=True,
    ticket_prefix="ZM",
    csv_columns={
        RecordKind.TICKETS: {
            "external_id": ("id",),
            "number": ("number",),
            "subject": ("title",),
            "description": ("note", "body"),
            "status": ("state",),
            "priority": ("priority",),
            "team": ("group",),
            "assignee": ("owner",),
            "customer_external_id": ("customer",),
            "channel": ("create_article_type", "article_type"),
            "created_at": ("created_at",),
            "updated_at": ("updated_at",),
            "closed_at": ("close_at",),
        },
        RecordKind.AGENTS: {
            **ZAMMAD_USER_COLUMNS,
            "username": ("login",),
            "team": ("groups", "group"),
            "active": ("active",),
        },
        RecordKind.CUSTOMERS: {
            **ZAMMAD_USER_COLUMNS,
            "external_id": ("login",),
            "phone": ("phone",),
            "_mobile": ("mobile",),
            "address": ("address", "street"),
        },
    },
    csv_fixups={
        RecordKind.TICKETS: _zammad_ticket,
        RecordKind.AGENTS: _zammad_agent,
        RecordKind.CUSTOMERS: _zammad_customer,
    },
    provides={
        RecordKind.AGENTS: frozenset({"display_name"}),
        RecordKind.CUSTOMERS: frozenset({"name"}),
    },
    tables=ZAMMAD_TABLES,
)
