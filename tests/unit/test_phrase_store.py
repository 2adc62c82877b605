"""The phrase library and knowledge base in the store, and the pre-send check on replies:
refused replies write nothing, overrides are recorded on the reply and in the audit log."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.model import EventKind
from agentdesk.domain.phrase_check import Action, BannedRule, RuleSet
from agentdesk.domain.phrases import Article, Phrase, Scenario
from agentdesk.domain.text_search import PinyinKeys, pinyin_keys
from agentdesk.store.library_store import ImportCount
from tests.conftest import NOW, agent, rows

REFUND = "T-20261123-0001"  # zhang.wei's own ticket, phone channel

SORRY = Phrase(
    "zh.sorry", Scenario.EMPATHY, "zh-CN", "抱歉让您久等", "抱歉让您久等了，{{customer.name}}。",
    tags=("道歉", "安抚"), categories=("refund",),
)  # fmt: skip
HOLD = Phrase(
    "en.hold", Scenario.HOLD, "en", "Short hold", "One moment, please.", teams=("front_line",)
)
BYE = Phrase("en.bye", Scenario.CLOSING, "en", "Goodbye", "Thanks for calling.")

GUIDE = Article(
    "kb.refund", "退款到账时间", "原路退回，1-3个工作日到账。", "zh-CN", "refund", ("退款",)
)
FAQ = Article("kb.warranty", "Warranty", "Two years on the main unit.", "en")


def stored_phrases(repo: Any) -> dict[str, Phrase]:
    return {phrase.id: phrase for phrase, _ in repo.phrases()}


def counts(store: Path) -> tuple[object, ...]:
    return rows(
        store,
        "SELECT (SELECT count(*) FROM ticket_event), (SELECT count(*) FROM audit_log), "
        "(SELECT count(*) FROM outbox)",
    )[0]


# -- phrases --------------------------------------------------------------------------------------


def test_imported_phrases_read_back_equal(repo: Any) -> None:
    assert repo.import_phrases([SORRY, HOLD], "test", NOW) == ImportCount(2, 0, 0)
    assert [phrase for phrase, _ in repo.phrases()] == [SORRY, HOLD]


def test_a_second_import_updates_by_id_and_counts_created_and_updated(repo: Any) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    changed = Phrase("en.hold", Scenario.HOLD, "en", "Brief hold", "Just a second.")
    count = repo.import_phrases([changed, BYE], "test", NOW + timedelta(days=1))
    assert count == ImportCount(created=1, updated=1, removed=0)
    assert stored_phrases(repo) == {"zh.sorry": SORRY, "en.hold": changed, "en.bye": BYE}


def test_an_update_records_the_new_source_and_time(repo: Any, seeded: Path) -> None:
    repo.import_phrases([HOLD], "first.toml", NOW)
    repo.import_phrases([HOLD], "second.toml", NOW + timedelta(hours=1))
    assert rows(seeded, "SELECT source, updated_at FROM phrase") == [
        ("second.toml", (NOW + timedelta(hours=1)).isoformat())
    ]


def test_replace_removes_the_phrases_not_imported(repo: Any) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    count = repo.import_phrases([BYE, HOLD], "test", NOW, replace=True)
    assert count == ImportCount(created=1, updated=1, removed=1)
    assert sorted(stored_phrases(repo)) == ["en.bye", "en.hold"]


def test_without_replace_phrases_not_imported_stay(repo: Any) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    assert repo.import_phrases([BYE], "test", NOW).removed == 0
    assert sorted(stored_phrases(repo)) == ["en.bye", "en.hold", "zh.sorry"]


def test_the_store_keeps_pinyin_of_head_and_body(repo: Any, seeded: Path) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    stored = dict((phrase.id, keys) for phrase, keys in repo.phrases())
    head = stored["zh.sorry"].head
    assert head.initials.startswith("bqrnjd")  # 抱歉让您久等, then the tags
    assert head == pinyin_keys("抱歉让您久等 道歉 安抚")
    assert stored["zh.sorry"].body.full.startswith("baoqianrangninjiudengle")
    assert stored["en.hold"].head == PinyinKeys("", "")
    assert rows(seeded, "SELECT head_initials FROM phrase WHERE id = 'zh.sorry'") == [
        (head.initials,)
    ]


def test_an_import_that_fails_part_way_leaves_the_library_as_it_was(
    repo: Any, seeded: Path
) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    conn = sqlite3.connect(seeded)
    with conn:  # the removal step fails after the upsert has run
        conn.execute(
            "CREATE TRIGGER keep BEFORE DELETE ON phrase BEGIN SELECT RAISE(ABORT, 'kept'); END"
        )
    conn.close()
    changed = Phrase("en.hold", Scenario.HOLD, "en", "Brief hold", "Just a second.")
    with pytest.raises(sqlite3.DatabaseError, match="kept"):
        repo.import_phrases([changed, BYE], "test", NOW, replace=True)
    assert stored_phrases(repo) == {"zh.sorry": SORRY, "en.hold": HOLD}


def test_record_phrase_use_counts_each_use(repo: Any, seeded: Path) -> None:
    repo.import_phrases([SORRY, HOLD], "test", NOW)
    repo.record_phrase_use("en.hold", NOW)
    repo.record_phrase_use("en.hold", NOW + timedelta(minutes=5))
    uses = {phrase.id: phrase.uses for phrase, _ in repo.phrases()}
    assert uses == {"zh.sorry": 0, "en.hold": 2}
    assert rows(seeded, "SELECT last_used_at FROM phrase_use WHERE phrase_id = 'en.hold'") == [
        ((NOW + timedelta(minutes=5)).isoformat(),)
    ]


def test_use_counts_survive_a_reimport(repo: Any) -> None:
    repo.import_phrases([HOLD], "test", NOW)
    repo.record_phrase_use("en.hold", NOW)
    repo.import_phrases([HOLD], "test", NOW + timedelta(days=1))
    assert stored_phrases(repo)["en.hold"].uses == 1


# -- articles -------------------------------------------------------------------------------------


def test_imported_articles_read_back_equal_with_pinyin(repo: Any) -> None:
    assert repo.import_articles([GUIDE, FAQ], "kb.toml", NOW) == ImportCount(2, 0, 0)
    stored = repo.articles()
    assert [article for article, _ in stored] == [GUIDE, FAQ]
    assert stored[0][1].head == pinyin_keys("退款到账时间 退款")
    assert stored[0][1].body.initials.startswith("ylth")  # 原路退回
    assert stored[1][1].head == PinyinKeys("", "")


def test_a_second_article_import_updates_and_replace_removes(repo: Any) -> None:
    repo.import_articles([GUIDE, FAQ], "kb.toml", NOW)
    revised = Article("kb.warranty", "Warranty", "Three years on the motor.", "en", "repair")
    assert repo.import_articles([revised], "kb.toml", NOW) == ImportCount(0, 1, 0)
    assert [a for a, _ in repo.articles()] == [GUIDE, revised]
    assert repo.import_articles([revised], "kb.toml", NOW, replace=True) == ImportCount(0, 1, 1)
    assert [a for a, _ in repo.articles()] == [revised]


# -- the pre-send check on replies ----------------------------------------------------------------


def test_a_reply_with_a_banned_phrase_is_refused_and_writes_nothing(
    repo: Any, seeded: Path
) -> None:
    before = counts(seeded)
    with pytest.raises(ValidationFailed) as caught:
        repo.add_message(REFUND, EventKind.REPLY, "这个我也不清楚。", agent(repo), NOW)
    assert caught.value.key == "error.banned_phrase"
    assert counts(seeded) == before


def test_a_reason_does_not_let_a_block_rule_through(repo: Any, seeded: Path) -> None:
    before = counts(seeded)
    with pytest.raises(ValidationFailed):
        repo.add_message(
            REFUND, EventKind.REPLY, "这不归我管", agent(repo), NOW, override_reason="客户要求"
        )
    assert counts(seeded) == before


def test_an_override_finding_without_a_reason_is_refused(repo: Any, seeded: Path) -> None:
    before = counts(seeded)
    with pytest.raises(ValidationFailed) as caught:
        repo.add_message(REFUND, EventKind.REPLY, "我们规定就是这样。", agent(repo), NOW)
    assert caught.value.key == "error.override_needed"
    assert counts(seeded) == before


def test_an_override_with_a_reason_sends_and_records_it(repo: Any, seeded: Path) -> None:
    me = agent(repo)
    body = "我们规定就是这样，不过我可以帮您申请例外。"
    entry = repo.add_message(
        REFUND, EventKind.REPLY, body, me, NOW, override_reason=" 客户要求引用原文 "
    )
    override = {
        "rules": ["rules-are-rules"],
        "phrases": ["我们规定就是这样"],
        "reason": "客户要求引用原文",
    }
    assert entry.data == {"direction": "outbound", "channel": "phone", "phrase_override": override}
    ticket = repo.ticket(REFUND)
    (stored,) = [e for e in repo.timeline(ticket.id) if e.kind is EventKind.REPLY]
    assert (stored.body, stored.data["phrase_override"]) == (body, override)
    audit = "SELECT actor_id, target, reason FROM audit_log WHERE action = 'phrase_override'"
    assert rows(seeded, audit) == [(me.id, f"event:{entry.id}", "客户要求引用原文")]


def test_a_clean_reply_records_no_override(repo: Any, seeded: Path) -> None:
    entry = repo.add_message(
        REFUND, EventKind.REPLY, "您的退款已原路退回。", agent(repo), NOW, override_reason="无"
    )
    assert entry.data == {"direction": "outbound", "channel": "phone"}
    assert rows(seeded, "SELECT count(*) FROM audit_log WHERE action = 'phrase_override'") == [(0,)]


@pytest.mark.parametrize("kind", [EventKind.NOTE, EventKind.CALL_LOG])
def test_internal_entries_are_not_checked(repo: Any, seeded: Path, kind: EventKind) -> None:
    before = counts(seeded)
    entry = repo.add_message(
        REFUND, kind, "客户说：这个我也不清楚，{{customer.name}}", agent(repo), NOW
    )
    assert entry.kind is kind
    assert "phrase_override" not in entry.data
    events, audits, _ = counts(seeded)
    assert (events, audits) == (before[0] + 1, before[1])  # type: ignore[operator]


def test_a_reply_with_an_unfilled_placeholder_is_refused(repo: Any, seeded: Path) -> None:
    before = counts(seeded)
    with pytest.raises(ValidationFailed) as caught:
        repo.add_message(
            REFUND, EventKind.REPLY, "{{customer.name}}您好，退款已到账。", agent(repo), NOW
        )
    assert "{{customer.name}}" in caught.value.message()
    assert counts(seeded) == before


def test_replies_are_checked_against_the_rules_in_use(repo: Any, seeded: Path) -> None:
    custom = BannedRule(
        id="no-promises", rewrites=("I'll do my best",), reason="overpromise",
        phrases=("guaranteed",), action=Action.OVERRIDE,
    )  # fmt: skip
    repo.use_rules(RuleSet([custom]))
    shipped_only = repo.add_message(REFUND, EventKind.REPLY, "我也不知道", agent(repo), NOW)
    assert "phrase_override" not in shipped_only.data
    with pytest.raises(ValidationFailed):
        repo.add_message(REFUND, EventKind.REPLY, "It is guaranteed.", agent(repo), NOW)
    entry = repo.add_message(
        REFUND,
        EventKind.REPLY,
        "It is guaranteed.",
        agent(repo),
        NOW,
        override_reason="in contract",
    )
    assert entry.data["phrase_override"]["rules"] == ["no-promises"]
