"""Zendesk JSON exports (the REST API's shapes, as an account's JSON export writes them):
tickets with their comments, users (end-users → customers, agents and admins → agents),
organizations (→ customers) and groups (→ teams).

Ids become external ids: a ticket's requester, assignee and group are found again by the id the
users and groups files gave them, so import groups, then users (as agents and as customers),
then tickets.
"""

from __future__ import annotations

import re
from typing import Any

from agentdesk.io.imports.fields import RecordKind, SourceRow
from agentdesk.io.imports.formats import Format, FormatName

TABLES = {
    "status": {
        "new": "new",
        "open": "assigned",
        "pending": "waiting_customer",
        "hold": "in_progress",
        "solved": "resolved",
        "closed": "closed",
    },
    "priority": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
    "channel": {
        "email": "email",
        "web": "web",
        "web_form": "web",
        "web_widget": "web",
        "api": "web",
        "chat": "web",
        "native_messaging": "app",
        "mobile": "app",
        "mobile_sdk": "app",
        "voice": "phone",
        "phone": "phone",
        "sms": "phone",
        "twitter": "social",
        "facebook": "social",
        "instagram_dm": "social",
        "whatsapp": "social",
        "line": "social",
        "wechat": "wechat",
        "sample_ticket": "web",
        "any_channel": "web",
        "closed_ticket": "web",
    },
    "category": {
        "question": "inquiry",
        "incident": "technical",
        "problem": "technical",
        "task": "inquiry",
    },
    "role": {"admin": "admin", "agent": "agent"},
    "tier": {"vip": "vip", "gold": "gold", "silver": "silver"},
}
LANGUAGES = {"zh-cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _columns(values: dict[str, Any], prefix: str) -> dict[str, str]:
    return {name: f"{prefix}.{name}" for name in values}


def ticket(record: dict[str, Any], number: int) -> SourceRow | None:
    via = record.get("via") or {}
    values = {
        "external_id": _text(record.get("id")),
        "subject": _text(record.get("subject")) or _text(record.get("raw_subject")),
        "description": _text(record.get("description")),
        "status": _text(record.get("status")),
        "priority": _text(record.get("priority")),
        "category": _text(record.get("type")),
        "channel": _text(via.get("channel") if isinstance(via, dict) else ""),
        "assignee": _text(record.get("assignee_id")),
        "team": _text(record.get("group_id")),
        "customer_external_id": _text(record.get("requester_id")),
        "created_at": _text(record.get("created_at")),
        "updated_at": _text(record.get("updated_at")),
    }
    if values["status"] == "deleted":
        return None  # a deleted ticket is skipped, not imported
    row = SourceRow(number, values, _columns(values, "ticket"))
    row.extra["messages"] = _messages(record)
    return row


def _messages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Comments after the first (the description): the requester's as inbound replies, an
    agent's public ones as outbound replies, private ones as notes."""
    comments = record.get("comments") or []
    if not isinstance(comments, list):
        return [comments]  # refused when built
    requester = record.get("requester_id")
    messages = []
    for index, comment in enumerate(comments):
        if not isinstance(comment, dict):
            messages.append(comment)
            continue
        if (
            index == 0
            and _text(comment.get("body")).strip() == _text(record.get("description")).strip()
        ):
            continue
        inbound = comment.get("author_id") == requester
        kind = "note" if comment.get("public") is False else "reply"
        data = {"direction": "inbound" if inbound else "outbound"} if kind == "reply" else {}
        messages.append(
            {
                "key": f"comment:{comment.get('id', index)}",
                "kind": kind,
                "actor": None if inbound else _text(comment.get("author_id")),
                "at": comment.get("created_at"),
                "body": _text(comment.get("body") or comment.get("plain_body")),
                "data": data,
            }
        )
    return messages


def _agent(record: dict[str, Any], number: int) -> SourceRow | None:
    if record.get("role") not in ("agent", "admin"):
        return None
    email = _text(record.get("email"))
    values = {
        "external_id": _text(record.get("id")),
        "username": email or _text(record.get("id")),
        "display_name": _text(record.get("name")),
        "role": _text(record.get("role")),
        "team": _text(record.get("default_group_id")),
        "language": LANGUAGES.get(_text(record.get("locale")).casefold(), "en")
        if record.get("locale")
        else "",
        "active": "false" if record.get("suspended") or record.get("active") is False else "true",
    }
    return SourceRow(number, values, _columns(values, "user"))


def _customer(record: dict[str, Any], number: int) -> SourceRow | None:
    if "role" in record:
        if record.get("role") != "end-user":
            return None
        key = _text(record.get("id"))
    else:  # an organization: the company as one customer
        key = f"org:{_text(record.get('id'))}"
    listed = record.get("tags")
    tags = listed if isinstance(listed, list) else []
    tier = next((tag for tag in tags if str(tag).casefold() in TABLES["tier"]), "")
    values = {
        "external_id": key,
        "name": _text(record.get("name")),
        "email": _text(record.get("email")),
        "phone": _text(record.get("phone")),
        "address": _text(record.get("details")),
        "tier": _text(tier),
        "created_at": _text(record.get("created_at")),
    }
    return SourceRow(
        number, values, _columns(values, "user" if "role" in record else "organization")
    )


def _team(record: dict[str, Any], number: int) -> SourceRow:
    name = _text(record.get("name"))
    slug = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:40]
    values = {
        "external_id": _text(record.get("id")),
        "code": slug or f"zendesk_{_text(record.get('id'))}",
        "name_en": name,  # a new team's Chinese name too; an existing team keeps its own
    }
    return SourceRow(number, values, _columns(values, "group"))


ZENDESK = Format(
    FormatName.ZENDESK,
    foreign=True,
    ticket_prefix="ZD",
    json_keys={
        RecordKind.TICKETS: ("tickets", "ticket"),
        RecordKind.AGENTS: ("users", "user"),
        RecordKind.CUSTOMERS: ("users", "organizations", "user", "organization"),
        RecordKind.TEAMS: ("groups", "group"),
    },
    json_converters={
        RecordKind.TICKETS: ticket,
        RecordKind.AGENTS: _agent,
        RecordKind.CUSTOMERS: _customer,
        RecordKind.TEAMS: _team,
    },
    tables=TABLES,
)
