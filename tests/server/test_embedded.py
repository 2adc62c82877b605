"""The demo's embedded server: the real app on 127.0.0.1 in a thread, seeded from the demo
store, a demo account signed in, stopped when the console is done."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from agentdesk.cli import DEMO_PASSWORD, demo_link, demo_server_database
from agentdesk.cli_support import Profile
from agentdesk.domain.clock import FrozenClock
from agentdesk.server.embedded import EmbeddedServer
from agentdesk.settings import Paths, Settings
from tests.conftest import NOW


def test_the_demo_server_serves_the_store_and_signs_in_its_accounts(
    seeded: Path, tmp_path: Path
) -> None:
    paths = Paths(config_dir=tmp_path / "c", data_dir=tmp_path / "d", log_dir=tmp_path / "l")
    paths.data_dir.mkdir(parents=True)
    profile = Profile(Settings(), paths, seeded, FrozenClock(NOW))
    url = demo_server_database(profile, seeded)
    before = {t.name for t in threading.enumerate()}
    with EmbeddedServer(url) as base:
        assert base.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        link = demo_link(base, "zhang.wei")
        with link.http() as http:
            me = http.get(
                f"{base}/v1/auth/whoami", headers={"Authorization": f"Bearer {link.token}"}
            )
        assert me.json()["account"]["username"] == "zhang.wei"
        refused = httpx.post(
            f"{base}/v1/auth/login", json={"username": "zhang.wei", "password": "x"}
        )
        assert refused.status_code == 401 and DEMO_PASSWORD != "x"
    assert "embedded-server" not in {t.name for t in threading.enumerate()} - before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=1)
