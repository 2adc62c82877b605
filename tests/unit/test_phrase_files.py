"""agentdesk's own phrase, rule and article files: the shipped ones load and fit the SLA policy;
a bad file is refused whole with one line naming file, entry and reason; dump round-trips."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.phrase_check import Action
from agentdesk.domain.phrases import LANGUAGES, Scenario, placeholders, unknown_placeholder
from agentdesk.io.phrase_files import (
    SHIPPED_BANNED,
    SHIPPED_KB,
    SHIPPED_PHRASES,
    LibraryError,
    article_table,
    dump,
    load_articles,
    load_phrases,
    load_rules,
    parse_phrases,
    phrase_table,
)
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, load_policy

PHRASES = """\
[[phrase]]
id = "t.hello"
scenario = "greeting"
language = "en"
title = "Hello"
text = "Hello {{customer.name}}, this is {{agent.name}}."
tags = ["greeting"]

[[phrase]]
id = "t.bye"
scenario = "closing"
language = "en"
title = "Bye"
text = "Thanks for calling."
"""

RULES = """\
[[rule]]
id = "r.calm"
phrases = ["calm down"]
rewrites = ["I can hear how frustrating this is."]
reason = "dismissive"

[[rule]]
id = "r.noway"
phrases = ["no way"]
rewrites = ["Let me see what I can offer."]
reason = "a flat refusal"
"""

ARTICLE = """\
[[article]]
id = "kb.one"
title = "T"
body = "B"
language = "zh-CN"
category = "refund"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(call: Any, path: Path, *args: Any) -> str:
    with pytest.raises(LibraryError) as caught:
        call(path, *args)
    message = caught.value.message()
    assert message.startswith(f"{path}: "), message
    return message


# -- the shipped files ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clock_names() -> list[str]:
    return load_policy(SHIPPED_POLICY_DIR).clock_names()


def test_shipped_phrases_load_in_both_languages_for_every_scenario(
    clock_names: list[str],
) -> None:
    phrases = [p for path in SHIPPED_PHRASES for p in load_phrases(path, clock_names)]
    assert len(phrases) >= 150
    by_language = Counter(p.language for p in phrases)
    assert set(by_language) == set(LANGUAGES)
    for language in LANGUAGES:
        covered = {p.scenario for p in phrases if p.language == language}
        assert covered == set(Scenario), language
    assert len(Scenario) == 11


def test_each_shipped_phrase_file_holds_one_language(clock_names: list[str]) -> None:
    zh, en = (load_phrases(path, clock_names) for path in SHIPPED_PHRASES)
    assert {p.language for p in zh} == {"zh-CN"}
    assert {p.language for p in en} == {"en"}


def test_shipped_phrase_ids_are_unique_across_both_files() -> None:
    ids = [p.id for path in SHIPPED_PHRASES for p in load_phrases(path)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_shipped_placeholder_is_known_to_the_shipped_policy(
    clock_names: list[str],
) -> None:
    assert {"first_response", "next_update", "resolution"} <= set(clock_names)
    used = {
        name
        for path in SHIPPED_PHRASES
        for p in load_phrases(path)
        for name in placeholders(p.title + "\n" + p.text)
    }
    assert any(name.startswith("clock.") for name in used)
    assert {name: unknown_placeholder(name, clock_names) for name in used} == dict.fromkeys(used)


def test_shipped_rules_load_with_both_actions() -> None:
    rules = load_rules(SHIPPED_BANNED)
    assert len(rules.rules) >= 30
    assert {r.action for r in rules.rules} == {Action.BLOCK, Action.OVERRIDE}
    assert all(r.rewrites and r.reason for r in rules.rules)
    assert len({r.id for r in rules.rules}) == len(rules.rules)


def test_load_rules_reads_the_shipped_file_by_default() -> None:
    assert [r.id for r in load_rules().rules] == [r.id for r in load_rules(SHIPPED_BANNED).rules]


def test_shipped_articles_load_in_both_languages() -> None:
    articles = load_articles(SHIPPED_KB)
    assert len(articles) >= 30
    assert {a.language for a in articles} == set(LANGUAGES)
    assert len({a.id for a in articles}) == len(articles)


def test_no_shipped_phrase_trips_the_banned_phrase_check(clock_names: list[str]) -> None:
    rules = load_rules()
    tripped = {
        p.id: [f.rule.id for f in rules.check(p.text)]
        for path in SHIPPED_PHRASES
        for p in load_phrases(path, clock_names)
        if rules.check(p.text)
    }
    assert tripped == {}


# -- a good file of our own -----------------------------------------------------------------------


def test_a_good_phrase_file_loads_every_field(tmp_path: Path) -> None:
    text = PHRASES.replace(
        'tags = ["greeting"]',
        'tags = ["greeting"]\nteams = ["front_line"]\ncategories = ["refund", "inquiry"]',
    )
    hello, bye = load_phrases(write(tmp_path, "own.toml", text))
    assert (hello.id, hello.scenario, hello.language, hello.title) == (
        "t.hello",
        Scenario.GREETING,
        "en",
        "Hello",
    )
    assert hello.text == "Hello {{customer.name}}, this is {{agent.name}}."
    assert (hello.tags, hello.teams, hello.categories) == (
        ("greeting",),
        ("front_line",),
        ("refund", "inquiry"),
    )
    assert (bye.tags, bye.teams, bye.categories) == ((), (), ())


def test_the_own_format_loads_from_json_too(tmp_path: Path) -> None:
    data = {
        "phrase": [
            {"id": "j.hold", "scenario": "hold", "language": "zh-CN", "title": "稍等",
             "text": "请您稍等，{{customer.name}}。", "tags": ["等待"]},
        ]
    }  # fmt: skip
    path = write(tmp_path, "own.json", json.dumps(data, ensure_ascii=False))
    (phrase,) = load_phrases(path)
    assert (phrase.id, phrase.scenario, phrase.text, phrase.tags) == (
        "j.hold",
        Scenario.HOLD,
        "请您稍等，{{customer.name}}。",
        ("等待",),
    )


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PHRASES.encode("utf-8"))
    assert [p.id for p in load_phrases(path)] == ["t.hello", "t.bye"]


