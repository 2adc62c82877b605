"""The `agentdesk` command line: thin Typer commands over domain, store and console.

Commands that do not open the console never import Textual (tests/unit/test_import_hygiene.py).
Every failure the user can cause ends in one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from agentdesk import i18n
from agentdesk.cli_imports import export_app, import_app
from agentdesk.cli_incidents import incident_app
from agentdesk.cli_login import conflicts, login, logout, sync, whoami
from agentdesk.cli_phrases import kb_app, phrases_app
from agentdesk.cli_qa import qa_app, report_qa
from agentdesk.cli_report import report_app
from agentdesk.cli_routing import routing_app
from agentdesk.cli_server import server_app, teams_app, users_app
from agentdesk.cli_sla import escalation_app, parse_instant, sla_app
from agentdesk.cli_support import Profile, emit, local_time, profile_of
from agentdesk.domain.clock import Clock, SystemClock, TravelledClock
from agentdesk.domain.errors import AgentdeskError
from agentdesk.i18n import t
from agentdesk.settings import Paths, load_settings, resolve_paths, store_path

if TYPE_CHECKING:
    from agentdesk.console import MonitorOptions, ServerLink


class AgentdeskGroup(TyperGroup):
    """Turns the failures a user can cause into one line on stderr and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AgentdeskError as exc:
            typer.echo(f"agentdesk: {exc.message()}", err=True)
            raise typer.Exit(1) from None
        except sqlite3.DatabaseError as exc:
            typer.echo(f"agentdesk: {t('error.unexpected', reason=str(exc))}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="agentdesk",
    cls=AgentdeskGroup,
    help="Keyboard-first console for call-centre agents, with the service rules built in.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ticket_app = typer.Typer(help="Script tickets: list, show, create, note, status.")
db_app = typer.Typer(help="The local store: migrations.")
app.add_typer(ticket_app, name="ticket")
app.add_typer(db_app, name="db")
app.add_typer(sla_app, name="sla")
app.add_typer(escalation_app, name="escalation")
app.add_typer(routing_app, name="routing")
app.add_typer(phrases_app, name="phrases")
app.add_typer(kb_app, name="kb")
app.add_typer(incident_app, name="incident")
app.add_typer(report_app, name="report")
app.add_typer(server_app, name="server")
app.add_typer(users_app, name="users")
app.add_typer(teams_app, name="teams")
app.add_typer(import_app, name="import")
app.add_typer(qa_app, name="qa")
report_app.command("qa")(report_qa)
app.add_typer(export_app, name="export")
app.command("login")(login)
app.command("logout")(logout)
app.command("whoami")(whoami)
app.command("sync")(sync)
app.command("conflicts")(conflicts)

log = logging.getLogger("agentdesk")


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option(help="Store file (default: data dir).")] = None,
    lang: Annotated[str | None, typer.Option(help="Language: en or zh-CN.")] = None,
    now: Annotated[
        str | None,
        typer.Option(help="Time travel: run as if it were this instant (ISO 8601 with offset)."),
    ] = None,
) -> None:
    """Runs the console when no command is given."""
    settings = load_settings(paths := resolve_paths())
    chosen = lang or settings.language
    language = i18n.normalize_language(chosen) if chosen else i18n.language_from_locale()
    if language is None:
        raise AgentdeskError("error.bad_language", value=chosen)
    i18n.set_language(language)
    _setup_logging(paths)
    path = store or store_path(settings, paths)
    clock: Clock = TravelledClock(parse_instant(now, "--now")) if now else SystemClock()
    ctx.ensure_object(dict)["profile"] = Profile(settings, paths, path, clock)
    if ctx.invoked_subcommand is None:
        run(ctx, agent=None)


def _setup_logging(paths: Paths) -> None:
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(paths.log_dir / "agentdesk.log")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


# -- console --------------------------------------------------------------------------------


@app.command()
def run(
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option(help="Sign in as this agent (username).")] = None,
) -> None:
    """Open the console on the local store (signed in to a server: as that account, synced)."""
    profile = profile_of(ctx)
    link = server_link(profile)
    if link is not None:
        agent = agent or link.username
        first_sync(profile, link, agent)
    _open_console(profile, profile.store, agent or profile.settings.agent, link)


