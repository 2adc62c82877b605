"""A large import is written from a second process (io.imports.store_writer): the same rows as
written in process, all or nothing, and a writer that fails or dies leaves the store as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from agentdesk.domain.errors import AgentdeskError
from agentdesk.io.imports import store_target
from agentdesk.io.imports.building import BuiltTicket
from agentdesk.io.imports.store_writer import WriterProcess
from tests.cli.test_import_cli import FRESHDESK, imported, table
from tests.conftest import rows

TABLES = ("ticket", "ticket_event", "customer", "import_key", "ticket_clock", "sync_underived")


def copy_store(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every file goes to a second process; the list collects their process ids."""
    started: list[int] = []

    class Recorded(WriterProcess):
        def __init__(self, store: Path) -> None:
            super().__init__(store)
            started.append(self._child.pid)

    monkeypatch.setattr(store_target, "SEPARATE_WRITER_BYTES", 0)
    monkeypatch.setattr(store_target, "WriterProcess", Recorded)
    return started


def test_rows_from_a_second_process_equal_rows_written_in_process(
    seeded: Path, tmp_path: Path, writers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("tickets", str(FRESHDESK), "--format", "freshdesk", "--partial")
    here = copy_store(seeded, tmp_path / "here.db")
    with monkeypatch.context() as small_files_only:
        small_files_only.setattr(store_target, "SEPARATE_WRITER_BYTES", 1 << 62)
        in_process = imported(here, *args)
    assert writers == []
    separate = imported(seeded, *args)
    assert len(writers) == 1
    timings = ("seconds", "rows_per_s", "derive_seconds")
    assert {k: v for k, v in separate.items() if k not in timings} == {
        k: v for k, v in in_process.items() if k not in timings
    }
    assert separate["created"] == 4
    for name in TABLES:
        assert table(seeded, name) == table(here, name), name
    assert rows(seeded, "SELECT count(*) FROM sync_underived") == [(0,)]  # derived after


def test_a_refused_row_leaves_nothing_written_by_the_second_process(
    seeded: Path, writers: list[int]
) -> None:
    before = {name: table(seeded, name) for name in TABLES}
    result = imported(seeded, "tickets", str(FRESHDESK), "--format", "freshdesk")
    assert result["exit"] == 1 and result["rejected"] == 2 and len(writers) == 1
    assert {name: table(seeded, name) for name in TABLES} == before


def test_a_dry_run_never_starts_a_writer(seeded: Path, writers: list[int]) -> None:
    imported(seeded, "tickets", str(FRESHDESK), "--format", "freshdesk", "--dry-run")
    assert writers == []


def _ticket(ident: str, width: int = 20) -> BuiltTicket:
    row = (ident, f"N-{ident}", "subject", "", "", "c1", *[None] * (width - 6))
    return BuiltTicket(row, None, [], False)


def test_a_writer_that_fails_says_why_here_and_writes_nothing(seeded: Path) -> None:
    before = table(seeded, "ticket")
    writer = WriterProcess(seeded)
    writer.write("tickets", [_ticket("t-short", width=5)])  # five values for 21 columns
    with pytest.raises(sqlite3.ProgrammingError, match="bindings"):
        writer.commit()
    assert writer._child.returncode == 0
    assert table(seeded, "ticket") == before


def test_a_writer_that_dies_is_named_and_its_rows_are_rolled_back(seeded: Path) -> None:
    before = table(seeded, "ticket_event")
    writer = WriterProcess(seeded)
    event = ("e-dies", "t-1", "note", None, "2026-11-23T06:00:00+00:00", "", "{}")
    writer.write("tickets", [BuiltTicket(_ticket("t-dies").row, None, [event], False)])
    os.kill(writer._child.pid, signal.SIGKILL)
    with pytest.raises(AgentdeskError) as raised:
        writer.commit()
    assert raised.value.key == "imports.writer_stopped"
    assert table(seeded, "ticket_event") == before
    fresh = WriterProcess(seeded)  # the dead writer's lock is gone with it
    fresh.rollback()


def test_any_failure_in_the_writer_is_raised_here_without_a_trace_there(
    seeded: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    writer = WriterProcess(seeded)
    writer.write("no-such-kind", [("x",)])
    with pytest.raises(KeyError, match="no-such-kind"):
        writer.commit()
    assert "Traceback" not in capfd.readouterr().err
