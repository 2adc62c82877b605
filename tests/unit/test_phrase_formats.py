"""Zammad text modules and Zendesk macros / Help Center articles: conversion, round trips, and
every bad file refused in one line naming the file, the row or entry and the column or field.

The samples in tests/data are written from the fields the two desks document; bad inputs are
made in tmp_path, each a good sample with one thing changed, so a refusal can only come from it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from agentdesk import i18n
from agentdesk.domain.phrases import Phrase, Scenario
from agentdesk.io.phrase_files import LibraryError
from agentdesk.io.phrase_formats import (
    guess_scenario,
    html_to_text,
    read_zammad_text_modules,
    read_zendesk_articles,
    read_zendesk_macros,
    write_zammad_text_modules,
    write_zendesk_macros,
)

DATA = Path(__file__).resolve().parents[1] / "data"
ZAMMAD = DATA / "zammad_text_modules.csv"
MACROS = DATA / "zendesk_macros.json"
ARTICLES = DATA / "zendesk_articles.json"
HEADER = ["name", "keywords", "content", "note", "active"]


def refusal(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(LibraryError) as caught:
        call(*args, **kwargs)
    return caught.value.message()


def zammad_file(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path = tmp_path / "modules.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def json_file(tmp_path: Path, data: object, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def macro(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": 1, "title": "Greeting::Hello", "active": True}
    base["actions"] = [{"field": "comment_value", "value": "Hello!"}]
    return {**base, **fields}


def article(**fields: Any) -> dict[str, Any]:
    base = {"id": 7, "title": "Returns", "body": "<p>Within 7 days.</p>", "locale": "en-us"}
    return {**base, "draft": False, "label_names": ["returns"], **fields}


def phrase(
    ident: str,
    text: str,
    *,
    title: str = "",
    scenario: Scenario = Scenario.GENERAL,
    language: str = "en",
    tags: tuple[str, ...] = (),
) -> Phrase:
    return Phrase(ident, scenario, language, title or ident, text, tags)


# -- Zammad: conversion ----------------------------------------------------------------------------


def test_zammad_sample_converts_variables_html_tags_language_and_scenario() -> None:
    result = read_zammad_text_modules(ZAMMAD)
    by_id = {p.id: p for p in result.phrases}
    assert list(by_id) == ["zammad.1", "zammad.2", "zammad.4", "zammad.5"]
    greeting = by_id["zammad.1"]
    assert greeting.text == "{{customer.name}}您好，我是{{agent.name}}，很高兴为您服务。"
    assert (greeting.language, greeting.scenario, greeting.tags) == (
        "zh-CN",
        Scenario.GREETING,
        ("问候", "电话"),
    )
    refund = by_id["zammad.2"]
    assert refund.text == (
        "Hi {{customer.name}},\n\n"
        'Your refund for ticket {{ticket.number}} ("{{ticket.subject}}") has been approved.\n'
        "- Amount: as on your order\n"
        "- Status: {{ticket.status}}\n"
        "Kind regards,\n"
        "{{agent.name}} & {{agent.team}}"
    )
    assert (refund.language, refund.scenario, refund.tags) == (
        "en",
        Scenario.REFUND,
        ("refund", "billing"),
    )
    hold = by_id["zammad.4"]
    assert hold.text.endswith("\n\nYour ticket priority is {{ticket.priority}}.")
    assert hold.scenario is Scenario.HOLD
    assert by_id["zammad.5"].scenario is Scenario.IDENTITY_CHECK
    assert by_id["zammad.5"].tags == ("核实", "身份")


def test_zammad_inactive_rows_are_skipped_before_their_variables_are_checked() -> None:
    # row 4 is inactive and uses #{config.fqdn}, which has no placeholder: no refusal
    result = read_zammad_text_modules(ZAMMAD)
    assert result.skipped == ["row 4 (Holiday opening hours 2024): inactive"]
    assert all("Holiday" not in p.title for p in result.phrases)


def test_zammad_given_language_and_scenario_win_over_detection(tmp_path: Path) -> None:
    path = zammad_file(tmp_path, [["Hi", "", "<div>Hello</div>", "", ""]])
    got = read_zammad_text_modules(path, language="zh-CN", scenario=Scenario.CRISIS).phrases[0]
    assert (got.language, got.scenario) == ("zh-CN", Scenario.CRISIS)
    guessed = read_zammad_text_modules(path).phrases[0]
    assert (guessed.language, guessed.scenario) == ("en", Scenario.GREETING)


def test_zammad_without_id_column_ids_come_from_the_name(tmp_path: Path) -> None:
    rows = [
        ["Refund approved", "", "<div>ok</div>", "", "true"],
        ["退款成功", "", "<div>好的</div>", "", "yes"],
    ]
    ids = [p.id for p in read_zammad_text_modules(zammad_file(tmp_path, rows)).phrases]
    assert ids[0] == "zammad.refund-approved"
    assert ids[1].startswith("zammad.") and len(ids[1]) > len("zammad.")
    assert ids[1] != ids[0]


def test_zammad_name_variables_collapse_in_either_order(tmp_path: Path) -> None:
    content = (
        "<div>#{ticket.customer.firstname} #{ticket.customer.lastname} / "
        "#{ticket.customer.lastname}#{ticket.customer.firstname} / "
        "#{ticket.owner.firstname} #{ticket.owner.fullname}</div>"
    )
    path = zammad_file(tmp_path, [["Names", "", content, "", ""]])
    text = read_zammad_text_modules(path).phrases[0].text
    assert text == "{{customer.name}} / {{customer.name}} / {{agent.name}}"


def test_zammad_plain_text_content_keeps_its_line_breaks(tmp_path: Path) -> None:
    path = zammad_file(tmp_path, [["Plain", "", "Line one\r\nLine two & more", "", ""]])
    assert read_zammad_text_modules(path).phrases[0].text == "Line one\nLine two & more"


def test_zammad_keywords_split_on_commas_spaces_and_multi_value_separator(tmp_path: Path) -> None:
    path = zammad_file(tmp_path, [["K", "a, b c~~~d,,a", "<div>x</div>", "", ""]])
    assert read_zammad_text_modules(path).phrases[0].tags == ("a", "b", "c", "d")


# -- Zammad: refusals ------------------------------------------------------------------------------


def test_zammad_gb18030_csv_is_refused_with_a_clear_reason(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,content\n问候,<div>您好</div>\n".encode("gb18030"))
    message = refusal(read_zammad_text_modules, path)
    assert message.startswith(f"{path}: -: not UTF-8 text")
    assert "GB18030" in message and "CSV UTF-8" in message


def test_zammad_unknown_variable_is_refused_naming_row_column_and_variable(tmp_path: Path) -> None:
    rows = [
        ["Fine", "", "<div>ok</div>", "", ""],
        ["Mail", "", "<div>We wrote to #{ticket.customer.email}.</div>", "", ""],
    ]
    path = zammad_file(tmp_path, rows)
    message = refusal(read_zammad_text_modules, path)
    assert message.startswith(f"{path}: row 3 (Mail): content: Zammad variable ")
    assert "#{ticket.customer.email}" in message and "cannot be converted" in message
    assert "#{ticket.customer.fullname}" in message  # lists what can be converted


def test_zammad_unknown_placeholder_of_ours_is_refused(tmp_path: Path) -> None:
    path = zammad_file(tmp_path, [["Mail", "", "<div>Dear {{customer.email}}</div>", "", ""]])
    message = refusal(read_zammad_text_modules, path)
    assert message == f"{path}: row 2 (Mail): content: unknown placeholder 'customer.email'"


@pytest.mark.parametrize(
    ("header", "row", "where", "reason"),
    [
        (["name", "keywords", "active"], ["A", "", ""], "row 1: content", "required column"),
        (["keywords", "content"], ["", "<div>x</div>"], "row 1: name", "required column"),
        (HEADER, ["", "", "<div>x</div>", "", ""], "row 2: name", "empty"),
        (HEADER, ["", "", "<div>x</div>", "", "false"], "row 2: name", "empty"),
        (HEADER, ["Empty", "", "  ", "", ""], "row 2 (Empty): content", "empty"),
        (HEADER, ["Blank html", "", "<p> </p>", "", ""], "row 2 (Blank html): content", "empty"),
        (HEADER, ["Maybe", "", "<div>x</div>", "", "maybe"], "row 2 (Maybe): active", "'maybe'"),
        (HEADER, ["Wide", "", "x", "", "", "extra"], "row 2", "6 values but the header has 5"),
        (HEADER, ["T" * 81, "", "x", "", ""], f"row 2 ({'T' * 81}): name", "longer than 80"),
        (["id", *HEADER], ["bad id!", "A", "", "x", "", ""], "row 2 (A): id", "not a valid name"),
    ],
)
def test_zammad_bad_rows_name_the_row_and_column(
    tmp_path: Path, header: list[str], row: list[str], where: str, reason: str
) -> None:
    path = zammad_file(tmp_path, [row], header)
    message = refusal(read_zammad_text_modules, path)
    assert message.startswith(f"{path}: {where}: "), message
    assert reason in message


def test_zammad_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    rows = [["7", "A", "", "x", "", ""], ["8", "B", "", "y", "", ""], ["7", "C", "", "z", "", ""]]
    path = zammad_file(tmp_path, rows, ["id", *HEADER])
    message = refusal(read_zammad_text_modules, path)
    assert message == f"{path}: row 4 (C): id: duplicate id 'zammad.7' (also used by row 2)"


def test_zammad_empty_file_and_unreadable_csv_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert refusal(read_zammad_text_modules, empty) == (
        f"{empty}: row 1: the file is empty: no header row"
    )
    huge = zammad_file(tmp_path, [["Huge", "", "x" * 200_000, "", ""]])
    message = refusal(read_zammad_text_modules, huge)
    assert message.startswith(f"{huge}: row 2: not readable as CSV: ")


def test_zammad_bad_language_argument_and_missing_file_are_refused(tmp_path: Path) -> None:
    assert "'fr' is not one of zh-CN, en" in refusal(
        read_zammad_text_modules, ZAMMAD, language="fr"
    )
    missing = tmp_path / "nope.csv"
    assert refusal(read_zammad_text_modules, missing).startswith(f"{missing}: -: ")


def test_zammad_messages_follow_the_interface_language(tmp_path: Path) -> None:
    path = zammad_file(tmp_path, [["坏", "", "<div>#{ticket.customer.email}</div>", "", ""]])
    i18n.set_language("zh-CN")
    message = refusal(read_zammad_text_modules, path)
    assert "第 2 行 (坏): content" in message and "无法转换" in message


# -- Zammad: writing and round trip ----------------------------------------------------------------

CONVERTIBLE = [
    phrase(
        "zh.greeting",
        "{{customer.name}}您好，我是{{agent.name}}（{{agent.team}}）。\n\n"
        "工单 {{ticket.number}}：{{ticket.subject}}",
        title="电话问候",
        language="zh-CN",
        tags=("问候", "电话"),
    ),
    phrase(
        "en.status",
        "Hi {{customer.name}},\nyour ticket is {{ticket.status}}, "
        "priority {{ticket.priority}}.\n"
        '5 < 6 & "quotes" stay',
        title="Status update",
        tags=("status", "update"),
    ),
]


def test_zammad_round_trip_keeps_title_text_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text(write_zammad_text_modules(CONVERTIBLE), encoding="utf-8")
    back = read_zammad_text_modules(path).phrases
    assert [(p.title, p.text, p.tags) for p in back] == [
        (p.title, p.text, p.tags) for p in CONVERTIBLE
    ]
    assert back[0].language == "zh-CN"


def test_zammad_export_uses_zammad_variables_and_html() -> None:
    rows = list(csv.reader(io.StringIO(write_zammad_text_modules(CONVERTIBLE[1:]))))
    assert rows[0] == HEADER
    name, keywords, content, note, active = rows[1]
    assert (name, keywords, note, active) == ("Status update", "status, update", "", "true")
    assert content.startswith("<div>Hi #{ticket.customer.fullname},</div>")
    assert "#{ticket.state.name}" in content and "#{ticket.priority.name}" in content
    assert "5 &lt; 6 &amp; &quot;quotes&quot; stay" in content
    assert "{{" not in content


def test_zammad_export_keeps_and_lists_placeholders_without_a_variable(tmp_path: Path) -> None:
    text = "Due {{clock.first_response.due}} for {{ticket.product}} / {{ticket.product}}"
    rows = list(csv.reader(io.StringIO(write_zammad_text_modules([phrase("p", text)]))))
    content, note = rows[1][2], rows[1][3]
    assert "{{clock.first_response.due}}" in content and "{{ticket.product}}" in content
    assert note == (
        "agentdesk placeholders with no Zammad equivalent, kept as written: "
        "{{clock.first_response.due}}, {{ticket.product}}"
    )
    path = tmp_path / "kept.csv"
    path.write_text(write_zammad_text_modules([phrase("p", text)]), encoding="utf-8")
    assert read_zammad_text_modules(path).phrases[0].text == text


# -- Zendesk macros: conversion --------------------------------------------------------------------


def test_zendesk_macros_sample_converts_and_reports_what_it_skipped() -> None:
    result = read_zendesk_macros(MACROS)
    by_id = {p.id: p for p in result.phrases}
    assert list(by_id) == ["zendesk.360001", "zendesk.360003", "zendesk.360004"]
    refund = by_id["zendesk.360001"]
    assert refund.title == "Approved"
    assert refund.scenario is Scenario.REFUND
    assert refund.tags == (
        "billing",
        "vip",
    )  # "Refund" named the scenario; tags from the description
    assert refund.text == (
        "Hi {{customer.name}},\n\nYour refund for ticket #{{ticket.number}} has been approved."
        "\n\nBest regards,\n{{agent.name}}"
    )
    late = by_id["zendesk.360003"]
    assert late.title == "Apology for late delivery"
    assert late.tags == ("Shipping", "Delays")
    assert late.scenario is Scenario.EMPATHY
    assert late.text == (
        "Dear {{customer.name}},\n\nWe are sorry that your order is late. "
        "Our {{agent.team}} team is on it & will update you."
    )
    phone = by_id["zendesk.360004"]  # list-form comment_value
    assert phone.text == "{{customer.name}}您好，我是{{agent.name}}，请问有什么可以帮您？"
    assert (phone.language, phone.scenario, phone.tags) == ("zh-CN", Scenario.GREETING, ("Phone",))
    assert result.skipped == [
        "macro 360002 (Close ticket): no comment text",
        "macro 360005 (Outdated::Holiday hours): inactive",
    ]


@pytest.mark.parametrize("label", ["Follow-up", "follow_up", "FOLLOW-UP"])
def test_zendesk_first_category_naming_a_scenario_sets_it(tmp_path: Path, label: str) -> None:
    path = json_file(tmp_path, {"macros": [macro(title=f"{label}::Billing::Hello there")]})
    got = read_zendesk_macros(path).phrases[0]
    assert (got.scenario, got.title, got.tags) == (Scenario.FOLLOW_UP, "Hello there", ("Billing",))


def test_zendesk_html_comment_is_preferred_over_a_plain_one(tmp_path: Path) -> None:
    actions = [
        {"field": "comment_value", "value": "plain"},
        {"field": "comment_value_html", "value": "<p>rich <i>text</i></p>"},
    ]
    path = json_file(tmp_path, {"macros": [macro(actions=actions)]})
    assert read_zendesk_macros(path).phrases[0].text == "rich text"


def test_zendesk_first_and_last_name_collapse(tmp_path: Path) -> None:
    value = "Hi {{ticket.requester.first_name}} {{ticket.requester.last_name}}"
    path = json_file(
        tmp_path, {"macros": [macro(actions=[{"field": "comment_value", "value": value}])]}
    )
    assert read_zendesk_macros(path).phrases[0].text == "Hi {{customer.name}}"


# -- Zendesk macros: refusals ----------------------------------------------------------------------


def action_with(value: object) -> list[dict[str, object]]:
    return [{"field": "status", "value": "open"}, {"field": "comment_value", "value": value}]


@pytest.mark.parametrize(
    ("macros", "where", "reason"),
    [
        (
            [macro(actions=action_with("Mail {{ticket.requester.email}}"))],
            "macros[0] (id 1): actions[1]",
            "Zendesk placeholder {{ticket.requester.email}} has no agentdesk placeholder",
        ),
        (
            [macro(actions=action_with("{{dc.refund_policy}}"))],
            "macros[0] (id 1): actions[1]",
            "{{dc.refund_policy}}",
        ),
        (
            [macro(actions=action_with("{% if ticket.priority == 'urgent' %}Hurry{% endif %}"))],
            "macros[0] (id 1): actions[1]",
            "Liquid logic {% if ticket.priority == 'urgent' %} cannot be converted",
        ),
        ([macro(title=42)], "macros[0] (id 1): title", "must be a JSON string, not number"),
        ([macro(title=" :: ")], "macros[0] (id 1): title", "empty"),
        ([macro(title=None)], "macros[0] (id 1): title", "required field missing"),
        ([macro(actions="comment")], "macros[0] (id 1): actions", "must be a JSON array"),
        ([macro(actions=["comment"])], "macros[0] (id 1): actions[0]", "must be a JSON object"),
        ([macro(actions=[{"value": "x"}])], "macros[0] (id 1): actions[0].field", "not null"),
        (
            [macro(actions=action_with({"text": "x"}))],
            "macros[0] (id 1): actions[1].value",
            "must be text or a [channel, text] list",
        ),
        ([macro(active="yes")], "macros[0] (id 1): active", "must be a JSON boolean"),
        ([macro(description=["x"])], "macros[0] (id 1): description", "must be a JSON string"),
        ([macro(), "macro"], "macros[1]", "must be a JSON object, not string"),
        ([macro(id=True)], "macros[0]: id", "must be a JSON number, not boolean"),
        ([macro(title="A::" + "T" * 81)], "macros[0] (id 1): title", "longer than 80"),
        (
            [macro(id=1), macro(id=2), macro(id=1)],
            "macros[2] (id 1): id",
            "duplicate id 'zendesk.1' (also used by macros[0] (id 1))",
        ),
    ],
)
def test_zendesk_bad_macros_name_the_entry_and_field(
    tmp_path: Path, macros: list[object], where: str, reason: str
) -> None:
    path = json_file(tmp_path, {"macros": macros, "count": len(macros)}, "macros.json")
    message = refusal(read_zendesk_macros, path)
    assert message.startswith(f"{path}: {where}: "), message
    assert reason in message


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        (b'{"macros": [{"id": 1, "title": "Hi", ', "line 1, column ", "not valid JSON"),
        (b'[{"id": 1}]', "-", "the file must be a JSON object with a 'macros' list"),
        (b'{"rules": []}', "-", "the file must be a JSON object with a 'macros' list"),
        (b'{"macros": {"id": 1}}', "macros", "'macros' must be a list of entries"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "byte ", "not UTF-8 text"),
        (b'{"macros": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "-", "not valid JSON"),
    ],
)
def test_zendesk_broken_files_are_refused_in_one_line(
    tmp_path: Path, content: bytes, where: str, reason: str
) -> None:
    path = tmp_path / "macros.json"
    path.write_bytes(content)
    message = refusal(read_zendesk_macros, path)
    assert message.startswith(f"{path}: {where}"), message
    assert reason in message
    assert "\n" not in message


# -- Zendesk macros: writing and round trip --------------------------------------------------------


def test_zendesk_round_trip_keeps_title_text_tags_and_scenario(tmp_path: Path) -> None:
    phrases = [
        CONVERTIBLE[0],
        phrase("en.refund", "Refund for {{ticket.number}} done.", scenario=Scenario.REFUND),
        phrase("en.kept", "{{ticket.product}} due {{clock.resolution.due}}", tags=("x",)),
        phrase(
            "en.follow", "Update: {{ticket.status}}", scenario=Scenario.FOLLOW_UP, tags=("a b",)
        ),
    ]
    path = tmp_path / "macros.json"
    path.write_text(write_zendesk_macros(phrases), encoding="utf-8")
    back = read_zendesk_macros(path).phrases
    assert [(p.title, p.text, p.tags, p.scenario) for p in back] == [
        (p.title, p.text, p.tags, p.scenario) for p in phrases
    ]


def test_zendesk_export_has_the_api_shape_and_lists_kept_placeholders() -> None:
    kept = phrase("p", "{{customer.name}}: {{clock.resolution.remaining}} left", title="Left")
    data = json.loads(write_zendesk_macros([kept]))
    assert data["count"] == 1
    (exported,) = data["macros"]
    assert exported["title"] == "General::Left"
    assert exported["active"] is True
    assert exported["actions"] == [
        {
            "field": "comment_value",
            "value": "{{ticket.requester.name}}: {{clock.resolution.remaining}} left",
        }
    ]
    assert exported["description"] == (
        "agentdesk placeholders with no Zendesk equivalent, kept as written: "
        "{{clock.resolution.remaining}}"
    )


# -- Zendesk Help Center articles ------------------------------------------------------------------


def test_zendesk_articles_sample_converts_and_skips_drafts() -> None:
    result = read_zendesk_articles(ARTICLES, category="return_exchange")
    zh, en = result.articles
    assert (zh.id, zh.language, zh.tags, zh.category) == (
        "zendesk-hc.900001",
        "zh-CN",
        ("退货", "政策"),
        "return_exchange",
    )
    assert zh.body == "退货条件\n\n签收后 7 天内可申请无理由退货。\n\n- 商品完好\n- 配件齐全"
    assert en.language == "en"
    assert en.body == (
        "Open the reset page (https://example.com/reset), enter your e-mail address and follow "
        "the link we send you.\n\nStill stuck? Call us."
    )
    assert result.skipped == ["article 900003 (Planned maintenance (draft)): draft"]


def test_zendesk_article_without_locale_detects_the_language(tmp_path: Path) -> None:
    path = json_file(
        tmp_path, {"articles": [article(locale=None, title="退货", body="<p>七天</p>")]}
    )
    assert read_zendesk_articles(path).articles[0].language == "zh-CN"


@pytest.mark.parametrize(
    ("articles", "where", "reason"),
    [
        ([article(body=None)], "articles[0] (id 7): body", "required field missing"),
        ([article(body="<p> </p>")], "articles[0] (id 7): body", "empty"),
        ([article(title=["x"])], "articles[0] (id 7): title", "must be a JSON string, not array"),
        ([article(label_names=["a", 3])], "articles[0] (id 7): label_names[1]", "not number"),
        ([article(locale=5)], "articles[0] (id 7): locale", "must be a JSON string"),
        ([article(draft="no")], "articles[0] (id 7): draft", "must be a JSON boolean"),
        ([article(id=None)], "articles[0]: id", "required field missing"),
        ([article(title="T" * 201)], "articles[0] (id 7): title", "longer than 200"),
        ([article(), article()], "articles[1] (id 7): id", "also used by articles[0] (id 7)"),
    ],
)
def test_zendesk_bad_articles_name_the_entry_and_field(
    tmp_path: Path, articles: list[object], where: str, reason: str
) -> None:
    path = json_file(tmp_path, {"articles": articles}, "articles.json")
    message = refusal(read_zendesk_articles, path)
    assert message.startswith(f"{path}: {where}: "), message
    assert reason in message


def test_zendesk_articles_unknown_category_is_refused() -> None:
    message = refusal(read_zendesk_articles, ARTICLES, category="shipping")
    assert message.startswith(f"{ARTICLES}: -: 'shipping' is not one of inquiry, ")


# -- scenario guess and HTML -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scenario"),
    [
        ("Hello and welcome", Scenario.GREETING),
        ("您好，欢迎致电", Scenario.GREETING),
        ("Verify your identity", Scenario.IDENTITY_CHECK),
        ("核实身份", Scenario.IDENTITY_CHECK),
        ("We apologise, sorry", Scenario.EMPATHY),
        ("非常抱歉给您带来不便", Scenario.EMPATHY),
        ("Please hold for a moment", Scenario.HOLD),
        ("请您稍等", Scenario.HOLD),
        ("Transfer to billing", Scenario.TRANSFER),
        ("为您转接技术支持", Scenario.TRANSFER),
        ("Refund::Approved", Scenario.REFUND),
        ("退款已到账", Scenario.REFUND),
        ("Escalate to a supervisor", Scenario.ESCALATION),
        ("升级至主管", Scenario.ESCALATION),
        ("Follow-up: an update on your case", Scenario.FOLLOW_UP),
        ("回访跟进", Scenario.FOLLOW_UP),
        ("Thank you for contacting us, bye", Scenario.CLOSING),
        ("再见", Scenario.CLOSING),
        ("Outage statement", Scenario.CRISIS),
        ("危机统一口径", Scenario.CRISIS),
        ("Shipping address", Scenario.GENERAL),
        ("history of this item", Scenario.GENERAL),  # "hi" only as a whole word
    ],
)
def test_guess_scenario_in_both_languages(text: str, scenario: Scenario) -> None:
    assert guess_scenario(text) is scenario


def test_guess_scenario_fallback_is_used_when_nothing_matches() -> None:
    assert guess_scenario("Order number", Scenario.HOLD) is Scenario.HOLD


def test_html_to_text_lines_entities_links_and_hidden_content() -> None:
    markup = (
        "<style>p{color:red}</style><p>Hi&nbsp;<b>there</b>,</p>\n\n<p>Line<br>two</p>"
        "<div>a</div><div><br></div><div><br></div><div><br></div><div>b</div>"
        "<ul><li>one</li><li>two</li></ul><script>alert('x')</script>"
        "<table><tr><td>r1</td></tr><tr><td>r2</td></tr></table>"
        '<p><a href="https://example.com/x">link text</a> <a href="mailto:a@b.cn">a@b.cn</a></p>'
    )
    assert html_to_text(markup) == (
        "Hi there,\n\nLine\ntwo\n\na\n\nb\n- one\n- two\nr1\nr2\n\n"
        "link text (https://example.com/x) a@b.cn"
    )


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<![if !supportLists]>x", "x"),  # Word's conditional marked section
        ("a<![&b", "a<![&b"),  # html.parser gives up on it; it stays text
        ("<p>a<![x</p>b", "a<![x\n\nb"),
        ("<!DOCTYPE [x", "<!DOCTYPE [x"),
        ("<<<>>", "<<<>>"),
    ],
)
def test_html_to_text_never_raises_on_broken_markup(markup: str, text: str) -> None:
    assert html_to_text(markup) == text
