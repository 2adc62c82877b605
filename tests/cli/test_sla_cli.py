"""`agentdesk sla ...` and `agentdesk escalation ...` through the real Typer app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_cli import invoke
from tests.conftest import rows

EXAMPLE = ("--start", "2026-09-30T17:30:00+08:00", "--minutes", "2880", "--calendar", "cn-business")


def test_due_agrees_with_the_hand_checked_national_day_case(store: Path) -> None:
    code, out, _ = invoke(store, "sla", "due", *EXAMPLE)
    assert code == 0 and out.strip() == "2026-10-14T17:30:00+08:00"
    code, out, _ = invoke(store, "sla", "due", *EXAMPLE, "--json")
    assert json.loads(out)["due"] == "2026-10-14T17:30:00+08:00"
    code, out, _ = invoke(store, "sla", "due", "--start", "2026-09-30T09:30:00Z", "--minutes", "60")
    assert out.strip() == "2026-09-30T10:30:00+00:00"  # 24x7 by default, in the start's zone


def test_due_refuses_bad_input_in_one_line(store: Path) -> None:
    cases = [
        (("--start", "2026-09-30T17:30:00", "--minutes", "5"), "no UTC offset"),
        (("--start", "yesterday", "--minutes", "5"), "not an ISO 8601 time"),
        (("--start", "2026-09-30T17:30:00+08:00", "--minutes", "-5"), "must not be negative"),
        ((*EXAMPLE[:4], "--calendar", "mars"), "No calendar 'mars'"),
    ]
    for args, reason in cases:
        code, _, err = invoke(store, "sla", "due", *args)
        assert code == 1 and reason in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1


def test_explain_shows_every_clock_and_why(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "sla", "explain", "T-20261123-0002")
    assert code == 0
    for clock in ("Dispatch", "First response", "Next update", "Resolution"):
        assert clock in out
    assert "target 1h 00m in calendar cn-service-desk" in out  # high priority: 1 h
    code, out, _ = invoke(seeded, "sla", "explain", "T-20261123-0002", "--json")
    clocks = {c["name"]: c for c in json.loads(out)["clocks"]}
    assert clocks["resolution"]["due_at"] == "2026-11-24T14:00:00+08:00"
    assert clocks["next_update"]["due_at"] == "2026-11-25T14:00:00+08:00"
    assert clocks["dispatch"]["state"] in ("ok", "warning")  # at NOW (+ seconds of real time)


def test_escalation_dry_run_then_run_then_nothing(seeded: Path) -> None:
    later = ("--now", "2026-11-24T14:30:00+08:00")  # 24.5 h after the complaint came in
    events = "SELECT count(*) FROM ticket_event"
    before = rows(seeded, events)
    code, out, _ = invoke(seeded, *later, "escalation", "dry-run")
    assert code == 0 and "complaint-24h" in out and "T-20261123-0002" in out
    assert rows(seeded, events) == before
    code, out, _ = invoke(seeded, *later, "escalation", "run", "--json")
    fired = json.loads(out)
    assert [r["number"] for r in fired if r["step_id"] == "complaint-24h"] == ["T-20261123-0002"]
    code, out, _ = invoke(seeded, *later, "escalation", "run")
    assert code == 0 and "No escalation step is due" in out


def test_a_refused_policy_folder_names_file_and_key(seeded: Path, tmp_path: Path) -> None:
    code, _, err = invoke(seeded, "ticket", "show", "T-20261123-0001")  # remembers the policy
    assert code == 0 and err == ""
    policy = tmp_path / "policy"
    shutil.copytree(Path(__file__).parents[2] / "data" / "policy", policy)
    sla = policy / "sla.toml"
    sla.write_text(sla.read_text().replace('target = "5m"', 'target = "-5m"', 1))
    home = tmp_path / "home"
    (home / "config.toml").write_text(f'policy_dir = "{policy}"\n')
    code, _, err = invoke(seeded, "sla", "check")
    assert code == 1 and "sla.toml: clock[0] (dispatch).target: negative duration" in err
    # commands that need the store keep working on the last good policy, and say so
    code, out, err = invoke(seeded, "ticket", "show", "T-20261123-0001")
    assert code == 0 and "last good policy" in err and "T-20261123-0001" in out
