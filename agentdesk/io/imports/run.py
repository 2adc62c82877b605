"""Driving an import: rows in chunks through the builders into a Target, in one transaction.

Default all or nothing: the first refused row stops the writing, every row is still checked (so
the admin sees every problem at once), and nothing is committed. `partial` commits the good
rows; `dry_run` checks everything and commits nothing. Ctrl-C rolls back.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agentdesk.i18n import t
from agentdesk.io.imports import values as v
from agentdesk.io.imports.building import (
    BUILDERS,
    TABLE_OF,
    BuiltTicket,
    ImportOptions,
    customer_key,
    ticket_number,
)
from agentdesk.io.imports.fields import RecordKind, Reject, RowProblem, SourceRow
from agentdesk.io.imports.lookup import Lookup

CHUNK = 2000
KEPT_REJECTS = 1000  # kept for the summary; the --rejects file gets them all


class Target(Protocol):
    """Where an import writes (the local store, or the central database)."""

    def lookup(self, source: str) -> Lookup: ...

    def remember(self, source: str, aliases: list[tuple[str, str, str]]) -> None: ...

    def prefetch(
        self,
        lookup: Lookup,
        customer_externals: set[str],
        customer_ids: set[str],
        orders: set[str],
        numbers: set[str],
        phones: set[str],
    ) -> None: ...

    def existing(self, table: str, ids: list[str]) -> set[str]: ...

    def write(self, kind: RecordKind, built: list[Any]) -> None: ...

    def finish(self) -> None: ...

    def derive(self, progress: Callable[[int], None] | None = None) -> int: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class RejectSink(Protocol):
    def add(self, reject: Reject) -> None: ...


@dataclass
class ImportReport:
    kind: str
    file: str
    dry_run: bool
    partial: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    skipped: int = 0
    events: int = 0
    committed: bool = False
    derived: int = 0  # tickets whose clocks and search entries were derived after the commit
    seconds: float = 0.0
    derive_seconds: float = 0.0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class _Seen:
    """Ids (and ticket numbers) met so far in the file, with the row that had them."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.numbers: dict[str, int] = {}

    def check(self, row: SourceRow, ident: str, number: str | None) -> None:
        first = self.ids.setdefault(ident, row.number)
        if first != row.number:
            raise RowProblem(_key_field(row), _key_value(row), "imports.duplicate", row=first)
        if number is not None:
            first = self.numbers.setdefault(number, row.number)
            if first != row.number:
                raise RowProblem("number", number, "imports.duplicate", row=first)


def _key_field(row: SourceRow) -> str:
    return next(
        (n for n in ("id", "external_id", "code", "username", "number") if row.values.get(n)), "id"
    )


def _key_value(row: SourceRow) -> str:
    return str(row.values.get(_key_field(row), ""))


def reject_of(row: SourceRow, problem: RowProblem) -> Reject:
    value = "" if problem.value is None else str(problem.value)
    return Reject(
        row.number, row.column(problem.field), value[:200], t(problem.key, **problem.args_)
    )


def run_import(
    target: Target,
    kind: RecordKind,
    rows: Iterable[SourceRow | Reject | None],
    opts: ImportOptions,
    report: ImportReport,
    *,
    sink: RejectSink | None = None,
    on_chunk: Callable[[ImportReport], None] | None = None,
    constants: dict[str, str] | None = None,
) -> ImportReport:
    started = time.perf_counter()
    lookup = target.lookup(opts.source)
    seen = _Seen()
    writing = not report.dry_run
    try:
        with _collector_paused():
            for chunk in _chunks(rows):
                good = _sorted(chunk, report, sink, constants or {})
                _prefetch(target, kind, good, opts, lookup)
                built = _build(kind, good, opts, lookup, seen, report, sink)
                built = _check_against_target(target, kind, built, lookup, report, sink)
                if report.rejected and not report.partial:
                    writing = False
                aliases = lookup.take_new_aliases()
                if writing and built:
                    target.write(kind, [b for _, b in built])
                    target.remember(opts.source, aliases)
                if on_chunk is not None:
                    on_chunk(report)
        _end(target, report, writing)
    except BaseException:
        target.rollback()
        raise
    finally:
        report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rows go in: the rows hold no cycles (reference
    counting frees them), and at a million rows the collector's passes over the lookups took
    a sixth of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def derive_after(
    target: Target, report: ImportReport, progress: Callable[[int], None] | None = None
) -> None:
    """Step 2 of a committed import: the queue columns and search entries (timed apart)."""
    started = time.perf_counter()
    report.derived = target.derive(progress)
    report.derive_seconds = time.perf_counter() - started


