"""A throwaway PostgreSQL cluster for tests: its own temp directory, port and process.

``LocalPostgres`` runs ``initdb`` into a fresh temp directory and starts ``postgres`` on
127.0.0.1 only, on a free port, with durability switched off (fsync, synchronous_commit,
full_page_writes) since the data dies with the test session. It never touches any other
cluster on the machine: it records the PID of the postmaster it started and stops only that.

PostgreSQL refuses to run as root. When this process is root, the cluster is owned by and run
as the ``postgres`` system user (which the Debian package creates), falling back to ``nobody``;
the privilege drop is done by ``subprocess`` itself (setgroups/setgid/setuid in the child before
exec, what ``setpriv`` does), so the PID we record is the postmaster's own and not a wrapper's.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

USER = "agentdesk"
START_TIMEOUT = 30.0
_BINARIES = ("initdb", "pg_ctl", "postgres")
_SHM_MIN_FREE = 1 << 30
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries on PATH nor under /usr/lib/postgresql/*/bin."""


class PostgresStartError(RuntimeError):
    """initdb or the server failed; the message carries the tail of the log."""


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: PATH first, then the newest
    /usr/lib/postgresql/*/bin. Raises PostgresNotFound."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        # Resolve symlinks (/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl) so all
        # three binaries come from one installation.
        for candidate in (Path(on_path).resolve().parent, Path(on_path).parent):
            if all((candidate / name).is_file() for name in _BINARIES):
                return candidate
    found = [
        d
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if all(os.path.isfile(os.path.join(d, name)) for name in _BINARIES)
    ]
    if found:
        return Path(max(found, key=_version_key))
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH nor under "
        "/usr/lib/postgresql/*/bin"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresStartError(
        "running as root, but there is no 'postgres' (or 'nobody') user to run PostgreSQL as; "
        "installing the postgresql package creates one"
    )


