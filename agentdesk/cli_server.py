"""`agentdesk server`, `agentdesk users ...`, `agentdesk teams ...`: run and administer the
central server's database (PostgreSQL `postgresql+psycopg://...` or SQLite `sqlite:///path`)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentdesk.cli_support import emit, profile_of
from agentdesk.domain.errors import ValidationFailed
from agentdesk.i18n import t

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection

server_app = typer.Typer(help="The central server: run it, upgrade its database.")
users_app = typer.Typer(help="Accounts on the central server.")
teams_app = typer.Typer(help="Teams on the central server.")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="postgresql+psycopg://... or sqlite:///path (default: embedded)"),
]


def database_url(ctx: typer.Context, url: str | None) -> str:
    """The server database: given, or the embedded SQLite one in this profile's data folder."""
    if url:
        return url
    return f"sqlite:///{profile_of(ctx).paths.data_dir / 'server.db'}"


@contextmanager
def _connection(ctx: typer.Context, url: str | None) -> Iterator[Connection]:
    """One transaction on the server database (committed when the block ends cleanly)."""
    from agentdesk.server import db

    engine = db.make_engine(database_url(ctx, url))
    try:
        db.check_current(engine)
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def read_password(from_stdin: bool, *, confirm: bool) -> str:
    """The first line of standard input, or a hidden prompt (twice when setting one)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            t("cli_server.password"), hide_input=True, confirmation_prompt=confirm
        )
    if not password:
        raise ValidationFailed("error.required", field=t("cli_server.password"))
    return password


# -- the server -----------------------------------------------------------------------------------


@server_app.callback(invoke_without_command=True)
def server(
    ctx: typer.Context,
    db_url: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8800,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    snapshots: Annotated[
        bool, typer.Option(help="Build and offer ready-made first downloads to new consoles.")
    ] = True,
    snapshot_dir: Annotated[
        Path | None,
        typer.Option(help="Where they are kept (default: snapshots in the profile's data folder)."),
    ] = None,
) -> None:
    """Serve the API (FastAPI on uvicorn) over an upgraded database."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from agentdesk.server import db

    url = database_url(ctx, db_url)
    engine = db.make_engine(url)
    try:
        db.check_current(engine)  # a clear message now rather than one per worker
    finally:
        engine.dispose()
    os.environ["AGENTDESK_SERVER_DB"] = db.normalize_url(url)
    if snapshots:
        folder = snapshot_dir or profile_of(ctx).paths.data_dir / "snapshots"
        os.environ["AGENTDESK_SNAPSHOT_DIR"] = str(folder.resolve())
    else:
        os.environ.pop("AGENTDESK_SNAPSHOT_DIR", None)
    typer.echo(t("cli_server.serving", url=db.redacted(url), host=host, port=port), err=True)
    uvicorn.run(
        "agentdesk.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


@server_app.command("upgrade")
def server_upgrade(ctx: typer.Context, db_url: DbOption = None) -> None:
    """Create or migrate the server database (Alembic)."""
    from agentdesk.server import db

    url = database_url(ctx, db_url)
    before, after = db.upgrade(url)
    typer.echo(t("cli_server.upgraded", url=db.redacted(url), before=before or "—", after=after))


@server_app.command("seed")
def server_seed(
    ctx: typer.Context,
    store: Annotated[Path, typer.Option("--from", help="The local store to copy, e.g. demo.db.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fill an empty server database from a local store; every account gets one password."""
    from agentdesk.server import accounts
    from agentdesk.server.seeding import seed_from_store
    from agentdesk.store import database

    if database.store_revision(store) is None:
        raise ValidationFailed("error.store_missing", path=str(store))
    password_hash = accounts.hash_password(read_password(password_stdin, confirm=True))
    with _connection(ctx, db_url) as conn:
        counts = seed_from_store(conn, store, password_hash, profile_of(ctx).clock.now())
    emit(counts, as_json, lambda: typer.echo(t("cli_server.seeded", **counts)))


@server_app.command("restored")
def server_restored(ctx: typer.Context, db_url: DbOption = None) -> None:
    """Run after restoring the database from a backup: every client pulls its data again."""
    from agentdesk.server.maintenance import rotate_epoch

    with _connection(ctx, db_url) as conn:
        rotate_epoch(conn)
    typer.echo(t("cli_server.restored"))


# -- accounts -------------------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Lowercase login name, e.g. zhang.wei")],
    role: Annotated[str, typer.Option(help="agent, lead, supervisor or admin.")],
    team: Annotated[str, typer.Option(help="Team code.")],
    display_name: Annotated[str, typer.Option(help="Name shown to others.")] = "",
    language: Annotated[str, typer.Option(help="zh-CN or en.")] = "zh-CN",
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add an account (the password is stored only as an argon2 hash)."""
    from agentdesk.server import accounts

    password = read_password(password_stdin, confirm=True)
    now = profile_of(ctx).clock.now()
    with _connection(ctx, db_url) as conn:
        who = accounts.add_account(
            conn, username, role, team, password, now, display_name, language
        )
    emit(asdict(who), as_json, lambda: typer.echo(t("cli_server.user_added", username=username)))


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    db_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every account: name, role, team, whether it may sign in."""
    from agentdesk.server import accounts

    with _connection(ctx, db_url) as conn:
        found = accounts.accounts(conn)

    def human() -> None:
        for a in found:
            state = t("cli_server.active") if a.active else t("cli_server.disabled")
            typer.echo(
                f"{a.username:<20} {a.role.value:<11} {a.team_code:<14} {state}  {a.display_name}"
            )

    emit([asdict(a) for a in found], as_json, human)


@users_app.command("disable")
def users_disable(ctx: typer.Context, username: str, db_url: DbOption = None) -> None:
    """Stop an account signing in; its open sessions end now."""
    from agentdesk.server import accounts

    with _connection(ctx, db_url) as conn:
        accounts.set_active(conn, username, False, profile_of(ctx).clock.now())
    typer.echo(t("cli_server.user_disabled", username=username))


@users_app.command("enable")
def users_enable(ctx: typer.Context, username: str, db_url: DbOption = None) -> None:
    """Let a disabled account sign in again."""
    from agentdesk.server import accounts

    with _connection(ctx, db_url) as conn:
        accounts.set_active(conn, username, True, profile_of(ctx).clock.now())
    typer.echo(t("cli_server.user_enabled", username=username))


@users_app.command("reset-password")
def users_reset_password(
    ctx: typer.Context,
    username: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db_url: DbOption = None,
) -> None:
    """Set a new password; the account's open sessions end."""
    from agentdesk.server import accounts

    password = read_password(password_stdin, confirm=True)
    with _connection(ctx, db_url) as conn:
        accounts.reset_password(conn, username, password, profile_of(ctx).clock.now())
    typer.echo(t("cli_server.password_reset", username=username))


# -- teams ----------------------------------------------------------------------------------------


@teams_app.command("add")
def teams_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short code, e.g. after_sales")],
    kind: Annotated[str, typer.Option(help="front_line, technical, after_sales, leads or other.")],
    name_en: Annotated[str, typer.Option(help="English name.")] = "",
    name_zh: Annotated[str, typer.Option(help="Chinese name.")] = "",
    db_url: DbOption = None,
) -> None:
    """Add a team."""
    from agentdesk.server import accounts

    with _connection(ctx, db_url) as conn:
        accounts.add_team(conn, code, name_en, name_zh, kind)
    typer.echo(t("cli_server.team_added", team=code))


@teams_app.command("list")
def teams_list(
    ctx: typer.Context,
    db_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every team."""
    from agentdesk.server import accounts

    with _connection(ctx, db_url) as conn:
        found = accounts.teams(conn)

    def human() -> None:
        for team in found:
            typer.echo(
                f"{team['code']:<16} {team['kind']:<12} {team['name_en']} / {team['name_zh']}"
            )

    emit(found, as_json, human)
