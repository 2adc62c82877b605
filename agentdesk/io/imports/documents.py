"""JSON files: one document (an array of records, or an object holding one) or JSON lines (one
record per line, streamed). A record is turned into a SourceRow by the format's converter;
records are numbered from 1 (in JSON lines: the line)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from agentdesk.i18n import t
from agentdesk.io.imports.fields import Reject, SourceRow
from agentdesk.io.imports.source import WHOLE_JSON_MAX_BYTES, ImportFileError, SourceFile

Convert = Callable[[dict[str, Any], int], SourceRow | Reject | None]  # None: not of this kind
Progress = Callable[[int], None]


def is_json_lines(file: SourceFile) -> bool:
    """.jsonl/.ndjson, or a .json file whose first line is a whole record with more after it."""
    if file.path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    with file.path.open("rb") as f:
        first = f.readline(1 << 20).strip().removeprefix(b"\xef\xbb\xbf")
        more = f.read(64).strip()
    if not (first.startswith(b"{") and first.endswith(b"}") and more.startswith(b"{")):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def json_rows(
    file: SourceFile, keys: Sequence[str], convert: Convert, progress: Progress | None = None
) -> Iterator[SourceRow | Reject | None]:
    """The records of the file (under one of `keys` when the document is an object)."""
    if is_json_lines(file):
        yield from _lines(file, convert, progress)
        return
    if file.size > WHOLE_JSON_MAX_BYTES:
        raise ImportFileError("imports.json_too_large", file.path)
    try:
        document = json.loads(file.read_text())
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            "imports.json_broken", file.path, line=exc.lineno, column=exc.colno, reason=exc.msg
        ) from None
    for number, record in enumerate(_records(file, document, keys), start=1):
        yield _converted(record, number, convert)
    if progress is not None:
        progress(file.size)


def _records(file: SourceFile, document: Any, keys: Sequence[str]) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in keys:
            found = document.get(key)
            if isinstance(found, list):
                return found
            if isinstance(found, dict):  # {"ticket": {...}}: one record
                return [found]
    raise ImportFileError("imports.json_no_records", file.path, keys=", ".join(keys))


def _lines(
    file: SourceFile, convert: Convert, progress: Progress | None
) -> Iterator[SourceRow | Reject | None]:
    text, raw = file.open_text()
    with text:
        number = 0
        try:
            for number, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Reject(
                        number,
                        f"column {exc.colno}",
                        line[:40].strip(),
                        t("imports.json_line", reason=exc.msg),
                    )
                    continue
                yield _converted(record, number, convert)
                if progress is not None and number % 1000 == 0:
                    progress(raw.tell())
        except UnicodeDecodeError:
            raise ImportFileError(
                "imports.bad_bytes_row", file.path, encoding=file.encoding, row=number + 1
            ) from None
    if progress is not None:
        progress(file.size)


def _converted(record: Any, number: int, convert: Convert) -> SourceRow | Reject | None:
    if not isinstance(record, dict):
        return Reject(number, "-", str(record)[:40], t("imports.not_a_record"))
    return convert(record, number)


def keyed(columns: dict[str, str]) -> Convert:
    """Our own JSON: keys are field names (or what the column map names), `events` a timeline."""

    def convert(record: dict[str, Any], number: int) -> SourceRow:
        values = {name: record[key] for name, key in columns.items() if key in record}
        events = record.get("events")
        if events is not None and not isinstance(events, list):
            events = [events]  # refused with the row's number when it is built
        return SourceRow(number, values, dict(columns), events=events)

    return convert
