"""`agentdesk login`, `logout`, `whoami`: this profile's session on a central server.

The session (server URL, user, token, expiry) is kept in `session.json` in the profile's config
folder, readable by its owner only (mode 0600).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentdesk.cli_server import read_password
from agentdesk.cli_support import emit, local_time, profile_of
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t

if TYPE_CHECKING:
    import httpx

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class StoredSession:
    server: str
    username: str
    token: str
    expires_at: str

    def public(self) -> dict[str, str]:
        return {"server": self.server, "username": self.username, "expires_at": self.expires_at}


def session_file(ctx: typer.Context) -> Path:
    return profile_of(ctx).paths.config_dir / "session.json"


def save_session(path: Path, session: StoredSession) -> None:
    """Write the token so that only this user can read it (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(session), out)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def load_session(path: Path) -> StoredSession | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoredSession(
            **{k: str(data[k]) for k in ("server", "username", "token", "expires_at")}
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise AgentdeskError("error.session_file", file=str(path)) from None


def call(
    method: str, url: str, token: str | None = None, body: dict[str, Any] | None = None
) -> Any:
    """One request to the server; its 4xx answer or an unreachable server becomes one line."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, url, json=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise AgentdeskError(
            "error.server_unreachable", url=url, reason=str(exc) or type(exc).__name__
        ) from None
    return answer_of(response)


def answer_of(response: httpx.Response) -> Any:
    """The decoded answer; a 4xx/5xx becomes one line with the server's message."""
    if response.status_code >= 400:
        try:
            message = response.json().get("message") or response.text
        except ValueError:
            message = response.text[:200]
        raise AgentdeskError("error.server_refused", status=response.status_code, message=message)
    return response.json() if response.content else None


def login(
    ctx: typer.Context,
    server: Annotated[str, typer.Option(help="Server URL, e.g. http://127.0.0.1:8800")],
    user: Annotated[str, typer.Option(help="Your user name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Sign in to a central server; the session is kept in this profile."""
    password = read_password(password_stdin, confirm=False)
    base = server.rstrip("/")
    answer = call("POST", f"{base}/v1/auth/login", body={"username": user, "password": password})
    save_session(
        session_file(ctx), StoredSession(base, user, answer["token"], answer["expires_at"])
    )
    ensure_store(profile_of(ctx).store)
    who = answer["account"]
    typer.echo(t("cli_login.signed_in", name=who["display_name"], role=who["role"], server=base))


def ensure_store(store: Path) -> None:
    """A signed-in profile's store: created empty when missing (the first sync fills it)."""
    from agentdesk.store import database

    if database.store_revision(store) is None:
        database.upgrade(store)


def logout(ctx: typer.Context) -> None:
    """End the session on the server (when reachable) and forget it here."""
    path = session_file(ctx)
    stored = load_session(path)
    if stored is None:
        typer.echo(t("cli_login.not_signed_in"))
        return
    try:
        call("POST", f"{stored.server}/v1/auth/logout", token=stored.token)
    except AgentdeskError as exc:
        typer.echo(t("cli_login.logout_offline", reason=exc.message()), err=True)
    path.unlink(missing_ok=True)
    typer.echo(t("cli_login.signed_out", server=stored.server))


def whoami(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Who this profile is signed in as, asked of the server."""
    stored = load_session(session_file(ctx))
    if stored is None:
        raise AgentdeskError("error.not_signed_in")
    answer = call("GET", f"{stored.server}/v1/auth/whoami", token=stored.token)
    who = answer["account"]
    data = {**stored.public(), "account": who, "scopes": answer["scopes"]}
    line = t(
        "cli_login.whoami",
        name=who["display_name"],
        role=who["role"],
        team=who["team"],
        server=stored.server,
        scopes=", ".join(answer["scopes"]),
    )
    emit(data, as_json, lambda: typer.echo(line))


def sync(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One round, then stop.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Push this console's queued edits and pull what changed (every sync_interval seconds
    until Ctrl+C, or once)."""
    import time

    import httpx

    from agentdesk.sync.round import sync_round
    from agentdesk.sync.transport import ServerClient

    profile = profile_of(ctx)
    stored = load_session(session_file(ctx))
    if stored is None:
        raise AgentdeskError("error.not_signed_in")
    ensure_store(profile.store)
    repo = profile.repository()
    with httpx.Client(timeout=TIMEOUT_S) as http:
        server = ServerClient(stored.server, stored.token, http, sleep=time.sleep)
        while True:
            now = int(profile.clock.now().timestamp())
            figures = asdict(sync_round(profile.store, server, repo.policy, now))
            line = t("cli_login.synced", **figures)
            if figures["snapshot"]:
                line += " " + t("cli_login.snapshot_taken", tickets=figures["snapshot"])
            emit(figures, as_json, lambda line=line: typer.echo(line))
            if once:
                return
            time.sleep(profile.settings.sync_interval)


def conflicts(
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Edits the server refused on this console's tickets (the console's F6 list), with the
    whole losing text and where it was kept; listing them marks them seen."""
    from agentdesk.i18n import intent_label, label
    from agentdesk.store import conflict_store, database

    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    conn = database.connect(profile.store)
    try:
        entries = conflict_store.conflict_list(conn, actor.id, actor.display_name)
        conflict_store.mark_seen(conn, profile.clock.now().isoformat())
    finally:
        conn.close()

    def human() -> None:
        if not entries:
            typer.echo(t("cli_conflicts.none"))
        for entry in entries:
            typer.echo(
                t(
                    "cli_conflicts.line",
                    at=local_time(entry.at),
                    ticket=entry.ticket_number or "—",
                    author=entry.author,
                    edit=intent_label(entry.intent),
                    outcome=label("conflicts.outcome", entry.outcome),
                    detail=entry.detail,
                )
            )
            if entry.losing_text:
                kept = t(f"conflicts.kept_in.{entry.kept_in or 'nothing'}")
                typer.echo(t("cli_conflicts.text", kept=kept, text=entry.losing_text))

    emit([asdict(entry) for entry in entries], as_json, human)
