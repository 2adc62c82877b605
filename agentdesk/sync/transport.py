"""Talking to the server: one request, retried with backoff on a busy or unreachable server;
what cannot be retried becomes a SyncProblem with one line for the agent."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from agentdesk.domain.errors import AgentdeskError
from agentdesk.sync.backoff import RETRYABLE, Backoff, retry_after

ATTEMPTS = 4


class SyncProblem(AgentdeskError):
    """A sync round stopped; `status` is the HTTP status (0: the server could not be reached).
    The outbox is untouched: the edits go out on a later round."""

    def __init__(self, http_status: int, key: str, **args: Any) -> None:
        super().__init__(key, **args)
        self.http_status = http_status


@dataclass
class ServerClient:
    base_url: str
    token: str
    http: httpx.Client
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], None] = field(default=lambda _seconds: None)
    attempts: int = ATTEMPTS

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        for attempt in range(self.attempts):
            try:
                response = self.http.request(
                    method, self.base_url + path, headers=headers, **kwargs
                )
            except httpx.HTTPError as exc:
                if attempt + 1 == self.attempts:
                    raise SyncProblem(
                        0, "error.sync_offline", reason=str(exc) or type(exc).__name__
                    ) from None
                self.sleep(self.backoff.delay(attempt))
                continue
            if response.status_code in RETRYABLE and attempt + 1 < self.attempts:
                self.sleep(
                    self.backoff.delay(attempt, retry_after(response.headers.get("retry-after")))
                )
                continue
            return response
        raise AssertionError("unreachable")

    def download(self, path: str, params: dict[str, Any], into: Path) -> httpx.Headers | None:
        """GET `path` into the file `into` (one attempt: a caller that gets None does without);
        the answer's headers, or None for anything but a whole 200 (nothing is left at `into`
        then). A body is whole when it is as long as its Content-Length and, when the answer
        names one, has its X-Snapshot-Sha256."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with self.http.stream(
                "GET", self.base_url + path, params=params, headers=headers
            ) as response:
                if response.status_code != 200:
                    return None
                length, digest = _save_body(response, into)
                expected = response.headers.get("x-snapshot-sha256")
                whole = str(length) == response.headers.get("content-length")
                if whole and expected in (None, digest):
                    return response.headers
        except (httpx.HTTPError, OSError):
            pass
        into.unlink(missing_ok=True)
        return None

    def json_or_problem(self, response: httpx.Response) -> Any:
        if response.status_code < 400:
            return response.json()
        if response.status_code == 401:  # expired or revoked: sign in again (SYNC T20)
            raise SyncProblem(401, "error.sync_signed_out")
        try:
            message = str(response.json().get("message") or response.text)
        except ValueError:
            message = response.text[:200]
        raise SyncProblem(
            response.status_code, "error.sync_refused", status=response.status_code, message=message
        )


def _save_body(response: httpx.Response, into: Path) -> tuple[int, str]:
    """Write the body to `into`; its length and SHA-256."""
    digest, length = hashlib.sha256(), 0
    with into.open("wb") as out:
        for chunk in response.iter_bytes(1 << 20):
            digest.update(chunk)
            out.write(chunk)
            length += len(chunk)
    return length, digest.hexdigest()
