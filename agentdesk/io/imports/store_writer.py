"""An import's writes into the local store: one transaction, in this process or in one of its
own.

SQLite's share of a large import (the upserts, their index entries, the commit) takes about as
long as reading, checking and building the rows. `WriterProcess` runs the same `RowWriter` in a
child process (``python -m agentdesk.io.imports.store_writer STORE``), so the next chunk is
built while the last one is written: on two cores a big file goes in in about half the time.
The importing process reads the store through its own connection meanwhile; it sees the store
as it was before the import, which is all it needs (rows of this file are checked against the
file itself).

Messages are pickled tuples, each prefixed with its length, over the child's stdin (requests)
and stdout (replies: "ready", "done", or the exception that stopped it). Killing the child
rolls back: SQLite ignores a transaction its process did not commit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from agentdesk.domain import deadlines
from agentdesk.domain.errors import AgentdeskError
from agentdesk.io.imports.building import COLUMNS, BuiltTicket
from agentdesk.store import database
from agentdesk.store.underived import list_underived

KINDS_TABLE = {"teams": "team", "agents": "agent", "customers": "customer"}
ROLLBACK_WAIT_S = 5.0  # then the child is killed, which rolls back as well


def _upsert(table: str, *, keep: bool = False) -> str:
    columns = COLUMNS[table]
    marks = ", ".join("?" * len(columns))
    if keep:
        conflict = "DO NOTHING"
    else:  # a customer's creation time stays what it was
        sets = [f"{c} = excluded.{c}" for c in columns[1:] if c != "created_at"]
        conflict = f"DO UPDATE SET {', '.join(sets)}"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT (id) {conflict}"
    )


TICKET_UPSERT = (
    f"INSERT INTO ticket ({', '.join(COLUMNS['ticket'])}, due_sort, version) "
    f"VALUES ({', '.join('?' * (len(COLUMNS['ticket']) + 1))}, 1) ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS["ticket"][1:])
    + ", version = ticket.version + 1"
)
SQL = {
    "team": _upsert("team"),
    "agent": _upsert("agent"),
    "customer": _upsert("customer"),
    "customer_keep": _upsert("customer", keep=True),
    "ticket_event": _upsert("ticket_event", keep=True),
}
REMEMBER_SQL = "INSERT OR REPLACE INTO import_key (kind, source, key, id) VALUES (?, ?, ?, ?)"


def open_for_import(store: Path) -> sqlite3.Connection:
    """A connection holding the store's write lock, ready for bulk upserts."""
    conn = database.connect(store)
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB for the bulk upserts
    # References are checked against the Lookup before a row is built; SQLite need not.
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN IMMEDIATE")
    return conn


def checkpoint(conn: sqlite3.Connection) -> None:
    """Copy the WAL's pages into the database file (what a commit does by itself when the
    WAL has grown past 1000 pages), without waiting for readers."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


class RowWriter:
    """Built rows into the store's tables, on a connection from `open_for_import`. Each written
    ticket is listed in sync_underived in the same transaction (its clocks and search entry are
    derived after the commit)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def write(self, kind: str, built: list[Any]) -> None:
        if kind == "tickets":
            self._write_tickets(built)
        else:
            self.conn.executemany(SQL[KINDS_TABLE[kind]], built)

    def _write_tickets(self, built: list[BuiltTicket]) -> None:
        customers = [b.customer for b in built if b.customer is not None]
        if customers:
            self.conn.executemany(SQL["customer_keep"], customers)
        rows = [(*b.row, deadlines.underived_sort(b.is_open)) for b in built]
        self.conn.executemany(TICKET_UPSERT, rows)
        self.conn.executemany(SQL["ticket_event"], [e for b in built for e in b.events])
        list_underived(self.conn, [b.row[0] for b in built])

    def remember(self, source: str, aliases: list[tuple[str, str, str]]) -> None:
        self.conn.executemany(
            REMEMBER_SQL, [(kind, source, key, ident) for kind, key, ident in aliases]
        )

    def commit(self) -> None:
        self.conn.commit()
        self.conn.execute("PRAGMA foreign_keys=ON")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.rollback()


# -- the writer in a process of its own ------------------------------------------------------------


class WriterProcess:
    """A RowWriter in a child process: `write` and `remember` return once the child has taken
    the request (while it writes the one before); `commit` waits for the commit. A failure in
    the child is raised here at the next call."""

    def __init__(self, store: Path) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(store)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._child.stdin is not None and self._child.stdout is not None
        self._requests, self._replies = self._child.stdin, self._child.stdout
        self._finished = False
        self._wait_for("ready")

    def write(self, kind: str, built: list[Any]) -> None:
        self._request("write", kind, built)

    def remember(self, source: str, aliases: list[tuple[str, str, str]]) -> None:
        if aliases:
            self._request("remember", source, aliases)

    def commit(self) -> None:
        """Returns once the rows are committed; the child then copies them from the WAL into
        the database file while this process goes on (derives), and exits."""
        self._request("commit")
        self._wait_for("done")
        self._finish(wait=0)

    def rollback(self) -> None:
        if self._finished:
            self._finish(wait=None)  # after a commit: the checkpoint ends first
            return
        with contextlib.suppress(Exception):  # a writer that failed or died has rolled back
            self._request("rollback")
            if self._readable(ROLLBACK_WAIT_S):
                _receive(self._replies)
        self._finish()

    def _request(self, *message: Any) -> None:
        if self._readable(0):  # the child stopped: say why
            self._wait_for("done")
        try:
            _send(self._requests, message)
        except BrokenPipeError:
            self._wait_for("done")

    def _readable(self, timeout: float) -> bool:
        return bool(select.select([self._replies], [], [], timeout)[0])

    def _wait_for(self, expected: str) -> None:
        try:
            reply = _receive(self._replies)
        except EOFError:
            self._finish()
            raise AgentdeskError("imports.writer_stopped", code=self._child.returncode) from None
        if reply[0] == "error":
            self._finish()
            raise reply[1]
        if reply[0] != expected:  # pragma: no cover - the protocol above allows no other
            raise RuntimeError(f"import writer said {reply[0]!r}, expected {expected!r}")

    def _finish(self, *, wait: float | None = ROLLBACK_WAIT_S) -> None:
        """Close the requests; wait for the child to end (seconds, None: however long it
        takes, 0: not now), then kill it."""
        self._finished = True
        with contextlib.suppress(OSError):
            self._requests.close()
        if wait == 0:
            return
        try:
            self._child.wait(wait)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        self._replies.close()


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # our own parent process wrote it


def serve(store: Path, requests: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: write what arrives until commit, rollback or the end of the input."""
    failed = False
    try:
        writer = RowWriter(open_for_import(store))
    except Exception as exc:  # raised in the importing process instead
        _send(replies, ("error", _portable(exc)))
        return
    _send(replies, ("ready",))
    while True:
        try:
            action, *args = _receive(requests)
        except EOFError:  # the importing process is gone: nothing is committed
            writer.rollback()
            return
        if action == "rollback":
            writer.rollback()
            _send(replies, ("done",))
            return
        if failed:
            continue  # the error went back already; wait for the rollback
        try:
            if action == "commit":
                writer.conn.execute("PRAGMA wal_autocheckpoint=0")  # not while the parent waits
                writer.commit()
                _send(replies, ("done",))
                checkpoint(writer.conn)
                return
            getattr(writer, action)(*args)
        except Exception as exc:  # raised in the importing process instead
            failed = True
            writer.rollback()
            _send(replies, ("error", _portable(exc)))


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives pickling (SQLite's errors, ours), else its words in a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the replies
    serve(Path(sys.argv[1]), sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
