"""Reading one field of a row: text, enum values (ours, their labels in either language, or a
format's own names), instants, yes/no. Each raises RowProblem naming the field."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from agentdesk.i18n import LANGUAGES, catalog
from agentdesk.io.imports.dates import DateRefused, iso_utc, parse_instant
from agentdesk.io.imports.fields import RowProblem, SourceRow

IMPORT_NAMESPACE = uuid.UUID("6f1d7c52-4b7e-4d0f-9a59-3c1f0e6b2a10")
MAX_TEXT = 100_000  # characters in one field: more is not a ticket field but a pasted file
# the catalog section holding each enum's labels (e.g. [status] new = "新建")
LABEL_SECTIONS = {"complaint_level": "level"}
YES = frozenset({"1", "true", "yes", "y", "是", "启用", "active"})
NO = frozenset({"0", "false", "no", "n", "否", "停用", "inactive"})


def entity_id(kind: str, source: str, key: str) -> str:
    """The id an imported entity gets from its source's key: the same file imported again
    finds the same rows (upsert by external id), and references between files resolve.

    A name-based (version 5) UUID: SHA-1 of the namespace and the name, as uuid.uuid5 makes it,
    formatted directly (uuid.uuid5 costs five times as much, and a ticket needs several)."""
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{source}:{key}".encode()).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = IMPORT_NAMESPACE.bytes


@functools.lru_cache(maxsize=4096)
def _time_prefix(at: str) -> str:
    """The first two groups of an ordered id: `at` (ISO) in milliseconds, 48 bits. A ticket's
    rows share a few instants, hence the cache."""
    h = f"{int(datetime.fromisoformat(at).timestamp() * 1000) & 0xFFFF_FFFF_FFFF:012x}"
    return f"{h[:8]}-{h[8:]}-"


def ordered_id(at: str, *name: str) -> str:
    """A new row's id: a version-7 layout UUID whose first 48 bits are the time `at` (ISO) in
    milliseconds and the rest a hash of `name`. Rows written in time order then go to the end
    of the id index instead of a random page of it, which at a million rows is the difference
    between appending and reading the index from disk; and the same record gets the same id.

    After the time: version 7, the hash's first 12 bits, variant 0b10, its last 62 of 80."""
    d = hashlib.sha1(":".join(name).encode()).digest()
    marked = bytes((0x70 | d[0] >> 4, (d[0] & 0xF) << 4 | d[1] >> 4, 0x80 | d[2] & 0x3F))
    h = (marked + d[3:10]).hex()
    return f"{_time_prefix(at)}{h[:4]}-{h[4:8]}-{h[8:]}"


def raw_text(row: SourceRow, name: str) -> str:
    value = row.values.get(name)
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # every digit (an Excel serial's fraction is the time of day)
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    raise RowProblem(name, value, "imports.not_text")


def text(row: SourceRow, name: str, *, required: bool = False, default: str = "") -> str:
    value = raw_text(row, name)
    if not value:
        if required:
            raise RowProblem(name, "", "imports.required")
        return default
    if len(value) > MAX_TEXT:
        raise RowProblem(name, value[:40] + "…", "imports.too_long", limit=MAX_TEXT)
    return value


def optional(row: SourceRow, name: str) -> str | None:
    return text(row, name) or None


def enum_value(
    row: SourceRow,
    name: str,
    enum: type[StrEnum],
    table: Mapping[str, str] | None = None,
    default: StrEnum | None = None,
) -> str | None:
    """Our value for the field: ours as is, a label in either language, or the format's name
    for it (`table`, keys lower-case)."""
    value = raw_text(row, name)
    if not value:
        return default.value if default is not None else None
    key = value.casefold()
    if table and key in table:
        key = table[key].casefold()  # a map file's value is one of ours (checked when read)
    found = _labels(name, enum).get(key)
    if found is None:
        known = ", ".join(dict.fromkeys([e.value for e in enum] + sorted(table or ())))
        raise RowProblem(name, value, "imports.unknown_value", known=known)
    return found


@functools.cache
def _labels(name: str, enum: type[StrEnum]) -> dict[str, str]:
    section = LABEL_SECTIONS.get(name, name)
    found = {e.value.casefold(): e.value for e in enum}
    found.update({e.value.replace("_", " ").casefold(): e.value for e in enum})
    for language in LANGUAGES:
        messages = catalog(language)
        for e in enum:
            label = messages.get(f"{section}.{e.value}")
            if label:
                found.setdefault(label.casefold(), e.value)
    return found


def instant(row: SourceRow, name: str, zone: ZoneInfo, *, required: bool = False) -> str | None:
    value = raw_text(row, name)
    if not value:
        if required:
            raise RowProblem(name, "", "imports.required")
        return None
    try:
        return iso_utc(parse_instant(value, zone))
    except DateRefused as exc:
        raise RowProblem(name, value, exc.key) from None


def yes_no(row: SourceRow, name: str, default: bool) -> bool:
    value = raw_text(row, name).casefold()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowProblem(name, value, "imports.not_yes_no")


def listed(value: Any) -> list[str]:
    """A multi-value field: a JSON list, or text split on Zammad's ~~~ (or commas)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    separator = "~~~" if "~~~" in str(value) else ","
    return [part.strip() for part in str(value).split(separator) if part.strip()]
