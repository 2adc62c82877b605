"""The server inside the console's process, for `agentdesk demo`: the same app and the same
sync path as production, on 127.0.0.1 and a free port, stopped when the console exits."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from agentdesk.domain.clock import Clock
from agentdesk.domain.errors import AgentdeskError
from agentdesk.server import db

START_TIMEOUT_S = 15.0
SWEEP_SECONDS = 60.0  # the embedded server runs the escalation ladder like a real one


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedServer:
    """`with EmbeddedServer(url) as base_url:` serves the database at `url` until the block ends."""

    def __init__(
        self,
        db_url: str,
        clock: Clock | None = None,
        port: int | None = None,
        snapshot_dir: Path | None = None,
    ) -> None:
        import uvicorn

        from agentdesk.server.app import create_app

        self.engine = db.make_engine(db_url)
        self.port = port or free_port()
        app = create_app(  # --now travels here too
            self.engine, clock, sweep_every=SWEEP_SECONDS, snapshot_dir=snapshot_dir
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="embedded-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise AgentdeskError("error.embedded_server", port=self.port)
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.engine.dispose()
