"""Validation of what an agent asks to do to a ticket, before anything is written."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import Category, ComplaintLevel, EventKind, RootCause

E = TypeVar("E", bound=Enum)

MESSAGE_KINDS = frozenset({EventKind.REPLY, EventKind.NOTE, EventKind.CALL_LOG})
MAX_TEXT = 20_000


def require_text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationFailed("error.required", field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed("error.too_long", field=field, limit=MAX_TEXT)
    return text


def check_message_kind(kind: EventKind) -> None:
    if kind not in MESSAGE_KINDS:
        raise ValidationFailed("error.not_a_message", kind=kind.value)


def check_complaint_level(category: Category, level: ComplaintLevel | None) -> None:
    if category is Category.COMPLAINT and level is None:
        raise ValidationFailed("error.complaint_level_required")
    if category is not Category.COMPLAINT and level is not None:
        raise ValidationFailed("error.complaint_level_only", category=category.value)


def parse_enum(enum_type: type[E], value: str, field: str) -> E:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_type)
        raise ValidationFailed(
            "error.bad_choice", field=field, value=value, allowed=allowed
        ) from None


def parse_root_cause(value: str) -> RootCause:
    return parse_enum(RootCause, value, "root_cause")