# -- bad files: file, entry and reason ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            ('"t.bye"', '"t.hello"'),
            "phrase[1] (t.hello): id",
            "duplicate id (first used by entry 0)",
        ),
        (
            ('text = "Thanks for calling."', 'text = "Thanks, {{customer.age}}."'),
            "phrase[1] (t.bye): text",
            "unknown placeholder 'customer.age'",
        ),
        (('text = "Thanks for calling."', 'text = "   "'), "phrase[1] (t.bye): text", "empty"),
        (
            ('title = "Bye"', 'title = "Bye"\ncolour = "red"'),
            "phrase[1] (t.bye): colour",
            "unknown field",
        ),
        (
            ('"closing"', '"farewell"'),
            "phrase[1] (t.bye): scenario",
            "'farewell' is not one of",
        ),
        (
            ('language = "en"\ntitle = "Bye"', 'language = "fr"\ntitle = "Bye"'),
            "phrase[1] (t.bye): language",
            "'fr'",
        ),
        (
            ('id = "t.bye"', 'id = "t bye!"'),
            "phrase[1] (t bye!): id",
            "'t bye!' is not a valid name",
        ),
        (('title = "Bye"\n', ""), "phrase[1] (t.bye): title", "required field missing"),
    ],
    ids=[
        "duplicate-id",
        "unknown-placeholder",
        "empty-text",
        "unknown-field",
        "bad-scenario",
        "bad-language",
        "bad-id",
        "missing-title",
    ],
)
def test_a_bad_phrase_is_refused_naming_file_entry_and_reason(
    tmp_path: Path, change: tuple[str, str], where: str, reason: str
) -> None:
    old, new = change
    assert PHRASES.count(old) == 1
    path = write(tmp_path, "bad_phrases.toml", PHRASES.replace(old, new))
    message = refusal(load_phrases, path)
    assert f"{path}: {where}: " in message
    assert reason in message


def test_a_clock_the_policy_lacks_is_refused(tmp_path: Path, clock_names: list[str]) -> None:
    text = PHRASES.replace("Thanks for calling.", "We'll call by {{clock.lunch_break.due}}.")
    path = write(tmp_path, "clocks.toml", text)
    message = refusal(load_phrases, path, clock_names)
    assert "phrase[1] (t.bye): text" in message
    assert "'clock.lunch_break.due' names a clock the SLA policy does not have" in message
    assert len(load_phrases(path)) == 2  # without a policy to check against it loads


def test_a_placeholder_in_the_title_is_checked_too(tmp_path: Path) -> None:
    path = write(tmp_path, "title.toml", PHRASES.replace('title = "Bye"', 'title = "Bye {{x}}"'))
    assert "unknown placeholder 'x'" in refusal(load_phrases, path)


def test_an_unknown_top_level_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "top.toml", "version = 2\n\n" + PHRASES)
    assert refusal(load_phrases, path).endswith(": version: unknown field")


def test_entries_that_are_not_a_list_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "notlist.toml", '[phrase]\nid = "t.one"\n')
    assert "'phrase' must be a list of entries" in refusal(load_phrases, path)


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(PHRASES.replace("Bye", "再见").encode("gb18030"))
    message = refusal(load_phrases, path)
    assert "not UTF-8 text" in message
    assert ": byte " in message


