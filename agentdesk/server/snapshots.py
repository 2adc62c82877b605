"""Ready-made first downloads: one visibility scope's synced data as a console store file.

A console's first download is a pull from zero (design/SYNC.md). Applying it page by page, the
console derives every ticket's clocks and search entries itself: for 100,000 tickets that is
most of a first sync. The server does that work once per scope, in the background, and hands
every fresh console of that scope the result:

* A snapshot is a SQLite file in the console's own schema, built by the console's own code
  (`sync_apply.apply_page`, then `derive_underived`) from the very pages the pull endpoint
  would send (`pull.pull_scopes` and `pull.page_json`), ending with the cursor of the last page.
  A console copies its tables in one transaction and pulls on from that cursor: what committed
  after the build comes through the normal pull, so nothing is skipped (the cursor is the pull's
  own, commit-safe and signed) and a snapshot may lag behind the head.
* Files: `{directory}/{epoch}/{scope hash}.{schema revision}.{policy}.{seq}.{sha256}.sqlite`,
  written under a temporary name and renamed whole. The epoch keeps a restored database from
  serving files built before it; a snapshot whose position is ahead of the database (restored
  under the same epoch) is discarded.
* Builds run in a separate process (`python -m agentdesk.server.snapshots`), one at a time per
  server process and one per scope on this host (a lock file): a request never waits for one,
  and the server's workers keep their CPU. A scope with no snapshot, or with more than
  REBUILD_BEHIND changes since its snapshot was built, starts a build when a console asks for
  it; until it is ready the console pulls pages as before.
* The files are a cache: deleting them loses nothing. Every worker of one host shares them;
  another host builds its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from agentdesk.domain.errors import NotFound
from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.server import pull
from agentdesk.server.accounts import Account

log = logging.getLogger("agentdesk.server.snapshots")
REBUILD_BEHIND = 5_000  # changes committed since a snapshot's build that make it worth rebuilding
PAGES_PER_COMMIT = 8
SUFFIX = ".sqlite"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    path: Path
    scope: str  # pull.scope_hash of the scopes it holds
    revision: str  # the console store schema it is in
    policy: str  # fingerprint of the SLA policy its clocks were derived under
    seq: int  # the position of its last change
    sha256: str

    @classmethod
    def parse(cls, path: Path) -> Snapshot | None:
        parts = path.name.removesuffix(SUFFIX).split(".")
        if len(parts) != 5 or not path.name.endswith(SUFFIX) or not parts[3].isdigit():
            return None
        scope, revision, policy, seq, sha256 = parts
        return cls(path, scope, revision, policy, int(seq), sha256)


class Shelf:
    """The snapshots of one server database on this host."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def folder(self, epoch: str) -> Path:
        return self.directory / epoch

    def latest(self, epoch: str, scope: str, revision: str) -> Snapshot | None:
        found = [
            snapshot
            for path in self.folder(epoch).glob(f"{scope}.{revision}.*{SUFFIX}")
            if (snapshot := Snapshot.parse(path)) is not None
        ]
        return max(found, key=lambda s: s.seq, default=None)

    def put(
        self, epoch: str, built: Path, scope: str, revision: str, policy: str, seq: int
    ) -> Path:
        """Move a finished build into place under its name; older ones of its scope go."""
        name = f"{scope}.{revision}.{policy}.{seq}.{_sha256(built)}{SUFFIX}"
        target = self.folder(epoch) / name
        os.replace(built, target)
        for path in self.folder(epoch).glob(f"{scope}.*{SUFFIX}"):
            if path != target:
                path.unlink(missing_ok=True)  # a console still downloading it keeps reading
        return target

    @contextlib.contextmanager
    def building(self, epoch: str, scope: str) -> Iterator[bool]:
        """Whether this process may build the scope now (no other process is building it)."""
        self.folder(epoch).mkdir(parents=True, exist_ok=True)
        with open(self.folder(epoch) / f"{scope}.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- offering one ---------------------------------------------------------------------------------


def _standing(conn: Connection) -> tuple[str, int]:
    """The database's epoch and newest change (the pull's own standing read)."""
    found = conn.execute(pull.STANDING, {"client_id": "", "account_id": ""}).one()
    return str(found.epoch), int(found.last_seq or 0)


def offer(
    conn: Connection, who: Account, revision: str, builders: Builders, now: datetime
) -> Snapshot:
    """The snapshot of `who`'s scopes in store schema `revision`, starting a build when there is
    none or it is far behind; NotFound when there is none to give now."""
    from agentdesk.store.database import HEAD_REVISION

    if revision != HEAD_REVISION:  # this server builds only its own console schema
        raise NotFound("error.snapshot_none")
    scopes = pull.scopes_of(conn, who)
    epoch, newest = _standing(conn)
    found = builders.shelf.latest(epoch, pull.scope_hash(scopes), revision)
    if found is not None and found.seq > newest:  # the database was restored behind it
        found.path.unlink(missing_ok=True)
        found = None
    if found is None or newest - found.seq > REBUILD_BEHIND:
        builders.start(scopes, now)
    if found is None:
        raise NotFound("error.snapshot_none")
    return found


def chunks(path: Path) -> tuple[int, Iterator[bytes]]:
    """The file's size and its bytes, from a handle opened now (a newer build may replace the
    file while it is sent: this copy stays readable)."""
    handle = open(path, "rb")  # noqa: SIM115  # closed by the generator
    size = os.fstat(handle.fileno()).st_size

    def read() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return size, read()


# -- building one ---------------------------------------------------------------------------------


def build(
    engine: Engine, scopes: list[str], policy: SlaPolicy, now: int, shelf: Shelf
) -> Path | None:
    """Build the snapshot of `scopes` unless another process is building it (None then)."""
    from agentdesk.store.database import HEAD_REVISION

    scope = pull.scope_hash(scopes)
    with engine.connect() as conn:
        epoch, _ = _standing(conn)
    with shelf.building(epoch, scope) as mine:
        if not mine:
            return None
        for left in shelf.folder(epoch).glob(f".{scope}.*.building"):
            left.unlink()  # a build killed before its end (none runs: the lock is ours)
        work = shelf.folder(epoch) / f".{scope}.{os.getpid()}.building"
        try:
            seq = _fill(work, engine, scopes, policy, now)
            return shelf.put(epoch, work, scope, HEAD_REVISION, policy.fingerprint, seq)
        finally:
            work.unlink(missing_ok=True)


def _fill(work: Path, engine: Engine, scopes: list[str], policy: SlaPolicy, now: int) -> int:
    """Pull every page of `scopes` into a new store at `work` as a console would, derive every
    ticket; returns the position of the last change."""
    from agentdesk.store import database
    from agentdesk.store.sync_apply import WriteBatch, apply_page, derive_underived

    work.unlink(missing_ok=True)
    database.upgrade(work)
    store = database.connect(work)
    try:
        store.execute("PRAGMA journal_mode=OFF")  # a failed build is thrown away whole
        store.execute("PRAGMA synchronous=OFF")
        store.execute("PRAGMA cache_size=-131072")
        cursor: str | None = None
        position = pull.START
        with WriteBatch(store) as batch:
            while True:
                with engine.connect() as conn:
                    page = pull.pull_scopes(conn, scopes, cursor, pull.MAX_LIMIT)
                wire = json.loads(pull.page_json(page))  # exactly what a console receives
                apply_page(
                    store, wire["changes"], wire["cursor"], policy, now,
                    first_download=True, batch=batch,
                )  # fmt: skip
                cursor, position = wire["cursor"], page.position
                if batch.pages >= PAGES_PER_COMMIT:
                    batch.commit()
                if not page.has_more:
                    break
        derive_underived(store, policy, now)  # sync_state holds the cursor to pull on from
    finally:
        store.close()
    return position.seq


class Builders:
    """The build processes this server process started, one at a time, stopped with it."""

    def __init__(self, shelf: Shelf, db_url: str) -> None:
        self.shelf = shelf
        self.db_url = db_url
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()

    def start(self, scopes: list[str], now: datetime) -> None:
        """Start building `scopes` unless a build is running here already (of these scopes or
        any other: a morning of new consoles of many teams must not start a build per team at
        once; a later request of a team still waiting starts its build)."""
        scope = pull.scope_hash(scopes)
        with self.lock:
            if any(process.poll() is None for process in self.running.values()):
                return
            command = [
                sys.executable, "-m", "agentdesk.server.snapshots",
                json.dumps(scopes), str(self.shelf.directory), str(int(now.timestamp())),
            ]  # fmt: skip
            environment = {**os.environ, "AGENTDESK_SERVER_DB": self.db_url}
            self.running[scope] = subprocess.Popen(
                command, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
            )

    def wait(self, timeout: float | None = None) -> None:
        with self.lock:
            running = list(self.running.values())
        for process in running:
            process.wait(timeout)

    def stop(self) -> None:
        with self.lock:
            running, self.running = list(self.running.values()), {}
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str]) -> int:
    """`python -m agentdesk.server.snapshots SCOPES_JSON DIRECTORY NOW` with the database URL
    in AGENTDESK_SERVER_DB (not on the command line: it may hold a password)."""
    from agentdesk.io.policy_files import server_policy
    from agentdesk.server import db

    scopes, directory, now = json.loads(argv[0]), Path(argv[1]), int(argv[2])
    engine = db.make_engine(os.environ["AGENTDESK_SERVER_DB"])
    try:
        build(engine, scopes, server_policy(), now, Shelf(directory))
    except Exception:
        log.exception("building a snapshot failed")
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
