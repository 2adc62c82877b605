"""Follow-ups (SPEC R10): the policy file, when a follow-up is due and pending, what a low
score does — in the domain, through the repository (with its outbox intent), in the queue's
follow-ups view, and on the CLI (`ticket follow-up`, `follow-ups`, and CSAT in `report kpi`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain import follow_up
from agentdesk.domain.clock import FrozenClock
from agentdesk.domain.errors import NotAllowed, ValidationFailed
from agentdesk.domain.follow_up import FollowUpPolicy, LowScoreAction
from agentdesk.domain.model import Channel, EventKind, RootCause, Status
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError
from agentdesk.io.quality_file import load_quality, parse_quality
from agentdesk.store import database
from agentdesk.store.queue_query import QueueFilter, QueuePager, View
from tests.conftest import NOW, agent, rows

POLICY = FollowUpPolicy(after_hours=24, by_channel={"email": 48}, low_score=2)
LAST_INTENT = "SELECT name, args_json FROM outbox ORDER BY mutation_id DESC"
ESCALATING = FollowUpPolicy(after_hours=24, low_score=2, on_low_score=LowScoreAction.ESCALATE)


# -- the policy file ------------------------------------------------------------------------------


def test_the_shipped_policy_schedules_by_channel() -> None:
    policy = load_quality(SHIPPED_POLICY_DIR).follow_up
    assert policy.hours_for(Channel.PHONE) == 24 and policy.hours_for(Channel.EMAIL) == 48
    assert policy.hours_for(Channel.STORE) == policy.after_hours
    assert policy.on_low_score is LowScoreAction.REOPEN and policy.low_score == 2


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[follow_up]\non_low_score = "ignore"', "follow_up.on_low_score"),
        ("[follow_up.by_channel]\nfax = 3", "follow_up.by_channel.fax"),
        ("[follow_up]\nafter_hours = 0", "follow_up.after_hours"),
        ("[follow_up]\nlow_score = 5", "follow_up.low_score"),
        ("[follow_up]\nsoon = 1", "follow_up.soon"),
    ],
)
def test_a_bad_follow_up_section_is_refused_in_one_line(text: str, where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_quality(text)
    message = caught.value.message()
    assert where in message and "\n" not in message


# -- the domain -----------------------------------------------------------------------------------


def test_due_time_is_calendar_hours_after_resolution_by_channel() -> None:
    resolved = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # a Friday evening: calendar hours
    assert POLICY.due_at(resolved, Channel.PHONE) == resolved + timedelta(hours=24)
    assert POLICY.due_at(resolved, "email") == resolved + timedelta(hours=48)


def test_pending_until_a_result_after_the_latest_resolution() -> None:
    first, second = NOW, NOW + timedelta(days=2)
    result = NOW + timedelta(days=1)
    assert follow_up.is_pending(Status.RESOLVED, first, [])
    assert not follow_up.is_pending(Status.RESOLVED, first, [result])
    assert follow_up.is_pending(Status.CLOSED, second, [result])  # resolved again since
    assert not follow_up.is_pending(Status.IN_PROGRESS, None, [])


def test_a_low_score_reopens_or_escalates_per_policy() -> None:
    assert follow_up.low_score_outcome(POLICY, 3) == follow_up.LowScoreOutcome()
    assert follow_up.low_score_outcome(POLICY, 2) == follow_up.LowScoreOutcome(reopen=True)
    escalated = follow_up.low_score_outcome(ESCALATING, 1)
    assert escalated.reopen and escalated.escalate


def test_scores_and_statuses_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        follow_up.check_score(6)
    with pytest.raises(ValidationFailed):
        follow_up.check_can_follow_up(Status.IN_PROGRESS, "T-1")
    follow_up.check_can_follow_up(Status.CLOSED, "T-1")


# -- the repository -------------------------------------------------------------------------------


def _resolved(repo: Any, number: str = "T-20261123-0001", at: datetime = NOW) -> Any:
    me = agent(repo)
    repo.take(number, me, at)
    return repo.resolve(number, "Refund reissued", RootCause.PROCESS, me, at)


def _path(repo: Any) -> Path:
    return Path(repo.engine.url.database)


def test_recording_a_good_score_appends_the_result_and_queues_the_intent(
    repo: Any, clock: FrozenClock
) -> None:
    ticket = _resolved(repo)
    later = NOW + timedelta(hours=25)
    done = repo.record_follow_up(ticket.number, 5, " Very helpful ", agent(repo), later)
    assert done.status is Status.RESOLVED
    result = repo.timeline(ticket.id)[-1]
    assert result.kind is EventKind.FOLLOW_UP_RESULT and result.body == "Very helpful"
    assert result.data == {"score": 5, "comment": "Very helpful"}
    name, args = rows(_path(repo), LAST_INTENT)[0]
    sent = json.loads(str(args))
    assert name == "ticket.follow_up.v1" and sent["event_id"] == result.id
    assert sent["score"] == 5 and "status_event_id" not in sent
    assert repo.pending_follow_ups() == []


def test_a_low_score_reopens_the_ticket_and_its_follow_up_comes_back_after_resolving(
    repo: Any,
) -> None:
    ticket = _resolved(repo)
    later = NOW + timedelta(hours=2)
    done = repo.record_follow_up(ticket.number, 1, "Still no refund", agent(repo), later)
    assert done.status is Status.IN_PROGRESS and done.resolved_at is None
    args = json.loads(
        str(rows(_path(repo), "SELECT args_json FROM outbox ORDER BY mutation_id DESC")[0][0])
    )
    moved = next(e for e in repo.timeline(ticket.id) if e.id == args["status_event_id"])
    assert moved.data == {"from": "resolved", "to": "in_progress"}
    assert repo.pending_follow_ups() == []
    again = NOW + timedelta(hours=3)
    repo.resolve(ticket.number, "Refund confirmed", RootCause.PROCESS, agent(repo), again)
    [pending] = repo.pending_follow_ups()
    assert pending.number == ticket.number and pending.due_at == again + timedelta(hours=24)


def test_escalate_policy_raises_the_level_with_an_escalation_entry(repo: Any) -> None:
    repo.use_follow_up(ESCALATING)
    ticket = _resolved(repo)
    done = repo.record_follow_up(ticket.number, 2, "Rude", agent(repo), NOW + timedelta(hours=1))
    assert done.status is Status.IN_PROGRESS and done.escalation_level == 1
    escalation = [e for e in repo.timeline(ticket.id) if e.kind is EventKind.ESCALATION]
    assert [e.data["step"] for e in escalation] == [follow_up.LOW_SCORE_STEP]
    args = json.loads(
        str(rows(_path(repo), "SELECT args_json FROM outbox ORDER BY mutation_id DESC")[0][0])
    )
    assert args["escalation_event_id"] == escalation[0].id


def test_only_finished_tickets_and_only_writers_record(repo: Any) -> None:
    with pytest.raises(ValidationFailed):
        repo.record_follow_up("T-20261123-0001", 4, "", agent(repo), NOW)  # still open
    _resolved(repo)
    with pytest.raises(ValidationFailed):
        repo.record_follow_up("T-20261123-0001", 0, "", agent(repo), NOW)
    with pytest.raises(NotAllowed):
        repo.record_follow_up("T-20261123-0001", 4, "", agent(repo, "sun.li"), NOW)
    with pytest.raises(NotAllowed):  # another team's agent
        repo.record_follow_up("T-20261123-0001", 4, "", agent(repo, "li.na"), NOW)


def test_pending_follow_ups_are_listed_due_first(repo: Any) -> None:
    _resolved(repo, "T-20261123-0003", NOW)  # email: due after 48 h
    _resolved(repo, "T-20261123-0001", NOW + timedelta(hours=1))  # phone: after 24 h
    repo.use_follow_up(load_quality(SHIPPED_POLICY_DIR).follow_up)
    assert [p.number for p in repo.pending_follow_ups()] == ["T-20261123-0001", "T-20261123-0003"]
    assert repo.pending_follow_ups("team-as") == []
    conn = database.connect(_path(repo), readonly=True)
    try:
        f = QueueFilter(view=View.FOLLOW_UPS, team_id="team-fl", follow_up=repo.follow_up_policy)
        pager = QueuePager(conn, f)
        assert [r.number for r in pager.page(0)] == ["T-20261123-0001", "T-20261123-0003"]
        assert pager.count() == 2
    finally:
        conn.close()


# -- the CLI --------------------------------------------------------------------------------------


def _cli(store: Path, *args: str) -> Any:
    from agentdesk.cli import app
    from tests.cli.test_cli import runner

    later = (NOW + timedelta(hours=5)).isoformat()
    return runner.invoke(app, ["--store", str(store), "--now", later, *args])


def test_cli_records_follow_ups_and_kpi_shows_csat(seeded: Path) -> None:
    from agentdesk.store.repository import Repository

    repo = Repository(database.make_engine(seeded))
    _resolved(repo, "T-20261123-0001")
    _resolved(repo, "T-20261123-0003")
    repo.engine.dispose()
    listed = _cli(seeded, "follow-ups", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [p["number"] for p in json.loads(listed.stdout)] == [
        "T-20261123-0001",
        "T-20261123-0003",
    ]
    good = _cli(seeded, "ticket", "follow-up", "T-20261123-0001", "--score", "5",
                "--comment", "Great", "--agent", "zhang.wei")  # fmt: skip
    assert good.exit_code == 0 and "score 5" in good.stdout, good.stderr
    low = _cli(seeded, "ticket", "follow-up", "T-20261123-0003", "--score", "2",
               "--agent", "zhang.wei")  # fmt: skip
    assert low.exit_code == 0 and "reopened" in low.stdout, low.stderr
    bad = _cli(seeded, "ticket", "follow-up", "T-20261123-0002", "--score", "4",
               "--agent", "zhang.wei")  # fmt: skip
    assert bad.exit_code != 0 and "not resolved" in bad.stderr
    human = _cli(seeded, "follow-ups")
    assert "No follow-ups pending." in human.stdout
    kpi = _cli(seeded, "report", "kpi", "--since", "2026-11-01", "--until", "2026-12-01", "--json")
    assert kpi.exit_code == 0, kpi.stderr
    total = json.loads(kpi.stdout)["total"]
    assert total["csat_count"] == 2 and total["csat"] == pytest.approx(3.5)


def test_the_follow_ups_view_shows_each_rows_follow_up_countdown() -> None:
    from agentdesk.store.queue_query import FOLLOW_UP_CLOCK, QueueRow
    from agentdesk.widgets.ticket_list import countdown_of

    def row(due: int) -> QueueRow:
        return QueueRow(1, "t", "T-1", "s", "resolved", "inquiry", "normal", "phone", "王芳",
                        None, FOLLOW_UP_CLOCK, due, FOLLOW_UP_CLOCK, due)  # fmt: skip

    assert countdown_of(row(1_000 + 7_200), 1_000) == ("F-up 02:00", "ok")
    assert countdown_of(row(1_000 - 3_600), 1_000)[1] == "breached"
    finished = QueueRow(1, "t", "T-1", "s", "resolved", "inquiry", "normal", "phone", "王芳",
                        None, None, 9, "resolution", 9)  # fmt: skip
    assert countdown_of(finished, 1_000) == ("—", "done")
