"""Major incidents in the store: leads declare and close them; agents and supervisors cannot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.errors import NotAllowed, NotFound, ValidationFailed
from tests.conftest import NOW, agent, rows


def test_a_lead_declares_and_closes_an_incident(repo: Any, seeded: Path) -> None:
    lead = agent(repo, "chen.jing")
    incident = repo.declare_incident("X7 Pro docks not charging", "Batch X7D23", lead, NOW)
    assert [i.title for i in repo.incidents()] == ["X7 Pro docks not charging"]
    closed = repo.close_incident(incident.id, lead, NOW + timedelta(hours=2))
    assert closed.status == "closed" and closed.closed_at == NOW + timedelta(hours=2)
    assert repo.incidents() == []
    assert [i.id for i in repo.incidents(open_only=False)] == [incident.id]
    names = rows(seeded, "SELECT name FROM outbox WHERE name LIKE 'incident.%' ORDER BY 1")
    assert names == [("incident.close.v1",), ("incident.declare.v1",)]


def test_an_agent_cannot_declare_and_nothing_is_written(repo: Any, seeded: Path) -> None:
    with pytest.raises(NotAllowed) as refused:
        repo.declare_incident("Outage", "", agent(repo), NOW)
    assert "leads" in refused.value.message()
    assert rows(seeded, "SELECT count(*) FROM incident") == [(0,)]


def test_a_title_is_required_and_an_unknown_incident_is_named(repo: Any) -> None:
    lead = agent(repo, "chen.jing")
    with pytest.raises(ValidationFailed):
        repo.declare_incident("   ", "", lead, NOW)
    with pytest.raises(NotFound) as missing:
        repo.close_incident("no-such-id", lead, NOW)
    assert "no-such-id" in missing.value.message()
