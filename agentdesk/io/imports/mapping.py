"""Which column feeds which field: `--map FIELD=COLUMN` options and/or a small TOML file.

# tickets-map.toml
[map]
subject = "标题"
description = "问题描述"
created_at = "创建时间"

[values.status]          # the spreadsheet's own words for our values
"处理完成" = "resolved"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    Priority,
    Role,
    RootCause,
    Status,
)
from agentdesk.io.imports.fields import RecordKind, field_names

VALUE_FIELDS: dict[str, type[StrEnum]] = {
    "status": Status,
    "priority": Priority,
    "channel": Channel,
    "category": Category,
    "complaint_level": ComplaintLevel,
    "tier": CustomerTier,
    "role": Role,
    "root_cause": RootCause,
}


@dataclass(frozen=True)
class ColumnMap:
    columns: dict[str, str] = field(default_factory=dict)  # our field → the file's column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {theirs: ours}


def column_map(kind: RecordKind, options: list[str], file: Path | None) -> ColumnMap:
    """The mapping from a TOML file, then `--map` options (which win)."""
    found = _from_file(kind, file) if file is not None else ColumnMap()
    columns = dict(found.columns)
    for option in options:
        name, sep, column = option.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise AgentdeskError("imports.bad_map_option", option=option)
        columns[_field(kind, name.strip(), "--map")] = column.strip()
    return ColumnMap(columns, found.values)


def _from_file(kind: RecordKind, file: Path) -> ColumnMap:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentdeskError(
            "imports.map_file_unreadable", file=str(file), reason=str(exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise AgentdeskError(
            "imports.map_file_unreadable", file=str(file), reason=str(exc)
        ) from None
    where = str(file)
    columns = {
        _field(kind, name, where): _text(column, f"{where}: map.{name}")
        for name, column in _table(data, "map", where).items()
    }
    values = {
        _field(kind, name, where): {
            _text(theirs, where).casefold(): _ours(name, _text(ours, f"values.{name}"), where)
            for theirs, ours in _checked(table, f"values.{name}", where).items()
        }
        for name, table in _table(data, "values", where).items()
    }
    return ColumnMap(columns, values)


def _ours(name: str, value: str, where: str) -> str:
    """A [values.FIELD] entry must name one of our values for that field."""
    enum = VALUE_FIELDS.get(name)
    if enum is None:
        known = ", ".join(VALUE_FIELDS)
        raise AgentdeskError("imports.map_values_field", file=where, name=name, known=known)
    if value not in {e.value for e in enum}:
        known = ", ".join(e.value for e in enum)
        raise AgentdeskError("imports.map_value", file=where, name=name, value=value, known=known)
    return value


def _table(data: dict[str, object], key: str, where: str) -> dict[str, object]:
    return _checked(data.get(key, {}), key, where)


def _checked(found: object, key: str, where: str) -> dict[str, object]:
    if not isinstance(found, dict):
        raise AgentdeskError("imports.map_file_shape", file=where, name=key)
    return found


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AgentdeskError("imports.map_file_shape", file=where, name=str(value))
    return value.strip()


def _field(kind: RecordKind, name: str, where: str) -> str:
    known = field_names(kind)
    if name not in known:
        raise AgentdeskError(
            "imports.unknown_field", where=where, name=name, kind=kind.value, known=", ".join(known)
        )
    return name
