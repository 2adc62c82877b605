"""Who may push what: every role × every intent, through push.push, against a table a reader can
check against the rules (domain/authority.py and the handlers in server/intents/).

The rules behind the table:
* supervisors are read-only: the whole batch is refused (NotAllowed; HTTP 403) whatever it holds;
* agents work the tickets of their own team (or assigned to them); they create tickets for any
  team (routing sends a contact where it belongs) but take only their own team's; leads and
  admins work and create for any team;
* incidents are declared and closed by leads and admins only; so are QA reviews drawn and scored;
* customers and PII-reveal audits are written by every writing role (a reveal on a ticket the
  actor may not work is audited without a timeline entry).

Every cell acts on a ticket of its own in the front line (team-fl), so cells never interfere;
"agent" is zhang.wei (front line), "other agent" li.na (after-sales).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agentdesk.domain.errors import NotAllowed
from agentdesk.server import accounts, intents
from agentdesk.server.accounts import Account
from agentdesk.server.app import create_app
from agentdesk.server.tables import incident, mutation_receipt, qa_review, ticket, ticket_event
from tests.conftest import NOW
from tests.server.conftest import PASSWORD, who
from tests.server.test_intents import escalation, first_customer, fresh_ticket, send, ticket_args

A, R, X = "applied", "rejected", "refused (403)"
ROLES = ("agent", "other agent", "lead", "admin", "supervisor")
# fmt: off
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    #                        agent  other agent  lead  admin  supervisor
    "customer.create.v1":    (A,    A,           A,    A,     X),
    "ticket.create.v1":      (A,    A,           A,    A,     X),  # for team-fl, unassigned
    "ticket.add_event.v1":   (A,    R,           A,    A,     X),
    "ticket.set_status.v1":  (A,    R,           A,    A,     X),
    "ticket.claim.v1":       (A,    R,           A,    A,     X),
    "ticket.transfer.v1":    (A,    R,           A,    A,     X),
    "ticket.resolve.v1":     (A,    R,           A,    A,     X),
    "ticket.review.v1":      (A,    R,           A,    A,     X),
    "ticket.follow_up.v1":   (A,    R,           A,    A,     X),
    "ticket.escalate.v1":    (A,    R,           A,    A,     X),
    "ticket.refund.v1":      (A,    R,           A,    A,     X),  # within authority
    "ticket.consult.v1":     (A,    R,           A,    A,     X),
    "ticket.consult_answer.v1": (A, R,           A,    A,     X),
    "ticket.refund_decision.v1": (R, R,          A,    A,     X),  # leads decide
    "audit.pii_reveal.v1":   (A,    A,           A,    A,     X),
    "incident.declare.v1":   (R,    R,           A,    A,     X),
    "incident.close.v1":     (R,    R,           A,    A,     X),
    "ticket.link_incident.v1":   (R, R,          A,    A,     X),  # leads link
    "incident.post_update.v1":   (R, R,          A,    A,     X),
    "qa.draw.v1":            (R,    R,           A,    A,     X),  # leads draw and score
    "qa.score.v1":           (R,    R,           A,    A,     X),
}
# fmt: on
USERNAMES = {
    "agent": "zhang.wei",
    "other agent": "li.na",
    "lead": "chen.jing",
    "admin": "root.admin",  # the seeded store has no admin: added below
    "supervisor": "sun.li",
}


def test_the_table_covers_every_intent() -> None:
    assert set(EXPECTED) == set(intents.INTENTS)


# -- one cell: the arguments of a mutation that, for a role allowed to, applies ----------------


def _open_incident(engine: Engine) -> str:
    ident = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            incident.insert().values(
                id=ident, title="Outage", opened_at=NOW.isoformat(), opened_by="ag-4"
            )
        )
    return ident


def _pending_refund(engine: Engine) -> dict[str, Any]:
    """A ticket with a ¥800 refund request from zhang.wei; the decision's arguments."""
    target, request = fresh_ticket(engine, status="assigned"), str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            ticket_event.insert().values(
                id=request, ticket_id=target, kind="refund_request", actor_id="ag-1",
                at=NOW.isoformat(), body="Faulty unit", data_json='{"amount_cents": 80000}',
            )
        )  # fmt: skip
    return {
        "ticket_id": target, "event_id": str(uuid.uuid4()), "request_id": request,
        "decision": "approved", "note": "Defect confirmed",
    }  # fmt: skip


def _open_consult(engine: Engine) -> dict[str, Any]:
    """A ticket with an open question to the warehouse; the answer's arguments."""
    target, request = fresh_ticket(engine, status="assigned"), str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            ticket_event.insert().values(
                id=request, ticket_id=target, kind="consult_request", actor_id="ag-1",
                at=NOW.isoformat(), body="In stock?",
                data_json='{"department": "warehouse", "due_at": "2026-11-23T14:00:00+00:00"}',
            )
        )  # fmt: skip
    return {
        "ticket_id": target, "event_id": str(uuid.uuid4()), "request_id": request,
        "answer": "Two units left",
    }  # fmt: skip


def _note(ticket_id: str) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "event_id": str(uuid.uuid4()), "kind": "note", "body": "Hi"}


