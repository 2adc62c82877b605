"""Schemathesis over the server's OpenAPI schema: generated requests never get a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from agentdesk.cli import app as cli
from agentdesk.server import db
from agentdesk.server.app import create_app

runner = CliRunner()


@pytest.fixture
def api_schema(tmp_path: Path) -> Iterator[Any]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert runner.invoke(cli, ["server", "upgrade", "--db", url]).exit_code == 0
    assert (
        runner.invoke(
            cli, ["teams", "add", "front_line", "--kind", "front_line", "--db", url]
        ).exit_code
        == 0
    )
    add = ["users", "add", "zhang.wei", "--role", "agent", "--team", "front_line", "--db", url]
    assert (
        runner.invoke(cli, [*add, "--password-stdin"], input="correct horse battery").exit_code == 0
    )
    engine = db.make_engine(url)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(engine))
    engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text)