@app.command()
def monitor(
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option(help="Sign in as this account (username).")] = None,
    every: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds between refreshes (default: monitor_interval, 10)."),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="KPIs over the last N days.")] = 7,
) -> None:
    """The supervisor's live board, read-only: the floor per team, at-risk and breached tickets,
    agents, KPIs against targets, root causes, escalations and incidents."""
    profile = profile_of(ctx)
    link = server_link(profile)
    if link is not None:
        agent = agent or link.username
        first_sync(profile, link, agent)
    options = monitor_options(profile, every, days)
    _open_console(profile, profile.store, agent or profile.settings.agent, link, options)


def monitor_options(profile: Profile, every: float | None = None, days: int = 7) -> MonitorOptions:
    from agentdesk.console import MonitorOptions

    return MonitorOptions(every or profile.settings.monitor_interval, days)


def first_sync(profile: Profile, link: ServerLink, username: str) -> None:
    """A signed-in profile whose store does not know its agent yet pulls the floor first."""
    from agentdesk.cli_login import ensure_store
    from agentdesk.store import database
    from agentdesk.sync.round import sync_round
    from agentdesk.sync.transport import ServerClient

    ensure_store(profile.store)
    conn = database.connect(profile.store, readonly=True)
    try:
        sql = "SELECT 1 FROM agent WHERE username = ?"
        known = conn.execute(sql, (username,)).fetchone() is not None
    finally:
        conn.close()
    if known:
        return
    typer.echo(t("cli.first_sync", server=link.url), err=True)
    with link.http() as http:
        server = ServerClient(link.url, link.token, http)
        now = int(profile.clock.now().timestamp())
        sync_round(profile.store, server, profile.repository().policy, now)


def _open_console(
    profile: Profile,
    store: Path,
    username: str | None,
    link: ServerLink | None = None,
    monitor: MonitorOptions | None = None,
) -> None:
    from agentdesk.console import ConsoleContext
    from agentdesk.store import database, lookups

    if database.store_revision(store) is None:
        raise AgentdeskError("error.store_missing", path=str(store))
    if username is None:
        conn = database.connect(store, readonly=True)
        try:
            username = lookups.first_agent(conn)
        finally:
            conn.close()
        if username is None:
            raise AgentdeskError("error.no_agent")
    context = ConsoleContext.open(
        store,
        username,
        profile.clock,
        tick_seconds=profile.settings.tick_seconds,
        keymap=profile.settings.keymap,
        policy_dir=profile.policy_dir(),
        escalation_interval=profile.settings.escalation_interval,
        link=link or server_link(profile),
        sync_interval=profile.settings.sync_interval,
    )
    from agentdesk.app import AgentDeskApp

    AgentDeskApp(context, monitor).run()


def server_link(profile: Profile) -> ServerLink | None:
    """The profile's server session (from `agentdesk login`), if it has one."""
    import httpx

    from agentdesk.cli_login import TIMEOUT_S, load_session
    from agentdesk.console import ServerLink

    stored = load_session(profile.paths.config_dir / "session.json")
    if stored is None:
        return None
    return ServerLink(
        stored.server,
        stored.token,
        lambda: httpx.Client(timeout=TIMEOUT_S),
        stored.username,
        profile.paths.config_dir / "session.json",
    )


class DemoRole(StrEnum):
    agent = "agent"
    lead = "lead"
    supervisor = "supervisor"


