"""`agentdesk import ...` / `agentdesk export ...` through the real Typer app on a real store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import invoke
from tests.conftest import rows

DATA = Path(__file__).parents[1] / "data" / "imports"
FRESHDESK = DATA / "freshdesk_tickets.csv"


def imported(store: Path, *args: str) -> dict[str, object]:
    code, out, err = invoke(store, "import", *args, "--json")
    assert "Traceback" not in err
    data: dict[str, object] = json.loads(out)
    data["exit"] = code
    return data


def table(store: Path, name: str) -> list[tuple[object, ...]]:
    return rows(store, f"SELECT * FROM {name} ORDER BY 1")


# -- safety: dry run, all or nothing, partial, idempotency ----------------------------------------


def test_a_dry_run_checks_every_row_and_writes_nothing(seeded: Path) -> None:
    before = (table(seeded, "ticket"), table(seeded, "customer"), table(seeded, "ticket_event"))
    report = imported(seeded, "tickets", str(FRESHDESK), "--format", "freshdesk", "--dry-run")
    assert (report["exit"], report["rows"], report["created"], report["rejected"]) == (0, 6, 4, 2)
    assert report["committed"] is False
    after = (table(seeded, "ticket"), table(seeded, "customer"), table(seeded, "ticket_event"))
    assert after == before


def test_one_bad_row_refuses_the_whole_file_and_names_row_column_value(seeded: Path) -> None:
    before = table(seeded, "ticket")
    code, out, err = invoke(seeded, "import", "tickets", str(FRESHDESK), "--format", "freshdesk")
    assert code == 1 and "Traceback" not in err
    assert f"{FRESHDESK}: row 6, Status = 'Escalated': not a known value" in err
    assert f"{FRESHDESK}: row 7, Agent = 'Nobody Known': no such agent" in err
    assert "nothing written: 2 of 6 rows refused" in out
    assert table(seeded, "ticket") == before


def test_partial_writes_the_good_rows_and_the_rejects_file_lists_the_rest(
    seeded: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    report = imported(
        seeded,
        "tickets",
        str(FRESHDESK),
        "--format",
        "freshdesk",
        "--partial",
        "--rejects",
        str(rejects),
    )
    assert (report["exit"], report["created"], report["rejected"]) == (0, 4, 2)
    with rejects.open(encoding="utf-8-sig") as f:
        found = list(csv.reader(f))
    assert found[0] == ["row", "column", "value", "reason"]
    assert [r[:3] for r in found[1:]] == [
        ["6", "Status", "Escalated"],
        ["7", "Agent", "Nobody Known"],
    ]
    numbers = rows(seeded, "SELECT number FROM ticket WHERE number LIKE 'FD-%' ORDER BY number")
    assert numbers == [("FD-1001",), ("FD-1002",), ("FD-1003",), ("FD-1004",)]


def test_fixing_the_rejects_and_importing_again_updates_instead_of_duplicating(
    seeded: Path, tmp_path: Path
) -> None:
    imported(seeded, "tickets", str(FRESHDESK), "--format", "freshdesk", "--partial")
    fixed = tmp_path / "fixed.csv"
    text = FRESHDESK.read_text(encoding="utf-8")
    fixed.write_text(
        text.replace("Escalated", "Open").replace("Nobody Known", "Emma Clark"), encoding="utf-8"
    )
    report = imported(seeded, "tickets", str(fixed), "--format", "freshdesk")
    assert (report["exit"], report["created"], report["updated"], report["rejected"]) == (
        0,
        2,
        4,
        0,
    )
    events = rows(seeded, "SELECT count(*) FROM ticket_event")
    again = imported(seeded, "tickets", str(fixed), "--format", "freshdesk")
    assert (again["created"], again["updated"]) == (0, 6)
    assert rows(seeded, "SELECT count(*) FROM ticket WHERE number LIKE 'FD-%'") == [(6,)]
    assert rows(seeded, "SELECT count(*) FROM ticket_event") == events  # no timeline doubled
    # 王芳 and Oliver Smith were entered by hand: their phones find them, no second record
    from_freshdesk = "SELECT count(*) FROM customer WHERE external_id LIKE 'freshdesk:%'"
    assert rows(seeded, from_freshdesk) == [(3,)]
    same = rows(
        seeded,
        "SELECT c.name, c.external_id FROM ticket t JOIN customer c ON c.id = t.customer_id "
        "WHERE t.number IN ('FD-1001', 'FD-1002') ORDER BY t.number",
    )
    assert same == [("Oliver Smith", None), ("王芳", None)]


# -- what agents see ------------------------------------------------------------------------------


def test_imported_freshdesk_tickets_land_in_their_queues_with_deadlines(seeded: Path) -> None:
    imported(seeded, "tickets", str(FRESHDESK), "--format", "freshdesk", "--partial")
    code, out, _ = invoke(
        seeded, "ticket", "list", "--json", "--view", "mine", "--agent", "emma.clark"
    )
    mine = json.loads(out)
    assert code == 0 and [t["number"] for t in mine] == ["FD-1001"]
    assert mine[0]["status"] == "assigned" and mine[0]["due_clock"] is not None
    found = rows(
        seeded, "SELECT status, channel, category, priority FROM ticket WHERE number = 'FD-1002'"
    )
    assert found == [("waiting_customer", "email", "refund", "normal")]
    code, out, _ = invoke(seeded, "ticket", "list", "--json", "--search", "退款未到账")
    assert [t["number"] for t in json.loads(out)] == ["FD-1002"]  # searchable
    closed = rows(seeded, "SELECT resolved_at, due_at FROM ticket WHERE number = 'FD-1004'")
    assert closed == [("2026-11-11T00:00:00+00:00", None)]  # 08:00 Shanghai; finished: no deadline


def test_zendesk_export_files_in_order_make_teams_agents_customers_and_timelines(
    seeded: Path,
) -> None:
    for kind, name in (
        ("teams", "groups"),
        ("agents", "users"),
        ("customers", "users"),
        ("customers", "organizations"),
        ("tickets", "tickets"),
    ):
        report = imported(seeded, kind, str(DATA / f"zendesk_{name}.json"), "--format", "zendesk")
        assert report["exit"] == 0 and report["rejected"] == 0, report
    assert rows(seeded, "SELECT name_zh, kind FROM team WHERE code = 'front_line'") == [
        ("一线客服", "front_line")
    ]
    assert rows(seeded, "SELECT role FROM agent WHERE username = 'ben.liu@example.com'") == [
        ("admin",)
    ]
    tiers = rows(
        seeded, "SELECT name, tier FROM customer WHERE external_id LIKE 'zendesk:%' ORDER BY name"
    )
    assert tiers == [("Acme Retail Ltd", "gold"), ("Oliver Smith", "standard"), ("王芳", "vip")]
    timeline = rows(
        seeded,
        "SELECT e.kind, e.data_json FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
        "WHERE t.number = 'ZD-35436' ORDER BY e.at, e.pk",
    )
    assert timeline == [
        ("created", '{"category": "technical", "channel": "email"}'),
        ("assignment", timeline[1][1]),
        ("reply", '{"direction": "outbound"}'),
        ("note", "{}"),
        ("reply", '{"direction": "inbound"}'),
    ]
    assert rows(seeded, "SELECT count(*) FROM ticket WHERE number = 'ZD-35438'") == [
        (0,)
    ]  # deleted


def test_zammad_users_and_tickets(seeded: Path) -> None:
    imported(seeded, "teams", str(DATA / "zendesk_groups.json"), "--format", "zendesk")
    for kind, name in (("agents", "users"), ("customers", "users"), ("tickets", "tickets")):
        report = imported(seeded, kind, str(DATA / f"zammad_{name}.csv"), "--format", "zammad")
        assert report["exit"] == 0 and report["rejected"] == 0, report
    agents = rows(
        seeded,
        "SELECT username, display_name, role FROM agent "
        "WHERE username IN ('ma.chao', 'xu.qiang') ORDER BY 1",
    )
    assert agents == [("ma.chao", "马超", "admin"), ("xu.qiang", "徐强", "agent")]
    found = rows(
        seeded,
        "SELECT number, status, priority, assignee_id IS NULL FROM ticket "
        "WHERE number LIKE 'ZM-%' ORDER BY 1",
    )
    assert found == [
        ("ZM-31012", "assigned", "high", 0),
        ("ZM-31013", "closed", "normal", 0),
        ("ZM-31014", "new", "low", 1),
    ]


# -- any CSV with a column map; encodings ---------------------------------------------------------

SPREADSHEET = (
    "工单编号,标题,问题描述,客户姓名,手机,渠道,类别,状态,创建时间,解决时间\r\n"
    "A-1,空气净化器异响,开机后嗡嗡响,赵敏,13700001111,电话,维修,处理完成,"
    "2026年11月20日 09:15,2026/11/20 17:00\r\n"
    "A-2,发票开错了,抬头写错,钱进,13700002222,微信,咨询,新建,46347.5,\r\n"
)
MAP = """
[map]
external_id = "工单编号"
subject = "标题"
description = "问题描述"
customer_name = "客户姓名"
customer_phone = "手机"
channel = "渠道"
category = "类别"
status = "状态"
created_at = "创建时间"
resolved_at = "解决时间"

