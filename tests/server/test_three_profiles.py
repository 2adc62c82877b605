"""The issue's "done when", from the command line: two agents and a supervisor, each in their
own AGENTDESK_HOME profile, on one real server (uvicorn on 127.0.0.1, both backends). Edits flow
both ways, a race leaves one winner and a visible conflict, the server going away loses nothing,
and the supervisor cannot change anything — from the CLI or raw HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from agentdesk.cli import app as cli
from agentdesk.server import db
from agentdesk.server.embedded import EmbeddedServer
from agentdesk.server.tables import ticket_event
from tests.server.conftest import seed_database

PASSWORD = "three-profiles-pw"
FREE = "T-20261123-0003"  # new, unassigned, front line
runner = CliRunner()


@pytest.fixture
def server_url(db_url: str, seeded: Path) -> str:
    seed_database(db_url, seeded, PASSWORD)
    return db_url


def as_(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), input=stdin, env={"AGENTDESK_HOME": str(home)})
    return result.exit_code, result.output


def sync(home: Path) -> dict[str, Any]:
    code, out = as_(home, "sync", "--once", "--json")
    assert code == 0, out
    return dict(json.loads(out))


def test_two_agents_and_a_supervisor_share_one_server(server_url: str, tmp_path: Path) -> None:
    homes = {name: tmp_path / name for name in ("zhang.wei", "emma.clark", "sun.li")}
    server = EmbeddedServer(server_url)
    with server as base:
        for name, home in homes.items():
            code, out = as_(
                home, "login", "--server", base, "--user", name, "--password-stdin",
                stdin=PASSWORD + "\n",
            )  # fmt: skip
            assert code == 0, out
            assert sync(home)["pulled"] > 0  # a fresh profile bootstraps from the server
        zhang, emma, boss = homes["zhang.wei"], homes["emma.clark"], homes["sun.li"]

        # edits flow both ways
        assert as_(zhang, "ticket", "note", FREE, "Zhang: called the customer")[0] == 0
        assert sync(zhang)["applied"] == 1
        sync(emma)
        code, out = as_(emma, "ticket", "show", FREE, "--json")
        assert "Zhang: called the customer" in out
        assert as_(emma, "ticket", "note", FREE, "Emma: sent the manual")[0] == 0
        sync(emma)
        sync(zhang)
        assert "Emma: sent the manual" in as_(zhang, "ticket", "show", FREE, "--json")[1]

        # both take the same ticket before either syncs: one wins, the other sees a conflict
        assert as_(zhang, "ticket", "take", FREE)[0] == as_(emma, "ticket", "take", FREE)[0] == 0
        assert sync(zhang)["conflicts"] == 0 and sync(emma)["conflicts"] == 1
        code, out = as_(emma, "conflicts", "--json")
        [conflict] = json.loads(out)
        assert conflict["intent"] == "ticket.claim.v1" and "张伟" in conflict["detail"]
        shown = json.loads(as_(emma, "ticket", "show", FREE, "--json")[1])
        assert shown["ticket"]["assignee_id"] == "ag-1"  # emma's console took the server's truth

        # the supervisor: refused at the console's CLI and by the server itself
        code, out = as_(boss, "ticket", "note", FREE, "Supervisor was here")
        assert code == 1 and "read-only" in out
        token = json.loads((boss / "session.json").read_text())["token"]
        forged = {
            "client_id": "supervisor-client-1", "protocol_version": 1,
            "mutations": [{"id": 1, "uuid": "s-1", "name": "ticket.add_event.v1", "args": {
                "ticket_id": "x", "event_id": "e", "kind": "note", "body": "hi"}}],
        }  # fmt: skip
        raw = httpx.post(
            f"{base}/v1/sync/push", json=forged, headers={"Authorization": f"Bearer {token}"}
        )
        assert raw.status_code == 403

    # the server is gone: edits wait, and go out when it is back
    assert as_(zhang, "ticket", "note", FREE, "Zhang: written while the server was down")[0] == 0
    code, out = as_(zhang, "sync", "--once")
    assert code == 1 and "cannot be reached" in out
    with EmbeddedServer(server_url, port=server.port):  # back, where it was
        assert sync(zhang)["applied"] == 1
    engine = db.make_engine(server_url)
    with engine.connect() as conn:
        notes = conn.execute(
            sa.select(ticket_event.c.body).where(ticket_event.c.kind == "note")
        ).scalars()
        assert sorted(notes) == [
            "Emma: sent the manual",
            "Zhang: called the customer",
            "Zhang: written while the server was down",
        ]  # each exactly once, nothing from the supervisor
    engine.dispose()
