"""Errors raised by domain rules; each carries a message-catalog key and its arguments."""

from __future__ import annotations

from typing import Any


class AgentdeskError(Exception):
    """A user-facing failure: `key` names a message in the catalog, `args` fill it in."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args

    def message(self) -> str:
        from agentdesk.i18n import t

        return t(self.key, **self.args_)

    def __str__(self) -> str:
        return self.message()


class InvalidTransition(AgentdeskError):
    pass


class ValidationFailed(AgentdeskError):
    pass


class NotFound(AgentdeskError):
    pass


class NotAllowed(AgentdeskError):
    pass
