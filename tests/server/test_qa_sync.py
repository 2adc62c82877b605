"""QA reviews (R8) across consoles, both backends: a lead draws and scores at the console, the
server keeps the reviews, and every lead, supervisor and admin console pulls them (the
supervisor's monitor and `report qa` show the lead's scores); agents never receive them. A draw
the server refuses (the ticket was reopened meanwhile) leaves no review behind at the console."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.model import EventKind, RootCause
from agentdesk.io import demo_data
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import accounts, db
from agentdesk.server.app import create_app
from agentdesk.server.seeding import seed_from_store
from agentdesk.server.tables import qa_review, ticket
from agentdesk.store import database, qa_store
from agentdesk.store.repository import Repository
from agentdesk.sync.round import SyncSummary, sync_round
from agentdesk.sync.transport import ServerClient
from tests.cli.test_cli import invoke
from tests.conftest import NOW, rows
from tests.server.conftest import PASSWORD, who
from tests.server.test_intents import fresh_ticket, send

POLICY = load_policy(SHIPPED_POLICY_DIR)
PERIOD = ("--since", "2026-11-23", "--until", "2026-11-24")
KEPT, REOPENED = "T-20261123-0001", "T-20261123-0002"


@pytest.fixture
def http(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, FrozenClock(NOW))) as client:
        yield client


class Consoles:
    """One store per user, each synced with the server as that user."""

    def __init__(self, http: TestClient, folder: Path) -> None:
        self.http, self.folder, self.tokens = http, folder, {}

    def store(self, username: str) -> Path:
        path = self.folder / f"{username}.db"
        if not path.exists():
            database.upgrade(path)
        return path

    def sync(self, username: str) -> SyncSummary:
        if username not in self.tokens:
            login = {"username": username, "password": PASSWORD}
            self.tokens[username] = self.http.post("/v1/auth/login", json=login).json()["token"]
        server = ServerClient("", self.tokens[username], self.http)
        return sync_round(self.store(username), server, POLICY, int(NOW.timestamp()))


def resolve_two(store: Path) -> None:
    """Zhang Wei answers and resolves the refund ticket and the complaint."""
    repo = Repository(database.make_engine(store))
    try:
        me = repo.agent_by_username("zhang.wei")
        repo.take(REOPENED, me, NOW)
        for number in (KEPT, REOPENED):
            repo.add_message(number, EventKind.REPLY, "已为您处理，请查收。", me, NOW)
            repo.resolve(number, "已处理", RootCause.PROCESS, me, NOW)
    finally:
        repo.engine.dispose()


def score(store: Path, number: str, *marks: str, lead: str = "chen.jing") -> int:
    names = ("--tone", "--professionalism", "--efficiency", "--compliance")
    pairs = [part for pair in zip(names, marks, strict=True) for part in pair]
    return invoke(store, "qa", "score", number, *pairs, "--comment", "回复规范", "--agent", lead)[0]


def test_a_leads_reviews_reach_every_lead_and_supervisor_but_no_agent(
    http: TestClient, engine: Engine, tmp_path: Path
) -> None:
    consoles = Consoles(http, tmp_path)
    for username in ("zhang.wei", "chen.jing", "sun.li"):
        consoles.sync(username)
    resolve_two(consoles.store("zhang.wei"))
    assert consoles.sync("zhang.wei").applied == 5  # a take, two replies, two resolutions
    consoles.sync("chen.jing")
    with engine.begin() as conn:  # someone reopens the complaint before the lead's draw lands
        conn.execute(
            ticket.update().where(ticket.c.number == REOPENED).values(status="in_progress")
        )

    lead = consoles.store("chen.jing")
    code, out, _ = invoke(lead, "qa", "sample", *PERIOD, "--agent", "chen.jing", "--json")
    assert code == 0 and json.loads(out)["new_reviews"] == 2  # drawn from the console's view
    assert score(lead, KEPT, "4", "5", "3", "4") == score(lead, REOPENED, "2", "2", "2", "2") == 0
    pushed = consoles.sync("chen.jing")
    assert (pushed.applied, pushed.rejected) == (2, 2)  # KEPT drawn and scored; REOPENED refused

    with engine.connect() as conn:
        on_server = conn.execute(sa.select(qa_review)).mappings().all()
    assert [(r["agent_id"], r["drawn_by"], r["tone"], r["comment"]) for r in on_server] == [
        ("ag-1", "ag-4", 4, "回复规范")
    ]
    reviewed = rows(lead, "SELECT t.number FROM qa_review q JOIN ticket t ON t.id = q.ticket_id")
    assert reviewed == [(KEPT,)]  # the refused draw left nothing behind
    code, out, _ = invoke(lead, "conflicts", "--agent", "chen.jing", "--json")
    assert {c["intent"] for c in json.loads(out)} == {"qa.draw.v1", "qa.score.v1"}

    consoles.sync("sun.li")
    supervisor = consoles.store("sun.li")
    code, out, _ = invoke(supervisor, "report", "qa", "--json")
    assert code == 0 and json.loads(out) == [
        {
            "agent": "张伟", "sampled": 1, "scored": 1, "overall": 4.0,
            "averages": {"tone": 4.0, "professionalism": 5.0, "efficiency": 3.0,
                         "compliance": 4.0},
        }
    ]  # fmt: skip
    consoles.sync("zhang.wei")
    assert rows(consoles.store("zhang.wei"), "SELECT count(*) FROM qa_review") == [(0,)]


def test_a_second_leads_score_replaces_the_first_everywhere(
    http: TestClient, engine: Engine, tmp_path: Path
) -> None:
    consoles = Consoles(http, tmp_path)
    consoles.sync("zhang.wei")
    resolve_two(consoles.store("zhang.wei"))
    consoles.sync("zhang.wei")
    with engine.begin() as conn:
        accounts.add_account(conn, "root.admin", "admin", "leads", PASSWORD, NOW)
    for lead in ("chen.jing", "root.admin"):
        consoles.sync(lead)
    first, second = consoles.store("chen.jing"), consoles.store("root.admin")
    invoke(first, "qa", "sample", *PERIOD, "--per-agent", "1", "--seed", "3", "--agent",
           "chen.jing")  # fmt: skip
    consoles.sync("chen.jing")
    drawn = consoles.sync("root.admin")
    assert drawn.pulled >= 1
    [review] = qa_store.reviews(database.connect(second))
    assert review.score is None and review.seed == 3
    assert score(second, review.number, "5", "5", "5", "5", lead="root.admin") == 0
    assert score(first, review.number, "1", "1", "1", "1") == 0  # scored later, pushed last
    consoles.sync("root.admin")
    consoles.sync("chen.jing")
    consoles.sync("root.admin")
    for store in (first, second):
        [found] = qa_store.reviews(database.connect(store))
        assert found.score is not None and found.score.tone == 1  # the last to reach the server


def test_the_server_refuses_a_leads_draw_or_score_of_their_own_ticket(engine: Engine) -> None:
    lead = who(engine, "chen.jing")
    own = fresh_ticket(engine, status="resolved", assignee_id=lead.id)
    period = {"period_since": "2026-11-01", "period_until": "2026-12-01", "seed": 1}
    drawn = send(engine, lead, "qa.draw.v1", {"ticket_id": own, **period})
    assert drawn.status == "rejected" and "your own ticket" in drawn.detail
    vague = {**period, "period_since": "last week"}
    refused = send(engine, lead, "qa.draw.v1", {"ticket_id": own, **vague})
    assert refused.status == "rejected" and refused.detail.startswith("period_since:")
    with engine.begin() as conn:  # drawn by another lead
        conn.execute(
            qa_review.insert().values(
                id=own, ticket_id=own, agent_id=lead.id, drawn_at=NOW.isoformat(), seed=1,
                period_since="2026-11-01", period_until="2026-12-01",
            )
        )  # fmt: skip
    marks = {"tone": 5, "professionalism": 5, "efficiency": 5, "compliance": 5}
    scored = send(engine, lead, "qa.score.v1", {"ticket_id": own, **marks})
    assert scored.status == "rejected" and "your own ticket" in scored.detail


def test_seeding_from_the_demo_brings_its_qa_reviews_to_supervisors_only(
    db_url: str, tmp_path: Path
) -> None:
    """The demo lead's sample comes with the demo set: `server seed` copies it, and the
    supervisor's first sync shows the same scorecards as the demo store (`report qa`)."""
    demo = tmp_path / "demo.db"
    database.upgrade(demo)
    demo_data.load_demo_files(demo, Path(__file__).parents[2] / "data" / "demo", NOW)
    db.upgrade(db_url)
    server = db.make_engine(db_url)
    with server.begin() as conn:
        counts = seed_from_store(conn, demo, accounts.hash_password(PASSWORD), NOW)
    in_demo = rows(demo, "SELECT count(*) FROM qa_review")[0][0]
    assert counts["qa_reviews"] == in_demo > 0
    with TestClient(create_app(server, FrozenClock(NOW))) as http:
        consoles = Consoles(http, tmp_path)
        consoles.sync(demo_data.DEMO_SUPERVISOR)
        consoles.sync(demo_data.DEMO_AGENT)
    server.dispose()
    supervisor = consoles.store(demo_data.DEMO_SUPERVISOR)
    assert (
        invoke(supervisor, "report", "qa", "--json")[1] == invoke(demo, "report", "qa", "--json")[1]
    )
    assert rows(consoles.store(demo_data.DEMO_AGENT), "SELECT count(*) FROM qa_review") == [(0,)]
