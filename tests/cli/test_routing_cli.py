"""`agentdesk routing test` and `agentdesk routing check` through the real Typer app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
from agentdesk.store import database
from tests.cli.test_cli import invoke


@pytest.mark.parametrize(
    ("args", "rule", "team", "priority"),
    [
        (("--category", "refund", "--amount", "300", "--level", "minor"), None, None, None),
        (("--category", "refund", "--amount", "300"), "5 (refund-within-authority)",
         "front_line", "Normal"),
        (("--category", "refund", "--amount", "800.50", "--tier", "vip"),
         "6 (refund-above-authority)", "leads", "High"),
        (("--category", "complaint", "--level", "legal"), "2 (complaint-legal)", "leads",
         "Urgent"),
        (("--category", "technical", "--text", "App will not pair"), "10 (technical-usage)",
         "technical", "Normal"),
        (("--category", "technical", "--text", "充电座坏了"), "9 (technical-fault)",
         "after_sales", "Normal"),
        (("--category", "repair", "--channel", "wechat"), "8 (product-fault)", "after_sales",
         "Normal"),
    ],
)  # fmt: skip
def test_test_prints_the_rule_and_outcome(
    store: Path, args: tuple[str, ...], rule: str | None, team: str | None, priority: str | None
) -> None:
    code, out, err = invoke(store, "routing", "test", *args)
    if rule is None:  # a level on a refund: refused in one line
        assert code == 1 and "Only complaints have a level" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return
    assert code == 0, err
    assert f"Rule {rule}" in out and f"Team: {team}" in out and f"Priority: {priority}" in out
    assert "Reason: " in out


def test_test_shows_the_clocks_and_the_dispatch_due_time(store: Path) -> None:
    code, out, _ = invoke(store, "routing", "test", "--category", "refund", "--amount", "300")
    assert code == 0
    assert "Dispatch due 2026-11-23 14:05 (in 5m)" in out  # the tests' NOW is 14:00 Shanghai
    assert "First response due" in out
    code, out, _ = invoke(
        store, "routing", "test", "--category", "complaint", "--level", "major", "--json"
    )
    shown = json.loads(out)
    assert shown["rule"] == {"number": 3, "name": "complaint-major"}
    assert (shown["team"], shown["priority"]) == ("leads", "high")
    assert shown["dispatch_due"] == "2026-11-23T14:05:00+08:00"
    clocks = {c["name"]: c["due"] for c in shown["clocks"]}
    assert clocks["first_response"] == "2026-11-23T15:00:00+08:00"  # high: 1 h
    assert clocks["next_update"] == "2026-11-25T14:00:00+08:00"  # complaints: 48 h


def test_test_resolves_a_sku_to_its_product_line(store: Path, tmp_path: Path) -> None:
    conn = database.connect(store)
    with conn:
        conn.execute("INSERT INTO product VALUES ('p1', 'RV-X5', 'X5', 'X5', 'cleaning')")
    conn.close()
    folder = tmp_path / "policy"
    folder.mkdir()
    for name in ("calendars.toml", "sla.toml", "escalation.toml"):
        (folder / name).write_text((SHIPPED_POLICY_DIR / name).read_text("utf-8"), "utf-8")
    (folder / "routing.toml").write_text(
        '[[rule]]\nname = "cleaning"\nwhen = { product = ["cleaning"] }\nteam = "technical"\n'
        'reason = "cleaning robots"\n\n'
        '[[rule]]\nname = "rest"\nteam = "front_line"\nreason = "the rest"\n',
        "utf-8",
    )
    home = Path(os.environ["AGENTDESK_HOME"])
    (home / "config.toml").write_text(f'policy_dir = "{folder}"\n', "utf-8")
    code, out, _ = invoke(store, "routing", "test", "--category", "inquiry", "--product", "RV-X5")
    assert code == 0 and "Rule 1 (cleaning)" in out
    code, out, _ = invoke(store, "routing", "test", "--category", "inquiry", "--product", "KB-1")
    assert code == 0 and "Rule 2 (rest)" in out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--category", "refnd"), "category: 'refnd' is not one of"),
        (("--category", "refund", "--amount", "-5"), "'-5' is not an amount in yuan"),
        (("--category", "refund", "--amount", "0"), "must be more than zero"),
        (("--category", "complaint", "--level", "huge"), "level: 'huge' is not one of"),
        (("--category", "inquiry", "--tier", "platinum"), "tier: 'platinum' is not one of"),
    ],
)
def test_test_refuses_bad_input_in_one_line(
    store: Path, args: tuple[str, ...], reason: str
) -> None:
    code, _, err = invoke(store, "routing", "test", *args)
    assert code == 1 and reason in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_check_passes_the_shipped_file(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "routing", "check")
    assert code == 0
    assert "routing.toml: 12 rules OK, 0 warnings." in out
    code, out, _ = invoke(seeded, "routing", "check", "--json")
    shown = json.loads(out)
    assert shown["ok"] and shown["errors"] == [] and shown["warnings"] == []


def test_check_warns_about_overlaps_but_passes(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "routing.toml").write_text(
        '[[rule]]\nname = "vips"\nwhen = { tier = ["vip"] }\nteam = "leads"\nreason = "v"\n\n'
        '[[rule]]\nname = "refunds"\nwhen = { category = ["refund"] }\nteam = "front_line"\n'
        'reason = "r"\n\n'
        '[[rule]]\nname = "small"\nwhen = { category = ["refund"], amount_max = 100 }\n'
        'team = "front_line"\nreason = "s"\n',
        "utf-8",
    )
    code, out, _ = invoke(seeded, "routing", "check", "--policy-dir", str(tmp_path))
    assert code == 0, out
    assert "warning: " in out and "rule 2 (refunds): overlaps rule 1 (vips)" in out
    assert "rule 3 (small): never gets a ticket: rule 2 (refunds) matches" in out
    assert "no rule matches every ticket" in out
    assert "3 rules OK, 3 warnings." in out


def test_check_fails_on_unknown_teams_and_categories(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "routing.toml").write_text(
        '[[rule]]\nname = "wh"\nteam = "warehouse"\nreason = "w"\n', "utf-8"
    )
    code, out, _ = invoke(seeded, "routing", "check", "--policy-dir", str(tmp_path))
    assert code == 1
    assert "error: " in out and "rule 1 (wh).team: unknown team 'warehouse'" in out
    (tmp_path / "routing.toml").write_text(
        '[[rule]]\nname = "x"\nwhen = { category = ["refnd"] }\nteam = "leads"\nreason = "r"\n'
        '[[rule]]\nname = "y"\nwhen = { channel = ["fax"] }\nteam = "leads"\nreason = "r"\n',
        "utf-8",
    )
    code, out, _ = invoke(seeded, "routing", "check", "--policy-dir", str(tmp_path), "--json")
    assert code == 1
    shown = json.loads(out)
    assert not shown["ok"] and len(shown["errors"]) == 2
    assert "rule 1 (x).when.category[0]: 'refnd'" in shown["errors"][0]
    assert "rule 2 (y).when.channel[0]: 'fax'" in shown["errors"][1]


def test_check_without_a_store_or_a_routing_file_says_what_it_checked(
    tmp_path: Path,
) -> None:
    code, out, _ = invoke(tmp_path / "none.db", "routing", "check", "--policy-dir", str(tmp_path))
    assert code == 0
    assert f"{tmp_path} has no routing.toml: checking the shipped rules" in out
    assert "Teams and products not checked: no store at" in out
