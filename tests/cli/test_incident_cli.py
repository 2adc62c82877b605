"""`agentdesk incident link` and `incident update` (R13): a lead links tickets by number or by
search and posts one statement to all of them; agents are refused with one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import invoke
from tests.conftest import rows


def test_a_lead_links_by_search_and_number_and_posts_one_update(seeded: Path) -> None:
    code, out, _ = invoke(
        seeded, "incident", "declare", "--title", "Outage", "--agent", "chen.jing", "--json"
    )
    assert code == 0, out
    incident = json.loads(out)["id"]
    code, out, err = invoke(
        seeded,
        "incident",
        "link",
        incident,
        "--search",
        "退款",
        "--ticket",
        "T-20261123-0003",
        "--agent",
        "chen.jing",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out) == {"added": 2, "linked": 2}
    code, out, err = invoke(
        seeded,
        "incident",
        "update",
        incident,
        "--text",
        "Refunds are delayed by the bank; no action needed.",
        "--agent",
        "chen.jing",
    )
    assert code == 0 and "2 linked tickets" in out, err
    bodies = rows(seeded, "SELECT body FROM ticket_event WHERE kind = 'incident_update'")
    assert bodies == [("Refunds are delayed by the bank; no action needed.",)] * 2


def test_an_agent_cannot_link_and_gets_one_line(seeded: Path) -> None:
    code, out, _ = invoke(
        seeded, "incident", "declare", "--title", "Outage", "--agent", "chen.jing", "--json"
    )
    incident = json.loads(out)["id"]
    code, out, err = invoke(
        seeded, "incident", "link", incident, "--ticket", "T-20261123-0001", "--agent", "zhang.wei"
    )
    assert code == 1 and "leads" in (out + err) and "Traceback" not in (out + err)
    assert rows(seeded, "SELECT count(*) FROM ticket_event WHERE kind = 'incident_link'") == [(0,)]
