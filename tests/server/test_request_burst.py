"""More signed-in requests at once than the server has pooled connections: every one is answered.

A connection taken in a dependency's worker thread and held until the route got a thread of its
own once let such a burst take every pooled connection and every worker thread, each waiting for
the other, until the pool's timeout failed them all (the load benchmark's ReadTimeouts)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from agentdesk.server import db
from agentdesk.server.app import create_app
from agentdesk.server.embedded import free_port
from tests.server.conftest import PASSWORD, seed_database

BURST = 60  # more than the server's worker threads (db.POOL_SIZE), far more than 2 connections


def test_a_burst_larger_than_the_connection_pool_is_answered(db_url: str, seeded: Path) -> None:
    seed_database(db_url, seeded)
    engine = db.make_engine(db_url, pool_size=2, max_overflow=0, pool_timeout=5)
    port = free_port()
    config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        statuses = asyncio.run(_burst(f"http://127.0.0.1:{port}"))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    assert statuses == [200] * (2 * BURST)


async def _burst(base: str) -> list[int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        login = {"username": "zhang.wei", "password": PASSWORD}
        token = (await http.post("/v1/auth/login", json=login)).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        pulls = [http.get("/v1/sync/pull", headers=headers) for _ in range(BURST)]
        whoamis = [http.get("/v1/auth/whoami", headers=headers) for _ in range(BURST)]
        answers = await asyncio.gather(*pulls, *whoamis)
    return [answer.status_code for answer in answers]
