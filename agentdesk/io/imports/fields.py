"""What an import row is: our field names per kind, the row a format hands over, a reject.

The field names are the column headers of agentdesk's own CSV and the keys of its JSON, and what
``--map FIELD=COLUMN`` maps a foreign column to (docs/import-formats.md lists them with their
meaning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RecordKind(StrEnum):
    TEAMS = "teams"
    AGENTS = "agents"
    CUSTOMERS = "customers"
    TICKETS = "tickets"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool = False


def _specs(required: str, optional: str) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(n, True) for n in required.split()) + tuple(
        FieldSpec(n) for n in optional.split()
    )


FIELDS: dict[RecordKind, tuple[FieldSpec, ...]] = {
    RecordKind.TEAMS: _specs("code name_en", "id external_id name_zh kind"),
    RecordKind.AGENTS: _specs("username display_name", "id external_id team role language active"),
    RecordKind.CUSTOMERS: _specs("name", "id external_id phone email address tier created_at"),
    RecordKind.TICKETS: _specs(
        "subject created_at",
        "id external_id number description customer_request customer_id customer_external_id "
        "customer_name customer_phone customer_email channel category complaint_level priority "
        "status team assignee product order updated_at resolved_at closed_at resolution "
        "root_cause",
    ),
}


def field_names(kind: RecordKind) -> list[str]:
    return [spec.name for spec in FIELDS[kind]]


@dataclass(slots=True)
class SourceRow:
    """One record of the file under our field names.

    `number` is what a person finds the record by: the spreadsheet row (the header is row 1) or
    the record's position in a JSON file; `columns` names the file's column (or key) behind each
    field, for messages. `events` carries a timeline where the format has one.
    """

    number: int
    values: dict[str, Any]
    columns: dict[str, str]
    events: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


@dataclass(frozen=True, slots=True)
class Reject:
    """A row refused: where (row, column), what (value) and why (reason, in words)."""

    row: int
    column: str
    value: str
    reason: str


class RowProblem(Exception):
    """Raised while building a row: `field` of the row is wrong for the reason `key`."""

    def __init__(self, field_name: str, value: object, key: str, **args: Any) -> None:
        super().__init__(key)
        self.field = field_name
        self.value = value
        self.key = key
        self.args_ = args
