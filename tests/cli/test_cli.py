"""The real Typer app: scripting tickets, doctor, db upgrade, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentdesk.cli import app
from agentdesk.store import database
from tests.conftest import NOW, rows

runner = CliRunner()


def invoke(store: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    """Run the CLI on `store` at the tests' NOW (`--now` travels there; real time runs on)."""
    pinned = ["--now", NOW.isoformat()]
    result = runner.invoke(app, ["--store", str(store), *pinned, *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_list_as_json_in_queue_order(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "ticket", "list", "--json")
    assert code == 0
    tickets = json.loads(out)
    # dispatch (5 min) of the two unassigned tickets comes before the refund's first response
    assert [t["category"] for t in tickets] == ["complaint", "inquiry", "refund"]
    assert [t["due_clock"] for t in tickets] == ["dispatch", "dispatch", "first_response"]
    code, out, _ = invoke(seeded, "ticket", "list", "--json", "--search", "退款")
    assert [t["subject"] for t in json.loads(out)] == ["退款没有到账"]


def test_mine_needs_an_agent(seeded: Path) -> None:
    code, _, err = invoke(seeded, "ticket", "list", "--view", "mine")
    assert code == 1 and "--agent" in err and "Traceback" not in err
    code, out, _ = invoke(seeded, "ticket", "list", "--view", "mine", "--agent", "zhang.wei")
    assert code == 0 and "T-20261123-0001" in out


def test_show_masks_pii(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "ticket", "show", "T-20261123-0001", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["customer"]["phone"] == "138****5678"
    assert [e["kind"] for e in shown["timeline"]] == ["created", "assignment"]


def test_create_note_status_resolve_transfer(seeded: Path) -> None:
    args = ["ticket", "create", "--agent", "zhang.wei", "--customer", "13812345678"]
    code, out, err = invoke(
        seeded,
        *args,
        "--category", "repair", "--subject", "Dock broken", "--description", "No power",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    number = json.loads(out)["number"]
    assert number == "T-20261123-0004"
    assert (
        invoke(seeded, "ticket", "note", number, "-", "--agent", "zhang.wei", input="来电")[0] == 0
    )
    code, _, err = invoke(seeded, "ticket", "status", number, "in_progress", "--agent", "zhang.wei")
    assert code == 1 and "cannot move" in err  # still new: take it first
    code, _, err = invoke(
        seeded, "ticket", "transfer", number, "--team", "after_sales", "--note", "Needs parts",
        "--agent", "zhang.wei",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = invoke(seeded, "ticket", "show", number, "--json")
    assert json.loads(out)["ticket"]["team_id"] == "team-as"
    code, _, err = invoke(
        seeded, "ticket", "resolve", number, "--resolution", "ok", "--root-cause", "nonsense",
        "--agent", "li.na",
    )  # fmt: skip
    assert code == 1 and "root_cause" in err and "product_defect" in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["ticket", "show", "T-20990101-0001"], "No ticket"),
        (["ticket", "status", "T-20261123-0001", "finished", "--agent", "zhang.wei"], "finished"),
        (["ticket", "note", "T-20261123-0001", "  ", "--agent", "zhang.wei"], "body is required"),
        (["ticket", "note", "T-20261123-0001", "x", "--agent", "nobody"], "No agent"),
        (["ticket", "list", "--view", "everything"], "view"),
        (["ticket", "list", "--category", "food"], "category"),
        (["--lang", "fr", "ticket", "list"], "Unknown language"),
        (["ticket", "note", "T-20261123-0001", "x", "--agent", "sun.li"], "read-only"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    seeded: Path, args: list[str], fragment: str
) -> None:
    before = rows(seeded, "SELECT count(*) FROM outbox")
    code, _, err = invoke(seeded, *args)
    assert code == 1
    assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert rows(seeded, "SELECT count(*) FROM outbox") == before


def test_foreign_and_missing_stores(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    code, _, err = invoke(text, "ticket", "list")
    assert code == 1 and "not an agentdesk store" in err
    code, _, err = invoke(tmp_path / "none.db", "ticket", "list")
    assert code == 1 and "agentdesk db upgrade" in err


def test_broken_config_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "profile"
    home.mkdir()
    monkeypatch.setenv("AGENTDESK_HOME", str(home))
    (home / "config.toml").write_text("sync_interval = -5\n")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "config.toml" in result.stderr and "sync_interval" in result.stderr
    (home / "config.toml").write_text("language = [\n")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1 and "not valid TOML" in result.stderr


def test_db_upgrade_and_doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "profile"
    monkeypatch.setenv("AGENTDESK_HOME", str(home))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and f"→ {database.HEAD_REVISION}" in result.stdout
    assert (home / "agentdesk.db").exists()
    result = runner.invoke(app, ["doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 0, result.stdout
    assert checks["journal mode"]["detail"] == "wal"


def test_chinese_output(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "--lang", "zh-CN", "ticket", "show", "T-20261123-0001")
    assert code == 0 and "退款" in out and "已分配" in out