@app.command()
def demo(
    ctx: typer.Context,
    tickets: Annotated[
        int | None, typer.Option(help="Generate N tickets instead of the set.")
    ] = None,
    as_: Annotated[DemoRole, typer.Option("--as", help="Sign in as this role.")] = DemoRole.agent,
    fresh: Annotated[
        bool, typer.Option(help="Rebuild a generated store even if it exists.")
    ] = False,
    no_console: Annotated[bool, typer.Option(help="Build the demo store only.")] = False,
) -> None:
    """Fill a demo store with realistic bilingual data and open the console on it."""
    from agentdesk.io import demo_data

    profile = profile_of(ctx)
    if tickets is not None and tickets < 1:
        raise AgentdeskError("error.bad_tickets", value=tickets)
    store = demo_store(profile, tickets, fresh)
    username = {
        DemoRole.agent: demo_data.DEMO_AGENT,
        DemoRole.lead: demo_data.DEMO_LEAD,
        DemoRole.supervisor: demo_data.DEMO_SUPERVISOR,
    }[as_]
    typer.echo(t("cli.demo_ready", store=str(store), agent=username), err=True)
    if no_console:
        return
    # a supervisor lands on the monitor (SPEC 5: `--as supervisor` opens the monitor)
    board = monitor_options(profile) if as_ is DemoRole.supervisor else None
    if tickets is not None:  # a generated store of N tickets: the console alone (no server)
        _open_console(profile, store, username, monitor=board)
        return
    from agentdesk.server.embedded import EmbeddedServer

    server_db = demo_server_database(profile, store)
    snapshot_dir = profile.paths.data_dir / "snapshots"
    with EmbeddedServer(server_db, profile.clock, snapshot_dir=snapshot_dir) as url:
        typer.echo(t("cli.demo_server", url=url, password=DEMO_PASSWORD), err=True)
        _open_console(profile, store, username, demo_link(url, username), board)


DEMO_PASSWORD = "agentdesk-demo"  # every demo account's, on the demo's own server only


def demo_server_database(profile: Profile, store: Path) -> str:
    """A fresh embedded server database holding the demo store's data (SQLite)."""
    from agentdesk.server import accounts, db
    from agentdesk.server.seeding import seed_from_store

    path = profile.paths.data_dir / "demo-server.db"
    _remove_store(path)
    url = f"sqlite:///{path}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            password = accounts.hash_password(DEMO_PASSWORD)
            seed_from_store(conn, store, password, profile.clock.now())
    finally:
        engine.dispose()
    return url


def demo_link(url: str, username: str) -> ServerLink:
    """Sign the demo account in to the embedded server, as `agentdesk login` would."""
    import httpx

    from agentdesk.cli_login import TIMEOUT_S, call
    from agentdesk.console import ServerLink

    answer = call(
        "POST", f"{url}/v1/auth/login", body={"username": username, "password": DEMO_PASSWORD}
    )
    return ServerLink(url, answer["token"], lambda: httpx.Client(timeout=TIMEOUT_S), username)


def demo_store(profile: Profile, tickets: int | None, fresh: bool) -> Path:
    """The committed demo set, loaded fresh (it is small), or a generated store of N tickets.

    The data is anchored at the real time, so `--now` travels through it."""
    from agentdesk.io import demo_data
    from agentdesk.store import database

    data_dir = profile.paths.data_dir
    now = SystemClock().now()
    if tickets is None:
        store = data_dir / "demo.db"
        _remove_store(store)
        database.upgrade(store)
        demo_data.load_demo_files(store, Path(__file__).parent.parent / "data" / "demo", now)
        Profile(profile.settings, profile.paths, store, profile.clock).repository()
        return store
    store = data_dir / f"demo-{tickets}.db"
    if store.exists() and not fresh:
        return store
    _remove_store(store)
    with progress_bar(tickets) as advance:
        demo_data.build_demo_store(store, tickets, now, progress=advance)
    with progress_bar(None) as advance:
        Profile(profile.settings, profile.paths, store, profile.clock).repository(advance)
    return store


def _remove_store(store: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)


class progress_bar:
    """A transient rich progress bar; `with progress_bar(total) as advance: advance(done)`."""

    def __init__(self, total: int | None) -> None:
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.task = self.bar.add_task(t("cli.building"), total=total)

    def __enter__(self) -> Any:
        self.bar.start()
        return lambda done: self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


# -- tickets --------------------------------------------------------------------------------


