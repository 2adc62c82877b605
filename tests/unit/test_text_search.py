"""Search as you type over the shipped phrases: words, pinyin, initials, fuzzy titles, static
ranking, and typing on from the last query giving what a fresh search gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentdesk.domain.phrases import Phrase
from agentdesk.domain.text_search import (
    BREAK,
    FUZZY,
    MIN_BODY_INITIALS,
    Hit,
    PinyinKeys,
    SearchDoc,
    SearchIndex,
    pinyin_keys,
    usage_boost,
)
from agentdesk.io.phrase_files import SHIPPED_PHRASES, load_phrases


@pytest.fixture(scope="module")
def zh() -> list[Phrase]:
    return load_phrases(SHIPPED_PHRASES[0])


@pytest.fixture(scope="module")
def en() -> list[Phrase]:
    return load_phrases(SHIPPED_PHRASES[1])


def doc(phrase: Phrase) -> SearchDoc:
    return SearchDoc(phrase.title, head=" ".join(phrase.tags) + phrase.scenario, body=phrase.text)


def index(phrases: list[Phrase], static: Callable[[Phrase], float] | None = None) -> Any:
    if static is None:
        return SearchIndex(phrases, doc)
    return SearchIndex(phrases, doc, static)


def titles(hits: list[Hit[Phrase]]) -> list[str]:
    return [hit.item.title for hit in hits]


def ranked(hits: list[Hit[Phrase]]) -> list[tuple[str, float]]:
    return [(hit.item.id, hit.score) for hit in hits]


# -- pinyin ---------------------------------------------------------------------------------------


def test_pinyin_keys_give_full_pinyin_and_initials() -> None:
    keys = pinyin_keys("抱歉")
    assert (keys.full, keys.initials) == ("baoqian", "bq")


def test_pinyin_keys_break_wherever_the_han_characters_do() -> None:
    assert pinyin_keys("X7 Pro基站！") == PinyinKeys(f"{BREAK}jizhan{BREAK}", f"{BREAK}jz{BREAK}")
    assert pinyin_keys("订单 确认") == PinyinKeys(f"dingdan{BREAK}queren", f"dd{BREAK}qr")
    assert "dq" not in pinyin_keys("订单 确认").initials  # no match across two words
    assert pinyin_keys("refund") == PinyinKeys("", "")


# -- Chinese phrases ------------------------------------------------------------------------------


def test_initials_of_a_tag_find_the_apologies(zh: list[Phrase]) -> None:
    hits = index(zh).search("dq")
    top = titles(hits[:12])
    assert any(title.startswith("抱歉") for title in top)
    assert any(title.startswith("对不起") for title in top)
    apologies = {p.id for p in zh if "道歉" in p.tags}
    assert apologies <= {hit.item.id for hit in hits}


def test_full_pinyin_finds_phrases_titled_with_the_word(zh: list[Phrase]) -> None:
    hits = index(zh).search("baoqian")
    titled = {p.id for p in zh if "抱歉" in p.title}
    assert len(titled) >= 3
    assert {hit.item.id for hit in hits[: len(titled)]} == titled


def test_chinese_word_finds_title_matches_first(zh: list[Phrase]) -> None:
    hits = index(zh).search("退款")
    titled = [p.id for p in zh if "退款" in p.title]
    assert len(titled) >= 3
    assert [hit.item.id for hit in hits[: len(titled)]] == titled  # equal scores: file order
    assert all("退款" in hit.item.title + hit.item.text + "".join(hit.item.tags) for hit in hits)


def test_a_title_match_beats_a_body_match(zh: list[Phrase]) -> None:
    hits = index(zh).search("退款")
    in_title = [hit.score for hit in hits if "退款" in hit.item.title]
    elsewhere = [hit.score for hit in hits if "退款" not in hit.item.title]
    assert in_title and elsewhere
    assert min(in_title) > max(elsewhere)


def test_full_width_and_capitals_in_the_query_are_folded(zh: list[Phrase]) -> None:
    assert ranked(index(zh).search("ＤＱ")) == ranked(index(zh).search("dq"))


def test_a_query_matching_nothing_returns_nothing(zh: list[Phrase]) -> None:
    assert index(zh).search("量子纠缠") == []


# -- English phrases ------------------------------------------------------------------------------


def test_english_word_finds_phrases_with_it_in_the_title(en: list[Phrase]) -> None:
    hits = index(en).search("Refund")
    titled = {p.id for p in en if "refund" in p.title.lower()}
    assert len(titled) >= 3
    assert {hit.item.id for hit in hits[: len(titled)]} == titled


def test_a_misspelt_word_finds_a_refund_phrase_by_fuzzy_title(en: list[Phrase]) -> None:
    hits = index(en).search("refnd")
    assert hits
    assert "refund" in hits[0].item.title.lower()
    assert all(hit.score <= FUZZY for hit in hits)  # fuzzy only: nothing matched exactly


def test_every_word_of_a_query_must_match(en: list[Phrase]) -> None:
    hits = index(en).search("refund partial")
    exact = [hit.item for hit in hits if hit.score > FUZZY]
    assert exact
    for phrase in exact:
        text = " ".join((phrase.title, *phrase.tags, phrase.scenario, phrase.text)).lower()
        assert "refund" in text and "partial" in text
    both = {
        p.id
        for p in en
        if all(
            w in " ".join((p.title, *p.tags, p.scenario, p.text)).lower()
            for w in ("refund", "partial")
        )
    }
    assert {p.id for p in exact} == both


def test_two_word_query_scores_the_sum_of_its_words(zh: list[Phrase]) -> None:
    hits = index(zh).search("退款 审批")
    assert (hits[0].item.title, hits[0].score) == ("退款需主管审批", 200.0)  # two title matches
    exact = [hit.item for hit in hits if hit.score > FUZZY]
    assert all("审批" in p.title + p.text + "".join(p.tags) for p in exact)


def test_initials_of_two_words_find_the_phrase_having_both(zh: list[Phrase]) -> None:
    hits = index(zh).search("tk sp")
    assert [hit.item.title for hit in hits if hit.score > FUZZY] == ["退款需主管审批"]


# -- static score ---------------------------------------------------------------------------------


def test_static_score_orders_equal_matches(zh: list[Phrase]) -> None:
    titled = [p.id for p in zh if "退款" in p.title]
    favourite = titled[-1]
    hits = index(zh, lambda p: 10.0 if p.id == favourite else 0.0).search("退款")
    assert hits[0].item.id == favourite
    assert hits[0].score == hits[1].score + 10.0


def test_static_score_reverses_file_order_among_equal_title_matches(zh: list[Phrase]) -> None:
    order = {p.id: i for i, p in enumerate(zh)}
    hits = index(zh, lambda p: order[p.id] / 1000).search("退款")  # never outweighs a match
    titled = [p.id for p in zh if "退款" in p.title]
    assert [hit.item.id for hit in hits[: len(titled)]] == titled[::-1]


def test_empty_query_lists_everything_by_static_score(zh: list[Phrase]) -> None:
    uses = {p.id: (i * 7) % 13 for i, p in enumerate(zh)}
    idx = index(zh, lambda p: usage_boost(uses[p.id]))
    hits = idx.search("   ", limit=len(zh))
    assert len(hits) == len(zh)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == max(usage_boost(n) for n in uses.values())
    assert len(idx.search("", limit=5)) == 5


def test_usage_boost_grows_with_diminishing_returns_up_to_a_cap() -> None:
    assert usage_boost(0) == 0.0
    assert usage_boost(-3) == 0.0
    assert 0 < usage_boost(1) < usage_boost(3) < usage_boost(100) == 20.0
    assert usage_boost(1) - usage_boost(0) > usage_boost(3) - usage_boost(2)


# -- typing on narrows soundly --------------------------------------------------------------------


def prefixes(query: str) -> list[str]:
    return [query[:n] for n in range(1, len(query) + 1)]


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("zh", "dq"),
        ("zh", "baoqian"),
        ("zh", "bqgn"),
        ("zh", "tkdz"),
        ("zh", "jjsj"),
        ("zh", "退款 审批"),
        ("zh", "tk sp"),
        ("zh", "dq gzh"),
        ("en", "refund partial"),
        ("en", "sorry for the wait"),
        ("en", "refnd"),
    ],
)
def test_typing_one_character_at_a_time_finds_what_a_fresh_search_finds(
    zh: list[Phrase], en: list[Phrase], language: str, query: str
) -> None:
    phrases = zh if language == "zh" else en
    typing = index(phrases)
    for typed in prefixes(query):
        assert ranked(typing.search(typed)) == ranked(index(phrases).search(typed)), typed


def test_the_body_initials_threshold_brings_in_new_matches(zh: list[Phrase]) -> None:
    """The case the narrowing must not skip: at three letters a body's initials start to
    count, so the three-letter query finds phrases the two-letter one did not."""
    assert MIN_BODY_INITIALS == 3
    short = {hit.item.id for hit in index(zh).search("bq")}
    longer = {hit.item.id for hit in index(zh).search("bqg")}
    assert longer - short
    typing = index(zh)
    typing.search("b")
    typing.search("bq")
    assert {hit.item.id for hit in typing.search("bqg")} == longer


def test_deleting_back_to_a_shorter_query_searches_everything_again(zh: list[Phrase]) -> None:
    typing = index(zh)
    typing.search("tkdz")
    assert ranked(typing.search("tk")) == ranked(index(zh).search("tk"))


def test_an_unrelated_query_after_another_searches_everything(zh: list[Phrase]) -> None:
    typing = index(zh)
    typing.search("退款")
    assert ranked(typing.search("dq")) == ranked(index(zh).search("dq"))


def test_initials_do_not_match_across_tag_boundaries(zh: list[Phrase]) -> None:
    hits = index(zh).search("dq")
    assert "确认订单信息" not in titles(hits)
