"""A real `agentdesk server` process and `agentdesk login / whoami / logout` against it."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agentdesk.cli import app as cli
from tests.conftest import rows

runner = CliRunner()
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[str]:
    """`agentdesk server` on 127.0.0.1 over an upgraded database with one agent; stopped by PID."""
    for args in (
        ["server", "upgrade"],
        ["teams", "add", "front_line", "--kind", "front_line"],
    ):
        assert runner.invoke(cli, [*args, "--db", db_url]).exit_code == 0
    add = ["users", "add", "zhang.wei", "--role", "agent", "--team", "front_line"]
    result = runner.invoke(cli, [*add, "--password-stdin", "--db", db_url], input=PASSWORD)
    assert result.exit_code == 0, result.stderr
    with running_server(db_url, tmp_path / "server-home") as url:
        yield url


def client_cli(home: Path, *args: str, password: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=password, env={"AGENTDESK_HOME": str(home)})
    return result.exit_code, result.stdout, result.stderr


def test_login_whoami_logout_against_a_running_server(server: str, tmp_path: Path) -> None:
    home = tmp_path / "agent-home"
    code, out, err = client_cli(
        home, "login", "--server", server, "--user", "zhang.wei", "--password-stdin",
        password=PASSWORD,
    )  # fmt: skip
    assert code == 0, err
    session = home / "config" / "session.json"
    if not session.exists():
        session = next(home.rglob("session.json"))
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert PASSWORD not in session.read_text()
    code, out, _ = client_cli(home, "whoami", "--json")
    assert code == 0 and json.loads(out)["account"]["username"] == "zhang.wei"
    assert json.loads(out)["scopes"] == ["front_line"]
    code, out, _ = client_cli(home, "logout")
    assert code == 0 and not session.exists()
    code, _, err = client_cli(home, "whoami")
    assert code != 0 and "login" in err


def test_a_wrong_password_and_an_unreachable_server_are_one_line(
    server: str, tmp_path: Path
) -> None:
    home = tmp_path / "agent-home"
    code, _, err = client_cli(
        home, "login", "--server", server, "--user", "zhang.wei", "--password-stdin",
        password="not the password",
    )  # fmt: skip
    assert code != 0 and "401" in err and "Traceback" not in err
    closed = f"http://127.0.0.1:{free_port()}"
    code, _, err = client_cli(
        home, "login", "--server", closed, "--user", "zhang.wei", "--password-stdin",
        password=PASSWORD,
    )  # fmt: skip
    assert code != 0 and "Cannot reach" in err and len(err.strip().splitlines()) == 1


def test_sync_once_from_the_command_line(tmp_path: Path, db_url: str, seeded: Path) -> None:
    """A server seeded from a store, a console on a copy: one edit goes up, data comes down."""
    import shutil

    from agentdesk.domain.model import EventKind
    from agentdesk.store import database
    from agentdesk.store.repository import Repository
    from tests.conftest import NOW

    assert runner.invoke(cli, ["server", "upgrade", "--db", db_url]).exit_code == 0
    seed = ["server", "seed", "--from", str(seeded), "--db", db_url, "--password-stdin"]
    assert runner.invoke(cli, seed, input=PASSWORD).exit_code == 0
    console = tmp_path / "console.db"
    shutil.copyfile(seeded, console)
    repo = Repository(database.make_engine(console))
    repo.add_message(
        "T-20261123-0001",
        EventKind.NOTE,
        "From the shell",
        repo.agent_by_username("zhang.wei"),
        NOW,
    )
    repo.engine.dispose()
    home = tmp_path / "agent-home"
    with running_server(db_url, tmp_path / "s") as url:
        code, _, err = client_cli(home, "login", "--server", url, "--user", "zhang.wei",
                                  "--password-stdin", password=PASSWORD)  # fmt: skip
        assert code == 0, err
        code, out, err = client_cli(home, "--store", str(console), "sync", "--once", "--json")
        assert code == 0, err
        summary = json.loads(out)
        assert summary["rejected"] == 0 and summary["applied"] == summary["pushed"] >= 1
        assert summary["snapshot"] == 0  # a console with data of its own never takes one


def test_a_new_console_takes_the_servers_ready_made_first_download(
    tmp_path: Path, db_url: str, seeded: Path
) -> None:
    """The first new console of a team finds none and pulls page by page, and its request
    starts a build; the next new console of that team downloads it."""
    assert runner.invoke(cli, ["server", "upgrade", "--db", db_url]).exit_code == 0
    seed = ["server", "seed", "--from", str(seeded), "--db", db_url, "--password-stdin"]
    assert runner.invoke(cli, seed, input=PASSWORD).exit_code == 0
    shelf = tmp_path / "snapshots"
    with running_server(db_url, tmp_path / "s", "--snapshot-dir", str(shelf)) as url:
        said = []
        for name, options in (("first", ["--json"]), ("second", [])):
            home = tmp_path / name
            code, _, err = client_cli(home, "login", "--server", url, "--user", "zhang.wei",
                                      "--password-stdin", password=PASSWORD)  # fmt: skip
            assert code == 0, err
            code, out, err = client_cli(home, "sync", "--once", *options)
            assert code == 0, err
            said.append(out)
            deadline = time.monotonic() + 120
            while not list(shelf.glob("*/*.sqlite")):  # the build the first console started
                assert time.monotonic() < deadline, "no snapshot was built"
                time.sleep(0.1)
        code, out, _ = client_cli(tmp_path / "second", "sync", "--once")
    assert json.loads(said[0])["snapshot"] == 0 and json.loads(said[0])["pulled"] > 0
    assert "3 tickets came ready-made from the server" in said[1]
    for home in (tmp_path / "first", tmp_path / "second"):
        store = next(home.rglob("agentdesk.db"))
        assert rows(store, "SELECT count(*) FROM ticket WHERE due_at IS NOT NULL") == [(3,)]
    assert code == 0 and "ready-made" not in out  # later rounds are plain pulls


@contextmanager
def running_server(db_url: str, home: Path, *options: str) -> Iterator[str]:
    """`agentdesk server` on 127.0.0.1 and a free port, stopped by PID when the block ends."""
    port = free_port()
    command = [sys.executable, "-c", "from agentdesk.cli import main; main()", "server"]
    command += ["--db", db_url, "--host", "127.0.0.1", "--port", str(port), *options]
    env = dict(os.environ, AGENTDESK_HOME=str(home))
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
