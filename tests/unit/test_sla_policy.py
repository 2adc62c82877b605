"""SLA policy files: the shipped folder loads, and every bad edit is refused in one line.

Each bad case takes the shipped texts and changes one thing, so a refusal can only come from
that change; the one-line message must name the file, the key and the reason.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic_core import PydanticCustomError

from agentdesk import i18n
from agentdesk.domain.sla_policy import parse_duration
from agentdesk.io.policy_files import (
    SHIPPED_POLICY_DIR,
    SLA_FILES,
    PolicyError,
    fingerprint,
    load_policy,
    load_with_fallback,
    parse_policy,
    read_texts,
)

SHIPPED = read_texts(SHIPPED_POLICY_DIR)
BUSINESS_MON = 'hours.mon = ["09:00-12:00", "13:00-18:00"]'  # first hit: cn-business
DISPATCH_STOP = 'stop = ["assigned", "resolved", "closed"]\n'  # first hit: the dispatch clock
DISPATCH_WARN = 'warn_before = ["2m"]'  # only the dispatch clock warns 2 min ahead


def edited(file: str, old: str | None, new: str) -> dict[str, str]:
    """The shipped texts with the first `old` in `file` replaced by `new` (None: appended)."""
    texts = dict(SHIPPED)
    if old is None:
        texts[file] += new
    else:
        assert old in texts[file], f"the shipped {file} no longer contains {old!r}"
        texts[file] = texts[file].replace(old, new, 1)
    return texts


def refusal(texts: dict[str, str]) -> str:
    """parse_policy's refusal message, checked to be a single line without a traceback."""
    with pytest.raises(PolicyError) as refused:
        parse_policy(texts)
    message = refused.value.message()
    assert "\n" not in message
    assert "Traceback" not in message
    assert "Error" not in message  # no exception class names leaking into the reason
    return message


def assert_names(message: str, file: str, key: str, reason: str) -> None:
    """`file`, then `key`, then `reason` appear in the message, in that order."""
    assert file in message, message
    assert key in message, message
    assert reason in message, message
    file_at = message.index(file)
    key_at = message.index(key, file_at + len(file))
    assert reason in message[key_at + len(key) :], message


# -- the shipped folder ---------------------------------------------------------------------------


def test_shipped_policy_folder_loads() -> None:
    policy = load_policy(SHIPPED_POLICY_DIR)

    assert policy.clock_names() == [
        "dispatch",
        "first_response",
        "next_update",
        "review",
        "resolution",
    ]
    assert sorted(policy.calendars) == ["24x7", "cn-business", "cn-service-desk"]
    assert [step.id for step in policy.steps] == ["complaint-24h", "clock-breached"]
    assert policy.fingerprint == fingerprint(SHIPPED)


def test_shipped_texts_hold_exactly_the_three_files() -> None:
    assert set(SHIPPED) == set(SLA_FILES) == {"calendars.toml", "sla.toml", "escalation.toml"}


def test_every_clock_of_the_shipped_policy_has_a_known_calendar_and_a_stop() -> None:
    policy = load_policy(SHIPPED_POLICY_DIR)

    for rule in policy.clocks:
        assert rule.calendar in policy.calendars
        assert rule.stop
        assert 0 < rule.warn_seconds < rule.target


# -- bad input: one change to the shipped texts, one refusal --------------------------------------

