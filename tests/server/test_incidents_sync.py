"""Crisis mode (R13) across consoles: a lead links 200 tickets to an incident and posts one
update; it lands once on every linked ticket's timeline on the server and on the consoles that
hold those tickets (the same entry ids everywhere), both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.io import demo_data
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import accounts, db
from agentdesk.server.app import create_app
from agentdesk.server.seeding import seed_from_store
from agentdesk.server.tables import ticket_event
from agentdesk.store import database
from agentdesk.store.repository import Repository
from agentdesk.sync.round import sync_round
from agentdesk.sync.transport import ServerClient
from tests.conftest import NOW, rows

POLICY = load_policy(SHIPPED_POLICY_DIR)
PASSWORD = "crisis-pw"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    database.upgrade(path)
    demo_data.load_demo_files(path, Path(__file__).parents[2] / "data" / "demo", NOW)
    return path


def test_an_update_reaches_200_linked_tickets_once_everywhere(
    db_url: str, demo: Path, tmp_path: Path
) -> None:
    db.upgrade(db_url)
    engine: Engine = db.make_engine(db_url)
    with engine.begin() as conn:
        seed_from_store(conn, demo, accounts.hash_password(PASSWORD), NOW)
    lead_store, agent_store = tmp_path / "lead.db", tmp_path / "agent.db"
    for path in (lead_store, agent_store):
        database.upgrade(path)
    with TestClient(create_app(engine)) as http:

        def console(store: Path, username: str) -> int:
            login = {"username": username, "password": PASSWORD}
            token = http.post("/v1/auth/login", json=login).json()["token"]
            return sync_round(store, ServerClient("", token, http), POLICY, 0).pulled

        console(lead_store, demo_data.DEMO_LEAD)
        console(agent_store, demo_data.DEMO_AGENT)
        repo = Repository(database.make_engine(lead_store))
        lead = repo.agent_by_username(demo_data.DEMO_LEAD)
        agent = repo.agent_by_username(demo_data.DEMO_AGENT)
        incident = repo.declare_incident("X5 dock fault", "Batch 2611", lead, NOW)
        targets = [r[0] for r in rows(lead_store, "SELECT id FROM ticket ORDER BY pk LIMIT 200")]
        with pytest.raises(NotAllowed):
            repo.link_incident(incident.id, targets[:1], agent, NOW)
        assert repo.link_incident(incident.id, targets, lead, NOW) == 200
        assert repo.link_incident(incident.id, targets[:10], lead, NOW) == 0  # once each
        statement = "We are replacing every affected dock free of charge."
        assert repo.post_incident_update(incident.id, statement, lead, NOW) == 200
        repo.engine.dispose()
        console(lead_store, demo_data.DEMO_LEAD)
        console(agent_store, demo_data.DEMO_AGENT)
    with engine.connect() as conn:
        on_server = conn.execute(
            sa.select(ticket_event.c.ticket_id, ticket_event.c.id).where(
                ticket_event.c.kind == "incident_update"
            )
        ).all()
    engine.dispose()
    assert len(on_server) == 200 and {t for t, _ in on_server} == set(targets)
    sql = "SELECT ticket_id, id FROM ticket_event WHERE kind = 'incident_update'"
    assert sorted(rows(lead_store, sql)) == sorted(tuple(r) for r in on_server)
    held = {r[0] for r in rows(agent_store, "SELECT id FROM ticket")}
    mine = sorted(tuple(r) for r in on_server if r[0] in held)
    assert mine and sorted(rows(agent_store, sql)) == mine  # the agent's team's share, once


def test_a_closed_incident_takes_no_links_or_updates(repo: Repository) -> None:
    lead = repo.agent_by_username("chen.jing")
    incident = repo.declare_incident("Outage", "", lead, NOW)
    repo.close_incident(incident.id, lead, NOW)
    with pytest.raises(ValidationFailed):
        repo.link_incident(incident.id, ["T-20261123-0001"], lead, NOW)
    with pytest.raises(ValidationFailed):
        repo.post_incident_update(incident.id, "Fixed", lead, NOW)