@ticket_app.command("list")
def ticket_list(
    ctx: typer.Context,
    view: Annotated[str, typer.Option(help="mine, team, unassigned or all.")] = "all",
    status: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    priority: Annotated[str | None, typer.Option()] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    search: Annotated[
        str, typer.Option(help="Text in number, subject, description, customer.")
    ] = "",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    agent: Annotated[str | None, typer.Option(help="Whose 'mine'/'team' view.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tickets in queue order (nearest deadline first)."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import Category, Channel, Priority, Status
    from agentdesk.store import database, lookups
    from agentdesk.store.queue_query import QueueFilter, QueuePager, View

    profile = profile_of(ctx)
    chosen = actions.parse_enum(View, view, "view")
    for enum, value, field in (
        (Status, status, "status"),
        (Category, category, "category"),
        (Priority, priority, "priority"),
        (Channel, channel, "channel"),
    ):
        if value is not None:
            actions.parse_enum(enum, value, field)
    if database.store_revision(profile.store) is None:
        raise AgentdeskError("error.store_missing", path=str(profile.store))
    conn = database.connect(profile.store, readonly=True)
    try:
        me = None
        if chosen in (View.MINE, View.TEAM):
            username = agent or profile.settings.agent
            if not username:
                raise AgentdeskError("error.no_agent")
            me = lookups.agent_by_username(conn, username)
        f = QueueFilter(
            view=chosen,
            agent_id=me.id if me else None,
            team_id=me.team_id if me else None,
            status=status,
            category=category,
            priority=priority,
            channel=channel,
            search=search,
        )
        rows = QueuePager(conn, f, page_size=limit).page(0)
    finally:
        conn.close()
    data = [asdict(r) for r in rows]
    emit(data, as_json, lambda: _print_rows(rows))


def _print_rows(rows: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from agentdesk.i18n import label

    table = Table(box=None, header_style="bold")
    # The number and deadline stay whole; the subject gives way on a narrow terminal.
    widths = {"col.number": 15, "col.due": 16, "col.status": 8, "col.category": 8}
    for key in ("col.number", "col.due", "col.status", "col.category", "col.customer"):
        table.add_column(t(key), no_wrap=True, min_width=widths.get(key))
    table.add_column(t("col.subject"), overflow="ellipsis", no_wrap=True, ratio=1)
    for r in rows:
        table.add_row(
            r.number,
            local_time(r.due_at),
            label("status", r.status),
            label("category", r.category),
            r.customer_name,
            r.subject,
        )
    Console().print(table)


@ticket_app.command("show")
def ticket_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One ticket with its customer (masked) and timeline."""
    repo = profile_of(ctx).repository()
    ticket = repo.ticket(ref)
    customer = repo.customer(ticket.customer_id).masked()
    timeline = repo.timeline(ticket.id)
    data = {
        "ticket": asdict(ticket),
        "customer": asdict(customer),
        "timeline": [asdict(e) for e in timeline],
    }

    def human() -> None:
        from agentdesk.i18n import label

        typer.echo(f"{ticket.number}  {ticket.subject}")
        typer.echo(
            f"{label('status', ticket.status.value)} · {label('category', ticket.category.value)}"
            f" · {label('priority', ticket.priority.value)} · {customer.name} {customer.phone}"
        )
        typer.echo(ticket.description)
        for e in timeline:
            typer.echo(f"  {e.at:%Y-%m-%d %H:%M}  {label('event', e.kind.value)}  {e.body}")

    emit(data, as_json, human)


@ticket_app.command("create")
def ticket_create(
    ctx: typer.Context,
    customer: Annotated[str, typer.Option(help="Customer id, or a phone number to look up.")],
    category: Annotated[str, typer.Option()],
    subject: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()],
    channel: Annotated[str, typer.Option()] = "phone",
    priority: Annotated[str, typer.Option()] = "normal",
    level: Annotated[str | None, typer.Option(help="Complaint level: minor, major, legal.")] = None,
    request: Annotated[str, typer.Option(help="What the customer asks for.")] = "",
    take: Annotated[bool, typer.Option(help="Assign it to the acting agent.")] = False,
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a new contact as a ticket."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import Category, Channel, ComplaintLevel, Priority
    from agentdesk.domain.records import NewTicket

    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    found = repo.find_customers(customer, limit=2)
    matches = [c for c in found if customer in (c.id, c.phone)]
    customer_id = matches[0].id if matches else repo.customer(customer).id
    new = NewTicket(
        customer_id=customer_id,
        channel=actions.parse_enum(Channel, channel, "channel"),
        category=actions.parse_enum(Category, category, "category"),
        complaint_level=actions.parse_enum(ComplaintLevel, level, "level") if level else None,
        priority=actions.parse_enum(Priority, priority, "priority"),
        subject=subject,
        description=description,
        customer_request=request,
    )
    ticket = repo.create_ticket(new, actor, profile.clock.now(), take=take)
    emit(asdict(ticket), as_json, lambda: typer.echo(t("done.created", number=ticket.number)))


@ticket_app.command("note")
def ticket_note(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    text: Annotated[str, typer.Argument(help="The text; '-' reads standard input.")],
    kind: Annotated[str, typer.Option(help="note, reply or call_log.")] = "note",
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add an internal note, a reply or a call log to a ticket."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import EventKind

    profile = profile_of(ctx)
    body = sys.stdin.read() if text == "-" else text
    event_kind = actions.parse_enum(EventKind, kind, "kind")
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    entry = repo.add_message(ref, event_kind, body, actor, profile.clock.now())
    message = t("done.sent", kind=i18n.label("event", entry.kind.value))
    emit(asdict(entry), as_json, lambda: typer.echo(message))


@ticket_app.command("status")
def ticket_status(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    status: Annotated[str, typer.Argument(help="Target status.")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Move a ticket along the status graph (resolve needs `ticket resolve`)."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import Status

    profile = profile_of(ctx)
    target = actions.parse_enum(Status, status, "status")
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    ticket = repo.change_status(ref, target, actor, profile.clock.now())
    message = t("done.status", status=i18n.label("status", ticket.status.value))
    emit(asdict(ticket), as_json, lambda: typer.echo(message))


@ticket_app.command("take")
def ticket_take(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Take a ticket (assign it to the acting agent)."""
    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    ticket = repo.take(ref, actor, profile.clock.now())
    message = t("done.taken")
    emit(asdict(ticket), as_json, lambda: typer.echo(message))


@ticket_app.command("refund")
def ticket_refund(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    amount: Annotated[str, typer.Argument(help="Amount in yuan, e.g. 300 or 300.50.")],
    reason: Annotated[str, typer.Option(help="Why, and what the customer was promised.")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a refund; above your authority it goes to the team leads for approval."""
    from agentdesk.domain.authority import format_yuan, parse_yuan
    from agentdesk.domain.model import EventKind

    profile = profile_of(ctx)
    cents = parse_yuan(amount)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    entry = repo.refund(ref, cents, reason, actor, profile.clock.now())
    key = (
        "done.refund_requested"
        if entry.kind is EventKind.REFUND_REQUEST
        else "done.refund_recorded"
    )
    message = t(key, amount=format_yuan(cents))
    emit(asdict(entry), as_json, lambda: typer.echo(message))


@ticket_app.command("approvals")
def ticket_approvals(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Refund requests waiting for a lead's decision, oldest first."""
    from agentdesk.domain.authority import format_yuan

    pending = profile_of(ctx).repository().pending_refunds()

    def human() -> None:
        if not pending:
            typer.echo(t("approvals.none"))
        for p in pending:
            amount = format_yuan(p.amount_cents)
            typer.echo(f"{p.request_id}  {p.ticket_number}  {amount}  {p.requested_by}: {p.reason}")

    emit([asdict(p) for p in pending], as_json, human)


@ticket_app.command("decide-refund")
def ticket_decide_refund(
    ctx: typer.Context,
    request: Annotated[str, typer.Argument(help="The request id (ticket approvals lists it).")],
    decision: Annotated[str, typer.Argument(help="approved or declined.")],
    note: Annotated[str, typer.Option(help="A note for the agent.")],
    agent: Annotated[str | None, typer.Option(help="Acting lead (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A lead approves or declines a refund request."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import ReviewDecision

    profile = profile_of(ctx)
    chosen = actions.parse_enum(ReviewDecision, decision, "decision")
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    entry = repo.decide_refund(request, chosen, note, actor, profile.clock.now())
    message = t("done.refund_decided", decision=i18n.label("decision", chosen.value))
    emit(asdict(entry), as_json, lambda: typer.echo(message))


@ticket_app.command("resolve")
def ticket_resolve(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    resolution: Annotated[str, typer.Option(help="What was done.")],
    root_cause: Annotated[str, typer.Option(help="Root-cause code.")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Resolve a ticket with a resolution and a root cause."""
    from agentdesk.domain import actions

    profile = profile_of(ctx)
    cause = actions.parse_root_cause(root_cause)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    ticket = repo.resolve(ref, resolution, cause, actor, profile.clock.now())
    emit(asdict(ticket), as_json, lambda: typer.echo(t("done.resolved")))


@ticket_app.command("review")
def ticket_review(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id (a return/exchange).")],
    decision: Annotated[str, typer.Option(help="approved or declined.")],
    note: Annotated[str, typer.Option(help="Why (required).")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record the review decision of a return/exchange request (stops its review clock)."""
    from agentdesk.domain import actions
    from agentdesk.domain.model import ReviewDecision

    profile = profile_of(ctx)
    chosen = actions.parse_enum(ReviewDecision, decision, "decision")
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    ticket = repo.record_review(ref, chosen, note, actor, profile.clock.now())
    message = t("done.reviewed", decision=i18n.label("decision", chosen.value))
    emit(asdict(ticket), as_json, lambda: typer.echo(message))


@ticket_app.command("follow-up")
def ticket_follow_up(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id (resolved or closed).")],
    score: Annotated[int, typer.Option(help="The customer's satisfaction score, 1-5.")],
    comment: Annotated[str, typer.Option(help="The customer's comment.")] = "",
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a follow-up's score and comment; a low score reopens or escalates (policy)."""
    from agentdesk.domain import follow_up

    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    outcome = follow_up.low_score_outcome(repo.follow_up_policy, score)
    ticket = repo.record_follow_up(ref, score, comment, actor, profile.clock.now())
    key = "follow_up.escalated" if outcome.escalate else "follow_up.done"
    key = "follow_up.reopened" if outcome.reopen and not outcome.escalate else key
    emit(asdict(ticket), as_json, lambda: typer.echo(t(key, score=score)))


@app.command("follow-ups")
def follow_ups(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only this team (code).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pending follow-ups of resolved tickets, the earliest due first (SPEC R10)."""
    profile = profile_of(ctx)
    repo = profile.repository()
    team_id = repo.team_by_code(team).id if team else None
    pending = repo.pending_follow_ups(team_id)

    def human() -> None:
        if not pending:
            typer.echo(t("follow_up.none_pending"))
            return
        typer.echo(t("follow_up.cli_header"))
        for p in pending:
            typer.echo(
                t(
                    "follow_up.cli_row",
                    number=p.number,
                    due=local_time(p.due_at.isoformat()),
                    channel=i18n.label("channel", p.channel),
                    customer=p.customer_name,
                    subject=p.subject,
                )
            )

    emit([asdict(p) for p in pending], as_json, human)


@ticket_app.command("transfer")
def ticket_transfer(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ticket number or id.")],
    team: Annotated[str, typer.Option(help="Team code, e.g. after_sales.")],
    note: Annotated[str, typer.Option(help="Hand-off note (required).")],
    agent: Annotated[str | None, typer.Option(help="Acting agent (username).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Transfer a ticket to another team with a hand-off note."""
    profile = profile_of(ctx)
    repo = profile.repository()
    actor = profile.acting_agent(repo, agent)
    ticket = repo.transfer(ref, team, note, actor, profile.clock.now())
    message = t("done.transferred", team=team)
    emit(asdict(ticket), as_json, lambda: typer.echo(message))


# -- store ----------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the store or bring it to the newest schema."""
    from agentdesk.store import database

    store = profile_of(ctx).store
    before, after = database.upgrade(store)
    typer.echo(t("cli.upgraded", store=str(store), before=before or "—", after=after))


@app.command()
def doctor(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check config, store and environment; exit 1 when something needs fixing."""
    from agentdesk.doctor import run_checks

    profile = profile_of(ctx)
    checks = run_checks(profile.paths, profile.store)
    if as_json:
        typer.echo(json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2))
    else:
        for c in checks:
            typer.echo(f"{'✓' if c.ok else '✗'} {c.name}: {c.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
