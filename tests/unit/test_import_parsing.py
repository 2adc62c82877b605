"""Import parsing: dates, encodings, and fuzzing every reader and builder (Hypothesis): whatever
the bytes, a reader yields rows or refuses the file with one message; a builder returns table
rows or refuses the row, naming the field. Never anything else."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentdesk.io.imports import reading
from agentdesk.io.imports.building import BUILDERS, ImportOptions
from agentdesk.io.imports.dates import DateRefused, parse_instant
from agentdesk.io.imports.fields import RecordKind, Reject, RowProblem, SourceRow, field_names
from agentdesk.io.imports.lookup import AgentRef, Lookup, TeamRef
from agentdesk.io.imports.source import ImportFileError, detect_encoding, open_source

SHANGHAI = ZoneInfo("Asia/Shanghai")
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T14:05:00+08:00", "2026-11-23T06:05:00+00:00"),
        ("2026-11-23T06:05:00Z", "2026-11-23T06:05:00+00:00"),
        ("2026-11-23 14:05", "2026-11-23T06:05:00+00:00"),
        ("2026/11/23 14:05", "2026-11-23T06:05:00+00:00"),
        ("2026/11/23", "2026-11-22T16:00:00+00:00"),
        ("2026.11.23 14:05:30", "2026-11-23T06:05:30+00:00"),
        ("2026年11月23日", "2026-11-22T16:00:00+00:00"),
        ("2026年11月23日 14:05", "2026-11-23T06:05:00+00:00"),
        ("2026年11月23日 14时05分", "2026-11-23T06:05:00+00:00"),
        ("2026年11月23日14:05", "2026-11-23T06:05:00+00:00"),
        ("2026-11-23 06:05:00 UTC", "2026-11-23T06:05:00+00:00"),
        ("46349", "2026-11-22T16:00:00+00:00"),
        ("46349.5", "2026-11-23T04:00:00+00:00"),
    ],
)
def test_spreadsheet_dates(text: str, expected: str) -> None:
    assert parse_instant(text, SHANGHAI).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("23/11/2026", "imports.date_ambiguous"),
        ("11/23/2026 14:05", "imports.date_ambiguous"),
        ("2026-02-30", "imports.date_out_of_range"),
        ("12345", "imports.date_serial_range"),
        ("next tuesday", "imports.date_unknown"),
    ],
)
def test_dates_refused_with_a_reason(text: str, key: str) -> None:
    with pytest.raises(DateRefused) as refused:
        parse_instant(text, SHANGHAI)
    assert refused.value.key == key


def test_encodings_are_detected_and_binary_refused() -> None:
    text = "标题,创建时间\n退款,2026-11-23\n"
    assert detect_encoding("f", text.encode("utf-8"), complete=True) == "utf-8"
    assert (
        detect_encoding("f", b"\xef\xbb\xbf" + text.encode("utf-8"), complete=True) == "utf-8-sig"
    )
    assert detect_encoding("f", text.encode("gb18030"), complete=True) == "gb18030"
    assert detect_encoding("f", text.encode("gbk"), complete=True) == "gb18030"
    with pytest.raises(ImportFileError, match="not a text file"):
        detect_encoding("f", b"\x00\x01\x02" + text.encode(), complete=True)


# -- fuzzing ---------------------------------------------------------------------------------------


def _lookup() -> Lookup:
    return Lookup.of(
        [TeamRef("team-fl", "front_line", "Front line", "一线客服")],
        [AgentRef("ag-1", "zhang.wei", "张伟")],
        [],
    )


OPTIONS = ImportOptions("agentdesk", SHANGHAI, datetime(2026, 11, 23, tzinfo=UTC))


def _drain(path: Path, kind: RecordKind, fmt: str = "agentdesk") -> list[object]:
    """Read and build every row; return what came out (rows, rejects, refusals)."""
    source = open_source(path)
    plan = reading.plan(source, kind, reading.format_named(fmt), [], None)
    results: list[object] = []
    lookup = _lookup()
    for item in plan.rows(None):
        if isinstance(item, SourceRow):
            try:
                results.append(BUILDERS[kind](item, OPTIONS, lookup))
            except RowProblem as problem:
                assert problem.field  # the refusal names the field
                results.append(problem)
        else:
            assert item is None or isinstance(item, Reject)
            results.append(item)
    return results


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_csv_file_give_rows_or_one_refusal(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"external_id,subject,created_at,customer_name,status\n" + data)
    try:
        _drain(path, RecordKind.TICKETS)
    except ImportFileError as refused:
        assert str(path) in refused.message()


CELL = st.one_of(
    st.text(max_size=30), st.sampled_from(["", "2026-11-23", "46349", "closed", "张伟"])
)


@FUZZ
@given(cells=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=5))
def test_any_cell_values_give_table_rows_or_a_refused_field(
    tmp_path: Path, cells: list[list[str]]
) -> None:
    import csv

    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "subject", "created_at", "customer_name", "status"])
        writer.writerows(cells)
    try:
        _drain(path, RecordKind.TICKETS)
    except ImportFileError as refused:  # e.g. a cell holding NUL bytes or a lone surrogate
        assert str(path) in refused.message()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {}, optional={name: JSON_VALUES for name in [*field_names(RecordKind.TICKETS), "events"]}
    ),
    max_size=4,
)


@FUZZ
@given(records=RECORDS, kind=st.sampled_from(list(RecordKind)))
def test_any_json_records_give_rows_or_refusals(
    tmp_path: Path, records: list[dict[str, object]], kind: RecordKind
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps({kind.value: records}), encoding="utf-8")
    try:
        _drain(path, kind)
    except ImportFileError as refused:
        assert str(path) in refused.message()


@FUZZ
@given(document=JSON_VALUES, fmt=st.sampled_from(["zendesk", "agentdesk"]))
def test_any_json_document_for_tickets_gives_rows_or_one_refusal(
    tmp_path: Path, document: object, fmt: str
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps({"tickets": document}), encoding="utf-8")
    try:
        _drain(path, RecordKind.TICKETS, fmt)
    except ImportFileError as refused:
        assert str(path) in refused.message()


@FUZZ
@given(text=st.text(max_size=40))
def test_any_text_is_a_date_or_a_refused_date(text: str) -> None:
    with contextlib.suppress(DateRefused):
        assert parse_instant(text, SHANGHAI).tzinfo is UTC
