"""Bindings whose descriptions are catalog keys, translated per instance into the UI language."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from agentdesk.i18n import t


def translate_bindings(node: DOMNode) -> None:
    """Replace each binding description (a catalog key like 'key.take') with its text."""
    bindings = node._bindings.key_to_bindings
    for key, group in bindings.items():
        bindings[key] = [
            replace(b, description=t(b.description)) if b.description.startswith("key.") else b
            for b in group
        ]