BAD_EDITS = [
    pytest.param(
        "sla.toml",
        DISPATCH_WARN,
        DISPATCH_WARN + '\ncolour = "red"',
        "clock[0] (dispatch).colour",
        "unknown field",
        id="unknown-field-in-a-clock",
    ),
    pytest.param(
        "calendars.toml",
        'zone = "Asia/Shanghai"',
        'zone = "Asia/Shanghai"\ncolour = "red"',
        "calendar.cn-business.colour",
        "unknown field",
        id="unknown-field-in-a-calendar",
    ),
    pytest.param(
        "escalation.toml",
        'id = "complaint-24h"',
        'id = "complaint-24h"\nshout = true',
        "step[0] (complaint-24h).shout",
        "unknown field",
        id="unknown-field-in-a-step",
    ),
    pytest.param(
        "calendars.toml",
        BUSINESS_MON,
        'hours.mon = ["18:00-09:00"]',
        "calendar.cn-business.hours.mon",
        "'18:00-09:00' end before they start",
        id="inverted-hours",
    ),
    pytest.param(
        "calendars.toml",
        BUSINESS_MON,
        'hours.mon = ["09:00-12:00", "11:00-18:00"]',
        "calendar.cn-business.hours.mon",
        "hours overlap: 09:00-12:00, 11:00-18:00",
        id="overlapping-hours",
    ),
    pytest.param(
        "calendars.toml",
        BUSINESS_MON,
        'hours.mon = ["9-5"]',
        "calendar.cn-business.hours.mon",
        "'9-5' is not opening hours",
        id="hours-not-hh-mm",
    ),
    pytest.param(
        "calendars.toml",
        BUSINESS_MON,
        'hours.mon = ["09:00-24:30"]',
        "calendar.cn-business.hours.mon",
        "'09:00-24:30' is not opening hours",
        id="hours-past-midnight",
    ),
    pytest.param(
        "sla.toml",
        'calendar = "24x7"',
        'calendar = "mars"',
        "clock[0] (dispatch).calendar",
        "unknown calendar 'mars'",
        id="unknown-calendar",
    ),
    pytest.param(
        "calendars.toml",
        'zone = "Asia/Shanghai"',
        'zone = "Mars/Olympus_Mons"',
        "calendar.cn-business",
        "unknown time zone 'Mars/Olympus_Mons'",
        id="unknown-time-zone",
    ),
    pytest.param(
        "calendars.toml",
        'holidays = "CN"',
        'holidays = "XX"',
        "calendar.cn-business",
        "no country 'XX'",
        id="unknown-holiday-country",
    ),
    pytest.param(
        "calendars.toml",
        "closures = []\nworking_days = []",
        "closures = [2026-10-10]\nworking_days = [2026-10-10]",
        "calendar.cn-business",
        "2026-10-10 is both a closure and a working day",
        id="closed-and-working",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        'target = "-5m"',
        "clock[0] (dispatch).target",
        "negative duration '-5m'",
        id="negative-duration",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        "target = -5",
        "clock[0] (dispatch).target",
        "negative duration '-5'",
        id="negative-minutes",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        'target = "0m"',
        "clock[0] (dispatch).target",
        "must be longer than zero ('0m')",
        id="zero-duration",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        "target = 0",
        "clock[0] (dispatch).target",
        "must be longer than zero ('0')",
        id="zero-minutes",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        'target = "soon"',
        "clock[0] (dispatch).target",
        "'soon' is not a duration",
        id="garbage-duration",
    ),
    pytest.param(
        "sla.toml",
        'target = "5m"',
        "target = true",
        "clock[0] (dispatch).target",
        "'True' is not a duration",
        id="boolean-duration",
    ),
    pytest.param(
        "sla.toml",
        DISPATCH_STOP,
        "stop = []\n",
        "clock[0] (dispatch).stop",
        "",  # the catalog's wording: must list at least one value
        id="empty-stop",
    ),
    pytest.param(
        "sla.toml",
        DISPATCH_STOP,
        "",
        "clock[0] (dispatch).stop",
        "required field missing",
        id="stop-removed",
    ),
    pytest.param(
        "sla.toml",
        DISPATCH_STOP,
        'stop = ["created"]\n',
        "clock[0] (dispatch)",
        "signal 'created' both starts and stops the clock",
        id="start-is-stop",
    ),
    pytest.param(
        "sla.toml",
        DISPATCH_WARN,
        'warn_before = ["5m"]',
        "clock[0] (dispatch)",
        "warn_before ≥ target",
        id="warning-equal-to-target",
    ),
    pytest.param(
        "sla.toml",
        DISPATCH_WARN,
        'warn_before = ["1m", "10m"]',
        "clock[0] (dispatch)",
        "warn_before ≥ target",
        id="warning-longer-than-target",
    ),
    pytest.param(
        "escalation.toml",
        'trigger = { clock = "resolution", state = "breached" }',
        'trigger = { clock = "closure", state = "breached" }',
        "step[0] (complaint-24h).trigger.clock",
        "unknown clock 'closure'",
        id="step-on-unknown-clock",
    ),
    pytest.param(
        "escalation.toml",
        'id = "clock-breached"',
        'id = "complaint-24h"',
        "step[1].id",
        "duplicate id 'complaint-24h'",
        id="duplicate-step-id",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "key", "reason"), BAD_EDITS)
def test_bad_edit_is_refused_naming_file_key_and_reason(
    file: str, old: str, new: str, key: str, reason: str
) -> None:
    message = refusal(edited(file, old, new))

    assert_names(message, file, key, reason)
    assert message.rstrip().rsplit(key, 1)[1].strip(": "), "no reason after the key"


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        pytest.param("sla.toml", None, "\n[[clock]\nname = 1\n", id="unclosed-table-header"),
        pytest.param(
            "calendars.toml", 'zone = "Asia/Shanghai"', 'zone = "Asia/Shanghai', id="open-string"
        ),
        pytest.param("escalation.toml", None, "\nid = = 3\n", id="double-equals"),
    ],
)
def test_toml_syntax_error_names_the_file_and_the_line(
    file: str, old: str | None, new: str
) -> None:
    message = refusal(edited(file, old, new))

    assert message.startswith(file), message
    assert "syntax" in message
    assert "line" in message


def test_a_refusal_from_a_folder_names_the_file_by_its_path(tmp_path: Path) -> None:
    for name, text in edited("sla.toml", 'target = "5m"', 'target = "-5m"').items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    with pytest.raises(PolicyError) as refused:
        load_policy(tmp_path)

    message = refused.value.message()
    assert_names(message, str(tmp_path / "sla.toml"), "clock[0] (dispatch).target", "negative")


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    for name in ("calendars.toml", "sla.toml"):
        (tmp_path / name).write_text(SHIPPED[name], encoding="utf-8")

    with pytest.raises(PolicyError) as refused:
        load_policy(tmp_path)

    message = refused.value.message()
    assert "\n" not in message
    assert str(tmp_path / "escalation.toml") in message
    assert "file missing" in message