def _handled(engine: Engine) -> str:
    return fresh_ticket(engine, status="resolved", assignee_id="ag-1")


def _drawn(engine: Engine) -> str:
    """A ticket zhang.wei resolved, drawn for QA review."""
    target = _handled(engine)
    with engine.begin() as conn:
        conn.execute(
            qa_review.insert().values(
                id=target, ticket_id=target, agent_id="ag-1", drawn_at=NOW.isoformat(),
                period_since="2026-11-01", period_until="2026-12-01", seed=7,
            )
        )  # fmt: skip
    return target


Setup = Callable[[Engine, Account], dict[str, Any]]
SETUPS: dict[str, Setup] = {
    "customer.create.v1": lambda e, a: {
        "customer_id": str(uuid.uuid4()), "name": "吴芳", "phone": "13800000000"
    },
    "ticket.create.v1": lambda e, a: ticket_args(first_customer(e), team_id="team-fl"),
    "ticket.add_event.v1": lambda e, a: _note(fresh_ticket(e, status="assigned")),
    "ticket.set_status.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned"), "from": "assigned", "to": "in_progress"
    },
    "ticket.claim.v1": lambda e, a: {"ticket_id": fresh_ticket(e), "assignee_id": a.id},
    "ticket.transfer.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned"), "team_id": "team-ts", "note": "Theirs"
    },
    "ticket.resolve.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="in_progress"), "resolution": "Fixed",
        "root_cause": "other",
    },
    "ticket.review.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned", category="return_exchange"),
        "event_id": str(uuid.uuid4()), "decision": "declined", "note": "Used item",
    },
    "ticket.escalate.v1": lambda e, a: escalation(fresh_ticket(e, status="assigned")),
    "ticket.follow_up.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="resolved"), "event_id": str(uuid.uuid4()),
        "score": 4, "comment": "Fine",
    },
    "ticket.refund.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned"), "event_id": str(uuid.uuid4()),
        "amount_cents": 100_00, "reason": "Shipping fee back",
    },
    "ticket.refund_decision.v1": lambda e, a: _pending_refund(e),
    "ticket.consult.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned"), "event_id": str(uuid.uuid4()),
        "department": "warehouse", "due_at": NOW.isoformat(), "question": "In stock?",
    },
    "ticket.consult_answer.v1": lambda e, a: _open_consult(e),
    "audit.pii_reveal.v1": lambda e, a: {
        "customer_id": first_customer(e), "reason": "Verify", "ticket_id": fresh_ticket(e)
    },
    "incident.declare.v1": lambda e, a: {"incident_id": str(uuid.uuid4()), "title": "Outage"},
    "incident.close.v1": lambda e, a: {"incident_id": _open_incident(e)},
    "ticket.link_incident.v1": lambda e, a: {
        "ticket_id": fresh_ticket(e, status="assigned"), "event_id": str(uuid.uuid4()),
        "incident_id": _open_incident(e),
    },
    "incident.post_update.v1": lambda e, a: {
        "incident_id": _open_incident(e), "update_id": str(uuid.uuid4()), "body": "Fix shipping",
    },
    "qa.draw.v1": lambda e, a: {
        "ticket_id": _handled(e), "period_since": "2026-11-01", "period_until": "2026-12-01",
        "seed": 20261101,
    },
    "qa.score.v1": lambda e, a: {
        "ticket_id": _drawn(e), "tone": 4, "professionalism": 5, "efficiency": 3,
        "compliance": 4, "comment": "Good",
    },
}  # fmt: skip


def _outcome(engine: Engine, actor: Account, name: str) -> str:
    args = SETUPS[name](engine, actor)
    try:
        result = send(engine, actor, name, args)
    except NotAllowed:
        return X
    assert result.status in (A, R), (name, result)  # never a conflict: each cell is fresh
    return result.status


@pytest.fixture
def admin(engine: Engine) -> Account:
    with engine.begin() as conn:
        return accounts.add_account(conn, "root.admin", "admin", "leads", PASSWORD, NOW)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_intent(engine: Engine, admin: Account, role: str) -> None:
    actor = who(engine, USERNAMES[role])
    column = ROLES.index(role)
    expected = {name: row[column] for name, row in EXPECTED.items()}
    actual = {name: _outcome(engine, actor, name) for name in EXPECTED}
    assert actual == expected
    if role == "supervisor":  # refused batches leave no trace
        with engine.connect() as conn:
            receipts = conn.execute(sa.select(sa.func.count()).select_from(mutation_receipt))
            assert receipts.scalar() == 0


@pytest.fixture
def http(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


def test_a_supervisors_push_of_a_new_ticket_gets_403(http: TestClient, engine: Engine) -> None:
    login = http.post("/v1/auth/login", json={"username": "sun.li", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    args = ticket_args(first_customer(engine))
    mutation = {"id": 1, "uuid": "u1", "name": "ticket.create.v1", "args": args}
    answer = http.post(
        "/v1/sync/push",
        json={"client_id": "supervisor-1", "protocol_version": 1, "mutations": [mutation]},
        headers=auth,
    )
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "error.read_only_role", "message": "The supervisor role is read-only."
    }  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(sa.select(ticket.c.id).where(ticket.c.id == args["id"])).first() is None
