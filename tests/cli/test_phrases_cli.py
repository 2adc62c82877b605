"""`agentdesk phrases ...` and `agentdesk kb ...` through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from agentdesk.io.phrase_files import SHIPPED_KB, SHIPPED_PHRASES
from tests.cli.test_cli import invoke
from tests.conftest import rows

REPLIES = "您好，这个我也不清楚。\nPlease calm  down, sir.\n不清楚的地方请随时问我。\n"


def test_lint_prints_each_finding_with_line_column_rule_and_rewrite(
    seeded: Path, tmp_path: Path
) -> None:
    replies = tmp_path / "replies.txt"
    replies.write_text(REPLIES, encoding="utf-8")
    code, out, _ = invoke(seeded, "phrases", "lint", str(replies))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{replies}:1:4: dont-know 「这个我也不清楚」 → 「我马上帮您确认一下」"
    )
    assert lines[1].startswith(f"{replies}:2:8: en-calm-down 「calm  down」")
    assert len(lines) == 2  # the third line is the rule's allowed context


def test_lint_reads_standard_input_as_json_and_clean_text_exits_zero(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "phrases", "lint", "-", "--json", input=REPLIES)
    found = json.loads(out)
    assert code == 1 and [(f["line"], f["rule"]) for f in found] == [
        (1, "dont-know"),
        (2, "en-calm-down"),
    ]
    code, out, _ = invoke(seeded, "phrases", "lint", "-", input="我马上帮您确认一下。")
    assert code == 0 and out == ""


def test_import_checks_first_then_writes_and_reimport_updates(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "phrases", "import", str(SHIPPED_PHRASES[0]), "--dry-run")
    assert code == 0 and "would create" in out
    assert rows(seeded, "SELECT count(*) FROM phrase") == [(0,)]
    code, out, _ = invoke(seeded, "phrases", "import", str(SHIPPED_PHRASES[0]), "--json")
    first = json.loads(out)
    assert code == 0 and first["created"] > 80 and first["updated"] == 0
    code, out, _ = invoke(seeded, "phrases", "import", str(SHIPPED_PHRASES[0]), "--json")
    assert json.loads(out)["updated"] == first["created"]
    assert rows(seeded, "SELECT count(*) FROM phrase") == [(first["created"],)]


def test_a_refused_file_names_entry_and_reason_and_changes_nothing(
    seeded: Path, tmp_path: Path
) -> None:
    invoke(seeded, "phrases", "import", str(SHIPPED_PHRASES[1]))
    before = rows(seeded, "SELECT id, body FROM phrase ORDER BY id")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[phrase]]\nid = "en.greeting.phone"\nscenario = "greeting"\nlanguage = "en"\n'
        'title = "Hi"\ntext = "Hello {{customer.nmae}}"\n',
        encoding="utf-8",
    )
    code, _, err = invoke(seeded, "phrases", "import", str(bad))
    assert code != 0
    assert "bad.toml: phrase[0] (en.greeting.phone): text: unknown placeholder" in err
    assert "Traceback" not in err
    assert rows(seeded, "SELECT id, body FROM phrase ORDER BY id") == before


def test_export_as_zammad_and_zendesk_then_list_and_search(seeded: Path, tmp_path: Path) -> None:
    invoke(seeded, "phrases", "import", str(SHIPPED_PHRASES[0]))
    target = tmp_path / "modules.csv"
    code, _, _ = invoke(seeded, "phrases", "export", str(target), "--format", "zammad")
    assert code == 0 and target.read_text(encoding="utf-8-sig").startswith("name,keywords")
    code, out, _ = invoke(seeded, "phrases", "export", "--format", "zendesk")
    assert code == 0 and json.loads(out)["count"] > 80
    code, out, _ = invoke(seeded, "phrases", "list", "--search", "dq", "--json")
    assert code == 0 and json.loads(out)[0]["scenario"] == "empathy"


def test_kb_import_and_search_by_pinyin(seeded: Path) -> None:
    code, out, _ = invoke(seeded, "kb", "import", str(SHIPPED_KB), "--json")
    assert code == 0 and json.loads(out)["created"] >= 30
    code, out, _ = invoke(seeded, "kb", "list", "--search", "tuikuan", "--json")
    assert code == 0 and "退款" in json.loads(out)[0]["title"]


def test_incidents_from_the_command_line(seeded: Path) -> None:
    code, _, err = invoke(
        seeded, "incident", "declare", "--title", "Outage", "--agent", "zhang.wei"
    )
    assert code != 0 and "leads" in err and "Traceback" not in err
    args = ["incident", "declare", "--title", "Outage", "--agent", "chen.jing", "--json"]
    code, out, _ = invoke(seeded, *args)
    incident = json.loads(out)
    assert code == 0 and incident["status"] == "open"
    code, out, _ = invoke(seeded, "incident", "list", "--json")
    assert [i["title"] for i in json.loads(out)] == ["Outage"]
    code, _, _ = invoke(seeded, "incident", "close", incident["id"], "--agent", "chen.jing")
    code, out, _ = invoke(seeded, "incident", "list", "--json")
    assert code == 0 and json.loads(out) == []
