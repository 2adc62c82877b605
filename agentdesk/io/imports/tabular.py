"""CSV files: the header names the columns, a ColumnMap says which column feeds which field.

Rows are numbered as a spreadsheet shows them: the header is row 1. A row with fewer cells than
the header (a file cut short) or more is refused with its number; a broken quote or a byte the
encoding cannot read stops the whole file with the row where it happened.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agentdesk.io.imports.fields import FIELDS, RecordKind, Reject, SourceRow
from agentdesk.io.imports.mapping import ColumnMap
from agentdesk.io.imports.source import ImportFileError, SourceFile

Progress = Callable[[int], None]  # bytes read so far


@dataclass
class CsvLayout:
    """Where each field's value sits in a row: (field, column index, column name)."""

    cells: list[tuple[str, int, str]]
    width: int


def layout(
    file: SourceFile,
    header: list[str],
    kind: RecordKind,
    defaults: Mapping[str, tuple[str, ...]],
    columns: ColumnMap,
    provides: frozenset[str] = frozenset(),
) -> CsvLayout:
    """Match the header against the format's column names (`defaults`, first found wins) and
    the map, and check every required field has a column (or is made by the format)."""
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        position.setdefault(name.strip(), i)
        position.setdefault(name.strip().casefold(), i)
    cells = []
    for name, candidates in defaults.items():
        if name in columns.columns:
            continue
        hit = next((c for c in candidates if c in position or c.casefold() in position), None)
        if hit is not None:
            cells.append((name, position.get(hit, position.get(hit.casefold(), 0)), hit))
    for name, column in columns.columns.items():
        if column not in position:
            raise ImportFileError(
                "imports.mapped_column_missing", file.path, column=column, name=name
            )
        cells.append((name, position[column], column))
    present = {name for name, _, _ in cells} | provides
    missing = [s.name for s in FIELDS[kind] if s.required and s.name not in present]
    if kind is RecordKind.TICKETS and not present & {"id", "external_id", "number"}:
        missing.append("external_id")
    if missing:
        raise ImportFileError("imports.missing_columns", file.path, fields=", ".join(missing))
    return CsvLayout(cells, len(header))


def csv_rows(
    file: SourceFile,
    kind: RecordKind,
    defaults: Mapping[str, tuple[str, ...]],
    columns: ColumnMap,
    fixup: Callable[[dict[str, Any]], bool] | None = None,
    provides: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> Iterator[SourceRow | Reject | None]:
    """Every data row as a SourceRow (a Reject for a row of the wrong width; None for a row the
    format says is not of this kind)."""
    text, raw = file.open_text()
    with text:
        reader = csv.reader(text, strict=True)
        number = 1
        try:
            header = next(reader, None)
            if not header:
                raise ImportFileError("imports.no_header", file.path)
            found = layout(file, header, kind, defaults, columns, provides)
            names = {name: column for name, _, column in found.cells}
            for cells in reader:
                number += 1
                if not cells or cells == [""]:
                    continue
                if len(cells) != found.width:
                    yield _wrong_width(number, len(cells), found.width)
                    continue
                values: dict[str, Any] = {name: cells[i] for name, i, _ in found.cells}
                if fixup is not None and not fixup(values):
                    yield None
                    continue
                yield SourceRow(number, values, names)
                if progress is not None and number % 1000 == 0:
                    progress(raw.tell())
        except csv.Error as exc:
            raise ImportFileError(
                "imports.csv_broken", file.path, row=number + 1, reason=str(exc)
            ) from None
        except UnicodeDecodeError:
            raise ImportFileError(
                "imports.bad_bytes_row", file.path, encoding=file.encoding, row=number + 1
            ) from None
    if progress is not None:
        progress(file.size)


def _wrong_width(number: int, got: int, want: int) -> Reject:
    from agentdesk.i18n import t

    key = "imports.short_row" if got < want else "imports.long_row"
    return Reject(number, "-", f"{got} cells", t(key, got=got, want=want))
