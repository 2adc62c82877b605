"""The pre-send phrase check: labelled drafts against the shipped rules, spans into the agent's
own text, variants, whole words, `unless` scoping, overlaps and the send gate."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.phrase_check import (
    Action,
    BannedRule,
    RuleSet,
    apply_rewrite,
    check_before_send,
    normalize,
    normalize_phrase,
    simplified,
    unfilled,
)
from agentdesk.io.phrase_files import load_rules

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "phrase_check_cases.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))["case"]


def case_params() -> list[Any]:
    return [
        pytest.param(case, id=f"{number:02d}-{'+'.join(case['expect']) or 'clean'}")
        for number, case in enumerate(CASES, start=1)
    ]


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return load_rules()


def rule(ident: str, *phrases: str, **fields: Any) -> BannedRule:
    fields.setdefault("rewrites", (f"instead of {ident}", f"or else {ident}"))
    fields.setdefault("reason", f"{ident} is rude")
    return BannedRule(id=ident, phrases=phrases, **fields)


# -- the labelled cases ---------------------------------------------------------------------------


def test_the_labelled_cases_cover_both_outcomes() -> None:
    assert len(CASES) >= 50
    assert any(case["expect"] for case in CASES)
    assert any(not case["expect"] for case in CASES)


@pytest.mark.parametrize("case", case_params())
def test_labelled_case_reports_exactly_the_expected_rules(
    shipped: RuleSet, case: dict[str, Any]
) -> None:
    found = shipped.check(case["text"])
    assert {f.rule.id for f in found} == set(case["expect"]), case["note"]


@pytest.mark.parametrize("case", case_params())
def test_labelled_case_findings_cover_exactly_a_banned_wording(
    shipped: RuleSet, case: dict[str, Any]
) -> None:
    draft = case["text"]
    for f in shipped.check(draft):
        assert draft[f.start : f.end] == f.text
        # no dropped character (space, punctuation) at either end of the span
        assert normalize(draft[f.start]).text and normalize(draft[f.end - 1]).text
        key = normalize(f.text).text
        forms = {key, simplified(key)} if f.rule.variants else {key}
        phrases = {normalize_phrase(p) for p in f.rule.phrases}
        assert forms & phrases or any(
            re.fullmatch(p, form) for p in f.rule.patterns for form in forms
        ), (f.rule.id, f.text)


# -- spans and rewrites ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("好的，这个、我也 不清楚！", "这个、我也 不清楚"),
        ("ＣＡＬＭ ＤＯＷＮ，我正在帮您查。", "ＣＡＬＭ ＤＯＷＮ"),
        ("Sir, please calm - down.", "calm - down"),
        ("您好！這個我也不清楚，您再問問吧", "這個我也不清楚"),
        ("Ｔｈａｔ＇ｓ ｏｕｒ ｐｏｌｉｃｙ。", "Ｔｈａｔ＇ｓ ｏｕｒ ｐｏｌｉｃｙ"),
    ],
)
def test_finding_span_points_at_the_agents_own_text(
    shipped: RuleSet, draft: str, expected: str
) -> None:
    found = shipped.check(draft)
    assert [(draft[f.start : f.end], f.text) for f in found] == [(expected, expected)]
    assert found[0].start == draft.index(expected)


def test_apply_rewrite_replaces_exactly_the_span(shipped: RuleSet) -> None:
    draft = "好的，这个、我也 不清楚！稍后回复您。"
    (finding,) = shipped.check(draft)
    assert apply_rewrite(draft, finding) == "好的，" + finding.rule.rewrites[0] + "！稍后回复您。"
    assert apply_rewrite(draft, finding, "我帮您核实") == "好的，我帮您核实！稍后回复您。"


def test_rewriting_every_finding_from_the_end_leaves_a_clean_draft(shipped: RuleSet) -> None:
    draft = "这个我也不清楚，规定就是这样。Please calm down."
    findings = shipped.check(draft)
    assert [f.rule.id for f in findings] == ["dont-know", "rules-are-rules", "en-calm-down"]
    for finding in reversed(findings):
        draft = apply_rewrite(draft, finding)
    assert shipped.check(draft) == []


def test_the_default_rewrite_is_the_rules_first_one() -> None:
    rules = RuleSet([rule("brush-off", "不清楚")])
    (finding,) = rules.check("我不清楚")
    assert finding.rewrite == "instead of brush-off"


# -- traditional characters -----------------------------------------------------------------------


def test_traditional_characters_do_not_match_a_rule_without_variants() -> None:
    rules = RuleSet([rule("plain", "这个我也不清楚")])
    assert rules.check("這個我也不清楚") == []
    assert [f.rule.id for f in rules.check("这个我也不清楚")] == ["plain"]


def test_traditional_characters_match_a_rule_with_variants_and_keep_the_drafts_text() -> None:
    rules = RuleSet([rule("both", "这个我也不清楚", variants=True)])
    (finding,) = rules.check("嗯，這個我也不清楚。")
    assert (finding.rule.id, finding.start, finding.end, finding.text) == (
        "both",
        2,
        9,
        "這個我也不清楚",
    )


def test_only_the_variants_rule_matches_traditional_text_in_a_mixed_set() -> None:
    rules = RuleSet(
        [
            rule("plain", "不归我管"),
            rule("both", "我已经说过了", variants=True),
        ]
    )
    assert [f.rule.id for f in rules.check("這不歸我管，我已經說過了")] == ["both"]
    assert [f.rule.id for f in rules.check("这不归我管，我已经说过了")] == ["plain", "both"]


def test_traditional_pattern_matches_only_with_variants() -> None:
    plain = RuleSet([rule("plain", patterns=("规定就是这(样|么定的)",))])
    both = RuleSet([rule("both", patterns=("规定就是这(样|么定的)",), variants=True)])
    assert plain.check("規定就是這樣") == []
    assert [f.text for f in both.check("規定就是這樣")] == ["規定就是這樣"]


# -- English whole words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "draft", "found"),
    [
        ("calm down", "Please calm down now.", True),
        ("calm down", "It is calm downtown today.", False),
        ("calm down", "The weather will becalm down the coast.", False),
        ("i down", "Our office is in Dubai downtown.", False),
        ("no way", "The service centre is on Juno Way.", False),
        ("no way", "No way!", True),
        ("no way", "答案是no way", True),  # a Han character next to it is a word boundary
    ],
)
def test_english_phrases_match_whole_words_only(phrase: str, draft: str, found: bool) -> None:
    assert bool(RuleSet([rule("en", phrase)]).check(draft)) is found


def test_shipped_calm_down_is_found_after_dubai_downtown(shipped: RuleSet) -> None:
    draft = "Our office is in Dubai downtown; please calm down."
    assert [(f.rule.id, f.text) for f in shipped.check(draft)] == [("en-calm-down", "calm down")]


def test_full_width_english_matches_whole_words_only() -> None:
    assert RuleSet([rule("en", "no way")]).check("Ｊｕｎｏ Ｗａｙ") == []


# -- unless ---------------------------------------------------------------------------------------


def test_unless_context_excuses_the_match_inside_it(shipped: RuleSet) -> None:
    assert shipped.check("不清楚的地方请随时问我") == []


def test_without_the_context_the_phrase_is_found(shipped: RuleSet) -> None:
    assert [(f.rule.id, f.text) for f in shipped.check("我不清楚")] == [("dont-know", "不清楚")]


def test_unless_context_does_not_excuse_a_match_elsewhere_in_the_draft(shipped: RuleSet) -> None:
    draft = "我不清楚，不清楚的地方请随时问我"
    assert [(f.rule.id, f.start, f.end) for f in shipped.check(draft)] == [("dont-know", 1, 4)]


def test_unless_context_must_contain_the_match_not_just_touch_it() -> None:
    rules = RuleSet([rule("dk", "不清楚", unless=("清楚的地方",))])
    assert [f.text for f in rules.check("不清楚的地方")] == ["不清楚"]  # context starts inside


def test_unless_applies_only_to_its_own_rule() -> None:
    rules = RuleSet([rule("dk", "不清楚", unless=("不清楚的地方",)), rule("other", "的地方")])
    assert [f.rule.id for f in rules.check("不清楚的地方")] == ["other"]


# -- overlaps -------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, -1])
def test_longest_match_wins_when_phrases_overlap(order: int) -> None:
    rules = RuleSet([rule("short", "不清楚"), rule("long", "这个我也不清楚")][::order])
    assert [(f.rule.id, f.start, f.end) for f in rules.check("这个我也不清楚")] == [("long", 0, 7)]


def test_of_two_equally_long_overlapping_matches_the_earlier_one_wins() -> None:
    rules = RuleSet([rule("right", "cd ef"), rule("left", "ab cd")])
    assert [f.rule.id for f in rules.check("ab cd ef")] == ["left"]


def test_every_separate_occurrence_is_reported_in_draft_order() -> None:
    rules = RuleSet([rule("dk", "不清楚")])
    assert [f.start for f in rules.check("不清楚。真的不清楚")] == [0, 6]


# -- normalize ------------------------------------------------------------------------------------


def test_normalize_drops_spaces_and_punctuation_and_remembers_origins() -> None:
    norm = normalize("Ａ, b！ 这")
    assert norm.text == "ab这"
    assert norm.origin == (0, 3, 6)
    assert norm.span(1, 3) == (3, 7)


# -- the send gate --------------------------------------------------------------------------------


def test_unfilled_lists_placeholders_with_their_spans() -> None:
    draft = "您好{{customer.name}}，单号{{ ticket.number }}"
    second = draft.index("{{ ticket")
    assert unfilled(draft) == [(2, 19, "customer.name"), (second, len(draft), "ticket.number")]


def test_an_unfilled_placeholder_refuses_the_draft_and_names_it(shipped: RuleSet) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_before_send(shipped, "您好{{ customer.name }}，您的退款已到账。")
    assert caught.value.key == "error.unfilled_placeholders"
    assert "{{customer.name}}" in caught.value.message()


def test_an_unfilled_placeholder_is_refused_even_without_rules() -> None:
    with pytest.raises(ValidationFailed, match=r"\{\{ticket\.number\}\}"):
        check_before_send(None, "Your ticket is {{ticket.number}}.")


def test_a_block_rule_refuses_the_draft_naming_phrase_and_rewrite(shipped: RuleSet) -> None:
    draft = "这个、我也 不清楚"
    with pytest.raises(ValidationFailed) as caught:
        check_before_send(shipped, draft, override_reason="客户坚持")
    message = caught.value.message()
    assert caught.value.key == "error.banned_phrase"
    assert "这个、我也 不清楚" in message
    assert "我马上帮您确认一下" in message


def test_a_block_rule_wins_over_an_overridable_one_with_a_reason(shipped: RuleSet) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_before_send(shipped, "规定就是这样，我也不知道", override_reason="客户要求")
    assert caught.value.key == "error.banned_phrase"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_override_rule_without_a_reason_refuses_the_draft(
    shipped: RuleSet, reason: str | None
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_before_send(shipped, "我们规定就是这样，不过我可以帮您申请", override_reason=reason)
    assert caught.value.key == "error.override_needed"
    assert "我们规定就是这样" in caught.value.message()


def test_an_override_rule_with_a_reason_returns_what_to_log(shipped: RuleSet) -> None:
    draft = "我们规定就是这样，不过我可以帮您申请"
    logged = check_before_send(shipped, draft, override_reason="  客户要求书面说明  ")
    assert logged == {
        "rules": ["rules-are-rules"],
        "phrases": ["我们规定就是这样"],
        "reason": "客户要求书面说明",
    }


def test_override_log_lists_each_rule_once_and_every_phrase() -> None:
    rules = RuleSet([rule("ov", "规定", action=Action.OVERRIDE)])
    logged = check_before_send(rules, "规定。还是规定", override_reason="quoted")
    assert logged == {"rules": ["ov"], "phrases": ["规定", "规定"], "reason": "quoted"}


@pytest.mark.parametrize("reason", [None, "no reason needed"])
def test_a_clean_draft_passes_with_nothing_to_log(shipped: RuleSet, reason: str | None) -> None:
    draft = "您好王芳，您的退款已原路退回，预计1-3个工作日到账。"
    assert check_before_send(shipped, draft, override_reason=reason) is None