def test_refusal_reason_is_in_chinese_when_the_console_is() -> None:
    i18n.set_language("zh-CN")

    message = refusal(edited("sla.toml", DISPATCH_WARN, DISPATCH_WARN + '\ncolour = "red"'))

    assert_names(message, "sla.toml", "clock[0] (dispatch).colour", "未知字段")
    assert "unknown field" not in message


def test_cross_file_refusal_is_in_chinese_when_the_console_is() -> None:
    i18n.set_language("zh-CN")

    message = refusal(edited("sla.toml", 'calendar = "24x7"', 'calendar = "mars"'))

    assert_names(message, "sla.toml", "clock[0] (dispatch).calendar", "未知日历「mars」")


def test_refusal_of_an_empty_stop_list_is_in_chinese_when_the_console_is() -> None:
    i18n.set_language("zh-CN")

    message = refusal(edited("sla.toml", DISPATCH_STOP, "stop = []\n"))

    key = "clock[0] (dispatch).stop"
    assert key in message
    reason = message.split(key, 1)[1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason), message


def test_an_infinite_target_is_refused_as_a_policy_error() -> None:
    texts = edited("sla.toml", 'target = "5m"', "target = inf")

    message = refusal(texts)

    assert_names(message, "sla.toml", "clock[0] (dispatch).target", "inf")


# -- falling back when the folder is refused ------------------------------------------------------


def write_folder(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_refused_folder_falls_back_to_the_last_good_policy(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "policy", edited("sla.toml", 'target = "5m"', 'target = "x"'))
    last_good = edited("sla.toml", 'target = "5m"', 'target = "10m"')  # tells it from shipped

    load = load_with_fallback(folder, last_good, "2026-09-01 09:00")

    assert load.texts == last_good
    assert load.policy.clocks[0].name == "dispatch"
    assert load.policy.clocks[0].target == 600
    assert load.problem is not None
    assert str(folder / "sla.toml") in load.problem
    assert "clock[0] (dispatch).target" in load.problem
    assert "last good" in load.problem
    assert "2026-09-01 09:00" in load.problem


def test_a_refused_folder_without_a_last_good_policy_falls_back_to_the_shipped_one(
    tmp_path: Path,
) -> None:
    folder = write_folder(tmp_path / "policy", SHIPPED)
    (folder / "escalation.toml").unlink()

    load = load_with_fallback(folder, None)

    assert load.texts == SHIPPED
    assert load.policy.fingerprint == fingerprint(SHIPPED)
    assert load.problem is not None
    assert str(folder / "escalation.toml") in load.problem
    assert "file missing" in load.problem
    assert "shipped default" in load.problem


def test_a_good_folder_loads_without_a_problem(tmp_path: Path) -> None:
    texts = edited("sla.toml", 'target = "5m"', 'target = "10m"')
    folder = write_folder(tmp_path / "policy", texts)

    load = load_with_fallback(folder, SHIPPED, "yesterday")

    assert load.problem is None
    assert load.texts == texts
    assert load.policy.clocks[0].target == 600


def test_fallback_problem_is_in_chinese_when_the_console_is(tmp_path: Path) -> None:
    i18n.set_language("zh-CN")
    folder = write_folder(tmp_path / "policy", edited("sla.toml", 'target = "5m"', "target = 0"))

    load = load_with_fallback(folder, None)

    assert load.problem is not None
    assert "内置默认策略" in load.problem
    assert "时长必须大于零" in load.problem


# -- durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5m", 300),
        ("48h", 172_800),
        ("2d", 172_800),
        ("1h30m", 5_400),
        ("1d2h3m", 93_780),  # 86400 + 7200 + 180
        (" 4h ", 14_400),
        (90, 5_400),  # a bare number is minutes
        (0.5, 30),
    ],
)
def test_parse_duration_reads(value: object, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-5m", "policy.negative_duration"),
        (-5, "policy.negative_duration"),
        (-math.inf, "policy.negative_duration"),
        ("0m", "policy.zero_duration"),
        ("0d0h0m", "policy.zero_duration"),
        (0, "policy.zero_duration"),
        ("soon", "policy.bad_duration"),
        ("", "policy.bad_duration"),
        ("90", "policy.bad_duration"),  # a string needs its unit
        ("5 minutes", "policy.bad_duration"),
        ("30s", "policy.bad_duration"),
        ("1m30h", "policy.bad_duration"),  # units largest first
        (True, "policy.bad_duration"),
        (None, "policy.bad_duration"),
        (["5m"], "policy.bad_duration"),
    ],
)
def test_parse_duration_refuses(value: object, problem: str) -> None:
    with pytest.raises(PydanticCustomError) as refused:
        parse_duration(value)

    assert refused.value.type == problem


def test_parse_duration_never_gives_zero_seconds() -> None:
    try:
        seconds = parse_duration(0.001)
    except PydanticCustomError as refused:
        assert refused.type == "policy.zero_duration"
    else:
        assert seconds > 0
