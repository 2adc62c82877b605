"""The HTTP API: health, sign-in and sessions (the sync endpoints of design/SYNC.md come next).

Every answer to a bad request is a 4xx with a JSON body `{"error": key, "message": text}`; a
problem the server did not foresee is logged and answered 500 without details.

(No `from __future__ import annotations` here: FastAPI reads the route functions' annotations,
which name dependencies defined inside `create_app`.)
"""

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from typing_extensions import TypedDict

from agentdesk.domain.clock import Clock, SystemClock
from agentdesk.domain.errors import AgentdeskError, NotAllowed, NotFound, ValidationFailed
from agentdesk.i18n import t
from agentdesk.server import accounts, db, pull, push, snapshots
from agentdesk.server.accounts import Account, AuthFailed

log = logging.getLogger("agentdesk.server")
PROTOCOL_VERSION = 1
SNAPSHOT_TYPE = "application/vnd.sqlite3"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AccountOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    team: str
    language: str


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    account: AccountOut


class WhoAmI(BaseModel):
    account: AccountOut
    scopes: list[str] = Field(description="team codes whose tickets this account sees")


class MutationIn(BaseModel):
    id: int = Field(ge=1, description="the client's mutation id (1, 2, 3 … per client)")
    uuid: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64, description="e.g. ticket.set_status.v1")
    args: dict[str, Any]
    client_time: str | None = Field(default=None, max_length=64, description="display only")


class PullAsk(BaseModel):
    cursor: str | None = Field(default=None, max_length=2048, description="none: from the start")
    limit: int = Field(default=500, ge=1, le=pull.MAX_LIMIT)


class PushRequest(BaseModel):
    client_id: str = Field(min_length=8, max_length=64)
    protocol_version: int
    schema_version: str = Field(default="", max_length=32)
    mutations: list[MutationIn]
    pull: PullAsk | None = Field(
        default=None,
        description="also answer the first pull page after these mutations, as GET "
        "/v1/sync/pull would (one request where a console's round needs two)",
    )


class MutationResult(BaseModel):
    id: int
    status: str = Field(description="applied | duplicate | rejected | conflict")
    detail: str
    unrecorded_events: list[str] = Field(
        default_factory=list,
        description="the client's timeline entry ids the server did not keep (already done)",
    )
    first_status: str | None = Field(
        default=None,
        description="a duplicate's first outcome (applied | rejected | conflict): what to record",
    )


class Change(BaseModel):
    type: str
    id: str
    op: str = Field(description="upsert | delete | remove (left this scope)")
    scope: str
    row: dict[str, Any] | None


class PullResponse(BaseModel):
    cursor: str
    has_more: bool
    reset: bool = Field(description="drop synced data (keep the outbox) and apply from scratch")
    last_mutation_id: int
    changes: list[Change]


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[MutationResult]
    stopped_at: int | None = Field(description="the first id after a gap (push from there)")
    page: PullResponse | None = Field(
        default=None,
        description="the pull page asked for: absent after a gap, or when the cursor is not "
        "one to continue from (then GET /v1/sync/pull says why)",
    )


class _PushWithPage(TypedDict):
    """A push answer with its page, serialized as it is (pull.page_json says why)."""

    last_mutation_id: int
    results: list[dict[str, Any]]
    stopped_at: int | None
    page: pull.PullBody


PUSH_WITH_PAGE: TypeAdapter[_PushWithPage] = TypeAdapter(_PushWithPage)


class Health(BaseModel):
    status: str
    backend: str
    protocol_version: int


def _account_out(who: Account) -> AccountOut:
    return AccountOut(
        id=who.id,
        username=who.username,
        display_name=who.display_name,
        role=who.role.value,
        team=who.team_code,
        language=who.language,
    )


@dataclass(frozen=True)
class Caller:
    """A signed-in request: who sent it, and the database connection it works on."""

    account: Account
    conn: Connection