def _end(target: Target, report: ImportReport, writing: bool) -> None:
    if writing and (report.partial or not report.rejected):
        target.finish()
        target.commit()
        report.committed = True
    else:
        target.rollback()


def _chunks(rows: Iterable[SourceRow | Reject | None]) -> Iterator[list[SourceRow | Reject | None]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _sorted(
    chunk: list[SourceRow | Reject | None],
    report: ImportReport,
    sink: RejectSink | None,
    constants: dict[str, str],
) -> list[SourceRow]:
    good = []
    for item in chunk:
        if item is None:
            report.skipped += 1
            continue
        report.rows += 1
        if isinstance(item, Reject):
            _refuse(report, sink, item)
            continue
        for name, value in constants.items():
            if not v.raw_text(item, name):
                item.values[name] = value
                item.columns.setdefault(name, f"--set {name}")
        good.append(item)
    return good


def _refuse(report: ImportReport, sink: RejectSink | None, reject: Reject) -> None:
    report.rejected += 1
    if len(report.rejects) < KEPT_REJECTS:
        report.rejects.append(reject)
    if sink is not None:
        sink.add(reject)


def _prefetch(
    target: Target, kind: RecordKind, rows: list[SourceRow], opts: ImportOptions, lookup: Lookup
) -> None:
    """What the chunk's rows refer to, from the target: customers, orders."""
    externals: set[str] = set()
    ids: set[str] = set()
    orders: set[str] = set()
    numbers: set[str] = set()
    phones: set[str] = set()
    prefix = "customer_" if kind is RecordKind.TICKETS else ""
    if kind not in (RecordKind.TICKETS, RecordKind.CUSTOMERS):
        return
    for row in rows:
        key = customer_key(
            v.raw_text(row, f"{prefix}external_id"),
            v.raw_text(row, f"{prefix}email"),
            v.raw_text(row, f"{prefix}phone"),
        ) or (f"name:{v.raw_text(row, 'customer_name').casefold()}" if prefix else None)
        if key:
            externals.add(opts.stored_external(key))
        given = v.raw_text(row, f"{prefix}id") if prefix else ""
        if given:
            ids.add(given)
        order = v.raw_text(row, "order") if prefix else ""
        if order:
            orders.add(order)
        if prefix:
            with contextlib.suppress(RowProblem):  # refused with its reason when built
                numbers.add(ticket_number(row, opts))
            phone = v.raw_text(row, "customer_phone")
            if phone:
                phones.add(phone)
    target.prefetch(lookup, externals, ids, orders, numbers, phones)


def _build(
    kind: RecordKind,
    rows: list[SourceRow],
    opts: ImportOptions,
    lookup: Lookup,
    seen: _Seen,
    report: ImportReport,
    sink: RejectSink | None,
) -> list[tuple[SourceRow, Any]]:
    builder = BUILDERS[kind]
    built = []
    for row in rows:
        try:
            result = builder(row, opts, lookup)
            main = result.row if isinstance(result, BuiltTicket) else result
            seen.check(row, main[0], main[1] if kind is RecordKind.TICKETS else None)
        except RowProblem as problem:
            _refuse(report, sink, reject_of(row, problem))
            continue
        built.append((row, result))
    return built


def _check_against_target(
    target: Target,
    kind: RecordKind,
    built: list[tuple[SourceRow, Any]],
    lookup: Lookup,
    report: ImportReport,
    sink: RejectSink | None,
) -> list[tuple[SourceRow, Any]]:
    """Count created and updated rows; refuse a ticket whose number another ticket has (the
    target's tickets holding the chunk's numbers came with the prefetch: `lookup.tickets`)."""

    def main(item: Any) -> Any:
        return item.row if isinstance(item, BuiltTicket) else item

    if kind is RecordKind.TICKETS:
        kept = []
        for row, b in built:
            ident, number = main(b)[:2]
            other = lookup.tickets.get(number, ident)
            if other != ident:
                problem = RowProblem("number", number, "imports.number_taken", other=other)
                _refuse(report, sink, reject_of(row, problem))
            else:
                kept.append((row, b))
        built = kept
    known = target.existing(TABLE_OF[kind], [main(b)[0] for _, b in built])
    report.updated += len(known)
    report.created += len(built) - len(known)
    report.events += sum(len(b.events) for _, b in built if isinstance(b, BuiltTicket))
    return built


class RejectsFile:
    """The --rejects CSV: row, column, value, reason (UTF-8 with BOM, so Excel reads it)."""

    def __init__(self, path: Path) -> None:
        import csv

        self.path = path
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["row", "column", "value", "reason"])

    def add(self, reject: Reject) -> None:
        self._writer.writerow([reject.row, reject.column, reject.value, reject.reason])

    def close(self) -> None:
        self._file.close()
