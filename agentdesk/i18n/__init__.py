"""Message catalogs (zh-CN and en): every user-facing string is looked up here by key."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "zh-CN")
_CATALOG_FILES = {"en": "en.toml", "zh-CN": "zh_CN.toml"}
_current = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    path = Path(__file__).with_name(_CATALOG_FILES[lang])
    with path.open("rb") as f:
        return _flatten(tomllib.load(f))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def normalize_language(value: str | None) -> str | None:
    """Map 'zh', 'zh_CN.UTF-8', 'zh-cn', 'en_US' ... to a catalog name, or None."""
    if not value:
        return None
    v = value.split(".")[0].replace("_", "-").lower()
    if v.startswith("zh"):
        return "zh-CN"
    if v.startswith("en") or v in ("c", "posix"):
        return "en"
    return None


def language_from_locale() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        lang = normalize_language(os.environ.get(var))
        if lang:
            return lang
    return "en"


def set_language(lang: str) -> None:
    global _current
    normalized = normalize_language(lang)
    if normalized is None:
        raise ValueError(lang)
    _current = normalized


def current_language() -> str:
    return _current


def t(key: str, **args: Any) -> str:
    """The message `key` in the current language, with {placeholders} filled from `args`."""
    text = catalog(_current).get(key) or catalog("en").get(key) or key
    return text.format(**args) if args else text


def label(kind: str, value: str) -> str:
    """Display name of an enum value, e.g. label('status', 'in_progress'); a value the catalog
    does not know (an admin's own clock name) shows as itself."""
    return t_or(f"{kind}.{value}", value)


def t_or(key: str, fallback: str) -> str:
    """The message `key` if a catalog has it, else `fallback` (a name an admin made up)."""
    text = t(key)
    return fallback if text == key else text


def intent_label(name: str) -> str:
    """ticket.set_status.v1 → "Status change" (an unknown intent shows as its name)."""
    base = name.rsplit(".", 1)[0]
    return t_or(f"intent.{base.replace('.', '_')}", base)