def _searchable_by_others(path: Path) -> bool:
    """Whether every directory from / down to path lets another user pass through."""
    for part in [path, *path.parents]:
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _parent_death_signal() -> Callable[[], None] | None:
    """Linux: a preexec hook so the postmaster gets SIGINT (fast shutdown) if the test process
    dies without stopping it (SIGKILL, crash): no orphan server outlives a killed pytest.
    libc is loaded here, in the parent; the child only makes the one prctl call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:  # pragma: no cover - runs in the forked child
        prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG, set after the uid change so it sticks

    return hook


class LocalPostgres:
    """One private PostgreSQL cluster. ``start()`` (or ``with``) brings it up, ``stop()`` ends
    exactly the process it started and removes its directory."""

    def __init__(self, bindir: Path | str | None = None) -> None:
        self.bindir = Path(bindir) if bindir else find_bindir()
        self.host = "127.0.0.1"
        self.user = USER
        self.port = 0
        self.pid: int | None = None
        self.tmpdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = _run_as()
        self._timings: dict[str, float] = {}

    # -- paths -------------------------------------------------------------------------------

    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "sock"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "postgres.log"

    @property
    def timings(self) -> dict[str, float]:
        """Seconds spent in initdb and in starting the server (for reporting)."""
        return dict(self._timings)

    # -- running as the cluster's owner ------------------------------------------------------

    def _subprocess_kwargs(self) -> dict[str, Any]:
        env = {
            "PATH": f"{self.bindir}{os.pathsep}/usr/bin:/bin",
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
            "HOME": str(self.tmpdir),
        }
        kwargs: dict[str, Any] = {"env": env, "cwd": str(self.tmpdir)}
        if self._owner is not None:
            kwargs.update(
                user=self._owner.pw_uid, group=self._owner.pw_gid, extra_groups=[], umask=0o077
            )
        return kwargs

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
            **self._subprocess_kwargs(),
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except (OSError, AssertionError):
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"

    # -- lifecycle ---------------------------------------------------------------------------

    def _base_dir(self) -> Path:
        """Where the cluster's temp directory goes: AGENTDESK_PG_DIR if set, else a roomy
        /dev/shm (a tmpfs: CREATE/DROP DATABASE there take ~25 ms against 70-300 ms on a disk),
        else the usual temp directory."""
        chosen = os.environ.get("AGENTDESK_PG_DIR")
        if chosen:
            return Path(chosen)
        candidates = [Path("/dev/shm"), Path(tempfile.gettempdir()), Path("/tmp")]
        for base in candidates:
            if not (base.is_dir() and os.access(base, os.W_OK | os.X_OK)):
                continue
            if base == candidates[0]:
                try:
                    if shutil.disk_usage(base).free < _SHM_MIN_FREE:
                        continue  # e.g. a container's 64 MB /dev/shm
                except OSError:
                    continue
            if self._owner is not None and not _searchable_by_others(base):
                continue  # the postgres user must be able to reach its directory
            return base
        return Path(tempfile.gettempdir())

    def start(self, timeout: float = START_TIMEOUT) -> LocalPostgres:
        if self._process is not None:
            raise RuntimeError("already started")
        self.tmpdir = Path(tempfile.mkdtemp(prefix="agentdesk-pg-", dir=self._base_dir()))
        atexit.register(self.stop)
        try:
            if self._owner is not None:
                os.chown(self.tmpdir, self._owner.pw_uid, self._owner.pw_gid)
            self._initdb()
            self._start_server(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        began = time.perf_counter()
        result = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self._timings["initdb"] = time.perf_counter() - began
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-30:])
            raise PostgresStartError(f"initdb failed (exit {result.returncode}):\n{tail}")
        self.socket_dir.mkdir()
        if self._owner is not None:
            os.chown(self.socket_dir, self._owner.pw_uid, self._owner.pw_gid)

    def _start_server(self, timeout: float) -> None:
        began = time.perf_counter()
        # The port is free when picked but could be taken before postgres binds it: retry then.
        for attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self._wait_ready(timeout)
                break
            except PostgresStartError:
                log = self._log_tail()
                if attempt < 2 and ("could not bind" in log or "could not create any" in log):
                    self._kill_server()
                    continue
                raise
        self._timings["start"] = time.perf_counter() - began

    def _spawn(self) -> None:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "128MB",
        }
        args = [str(self.bindir / "postgres"), "-D", str(self.datadir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        kwargs = self._subprocess_kwargs()
        hook = _parent_death_signal()
        if hook is not None:
            kwargs["preexec_fn"] = hook
        with open(self.logfile, "wb") as log:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, not here
                **kwargs,
            )
        self.pid = self._process.pid

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise PostgresStartError(
                    f"postgres exited with code {code} while starting; "
                    f"end of its log:\n{self._log_tail()}"
                )
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2, autocommit=True):
                    return
            except psycopg.OperationalError as error:
                last_error = error
                time.sleep(0.05)
        raise PostgresStartError(
            f"postgres (pid {self.pid}) did not accept connections on {self.host}:{self.port} "
            f"within {timeout:.0f} s (last error: {last_error}); end of its log:\n"
            f"{self._log_tail()}"
        )

    def _kill_server(self) -> None:
        """Stop the postmaster we started: pg_ctl stop -m fast, then SIGKILL its PID."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(Exception):
                self._run(
                    str(self.bindir / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.datadir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "15",
                    timeout=20,
                )
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()  # our own child, not yet reaped: the PID cannot be someone else's
                process.wait(timeout=10)
        self._process = None

    def stop(self) -> None:
        """Idempotent: stop the server, remove the temp directory."""
        try:
            self._kill_server()
        finally:
            atexit.unregister(self.stop)
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
                self.tmpdir = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------------

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string for psycopg."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str = "template0") -> str:
        """CREATE DATABASE name (an empty one, copied from template0); returns its URL."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain lower-case database name: {name!r}")
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS name WITH (FORCE): ends sessions a test left open."""
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _main(argv: list[str]) -> int:  # pragma: no cover - manual timing aid
    """python -m tests.pg_server: start a cluster, time it and a CREATE DATABASE, stop."""
    del argv
    began = time.perf_counter()
    with LocalPostgres() as pg:
        up = time.perf_counter() - began
        times: list[float] = []
        for i in range(20):
            t = time.perf_counter()
            pg.create_database(f"t_{i}")
            times.append(time.perf_counter() - t)
        print(f"pid {pg.pid} port {pg.port} dir {pg.tmpdir}")
        print(f"start total {up:.2f}s {pg.timings}")
        print(
            f"create database median {sorted(times)[10] * 1000:.0f} ms max {max(times) * 1000:.0f}"
        )
    print(f"stopped in {time.perf_counter() - began - up:.2f}s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
