"""`agentdesk qa ...` and `agentdesk report qa` through the real Typer app (R8)."""

from __future__ import annotations

import json
from pathlib import Path

from agentdesk.domain.model import EventKind, RootCause
from agentdesk.store import database, qa_store
from agentdesk.store.repository import Repository
from tests.cli.test_cli import invoke
from tests.conftest import NOW

PERIOD = ("--since", "2026-11-23", "--until", "2026-11-24")


def handled(store: Path) -> str:
    """Zhang Wei replies (with an overridden banned phrase) and resolves the refund ticket."""
    repo = Repository(database.make_engine(store))
    try:
        me = repo.agent_by_username("zhang.wei")
        ticket = repo.ticket("T-20261123-0001")
        repo.add_message(
            ticket.number,
            EventKind.REPLY,
            "这个真的没办法，请理解。",
            me,
            NOW,
            override_reason="quoting the customer",
        )
        repo.resolve(ticket.number, "退款已到账", RootCause.PROCESS, me, NOW)
        return ticket.number
    finally:
        repo.engine.dispose()


def test_a_lead_draws_scores_and_reports(seeded: Path) -> None:
    number = handled(seeded)
    code, out, _ = invoke(
        seeded, "qa", "sample", *PERIOD, "--per-agent", "3", "--agent", "chen.jing", "--json"
    )
    drawn = json.loads(out)
    assert code == 0 and drawn["new_reviews"] == 1
    assert drawn["agents"] == [{"agent": "张伟", "handled": 1, "drawn": [number]}]
    code, out, _ = invoke(seeded, "qa", "show", number, "--json")
    shown = json.loads(out)
    findings = [f["rule"] for e in shown["entries"] for f in e["findings"]]
    assert code == 0 and findings == ["no-way-zh"]  # the reply's banned phrase, beside it
    code, out, _ = invoke(
        seeded,
        "qa",
        "score",
        number,
        "--tone",
        "2",
        "--professionalism",
        "4",
        "--efficiency",
        "5",
        "--compliance",
        "3",
        "--comment",
        "语气需改进",
        "--agent",
        "chen.jing",
    )
    assert code == 0 and "3.50 overall" in out
    code, out, _ = invoke(seeded, "report", "qa", "--json")
    assert json.loads(out) == [
        {
            "agent": "张伟",
            "sampled": 1,
            "scored": 1,
            "overall": 3.5,
            "averages": {"tone": 2.0, "professionalism": 4.0, "efficiency": 5.0, "compliance": 3.0},
        }
    ]


def test_the_same_period_and_seed_draw_the_same_and_nothing_twice(seeded: Path) -> None:
    handled(seeded)
    first = invoke(seeded, "qa", "sample", *PERIOD, "--agent", "chen.jing", "--seed", "9", "--json")
    again = invoke(seeded, "qa", "sample", *PERIOD, "--agent", "chen.jing", "--seed", "9", "--json")
    assert json.loads(first[1])["agents"] == json.loads(again[1])["agents"]
    assert json.loads(again[1])["new_reviews"] == 0


def test_agents_cannot_draw_or_score_and_an_undrawn_ticket_cannot_be_scored(seeded: Path) -> None:
    code, _, err = invoke(seeded, "qa", "sample", *PERIOD, "--agent", "zhang.wei")
    assert code == 1 and "Only team leads and admins" in err
    code, _, err = invoke(
        seeded,
        "qa",
        "score",
        "T-20261123-0002",
        "--tone",
        "3",
        "--professionalism",
        "3",
        "--efficiency",
        "3",
        "--compliance",
        "3",
        "--agent",
        "chen.jing",
    )
    assert code == 2 and "was not drawn for review" in err and "Traceback" not in err
    code, out, _ = invoke(seeded, "report", "qa")
    assert code == 0 and "No QA reviews yet" in out


def test_no_lead_reviews_their_own_tickets(seeded: Path) -> None:
    """A lead who also answers customers: their tickets are left out of their own draws, and
    when another lead draws one, they cannot score it."""
    handled(seeded)
    repo = Repository(database.make_engine(seeded))
    try:
        lead = repo.agent_by_username("chen.jing")
        own = repo.take("T-20261123-0003", lead, NOW)
        repo.add_message(own.number, EventKind.REPLY, "Two years.", lead, NOW)
        repo.resolve(own.number, "Answered", RootCause.OTHER, lead, NOW)
    finally:
        repo.engine.dispose()
    code, out, _ = invoke(seeded, "qa", "sample", *PERIOD, "--agent", "chen.jing", "--json")
    assert code == 0 and [a["agent"] for a in json.loads(out)["agents"]] == ["张伟"]
    conn = database.connect(seeded)
    with conn:  # drawn by another lead
        period = ("2026-11-23", "2026-11-24")
        qa_store.add_reviews(conn, {"ag-4": [own.id]}, at=NOW, by="ag-9", period=period, seed=1)
    conn.close()
    marks = ["--tone", "3", "--professionalism", "3", "--efficiency", "3", "--compliance", "3"]
    code, _, err = invoke(seeded, "qa", "score", own.number, *marks, "--agent", "chen.jing")
    assert code == 1 and "your own ticket" in err and "Traceback" not in err
