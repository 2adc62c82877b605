"""Bindings whose descriptions are catalog keys, translated per instance into the UI language."""

from __future__ import annotations

import re
from dataclasses import replace

from textual.dom import DOMNode

from agentdesk.i18n import t


def binding_text(description: str) -> str:
    """Ours are catalog keys ('key.take', 'monitor.key_refresh'); Textual's own ('Scroll Left')
    are looked up under 'builtin.scroll_left', and stay as they are where the catalog has none."""
    if description.startswith(("key.", "monitor.")):
        return t(description)
    key = "builtin." + re.sub(r"[^a-z0-9]+", "_", description.lower()).strip("_")
    text = t(key)
    return description if text == key else text


def translate_bindings(node: DOMNode) -> None:
    """Replace each binding description of `node` with its text in the UI language."""
    bindings = node._bindings.key_to_bindings
    for key, group in bindings.items():
        bindings[key] = [
            replace(b, description=binding_text(b.description)) if b.description else b
            for b in group
        ]
