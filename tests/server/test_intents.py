"""The client's other intents on the server — customer.create, ticket.create, transfer, resolve,
review, escalate, audit.pii_reveal, incident.declare/close — and the phrase check on replies:
each applied (and what a pull then shows), applied again by id without a second change, and each
of the console's rules refusing with the console's message; over PostgreSQL and SQLite."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agentdesk.domain.model import Category, Channel, EventKind, ReviewDecision, RootCause
from agentdesk.domain.records import NewCustomer, NewTicket
from agentdesk.server import changes, push
from agentdesk.server.accounts import Account
from agentdesk.server.tables import audit_log, customer, incident, ticket, ticket_event
from agentdesk.store import database
from agentdesk.store.repository import Repository
from tests.conftest import NOW, rows
from tests.server.conftest import pull_all, who

_clients = itertools.count(1)
_numbers = itertools.count(1)


def send(engine: Engine, account: Account, name: str, args: dict[str, Any]) -> push.Result:
    """One mutation from a client of its own (so it is always mutation 1)."""
    mutation = push.Mutation(1, str(uuid.uuid4()), name, args)
    done = push.push(engine, account, f"client-{next(_clients)}", [mutation], NOW)
    return done.results[0]


def first_customer(engine: Engine) -> str:
    with engine.connect() as conn:
        return first_customer_in(conn)


def first_customer_in(conn: sa.Connection) -> str:
    return str(conn.execute(sa.select(customer.c.id).order_by(customer.c.name)).scalar())


def fresh_ticket(
    engine: Engine,
    *,
    team_id: str | None = "team-fl",
    status: str = "new",
    assignee_id: str | None = None,
    category: str = "inquiry",
    complaint_level: str | None = None,
    priority: str = "normal",
) -> str:
    """A ticket (with its `created` entry) put straight into the server database, on a day of
    its own (T-20261122-…) so the numbering tests are not disturbed."""
    ident, event = str(uuid.uuid4()), str(uuid.uuid4())
    scope = changes.ticket_scope(team_id)
    at = NOW.isoformat()
    with engine.begin() as conn:
        conn.execute(
            ticket.insert().values(
                id=ident,
                number=f"T-20261122-{next(_numbers):04d}",
                subject="Fresh ticket",
                description="Made for one test",
                customer_id=first_customer_in(conn),
                channel="phone",
                category=category,
                complaint_level=complaint_level,
                priority=priority,
                status=status,
                team_id=team_id,
                assignee_id=assignee_id,
                created_at=at,
                updated_at=at,
            )
        )
        changes.record(conn, "ticket", ident, scope)
        conn.execute(
            ticket_event.insert().values(
                id=event, ticket_id=ident, kind="created", at=at, body="Made for one test"
            )
        )
        changes.record(conn, "ticket_event", event, scope)
    return ident


def ticket_args(customer_id: str, /, **changed: Any) -> dict[str, Any]:
    """ticket.create.v1 as the console sends it: the row's columns (repository.create_ticket)."""
    args = {
        "id": str(uuid.uuid4()),
        "number": "T-20261123-0004",
        "subject": "Screen flickers",
        "description": "Flickers since the update",
        "customer_request": "",
        "customer_id": customer_id,
        "product_id": None,
        "order_id": None,
        "channel": "phone",
        "category": "technical",
        "complaint_level": None,
        "priority": "normal",
        "status": "new",
        "team_id": "team-fl",
        "assignee_id": None,
        "created_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
        "escalation_level": 0,
        "follow_up_owner_id": None,
        "resolved_at": None,
        "resolution": None,
        "root_cause": None,
        "version": 1,
    }
    return {**args, **changed}


def row_of(engine: Engine, table: sa.Table, ident: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(table).where(table.c.id == ident)).mappings().first()
    return dict(found) if found else {}


