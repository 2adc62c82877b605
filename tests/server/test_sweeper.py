"""The server's own escalation ladder (R5): due steps fire once, with no console online, on both
backends; on PostgreSQL only one process sweeps at a time (advisory lock)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy
from agentdesk.server import sweeper
from agentdesk.server.tables import account, ticket, ticket_event
from tests.conftest import NOW
from tests.server.conftest import pull_all, who

POLICY = load_policy(SHIPPED_POLICY_DIR)
COMPLAINT = "T-20261123-0002"  # a major complaint, unassigned, created at NOW


def escalations(engine: Engine, number: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        ticket_id = conn.execute(sa.select(ticket.c.id).where(ticket.c.number == number)).scalar()
        rows = conn.execute(
            sa.select(ticket_event.c.data_json, ticket_event.c.actor_id).where(
                ticket_event.c.ticket_id == ticket_id, ticket_event.c.kind == "escalation"
            )
        ).all()
    assert all(actor is None for _, actor in rows)  # the system, not an agent
    return [json.loads(data) for data, _ in rows]


def test_an_unresolved_complaint_is_escalated_once_to_a_named_lead(engine: Engine) -> None:
    later = NOW + timedelta(hours=24, minutes=1)
    fired = sweeper.sweep(engine, POLICY, later)
    assert fired is not None
    assert (COMPLAINT, "complaint-24h", "resolution") in {
        (f.number, f.step, f.clock) for f in fired
    }
    ladder = [e for e in escalations(engine, COMPLAINT) if e["step"] == "complaint-24h"]
    assert len(ladder) == 1 and ladder[0]["owner_id"] == "ag-4"  # the only lead
    with engine.connect() as conn:
        row = conn.execute(sa.select(ticket).where(ticket.c.number == COMPLAINT)).mappings().one()
    assert (row["escalation_level"], row["follow_up_owner_id"], row["priority"]) == (
        1,
        "ag-4",
        "high",
    )
    assert sweeper.sweep(engine, POLICY, later + timedelta(minutes=5)) == []  # nothing new
    assert len(escalations(engine, COMPLAINT)) == len([f for f in fired if f.number == COMPLAINT])


def test_the_escalation_reaches_the_lead_by_pull(engine: Engine) -> None:
    lead = who(engine, "chen.jing")
    _, cursor = pull_all(engine, lead)
    sweeper.sweep(engine, POLICY, NOW + timedelta(hours=25))
    found, _ = pull_all(engine, lead, cursor)
    steps = {c["row"]["data_json"] for c in found if c["type"] == "ticket_event"}
    assert any("complaint-24h" in data for data in steps)


def test_nothing_fires_before_anything_is_due(engine: Engine) -> None:
    assert sweeper.sweep(engine, POLICY, NOW + timedelta(minutes=1)) == []


def test_only_one_server_process_sweeps_at_a_time(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's (an SQLite server is one process)")
    holder = engine.connect()
    try:
        holder.begin()
        holder.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": sweeper.SWEEP_LOCK})
        assert sweeper.sweep(engine, POLICY, NOW + timedelta(hours=25)) is None  # skipped
    finally:
        holder.rollback()
        holder.close()
    assert sweeper.sweep(engine, POLICY, NOW + timedelta(hours=25))  # free again: it sweeps


def test_the_least_loaded_active_lead_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(account.update().where(account.c.id == "ag-4").values(active=False))
    sweeper.sweep(engine, POLICY, NOW + timedelta(hours=25))
    ladder = [e for e in escalations(engine, COMPLAINT) if e["step"] == "complaint-24h"]
    assert ladder and ladder[0]["owner_id"] is None  # no active lead to name: still escalated


def test_the_running_server_sweeps_on_its_schedule(engine: Engine) -> None:
    import time

    from fastapi.testclient import TestClient

    from agentdesk.domain.clock import FrozenClock
    from agentdesk.server.app import create_app

    app = create_app(engine, FrozenClock(NOW + timedelta(hours=25)), sweep_every=0.05)
    with TestClient(app):  # the lifespan starts the sweeping loop
        deadline = time.monotonic() + 10
        while not escalations(engine, COMPLAINT) and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the background round, not for time to pass
    assert any(e["step"] == "complaint-24h" for e in escalations(engine, COMPLAINT))