[values.status]
"处理完成" = "resolved"
"""


def test_a_gb18030_spreadsheet_with_a_map_file_and_chinese_labels(
    seeded: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "工单.csv"
    sheet.write_bytes(SPREADSHEET.encode("gb18030"))
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP, encoding="utf-8")
    report = imported(
        seeded, "tickets", str(sheet), "--map-file", str(mapping), "--set", "team=front_line"
    )
    assert (report["exit"], report["created"], report["rejected"]) == (0, 2, 0), report
    found = rows(
        seeded,
        "SELECT number, channel, category, status, created_at, resolved_at, team_id FROM ticket "
        "WHERE number LIKE 'IM-%' ORDER BY number",
    )
    assert found == [
        (
            "IM-A-1",
            "phone",
            "repair",
            "resolved",
            "2026-11-20T01:15:00+00:00",
            "2026-11-20T09:00:00+00:00",
            "team-fl",
        ),
        ("IM-A-2", "wechat", "inquiry", "new", "2026-11-21T04:00:00+00:00", None, "team-fl"),
    ]  # Excel serial 46347.5 = 2026-11-21 12:00 Shanghai


def test_map_options_win_and_a_missing_mapped_column_is_named(seeded: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SPREADSHEET, encoding="utf-8-sig")
    code, _, err = invoke(seeded, "import", "tickets", str(sheet), "--map", "subject=主题")
    assert code == 1 and f"{sheet}: --map subject=主题: the file has no column '主题'." in err
    code, _, err = invoke(seeded, "import", "tickets", str(sheet), "--map", "subjekt=标题")
    assert code == 1 and "'subjekt' is not a field of tickets" in err
    code, _, err = invoke(seeded, "import", "tickets", str(sheet))
    assert code == 1 and "no column for subject, created_at, external_id" in err


def test_a_map_file_value_that_is_not_ours_is_refused_before_any_row(
    seeded: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SPREADSHEET, encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAP.replace('= "resolved"', '= "done"'), encoding="utf-8")
    code, _, err = invoke(seeded, "import", "tickets", str(sheet), "--map-file", str(mapping))
    assert code == 1 and "[values.status]: 'done' is not one of ours" in err
    assert "Traceback" not in err


def test_set_fills_a_missing_column_and_names_an_unknown_field(
    seeded: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("external_id,subject,customer_name\nQ-1,Hello,王芳\n", encoding="utf-8")
    report = imported(seeded, "tickets", str(sheet), "--set", "created_at=2026-11-20 09:00")
    assert (report["exit"], report["created"]) == (0, 1)
    code, _, err = invoke(seeded, "import", "tickets", str(sheet), "--set", "chanel=phone")
    assert code == 1 and "--set: 'chanel' is not a field of tickets" in err


def test_reimporting_agents_keeps_what_the_file_leaves_out(seeded: Path, tmp_path: Path) -> None:
    people = tmp_path / "agents.csv"
    people.write_text("username,display_name\nchen.jing,陈静 (组长)\n", encoding="utf-8")
    report = imported(seeded, "agents", str(people))
    assert (report["exit"], report["updated"]) == (0, 1)
    found = rows(
        seeded, "SELECT display_name, role, team_id FROM agent WHERE username = 'chen.jing'"
    )
    assert found == [("陈静 (组长)", "lead", "team-ld")]  # still a lead, still in her team


# -- bad files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00binary workbook", "this is not a text file"),
        (b"subject,created_at\n\xff\xfe\xfa\xfb\xfc\n" * 3, "neither UTF-8 nor GB18030"),
        (b'external_id,subject,created_at\n1,"open quote,2026-11-20\n', "row 2"),
    ],
    ids=["empty", "binary", "encoding", "truncated"],
)
def test_a_bad_file_gets_one_line_and_nothing_is_written(
    seeded: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    before = table(seeded, "ticket")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code, _, err = invoke(seeded, "import", "tickets", str(bad))
    assert code == 1 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert table(seeded, "ticket") == before


def test_a_two_gigabyte_file_is_refused_before_reading(seeded: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(2 << 30)  # sparse: no disk used
    code, _, err = invoke(seeded, "import", "tickets", str(huge))
    assert code == 1 and "2,048 MB is more than the limit of 1,024 MB" in err


def test_a_cut_short_json_file_names_line_and_column(seeded: Path, tmp_path: Path) -> None:
    bad = tmp_path / "tickets.json"
    bad.write_text('{"tickets": [\n {"external_id": "1", "subject": "x"', encoding="utf-8")
    code, _, err = invoke(seeded, "import", "tickets", str(bad))
    assert code == 1 and f"{bad}: line 2, column" in err and "cut short" in err


def test_duplicate_ids_bad_dates_and_unknown_values_are_rows_refused(
    seeded: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text(
        "external_id,subject,created_at,channel,customer_name\n"
        "1,A,2026-11-20 09:00,phone,王芳\n"
        "1,B,2026-11-20 09:00,phone,王芳\n"
        "2,C,11/20/2026,phone,王芳\n"
        "3,D,2026-11-20,fax,王芳\n",
        encoding="utf-8",
    )
    report = imported(seeded, "tickets", str(sheet))
    reasons = {(r["row"], r["column"]): r["reason"] for r in report["rejects"]}  # type: ignore[union-attr]
    assert reasons[(3, "external_id")] == "the same record as row 2 of this file"
    assert reasons[(4, "created_at")].startswith("day and month order unclear")
    assert reasons[(5, "channel")].startswith("not a known value; accepted: phone, web")
    assert report["exit"] == 1 and rows(seeded, "SELECT count(*) FROM ticket") == [(3,)]


# -- round trip and exports -----------------------------------------------------------------------


def test_export_then_import_into_a_fresh_store_gives_back_the_same_tickets(
    seeded: Path, tmp_path: Path
) -> None:
    from agentdesk.store import database
    from tests.conftest import seed_people

    tickets, customers = tmp_path / "tickets.json", tmp_path / "customers.csv"
    assert (
        invoke(seeded, "export", "tickets", str(tickets), "--format", "json", "--reason", "move")[0]
        == 0
    )
    assert invoke(seeded, "export", "customers", str(customers))[0] == 0
    fresh = tmp_path / "fresh.db"
    database.upgrade(fresh)
    seed_people(fresh)
    assert imported(fresh, "customers", str(customers))["created"] == 2
    assert imported(fresh, "tickets", str(tickets))["created"] == 3
    columns = (
        "id, number, subject, description, customer_id, channel, category, complaint_level, "
        "priority, status, team_id, assignee_id, created_at, updated_at, due_at, due_clock"
    )
    assert rows(fresh, f"SELECT {columns} FROM ticket ORDER BY id") == rows(
        seeded, f"SELECT {columns} FROM ticket ORDER BY id"
    )
    events = (
        "SELECT id, ticket_id, kind, actor_id, at, body, data_json FROM ticket_event ORDER BY id"
    )
    assert rows(fresh, events) == rows(seeded, events)
    people = "SELECT id, name, phone, email, address, tier, created_at FROM customer ORDER BY id"
    assert rows(fresh, people) == rows(seeded, people)


def test_exports_are_audit_logged_with_who_and_why(seeded: Path) -> None:
    code, out, _ = invoke(
        seeded, "export", "customers", "--agent", "chen.jing", "--reason", "CRM migration"
    )
    assert code == 0 and out.splitlines()[0].startswith("\ufeff") is False
    assert "13812345678" in out  # PII is exported as stored ...
    logged = rows(
        seeded,
        "SELECT a.username, l.action, l.target, l.reason FROM audit_log l "
        "JOIN agent a ON a.id = l.actor_id",
    )
    assert logged == [
        ("chen.jing", "export", "customers:csv:-:2", "CRM migration")
    ]  # ... and logged


# -- policy files ---------------------------------------------------------------------------------


def test_a_policy_file_is_checked_with_its_folder_then_installed(
    seeded: Path, tmp_path: Path
) -> None:
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR

    folder = tmp_path / "policy"
    folder.mkdir()
    for name in ("calendars.toml", "sla.toml", "escalation.toml"):
        (folder / name).write_text(
            (SHIPPED_POLICY_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    sla = (SHIPPED_POLICY_DIR / "sla.toml").read_text(encoding="utf-8")
    broken = tmp_path / "sla.toml"
    broken.write_text(sla.replace('target = "5m"', 'target = "soon"', 1), encoding="utf-8")
    code, _, err = invoke(seeded, "import", "sla", str(broken), "--policy-dir", str(folder))
    assert code == 1 and str(broken) in err and "Traceback" not in err
    assert (folder / "sla.toml").read_text(encoding="utf-8") == sla
    better = tmp_path / "better.toml"
    better.write_text(sla.replace('target = "5m"', 'target = "10m"', 1), encoding="utf-8")
    code, out, _ = invoke(seeded, "import", "sla", str(better), "--policy-dir", str(folder))
    assert code == 0 and "checked and installed" in out
    assert 'target = "10m"' in (folder / "sla.toml").read_text(encoding="utf-8")


def test_a_number_another_ticket_holds_is_refused(seeded: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text(
        "id,number,subject,created_at,customer_name\n"
        "imported-1,T-20261123-0001,Someone else's number,2026-11-20 09:00,王芳\n",
        encoding="utf-8",
    )
    report = imported(seeded, "tickets", str(sheet))
    [reject] = report["rejects"]  # type: ignore[misc]
    assert (reject["row"], reject["column"]) == (2, "number")
    assert reject["reason"].startswith("ticket number already used by another ticket")
    assert report["exit"] == 1