def timeline(engine: Engine, ticket_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = (
            sa.select(ticket_event)
            .where(ticket_event.c.ticket_id == ticket_id)
            .order_by(ticket_event.c.at, ticket_event.c.id)
        )
        found = [dict(r) for r in conn.execute(query).mappings()]
    for event in found:
        event["data"] = json.loads(event["data_json"])
    return found


def kinds(engine: Engine, ticket_id: str) -> list[str]:
    return sorted(e["kind"] for e in timeline(engine, ticket_id))


def audits(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = sa.select(audit_log).order_by(audit_log.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def seen(changes_: list[dict[str, Any]], ident: str) -> list[str]:
    """The ops a pull delivered for one entity, in order."""
    return [c["op"] for c in changes_ if c["id"] == ident]


# -- the console's own outbox -------------------------------------------------------------------


def test_the_consoles_own_outbox_is_accepted_as_it_stands(engine: Engine, seeded: Path) -> None:
    """A day at the console (intake, a reply, a review, resolve, a reveal, the escalation sweep,
    a transfer, a claim), its outbox pushed as written: every intent applies, the server ends
    where the console is, and the five intents of the seeded data (already on the server) apply
    again without a second copy."""
    repo = Repository(database.make_engine(seeded))
    try:
        me = repo.agent_by_username("zhang.wei")
        new = NewTicket("", Channel.APP, Category.RETURN_EXCHANGE, "Wrong colour", "Sent black")
        made = repo.create_ticket(
            new, me, NOW, take=True, new_customer=NewCustomer("赵敏", "13900001111")
        )
        repo.add_message(made.id, EventKind.NOTE, "Photo received", me, NOW)
        repo.add_message(made.id, EventKind.REPLY, "我们会为您更换白色款", me, NOW)
        repo.record_review(made.id, ReviewDecision.APPROVED, "Stock available", me, NOW)
        repo.resolve(made.id, "Exchange shipped", RootCause.PROCESS, me, NOW)
        repo.reveal_customer(made.customer_id, "Confirm the address", me, NOW, made.id)
        later = NOW + timedelta(days=2)
        fired = repo.run_escalations(later)
        repo.transfer("T-20261123-0003", "after_sales", "Warranty is theirs", me, later)
        repo.take("T-20261123-0002", me, later)
        store_escalations = rows(seeded, "SELECT count(*) FROM ticket_event WHERE kind = ?",
                                 ("escalation",))[0][0]  # fmt: skip
    finally:
        repo.engine.dispose()
    assert fired, "the sweep should fire on the seeded complaint"
    outbox = rows(seeded, "SELECT mutation_id, mutation_uuid, name, args_json FROM outbox "
                          "ORDER BY mutation_id")  # fmt: skip
    mutations = [push.Mutation(int(n), str(u), str(a), json.loads(str(b))) for n, u, a, b in outbox]
    done = push.push(engine, who(engine, "zhang.wei"), "console-1", mutations, later)
    names = {m.id: m.name for m in mutations}
    assert [(names[r.id], r.status) for r in done.results] == [
        (m.name, "applied") for m in mutations
    ]
    server = row_of(engine, ticket, made.id)
    assert (server["status"], server["resolution"], server["root_cause"]) == (
        "resolved", "Exchange shipped", "process"
    )  # fmt: skip
    assert server["number"] == made.number and server["assignee_id"] == me.id
    assert kinds(engine, made.id) == sorted(
        ["created", "assignment", "note", "reply", "review", "resolution", "status_change",
         "pii_reveal"]
    )  # fmt: skip
    assert row_of(engine, customer, made.customer_id)["name"] == "赵敏"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ticket)).scalar() == 4
        assert conn.execute(sa.select(sa.func.count()).select_from(customer)).scalar() == 3
        escalations = conn.execute(
            sa.select(sa.func.count())
            .select_from(ticket_event)
            .where(ticket_event.c.kind == "escalation")
        ).scalar()
        moved = conn.execute(
            sa.select(ticket.c.team_id).where(ticket.c.number == "T-20261123-0003")
        ).scalar()
        complaint = dict(
            conn.execute(sa.select(ticket).where(ticket.c.number == "T-20261123-0002"))
            .mappings()
            .one()
        )
    assert escalations == store_escalations == len(fired)
    assert moved == "team-as"
    assert (complaint["assignee_id"], complaint["escalation_level"]) == (me.id, 1)
    assert complaint["follow_up_owner_id"] == "ag-4"  # the only lead, as the console named
    assert [a["action"] for a in audits(engine)] == ["pii_reveal"]


# -- customer.create.v1 -----------------------------------------------------------------------


def test_a_customer_is_created_once_and_everyone_pulls_it(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    cid = str(uuid.uuid4())
    args = {"customer_id": cid, "name": " 周杰 ", "phone": "139 0000 2222",
            "email": "zhou@example.cn", "address": "北京市", "tier": "gold"}  # fmt: skip
    assert send(engine, agent, "customer.create.v1", args).status == "applied"
    again = send(engine, agent, "customer.create.v1", {**args, "name": "Someone else"})
    assert again.status == "applied"
    stored = row_of(engine, customer, cid)
    assert (stored["name"], stored["phone"], stored["tier"]) == ("周杰", "139 0000 2222", "gold")
    pulled, _ = pull_all(engine, who(engine, "li.na"))  # another team: customers are for all
    assert [c["row"]["name"] for c in pulled if c["id"] == cid] == ["周杰"]


def test_a_customer_is_checked_as_at_the_console(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    cases = {
        "phone": ("call me", "'call me' is not a phone number."),
        "email": ("zhou@nowhere", "'zhou@nowhere' is not an e-mail address."),
        "name": ("  ", "name is required."),
        "tier": ("platinum", "tier: 'platinum' is not one of: standard, silver, gold, vip."),
    }
    for field, (value, message) in cases.items():
        args = {"customer_id": str(uuid.uuid4()), "name": "周杰", field: value}
        result = send(engine, agent, "customer.create.v1", args)
        assert (result.status, result.detail) == ("rejected", message), field
        assert row_of(engine, customer, args["customer_id"]) == {}


# -- ticket.create.v1 ---------------------------------------------------------------------------


def test_a_new_ticket_arrives_with_its_timeline_once(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    args = ticket_args(first_customer(engine), assignee_id=agent.id, status="assigned")
    assert send(engine, agent, "ticket.create.v1", args).status == "applied"
    assert send(engine, agent, "ticket.create.v1", {**args, "subject": "Changed"}).status == (
        "applied"
    )
    stored = row_of(engine, ticket, args["id"])
    assert (stored["number"], stored["subject"], stored["status"]) == (
        "T-20261123-0004", "Screen flickers", "assigned"
    )  # fmt: skip
    events = timeline(engine, args["id"])
    assert sorted(e["kind"] for e in events) == ["assignment", "created"]
    created = next(e for e in events if e["kind"] == "created")
    assert created["body"] == "Flickers since the update"
    assert created["data"] == {"channel": "phone", "category": "technical"}
    assert next(e for e in events if e["kind"] == "assignment")["data"] == {
        "team_id": "team-fl", "assignee_id": agent.id
    }  # fmt: skip
    teammate, _ = pull_all(engine, who(engine, "emma.clark"))
    wanted = {args["id"], *(e["id"] for e in events)}
    assert {c["id"] for c in teammate if c["op"] == "upsert"} >= wanted
    outsider, _ = pull_all(engine, who(engine, "li.na"))
    assert not wanted & {c["id"] for c in outsider}


def test_a_taken_number_gets_the_days_next_free_one(engine: Engine) -> None:
    agent = who(engine, "zhang.wei")
    cust = first_customer(engine)
    first = ticket_args(cust, number="T-20261123-0001")  # the seeded first ticket's number
    result = send(engine, agent, "ticket.create.v1", first)
    assert (result.status, result.detail) == (
        "applied",
        "renumbered T-20261123-0001 → T-20261123-0004",
    )
    free = ticket_args(cust, number="T-20261123-0009")  # free: kept as the client chose it
    assert send(engine, agent, "ticket.create.v1", free) == push.Result(1, "applied", "")
    second = ticket_args(cust, number="t-20261123-0002")
    assert send(engine, agent, "ticket.create.v1", second).detail == (
        "renumbered T-20261123-0002 → T-20261123-0010"
    )
    again = send(engine, agent, "ticket.create.v1", first)  # the same ticket again: no new number
    assert (again.status, again.detail) == ("applied", "")
    pulled, _ = pull_all(engine, agent)
    numbers = {c["id"]: c["row"]["number"] for c in pulled if c["type"] == "ticket"}
    assert [numbers[t["id"]] for t in (first, free, second)] == [
        "T-20261123-0004", "T-20261123-0009", "T-20261123-0010"
    ]  # fmt: skip


def test_a_new_ticket_is_refused_by_the_consoles_rules(engine: Engine) -> None:
    agent, lead = who(engine, "zhang.wei"), who(engine, "chen.jing")
    cust = first_customer(engine)
    cases = [
        ({"team_id": "team-as", "assignee_id": "ag-1"},  # routed elsewhere: not taken
         "An agent takes a new ticket only in their own team; one for after_sales waits there "
         "unassigned."),
        ({"team_id": "team-zz"}, "No team 'team-zz'."),
        ({"customer_id": "nobody"}, "No customer 'nobody'."),
        ({"category": "complaint"}, "A complaint needs a level: minor, major or legal."),
        ({"complaint_level": "minor"}, "Only complaints have a level (this is 'technical')."),
        ({"number": "20261123-7"}, "'20261123-7' is not a ticket number (T-YYYYMMDD-NNNN)."),
        ({"assignee_id": "ag-2"}, "A new ticket can be taken only by the one who creates it."),
        ({"subject": " "}, "subject is required."),
        ({"channel": "fax"}, "channel: 'fax' is not one of: phone, web, app, wechat, email, "
                             "social, store."),
    ]  # fmt: skip
    for changed, message in cases:
        args = ticket_args(cust, **changed)
        result = send(engine, agent, "ticket.create.v1", args)
        assert (result.status, result.detail) == ("rejected", message), changed
        assert row_of(engine, ticket, args["id"]) == {}
    for account, team_id in ((lead, "team-as"), (agent, None)):  # any team; no team
        args = ticket_args(cust, team_id=team_id, number="T-20261124-0001")
        assert send(engine, account, "ticket.create.v1", args).status == "applied"
        assert row_of(engine, ticket, args["id"])["team_id"] == team_id


# -- ticket.transfer.v1 (and claim): a ticket moves with its timeline --------------------------


def test_a_transfer_moves_the_ticket_and_all_its_events(engine: Engine) -> None:
    me, teammate, other, lead = (
        who(engine, name) for name in ("zhang.wei", "emma.clark", "li.na", "chen.jing")
    )
    moving = fresh_ticket(engine, status="in_progress", assignee_id=me.id)
    note = {"ticket_id": moving, "event_id": str(uuid.uuid4()), "kind": "note", "body": "Seen"}
    assert send(engine, me, "ticket.add_event.v1", note).status == "applied"
    _, old_cursor = pull_all(engine, teammate)
    _, new_cursor = pull_all(engine, other)
    args = {"ticket_id": moving, "team_id": "team-as", "note": "Warranty case", "base_version": 2}
    assert send(engine, me, "ticket.transfer.v1", args).status == "applied"

    stored = row_of(engine, ticket, moving)
    assert (stored["team_id"], stored["assignee_id"], stored["status"]) == (
        "team-as", None, "assigned"
    )  # fmt: skip
    events = timeline(engine, moving)
    transfer = next(e for e in events if e["kind"] == "transfer")
    assert transfer["body"] == "Warranty case"
    assert transfer["data"] == {"from_team": "team-fl", "to_team": "team-as",
                                "from_assignee": me.id}  # fmt: skip
    status = next(e for e in events if e["kind"] == "status_change")
    assert status["data"] == {"from": "in_progress", "to": "assigned"}
    everything = {moving, *(e["id"] for e in events)}
    assert len(everything) == 5  # ticket, created, note, transfer, status change

    left, _ = pull_all(engine, teammate, old_cursor)
    assert {c["id"] for c in left if c["op"] == "remove"} == everything
    assert not [c for c in left if c["id"] in everything and c["op"] != "remove"]
    arrived, _ = pull_all(engine, other, new_cursor)
    assert {c["id"] for c in arrived if c["op"] == "upsert"} == everything
    assert next(c for c in arrived if c["id"] == moving)["row"]["team_id"] == "team-as"
    from_zero, _ = pull_all(engine, teammate)  # a fresh front-line client never gets it
    assert not [c for c in from_zero if c["id"] in everything and c["op"] != "remove"]
    wide, _ = pull_all(engine, lead)  # sees both teams: removed there, then upserted here
    assert all(seen(wide, ident)[-1] == "upsert" for ident in everything)


def test_a_transfer_is_refused_by_the_consoles_rules(engine: Engine) -> None:
    me, other = who(engine, "zhang.wei"), who(engine, "li.na")
    open_ = fresh_ticket(engine, status="assigned")
    closed = fresh_ticket(engine, status="closed")
    cases = [
        (me, {"ticket_id": open_, "team_id": "team-as", "note": "  "}, "handoff_note is required."),
        (me, {"ticket_id": open_, "team_id": "team-fl", "note": "x"},
         "The ticket is already with front_line."),
        (me, {"ticket_id": closed, "team_id": "team-as", "note": "x"}, None),
        (me, {"ticket_id": open_, "team_id": "team-zz", "note": "x"}, "No team 'team-zz'."),
        (other, {"ticket_id": open_, "team_id": "team-as", "note": "x"}, None),
    ]  # fmt: skip
    number = row_of(engine, ticket, closed)["number"]
    expected_closed = f"{number} is finished; reopen it before transferring."
    for account, args, message in cases:
        result = send(engine, account, "ticket.transfer.v1", args)
        assert result.status == "rejected", args
        if message is not None:
            assert result.detail == message
        elif args["ticket_id"] == closed:
            assert result.detail == expected_closed
        else:
            assert "belongs to another team" in result.detail
    assert row_of(engine, ticket, open_)["team_id"] == "team-fl"
    assert kinds(engine, open_) == ["created"]


def test_claiming_a_teamless_ticket_takes_its_timeline_into_the_team(engine: Engine) -> None:
    me, other = who(engine, "zhang.wei"), who(engine, "li.na")
    loose = fresh_ticket(engine, team_id=None)
    before, cursor = pull_all(engine, other)
    assert "upsert" in seen(before, loose)  # no team: everyone sees it
    claim = {"ticket_id": loose, "assignee_id": me.id}
    assert send(engine, me, "ticket.claim.v1", claim).status == "applied"
    everything = {loose, *(e["id"] for e in timeline(engine, loose))}
    left, _ = pull_all(engine, other, cursor)
    assert {c["id"] for c in left if c["op"] == "remove"} == everything
    mine, _ = pull_all(engine, me)
    assert all(seen(mine, ident)[-1] == "upsert" for ident in everything)


# -- ticket.resolve.v1 ----------------------------------------------------------------------------


def test_resolving_sets_the_resolution_and_a_stale_one_conflicts(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="in_progress", assignee_id=me.id)
    args = {"ticket_id": target, "resolution": " Replaced the charger ", "root_cause":
            "product_defect", "base_version": 1}  # fmt: skip
    assert send(engine, me, "ticket.resolve.v1", args).status == "applied"
    stored = row_of(engine, ticket, target)
    assert (stored["status"], stored["resolution"], stored["root_cause"]) == (
        "resolved", "Replaced the charger", "product_defect"
    )  # fmt: skip
    assert stored["resolved_at"] == NOW.isoformat()
    events = {e["kind"]: e for e in timeline(engine, target)}
    assert events["resolution"]["body"] == "Replaced the charger"
    assert events["resolution"]["data"] == {"root_cause": "product_defect"}
    assert events["status_change"]["data"] == {"from": "in_progress", "to": "resolved"}
    again = send(engine, me, "ticket.resolve.v1", {**args, "resolution": "Other text"})
    assert (again.status, again.detail) == (
        "conflict", "A ticket cannot move from resolved to resolved."
    )  # fmt: skip
    assert row_of(engine, ticket, target)["resolution"] == "Replaced the charger"


def test_resolving_is_refused_by_the_consoles_rules(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    working = fresh_ticket(engine, status="in_progress")
    fresh = fresh_ticket(engine, status="new")
    cases = [
        ({"ticket_id": working, "resolution": "", "root_cause": "other"},
         ("rejected", "resolution is required.")),
        ({"ticket_id": working, "resolution": "Done"}, ("rejected", "root_cause is required.")),
        ({"ticket_id": working, "resolution": "Done", "root_cause": "bad luck"},
         ("rejected", "root_cause: 'bad luck' is not one of: delivery_delay, product_defect, "
                      "process, staff_attitude, billing_error, usage_question, information_gap, "
                      "other.")),
        ({"ticket_id": fresh, "resolution": "Done", "root_cause": "other"},
         ("conflict", "A ticket cannot move from new to resolved.")),
    ]  # fmt: skip
    for args, expected in cases:
        result = send(engine, me, "ticket.resolve.v1", args)
        assert (result.status, result.detail) == expected, args
    assert kinds(engine, working) == ["created"]
    assert kinds(engine, fresh) == ["created", "note"]  # the losing resolution text, kept


# -- ticket.review.v1 -----------------------------------------------------------------------------


def test_a_review_is_recorded_once_on_an_open_return(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="assigned", category="return_exchange")
    args = {"ticket_id": target, "event_id": str(uuid.uuid4()), "decision": "approved",
            "note": "Unopened box"}  # fmt: skip
    assert send(engine, me, "ticket.review.v1", args).status == "applied"
    assert send(engine, me, "ticket.review.v1", args).status == "applied"
    reviews = [e for e in timeline(engine, target) if e["kind"] == "review"]
    assert [(r["id"], r["body"], r["data"]) for r in reviews] == [
        (args["event_id"], "Unopened box", {"decision": "approved"})
    ]
    pulled, _ = pull_all(engine, who(engine, "emma.clark"))
    assert seen(pulled, args["event_id"]) == ["upsert"]


def test_a_review_is_refused_by_the_consoles_rules(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    inquiry = fresh_ticket(engine, status="assigned")
    done = fresh_ticket(engine, status="resolved", category="return_exchange")
    open_ = fresh_ticket(engine, status="assigned", category="return_exchange")
    number = {t: row_of(engine, ticket, t)["number"] for t in (inquiry, done)}
    cases = [
        (inquiry, "approved", "ok",
         f"{number[inquiry]} is not a return/exchange request; only those are reviewed."),
        (done, "approved", "ok", f"{number[done]} is finished; reopen it before reviewing."),
        (open_, "approved", " ", "reason is required."),
        (open_, "maybe", "ok", "decision: 'maybe' is not one of: approved, declined."),
    ]  # fmt: skip
    for target, decision, note, message in cases:
        args = {"ticket_id": target, "event_id": str(uuid.uuid4()), "decision": decision,
                "note": note}  # fmt: skip
        result = send(engine, me, "ticket.review.v1", args)
        assert (result.status, result.detail) == ("rejected", message)
    assert all(kinds(engine, t) == ["created"] for t in (inquiry, done, open_))


# -- ticket.escalate.v1 ---------------------------------------------------------------------------


def escalation(ticket_id: str, **changed: Any) -> dict[str, Any]:
    """ticket.escalate.v1 as the console's sweep sends it (EscalationResult.event_data)."""
    data = {"ticket_id": ticket_id, "step": "complaint-24h", "clock": "resolution", "cycle": 1,
            "breached_at": "2026-11-24T06:00:00+00:00", "owner_id": "ag-4",
            "priority_from": "normal", "priority_to": "high", "level": 1,
            "notified": ["ag-4"]}  # fmt: skip
    return {**data, **changed}


def test_an_escalation_is_recorded_once_per_step_clock_and_cycle(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="assigned", category="complaint", complaint_level="major")
    assert send(engine, me, "ticket.escalate.v1", escalation(target)).status == "applied"
    after_first = row_of(engine, ticket, target)
    assert (after_first["priority"], after_first["escalation_level"]) == ("high", 1)
    assert after_first["follow_up_owner_id"] == "ag-4"
    again = send(engine, me, "ticket.escalate.v1", escalation(target))  # another console's sweep
    assert (again.status, again.detail) == ("applied", "")
    assert row_of(engine, ticket, target)["version"] == after_first["version"]
    [event] = [e for e in timeline(engine, target) if e["kind"] == "escalation"]
    assert event["actor_id"] is None
    assert event["data"] == {k: v for k, v in escalation(target).items() if k != "ticket_id"}

    later = escalation(target, cycle=2, owner_id="ag-1", priority_to="low", level=2)
    assert send(engine, me, "ticket.escalate.v1", later).status == "applied"
    stored = row_of(engine, ticket, target)
    assert (stored["priority"], stored["escalation_level"], stored["follow_up_owner_id"]) == (
        "high",
        2,
        "ag-4",
    )  # fmt: skip  (never lowered; the named owner is kept)
    assert kinds(engine, target).count("escalation") == 2
    pulled, _ = pull_all(engine, who(engine, "emma.clark"))
    assert all(seen(pulled, e["id"]) == ["upsert"] for e in timeline(engine, target))


def test_an_escalation_names_only_a_known_owner_and_leaves_a_finished_ticket_as_it_is(
    engine: Engine,
) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="assigned")
    result = send(engine, me, "ticket.escalate.v1", escalation(target, owner_id="ghost"))
    assert (result.status, result.detail) == ("rejected", "No agent named 'ghost' in this store.")
    finished = fresh_ticket(engine, status="closed")
    assert send(engine, me, "ticket.escalate.v1", escalation(finished)).status == "applied"
    stored = row_of(engine, ticket, finished)
    assert (stored["priority"], stored["escalation_level"], stored["follow_up_owner_id"]) == (
        "normal", 0, None
    )  # fmt: skip
    assert kinds(engine, finished) == ["created", "escalation"]


# -- audit.pii_reveal.v1 --------------------------------------------------------------------------


def test_a_reveal_is_audited_and_on_the_timeline(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    cust, target = first_customer(engine), fresh_ticket(engine, status="assigned")
    args = {"customer_id": cust, "reason": " Confirm delivery address ", "ticket_id": target}
    assert send(engine, me, "audit.pii_reveal.v1", args).status == "applied"
    gone = {"customer_id": cust, "reason": "Call back", "ticket_id": "no-such-ticket"}
    assert send(engine, me, "audit.pii_reveal.v1", gone).status == "applied"  # still audited
    outsider = who(engine, "li.na")  # not her team's ticket: audited, not on its timeline
    elsewhere = {"customer_id": cust, "reason": "Wrong number", "ticket_id": target}
    assert send(engine, outsider, "audit.pii_reveal.v1", elsewhere).status == "applied"
    empty = send(engine, me, "audit.pii_reveal.v1", {"customer_id": cust, "reason": " "})
    assert (empty.status, empty.detail) == ("rejected", "reason is required.")
    logged = audits(engine)
    assert [(a["actor_id"], a["action"], a["target"], a["reason"]) for a in logged] == [
        (me.id, "pii_reveal", f"customer:{cust}", "Confirm delivery address"),
        (me.id, "pii_reveal", f"customer:{cust}", "Call back"),
        (outsider.id, "pii_reveal", f"customer:{cust}", "Wrong number"),
    ]
    assert logged[0]["at"] is not None
    [event] = [e for e in timeline(engine, target) if e["kind"] == "pii_reveal"]
    assert (event["body"], event["data"]) == ("Confirm delivery address", {"customer_id": cust})


# -- incident.declare.v1 / incident.close.v1 ------------------------------------------------------


def test_incidents_are_declared_and_closed_by_leads_and_everyone_pulls_them(
    engine: Engine,
) -> None:
    lead, agent = who(engine, "chen.jing"), who(engine, "zhang.wei")
    ident = str(uuid.uuid4())
    declare = {"incident_id": ident, "title": "Payment outage", "description": " WeChat Pay down "}
    refused = send(engine, agent, "incident.declare.v1", declare)
    assert (refused.status, refused.detail) == (
        "rejected", "Only team leads (and admins) may do this; you are signed in as agent."
    )  # fmt: skip
    assert row_of(engine, incident, ident) == {}
    assert send(engine, lead, "incident.declare.v1", declare).status == "applied"
    again = send(engine, lead, "incident.declare.v1", {**declare, "title": "Other"})
    assert again.status == "applied"
    opened = row_of(engine, incident, ident)
    assert (opened["title"], opened["description"], opened["status"], opened["opened_by"]) == (
        "Payment outage", "WeChat Pay down", "open", lead.id
    )  # fmt: skip
    pulled, cursor = pull_all(engine, agent)
    assert [c["row"]["status"] for c in pulled if c["id"] == ident] == ["open"]

    assert send(engine, agent, "incident.close.v1", {"incident_id": ident}).status == "rejected"
    assert send(engine, lead, "incident.close.v1", {"incident_id": ident}).status == "applied"
    closed = row_of(engine, incident, ident)
    assert (closed["status"], closed["closed_by"]) == ("closed", lead.id)
    assert send(engine, lead, "incident.close.v1", {"incident_id": ident}).status == "applied"
    assert row_of(engine, incident, ident) == closed
    later, _ = pull_all(engine, who(engine, "li.na"), None)
    assert [c["row"]["status"] for c in later if c["id"] == ident] == ["closed"]
    news, _ = pull_all(engine, agent, cursor)
    assert [c["row"]["closed_by"] for c in news if c["id"] == ident] == [lead.id]

    unknown = send(engine, lead, "incident.close.v1", {"incident_id": "nope"})
    assert (unknown.status, unknown.detail) == ("rejected", "No incident 'nope'.")
    untitled = send(engine, lead, "incident.declare.v1", {"incident_id": "x", "title": " "})
    assert (untitled.status, untitled.detail) == ("rejected", "title is required.")


# -- ticket.add_event.v1: the phrase check on replies ---------------------------------------------


def test_a_reply_passes_the_phrase_check_on_the_server_too(engine: Engine) -> None:
    me = who(engine, "zhang.wei")
    target = fresh_ticket(engine, status="assigned", assignee_id=me.id)

    def message(body: str, kind: str = "reply", **extra: Any) -> dict[str, Any]:
        return {"ticket_id": target, "event_id": str(uuid.uuid4()), "kind": kind,
                "body": body, **extra}  # fmt: skip

    banned = send(engine, me, "ticket.add_event.v1", message("这个我也不清楚，您再等等"))
    assert banned.status == "rejected"
    assert banned.detail.startswith("「这个我也不清楚」 may not be sent")
    placeholder = send(engine, me, "ticket.add_event.v1", message("您好，{{customer_name}}"))
    assert (placeholder.status, placeholder.detail) == (
        "rejected", "Fill in or remove {{customer_name}} before sending."
    )  # fmt: skip
    no_reason = send(engine, me, "ticket.add_event.v1", message("这不可能"))
    assert (no_reason.status, no_reason.detail) == (
        "rejected",
        "「不可能」 needs a reason to send as it is (or F3 rewrites it to "
        "「这种情况比较少见，我马上帮您核实一下」).",
    )
    internal = message("这个我也不清楚", kind="note")  # notes never reach the customer
    assert send(engine, me, "ticket.add_event.v1", internal).status == "applied"
    assert kinds(engine, target) == ["created", "note"]

    overridden = message("这不可能", override_reason="客户要求书面答复")
    assert send(engine, me, "ticket.add_event.v1", overridden).status == "applied"
    [reply] = [e for e in timeline(engine, target) if e["kind"] == "reply"]
    assert reply["data"] == {
        "direction": "outbound",
        "channel": "phone",
        "phrase_override": {"rules": ["impossible"], "phrases": ["不可能"],
                            "reason": "客户要求书面答复"},
    }  # fmt: skip
    assert [(a["action"], a["target"], a["reason"]) for a in audits(engine)] == [
        ("phrase_override", f"event:{overridden['event_id']}", "客户要求书面答复")
    ]
    clean = message("我们马上为您核实")
    assert send(engine, me, "ticket.add_event.v1", clean).status == "applied"
    assert len(audits(engine)) == 1


def test_a_refund_above_authority_waits_for_a_lead_and_the_first_decision_wins(
    engine: Engine,
) -> None:
    agent, lead = who(engine, "zhang.wei"), who(engine, "chen.jing")
    target = fresh_ticket(engine, status="assigned")
    small = {"ticket_id": target, "event_id": str(uuid.uuid4()), "amount_cents": 300_00}
    assert send(engine, agent, "ticket.refund.v1", {**small, "reason": "Fee"}).status == "applied"
    large = {"ticket_id": target, "event_id": str(uuid.uuid4()), "amount_cents": 800_00}
    assert send(engine, agent, "ticket.refund.v1", {**large, "reason": "Unit"}).status == "applied"
    assert kinds(engine, target) == ["created", "refund", "refund_request"]
    decide = {"ticket_id": target, "request_id": large["event_id"], "note": "Confirmed"}
    by_agent = send(engine, agent, "ticket.refund_decision.v1", {
        **decide, "event_id": str(uuid.uuid4()), "decision": "approved"})  # fmt: skip
    assert by_agent.status == "rejected" and "leads" in by_agent.detail
    first = send(engine, lead, "ticket.refund_decision.v1", {
        **decide, "event_id": str(uuid.uuid4()), "decision": "approved"})  # fmt: skip
    second = send(engine, lead, "ticket.refund_decision.v1", {
        **decide, "event_id": str(uuid.uuid4()), "decision": "declined"})  # fmt: skip
    assert (first.status, second.status, second.detail) == (
        "applied",
        "conflict",
        "already approved",
    )
    negative = {**small, "event_id": str(uuid.uuid4()), "amount_cents": -5, "reason": "x"}
    assert send(engine, agent, "ticket.refund.v1", negative).status == "rejected"
    assert kinds(engine, target) == ["created", "refund", "refund_decision", "refund_request"]