def test_truncated_toml_is_refused_as_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.toml", PHRASES[: PHRASES.index("Hello {{") + 5])
    message = refusal(load_phrases, path)
    assert f"{path}: syntax: " in message
    assert "Unterminated string" in message


def test_broken_json_is_refused_as_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.json", '{"phrase": [{"id": "j.one", ')
    assert f"{path}: syntax: " in refusal(load_phrases, path)


def test_a_json_document_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "list.json", "[1, 2]")
    assert refusal(load_phrases, path).endswith("not a table of entries")


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    refusal(load_phrases, tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            ('phrases = ["no way"]', 'patterns = ["(unclosed"]'),
            "rule[1] (r.noway): patterns[0]",
            "not a valid regular expression: missing ), unterminated subpattern",
        ),
        (
            ('phrases = ["no way"]', 'patterns = ["noway", "(no)?"]'),
            "rule[1] (r.noway): patterns[1]",
            "the pattern matches empty text",
        ),
        (
            ('phrases = ["no way"]\n', ""),
            "rule[1] (r.noway)",
            "a rule needs at least one phrase or pattern",
        ),
        (
            ('phrases = ["no way"]', 'phrases = ["  "]'),
            "rule[1] (r.noway)",
            "a rule needs at least one phrase or pattern",
        ),
        (
            ('rewrites = ["Let me see what I can offer."]\n', ""),
            "rule[1] (r.noway): rewrites",
            "required field missing",
        ),
        (
            ('rewrites = ["Let me see what I can offer."]', "rewrites = []"),
            "rule[1] (r.noway): rewrites",
            "must list at least one value",
        ),
        (
            ('reason = "a flat refusal"', 'reason = "a flat refusal"\naction = "warn"'),
            "rule[1] (r.noway): action",
            "'warn' is not one of",
        ),
        (('id = "r.noway"', 'id = "r.calm"'), "rule[1] (r.calm): id", "duplicate id"),
    ],
    ids=[
        "broken-regex",
        "empty-matching-pattern",
        "no-phrases-or-patterns",
        "blank-phrase",
        "no-rewrites",
        "empty-rewrites",
        "bad-action",
        "duplicate-id",
    ],
)
def test_a_bad_rule_is_refused_naming_file_entry_and_reason(
    tmp_path: Path, change: tuple[str, str], where: str, reason: str
) -> None:
    old, new = change
    assert RULES.count(old) == 1
    path = write(tmp_path, "bad_rules.toml", RULES.replace(old, new))
    message = refusal(load_rules, path)
    assert f"{path}: {where}: " in message
    assert reason in message


def test_a_rule_whose_only_phrase_is_punctuation_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "punct.toml", RULES.replace('phrases = ["no way"]', 'phrases = ["！！"]')
    )
    assert "rule[1] (r.noway)" in refusal(load_rules, path)


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (('body = "B"', 'body = ""'), "article[0] (kb.one): body", "empty"),
        (
            ('language = "zh-CN"', 'lang = "zh-CN"'),
            "article[0] (kb.one): language",
            "required field missing",
        ),
    ],
    ids=["empty-body", "missing-language"],
)
def test_a_bad_article_is_refused_naming_file_entry_and_reason(
    tmp_path: Path, change: tuple[str, str], where: str, reason: str
) -> None:
    assert load_articles(write(tmp_path, "good.toml", ARTICLE))[0].category == "refund"
    path = write(tmp_path, "bad_articles.toml", ARTICLE.replace(*change))
    message = refusal(load_articles, path)
    assert f"{path}: {where}: " in message
    assert reason in message


def test_a_bad_phrase_category_names_the_list_item(tmp_path: Path) -> None:
    text = PHRASES.replace('tags = ["greeting"]', 'categories = ["refund", "cooking"]')
    message = refusal(load_phrases, write(tmp_path, "cat.toml", text))
    assert ": phrase[0] (t.hello): categories.1: 'cooking' is not one of" in message


def test_a_bad_article_category_names_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.toml", ARTICLE.replace('"refund"', '"cooking"'))
    message = refusal(load_articles, path)
    assert f"{path}: article[0] (kb.one): category: 'cooking' is not one of" in message


# -- writing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["toml", "json"])
@pytest.mark.parametrize("source", SHIPPED_PHRASES, ids=lambda p: p.name)
def test_dumped_phrases_load_back_equal(tmp_path: Path, fmt: str, source: Path) -> None:
    phrases = load_phrases(source)
    path = write(tmp_path, f"out.{fmt}", dump("phrase", [phrase_table(p) for p in phrases], fmt))
    assert load_phrases(path) == phrases


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_dumped_articles_load_back_equal(tmp_path: Path, fmt: str) -> None:
    articles = load_articles(SHIPPED_KB)
    path = write(tmp_path, f"out.{fmt}", dump("article", [article_table(a) for a in articles], fmt))
    assert load_articles(path) == articles


def test_dump_keeps_text_that_needs_escaping(tmp_path: Path) -> None:
    text = 'Line one "quoted" \\ back\\slash\n\n  indented\t{{customer.name}} \'\'\' """'
    table = {"id": "t.esc", "scenario": "general", "language": "en", "title": "Esc", "text": text}
    for fmt in ("toml", "json"):
        path = write(tmp_path, f"esc.{fmt}", dump("phrase", [table], fmt))
        assert load_phrases(path)[0].text == text.strip()  # text is stripped when loaded


def test_phrase_table_leaves_out_empty_lists() -> None:
    hello, bye = parse_phrases(tomllib.loads(PHRASES), "inline.toml")
    assert phrase_table(bye) == {
        "id": "t.bye",
        "scenario": "closing",
        "language": "en",
        "title": "Bye",
        "text": "Thanks for calling.",
    }
    assert phrase_table(hello)["tags"] == ["greeting"]