def create_app(
    engine: Engine,
    clock: Clock | None = None,
    sweep_every: float | None = None,
    snapshot_dir: Path | None = None,
) -> FastAPI:
    """The API over an upgraded database (checked here: a stale schema refuses to start).
    With `sweep_every` (seconds), the server runs the escalation ladder on that schedule; with
    `snapshot_dir`, it builds and offers ready-made first downloads there (server.snapshots)."""
    db.check_current(engine)
    clock = clock or SystemClock()
    builders = (
        snapshots.Builders(snapshots.Shelf(snapshot_dir), db.full_url(engine))
        if snapshot_dir
        else None
    )
    app = FastAPI(
        title="agentdesk server",
        version=str(PROTOCOL_VERSION),
        lifespan=_lifespan(engine, clock, sweep_every, builders),
    )
    app.state.snapshot_builders = builders
    _install_error_handlers(app)

    scheme = HTTPBearer(auto_error=False, description="the token from /v1/auth/login")

    async def bearer(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)],
    ) -> str:  # no I/O: answered on the event loop, not in a worker thread
        if credentials is None or not credentials.credentials.strip():
            raise AuthFailed("error.token_missing")
        return credentials.credentials.strip()

    @contextmanager
    def signed_in(token: str, reads_only: bool = False) -> Iterator[Caller]:
        """The account behind the token, and the pooled connection the request then works on
        (one checkout per request; a writer's sign-in read leaves its transaction open for the
        first write). Entered in the route's own thread, not as a dependency: a connection
        held from a dependency's thread until the route got one of its own would let a burst
        of requests take every pooled connection and every worker thread, each waiting for
        the other."""
        with db.read_connection(engine) if reads_only else engine.connect() as conn:
            yield Caller(accounts.account_for_token(conn, token, clock.now()), conn)

    @app.get("/healthz", response_model=Health)
    def healthz() -> Health:
        db.revision(engine)  # the database answers
        return Health(status="ok", backend=engine.dialect.name, protocol_version=PROTOCOL_VERSION)

    @app.post("/v1/auth/login", response_model=LoginResponse)
    def login(body: LoginRequest) -> LoginResponse:
        with engine.begin() as conn:
            session = accounts.sign_in(conn, body.username, body.password, clock.now())
        return LoginResponse(
            token=session.token,
            expires_at=session.expires_at,
            account=_account_out(session.account),
        )

    @app.post("/v1/auth/logout", status_code=204)
    def logout(token: Annotated[str, Depends(bearer)]) -> None:
        with engine.begin() as conn:
            accounts.sign_out(conn, token, clock.now())

    @app.get("/v1/auth/whoami", response_model=WhoAmI)
    def whoami(token: Annotated[str, Depends(bearer)]) -> WhoAmI:
        with signed_in(token, reads_only=True) as caller:
            scopes = accounts.visible_team_codes(caller.conn, caller.account)
        return WhoAmI(account=_account_out(caller.account), scopes=scopes)

    @app.post("/v1/sync/push", response_model=PushResponse)
    def sync_push(
        body: PushRequest, token: Annotated[str, Depends(bearer)]
    ) -> PushResponse | Response:
        """Apply the client's mutations in order, each exactly once; outcomes per item. With
        `pull`, the answer carries the first pull page read after them."""
        with signed_in(token) as caller:
            pushed = _pushed(body, caller)
            if body.pull is None or isinstance(pushed, Response) or pushed.stopped_at is not None:
                return pushed
            page = _page_after_push(caller, body.client_id, body.pull)
        if page is None:
            return pushed
        answer: _PushWithPage = {
            "last_mutation_id": pushed.last_mutation_id,
            "results": [result.model_dump() for result in pushed.results],
            "stopped_at": pushed.stopped_at,
            "page": pull.page_body(page),
        }
        return Response(PUSH_WITH_PAGE.dump_json(answer), media_type="application/json")

    def _page_after_push(caller: Caller, client_id: str, ask: PullAsk) -> pull.Page | None:
        """Every mutation's transaction has committed: the page reads them as any later pull
        would. A cursor that cannot be continued from leaves the page out (the console's own
        pull then gets the reason); the mutations stand either way."""
        db.reads_only(caller.conn)
        try:
            return pull.pull(caller.conn, caller.account, ask.cursor, ask.limit, client_id)
        except ValidationFailed:
            return None

    def _pushed(body: PushRequest, caller: Caller) -> PushResponse | JSONResponse:
        if body.protocol_version != PROTOCOL_VERSION:
            raise push.UnsupportedVersion("error.protocol", version=body.protocol_version)
        if len(body.mutations) > push.MAX_BATCH:
            message = t("error.batch_too_large", count=len(body.mutations), maximum=push.MAX_BATCH)
            return JSONResponse({"error": "error.batch_too_large", "message": message}, 413)
        mutations = [push.Mutation(m.id, m.uuid, m.name, m.args) for m in body.mutations]
        done = push.push_on(caller.conn, caller.account, body.client_id, mutations, clock.now())
        return PushResponse(
            last_mutation_id=done.last_mutation_id,
            results=[
                MutationResult(
                    id=r.id,
                    status=r.status,
                    detail=r.detail,
                    unrecorded_events=list(r.unrecorded),
                    first_status=r.first_status,
                )
                for r in done.results
            ],
            stopped_at=done.stopped_at,
        )

    @app.get("/v1/sync/pull", response_model=PullResponse)
    def sync_pull(
        token: Annotated[str, Depends(bearer)],
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
        limit: Annotated[int, Query(ge=1, le=pull.MAX_LIMIT)] = 500,
        client_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Response:
        """Changes visible to the signed-in account since `cursor` (none: from the start), and
        the last mutation of `client_id` the server applied (0 for another account's client)."""
        with db.read_connection(engine) as conn:
            page = pull.pull_for_token(conn, token, clock.now(), cursor, limit, client_id)
        # Serialized as PullResponse (the documented schema), straight from the page's dicts:
        # building and validating a model per change took longer than the page's queries.
        return Response(pull.page_json(page), media_type="application/json")

    @app.get(
        "/v1/sync/snapshot",
        response_class=StreamingResponse,
        responses={
            200: {"content": {SNAPSHOT_TYPE: {}}, "description": "a console store file"},
            404: {"description": "none ready for these scopes (pull from the start instead)"},
        },
    )
    def sync_snapshot(
        token: Annotated[str, Depends(bearer)],
        schema: Annotated[str, Query(min_length=1, max_length=32)],
    ) -> StreamingResponse:
        """A ready-made first download of the signed-in account's scopes, in console store
        schema `schema`: copy its tables, then pull on from the cursor in its sync_state."""
        if builders is None:
            raise NotFound("error.snapshot_none")
        with signed_in(token, reads_only=True) as caller:
            found = snapshots.offer(caller.conn, caller.account, schema, builders, clock.now())
        size, content = snapshots.chunks(found.path)
        headers = {
            "Content-Length": str(size),
            "X-Snapshot-Sha256": found.sha256,
            "X-Snapshot-Policy": found.policy,
            "X-Snapshot-Schema": found.revision,
        }
        return StreamingResponse(content, media_type=SNAPSHOT_TYPE, headers=headers)

    return app


def _install_error_handlers(app: FastAPI) -> None:
    def answer(
        status: int, key: str, message: str, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        return JSONResponse({"error": key, "message": message}, status_code=status, headers=headers)

    @app.exception_handler(AgentdeskError)
    def domain_error(_request: Request, exc: AgentdeskError) -> JSONResponse:
        if isinstance(exc, AuthFailed):
            return answer(401, exc.key, exc.message(), {"WWW-Authenticate": "Bearer"})
        statuses = {
            NotAllowed: 403,
            NotFound: 404,
            ValidationFailed: 400,
            push.ClientStateMismatch: 409,
            push.UnsupportedVersion: 426,
        }
        status = statuses.get(type(exc), 400)
        return answer(status, exc.key, exc.message())

    @app.exception_handler(RequestValidationError)
    def malformed(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(step) for step in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', 'malformed')}"
        return answer(400, "error.malformed_request", t("error.malformed_request", detail=detail))

    @app.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        detail = t("error.http", detail=str(exc.detail))
        return answer(exc.status_code, "error.http", detail, headers)

    @app.exception_handler(Exception)
    def unforeseen(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled server error")
        return answer(500, "error.server", t("error.server"))

    @app.exception_handler(DBAPIError)
    def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        """A connection that died in use (the database restarted): 503, try again; the pool
        opens new connections for the next requests (db._ping_when_idle)."""
        if not exc.connection_invalidated:
            return unforeseen(request, exc)
        log.warning("database connection lost: %s", str(exc.orig).strip().partition("\n")[0])
        return answer(503, "error.db_unavailable", t("error.db_unavailable"), {"Retry-After": "1"})


def _lifespan(
    engine: Engine,
    clock: Clock,
    sweep_every: float | None,
    builders: snapshots.Builders | None,
) -> Any:
    """As many worker threads for the routes as a server engine pools connections (db.POOL_SIZE),
    so a route never waits for one nor makes the pool open and close extra ones (a new
    PostgreSQL connection is a process to start); with `sweep_every`, the escalation sweep;
    snapshot builds still running are stopped at the end."""
    from contextlib import asynccontextmanager

    import anyio.to_thread

    sweeping = _sweeping(engine, clock, sweep_every) if sweep_every else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        anyio.to_thread.current_default_thread_limiter().total_tokens = db.POOL_SIZE
        try:
            async with sweeping(app) if sweeping else contextlib.nullcontext():
                yield
        finally:
            if builders is not None:
                await anyio.to_thread.run_sync(builders.stop)

    return lifespan


def _sweeping(engine: Engine, clock: Clock, every: float) -> Any:
    """A lifespan that runs the authoritative escalation sweep every `every` seconds (off the
    event loop; one process at a time on PostgreSQL, by advisory lock)."""
    import asyncio
    from contextlib import asynccontextmanager

    from agentdesk.io.policy_files import server_policy
    from agentdesk.server.sweeper import sweep

    policy = server_policy()

    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(sweep, engine, policy, clock.now())
            except Exception:
                log.exception("escalation sweep failed")
            await asyncio.sleep(every)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


def app_from_env() -> FastAPI:
    """For uvicorn's workers: the database URL comes from AGENTDESK_SERVER_DB; the ladder is
    swept every AGENTDESK_SWEEP_SECONDS (default 60; 0 turns it off)."""
    every = float(os.environ.get("AGENTDESK_SWEEP_SECONDS", "60"))
    snapshot_dir = os.environ.get("AGENTDESK_SNAPSHOT_DIR")
    return create_app(
        db.make_engine(os.environ["AGENTDESK_SERVER_DB"]),
        sweep_every=every or None,
        snapshot_dir=Path(snapshot_dir) if snapshot_dir else None,
    )
