"""Choosing how to read a file: its format, CSV or JSON, the column map and value tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentdesk.domain.errors import AgentdeskError
from agentdesk.io.imports.documents import json_rows, keyed
from agentdesk.io.imports.fields import RecordKind, Reject, SourceRow, field_names
from agentdesk.io.imports.formats import AGENTDESK, FRESHDESK, ZAMMAD, Format, FormatName
from agentdesk.io.imports.mapping import ColumnMap, column_map
from agentdesk.io.imports.source import SourceFile
from agentdesk.io.imports.tabular import csv_rows
from agentdesk.io.imports.zendesk import ZENDESK

FORMATS = {f.name: f for f in (AGENTDESK, ZENDESK, FRESHDESK, ZAMMAD)}
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
Rows = Iterator[SourceRow | Reject | None]


def format_named(name: str) -> Format:
    try:
        return FORMATS[FormatName(name.casefold())]
    except ValueError:
        known = ", ".join(f.value for f in FormatName)
        raise AgentdeskError(
            "error.bad_choice", field="--format", value=name, allowed=known
        ) from None


@dataclass(frozen=True)
class ReadPlan:
    rows: Callable[[Callable[[int], None] | None], Rows]
    tables: dict[str, dict[str, str]]


def plan(
    source: SourceFile,
    kind: RecordKind,
    fmt: Format,
    maps: list[str],
    map_file: Path | None,
    constants: set[str] | None = None,
) -> ReadPlan:
    """How to read `source`; `constants` are the fields --set gives every row."""
    columns = column_map(kind, maps, map_file)
    given = frozenset(check_fields(kind, constants or set(), "--set"))
    tables = {name: dict(table) for name, table in fmt.tables.items()}
    for name, table in columns.values.items():
        tables.setdefault(name, {}).update(table)
    as_json = source.path.suffix.lower() in JSON_SUFFIXES
    if as_json and fmt.reads_json(kind):
        return ReadPlan(_json_reader(source, kind, fmt, columns), tables)
    if not as_json and fmt.reads_csv(kind):
        return ReadPlan(_csv_reader(source, kind, fmt, columns, given), tables)
    raise AgentdeskError(
        "imports.format_kind",
        format=fmt.name.value,
        kind=kind.value,
        shape="JSON" if as_json else "CSV",
    )


def check_fields(kind: RecordKind, names: set[str], where: str) -> set[str]:
    known = field_names(kind)
    for name in sorted(names - set(known)):
        raise AgentdeskError(
            "imports.unknown_field", where=where, name=name, kind=kind.value, known=", ".join(known)
        )
    return names


def _csv_reader(
    source: SourceFile, kind: RecordKind, fmt: Format, columns: ColumnMap, given: frozenset[str]
) -> Callable[..., Rows]:
    provides = fmt.provides.get(kind, frozenset()) | given

    def rows(progress: Callable[[int], None] | None) -> Rows:
        fixup = fmt.csv_fixups.get(kind)
        return csv_rows(source, kind, fmt.columns_for(kind), columns, fixup, provides, progress)

    return rows


def _json_reader(
    source: SourceFile, kind: RecordKind, fmt: Format, columns: ColumnMap
) -> Callable[..., Rows]:
    if fmt.name is FormatName.AGENTDESK:
        convert: Any = keyed({**{name: name for name in field_names(kind)}, **columns.columns})
        keys = AGENTDESK.json_keys[kind]
    else:
        convert, keys = fmt.json_converters[kind], fmt.json_keys[kind]

    def rows(progress: Callable[[int], None] | None) -> Rows:
        return json_rows(source, keys, convert, progress)

    return rows
