"""`agentdesk report kpi` and `agentdesk report root-causes` through the real Typer app."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.cli import app
from agentdesk.domain.model import RootCause
from agentdesk.store import database
from tests.cli.test_cli import runner
from tests.conftest import NOW

NOVEMBER = ("--since", "2026-11-01", "--until", "2026-12-01")
OCTOBER = ("--since", "2026-10-01", "--until", "2026-11-01")
LATER = NOW + timedelta(hours=1)  # after the edits of `worked`


def invoke(store: Path, *args: str) -> tuple[int, str, str]:
    """The CLI on `store`, an hour after the tests' NOW."""
    result = runner.invoke(app, ["--store", str(store), "--now", LATER.isoformat(), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def worked(seeded: Path) -> Path:
    """The seeded store with the complaint answered and resolved within the hour."""
    from agentdesk.domain.model import EventKind
    from agentdesk.store.repository import Repository

    repo = Repository(database.make_engine(seeded))
    me = repo.agent_by_username("zhang.wei")
    later = NOW + timedelta(minutes=30)
    repo.take("T-20261123-0002", me, later)
    repo.add_message("T-20261123-0002", EventKind.REPLY, "您好，马上为您处理", me, later)
    repo.resolve("T-20261123-0002", "已换新", RootCause.PRODUCT_DEFECT, me, later)
    repo.engine.dispose()
    return seeded


def kpi(store: Path, *args: str) -> dict[str, Any]:
    code, out, err = invoke(store, "report", "kpi", *NOVEMBER, "--json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_kpi_as_json_by_team(worked: Path) -> None:
    data = kpi(worked)
    total = data["total"]
    assert total["tickets"] == 3 and total["resolved"] == 1 and total["backlog"] == 2
    assert total["fcr"] == 1.0 and total["reopen_rate"] == 0.0
    assert total["complaint_rate"] == pytest.approx(1 / 3)
    assert total["csat"] is None and total["csat_count"] == 0  # no follow-ups yet: no data
    assert total["first_response_avg_s"] == 30 * 60  # taken and answered after 30 minutes
    # dispatch: the refund was taken as it came in; the complaint after 30 min and the inquiry
    # not at all (5 minutes each)
    assert total["sla_by_clock"]["dispatch"] == {"met": 1, "missed": 2, "rate": 1 / 3}
    assert [g["name"] for g in data["groups"]] == ["front_line"]
    assert data["targets"]["fcr"] == 0.9  # from data/policy/quality.toml


def test_kpi_groups_by_agent_category_and_period(worked: Path) -> None:
    by_agent = {g["name"]: g["tickets"] for g in kpi(worked, "--by", "agent")["groups"]}
    assert by_agent == {"(unassigned)": 1, "张伟": 2}
    by_category = {g["key"]: g["tickets"] for g in kpi(worked, "--by", "category")["groups"]}
    assert by_category == {"complaint": 1, "inquiry": 1, "refund": 1}
    assert [g["key"] for g in kpi(worked, "--by", "week")["groups"]] == ["2026-11-23"]
    assert [g["key"] for g in kpi(worked, "--by", "month")["groups"]] == ["2026-11"]


def test_kpi_for_one_team_and_as_csv(worked: Path) -> None:
    assert kpi(worked, "--team", "after_sales")["total"]["tickets"] == 0
    code, out, _ = invoke(worked, "report", "kpi", *NOVEMBER, "--csv")
    assert code == 0
    lines = list(csv.DictReader(io.StringIO(out)))
    assert [line["name"] for line in lines] == ["front_line", "Total"]
    assert lines[-1]["tickets"] == "3" and lines[-1]["csat"] == ""  # no data: an empty cell


def test_kpi_table_shows_no_data_as_a_dash(worked: Path) -> None:
    code, out, _ = invoke(worked, "report", "kpi", *NOVEMBER)
    assert code == 0
    assert "front_line" in out and "Total" in out and "100.0%" in out and "—" in out
    assert "Target" in out and "≥ 90.0%" in out
    assert "no follow-up results" in out


def test_an_empty_period_is_an_honest_empty_report(worked: Path) -> None:
    code, out, _ = invoke(worked, "report", "kpi", *OCTOBER)
    assert code == 0 and "No tickets were created in this period" in out
    assert "nan" not in out.lower()
    data = json.loads(invoke(worked, "report", "kpi", *OCTOBER, "--json")[1])
    assert data["groups"] == [] and data["total"]["tickets"] == 0
    assert data["total"]["fcr"] is None and data["total"]["sla"] is None
    code, out, _ = invoke(worked, "report", "root-causes", *OCTOBER)
    assert code == 0 and "No finished complaints" in out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--since", "2026-13-01", "--until", "2026-12-01"), "is not a date"),
        (("--since", "yesterday", "--until", "2026-12-01"), "is not a date"),
        (("--since", "2026-11-01", "--until", "2026-11-01"), "The period is empty"),
        (("--since", "2026-12-01", "--until", "2026-11-01"), "The period is empty"),
        ((*NOVEMBER, "--team", "mars"), "No team 'mars'"),
        ((*NOVEMBER, "--json", "--csv"), "one of --json and --csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(worked: Path, args: tuple[str, ...], reason: str) -> None:
    for command in ("kpi", "root-causes"):
        code, out, err = invoke(worked, "report", command, *args)
        assert code == 2 and reason in err and "Traceback" not in err, (command, err)
        assert len(err.strip().splitlines()) == 1 and out == ""


def test_root_causes_pareto(worked: Path) -> None:
    code, out, _ = invoke(worked, "report", "root-causes", *NOVEMBER, "--json")
    assert code == 0
    assert json.loads(out)["causes"] == [
        {"cause": "product_defect", "count": 1, "share": 1.0, "cumulative": 1.0}
    ]
    code, out, _ = invoke(worked, "report", "root-causes", *NOVEMBER)
    assert code == 0 and "Product defect" in out and "100.0%" in out
    code, out, _ = invoke(worked, "report", "root-causes", *NOVEMBER, "--csv")
    assert out.splitlines() == ["cause,count,share,cumulative", "product_defect,1,1.0,1.0"]


def test_reports_speak_chinese(worked: Path) -> None:
    code, out, _ = invoke(worked, "--lang", "zh-CN", "report", "kpi", *NOVEMBER)
    assert code == 0 and "合计" in out and "首次解决率" in out
    code, _, err = invoke(
        worked, "--lang", "zh-CN", "report", "kpi", "--since", "x", "--until", "y"
    )
    assert code == 2 and "不是日期" in err
