"""Both catalogs hold the same keys, and every key the code asks for exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest

from agentdesk import i18n
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    EventKind,
    Priority,
    Role,
    RootCause,
    Status,
)

SOURCE = Path(i18n.__file__).parent.parent
LITERAL_KEY = re.compile(r"[a-z_]+\.[a-z_]+")
KNOWN_PREFIXES = (
    "error.", "col.", "countdown.", "statusbar.", "key.", "queue.", "filter.", "view.",
    "ticket.", "customer.", "event.", "composer.", "done.", "dialog.", "intake.", "field.",
    "help.", "cmd.", "cli.", "doctor.", "report.", "imports.", "qa.", "monitor.", "follow_up.",
)  # fmt: skip


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, zh = i18n.catalog("en"), i18n.catalog("zh-CN")
    assert set(en) == set(zh)
    for key in en:
        names_en = {f for _, f, _, _ in Formatter().parse(en[key]) if f}
        names_zh = {f for _, f, _, _ in Formatter().parse(zh[key]) if f}
        assert names_en == names_zh, key


def _message_literals(path: Path) -> set[str]:
    """String constants shaped like catalog keys, except binding ids and foreign keys."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ids = {
        id(kw.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in ("id", "foreign_key")
    } | {
        id(arg)  # sa.ForeignKey("ticket.id") names a column, not a message
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "ForeignKey"
        for arg in node.args
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in ids
        and LITERAL_KEY.fullmatch(node.value)
        and node.value.startswith(KNOWN_PREFIXES)
    }


def test_every_key_used_in_the_code_exists() -> None:
    from agentdesk.domain.phrases import FIXED_PLACEHOLDERS  # `ticket.number` is not a key

    en = i18n.catalog("en")
    missing = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        literals = _message_literals(path) - set(FIXED_PLACEHOLDERS)
        missing |= {f"{path.name}: {key}" for key in literals if key not in en}
    assert not missing


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("status", Status),
        ("priority", Priority),
        ("category", Category),
        ("channel", Channel),
        ("level", ComplaintLevel),
        ("tier", CustomerTier),
        ("role", Role),
        ("root_cause", RootCause),
        ("event", EventKind),
    ],
)
def test_every_enum_value_has_a_label_in_both_languages(kind: str, enum: type) -> None:
    for lang in i18n.LANGUAGES:
        cat = i18n.catalog(lang)
        for member in enum:
            assert f"{kind}.{member.value}" in cat, (lang, kind, member)


def test_language_selection() -> None:
    assert i18n.normalize_language("zh_CN.UTF-8") == "zh-CN"
    assert i18n.normalize_language("en_GB") == "en"
    assert i18n.normalize_language("fr_FR") is None
    i18n.set_language("zh-CN")
    assert i18n.t("view.mine") == "我的"
    assert i18n.t("error.required", field="x") == "x 为必填项。"
