"""Rows of a file → rows of our tables: checked, converted, references resolved.

Each ``build_*`` takes a SourceRow and returns the table row(s) as tuples in the column order of
``COLUMNS`` (fast to write in bulk), or raises RowProblem naming the field at fault.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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
from agentdesk.io.imports import values as v
from agentdesk.io.imports.fields import RecordKind, RowProblem, SourceRow
from agentdesk.io.imports.lookup import AgentRef, Lookup, TeamRef

COLUMNS: dict[str, tuple[str, ...]] = {
    "team": ("id", "code", "name_en", "name_zh", "kind"),
    "agent": ("id", "username", "display_name", "role", "team_id", "language", "active"),
    "customer": ("id", "name", "phone", "email", "address", "tier", "external_id", "created_at"),
    "ticket": (
        "id",
        "number",
        "subject",
        "description",
        "customer_request",
        "customer_id",
        "product_id",
        "order_id",
        "channel",
        "category",
        "complaint_level",
        "priority",
        "status",
        "team_id",
        "assignee_id",
        "created_at",
        "updated_at",
        "resolved_at",
        "resolution",
        "root_cause",
    ),
    "ticket_event": ("id", "ticket_id", "kind", "actor_id", "at", "body", "data_json"),
}
TABLE_OF = {
    RecordKind.TEAMS: "team",
    RecordKind.AGENTS: "agent",
    RecordKind.CUSTOMERS: "customer",
    RecordKind.TICKETS: "ticket",
}
TEAM_KINDS = ("front_line", "technical", "after_sales", "leads")
LANGUAGE_NAMES = {
    "zh-cn": "zh-CN",
    "zh": "zh-CN",
    "zh_cn": "zh-CN",
    "zh-hans": "zh-CN",
    "中文": "zh-CN",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "en_us": "en",
    "english": "en",
    "英文": "en",
}
_SPACE = re.compile(r"\s")  # what str.isspace calls a space
CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.#/-]{0,39}$")
OPEN = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER})
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)

Row = tuple[Any, ...]


@dataclass(frozen=True)
class ImportOptions:
    """How to read values: the source's name (it scopes external ids), the zone of times
    without an offset, `now` (default creation time), the format's value tables, and whether
    the source is another help desk (its external ids are stored with its name in front)."""

    source: str
    zone: ZoneInfo
    now: datetime
    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    foreign: bool = False
    ticket_prefix: str = "IM"

    def stored_external(self, key: str) -> str:
        return f"{self.source}:{key}" if self.foreign else key


@dataclass
class BuiltTicket:
    row: Row
    customer: Row | None  # to add when the target does not have it
    events: list[Row]
    is_open: bool


# -- teams and agents --------------------------------------------------------------------------


def build_team(row: SourceRow, opts: ImportOptions, lookup: Lookup) -> Row:
    code = v.text(row, "code", required=True)
    if not CODE.match(code):
        raise RowProblem("code", code, "imports.bad_code")
    name_en = v.text(row, "name_en", required=True)
    external = v.text(row, "external_id") or code
    ident = _row_id(row, opts, lookup, "team", external, lookup.team_codes.get(code))
    before = lookup.team_refs.get(ident)  # a field the file leaves out keeps its value
    kind = v.text(row, "kind", default=before.kind if before else "front_line")
    if kind not in TEAM_KINDS:
        raise RowProblem("kind", kind, "imports.unknown_value", known=", ".join(TEAM_KINDS))
    name_zh = v.text(row, "name_zh", default=before.name_zh if before else name_en)
    team = (ident, code, name_en, name_zh, kind)
    lookup.add_team(TeamRef(ident, code, name_en, name_zh, kind))
    lookup.remember("team", external, ident)
    return team


def build_agent(row: SourceRow, opts: ImportOptions, lookup: Lookup) -> Row:
    username = v.text(row, "username", required=True)
    if any(c.isspace() for c in username):
        raise RowProblem("username", username, "imports.bad_username")
    display_name = v.text(row, "display_name", required=True)
    external = v.text(row, "external_id") or username
    ident = _row_id(row, opts, lookup, "agent", external, lookup.usernames.get(username))
    before = lookup.agent_refs.get(ident)  # a field the file leaves out keeps its value
    team_id = _team(row, opts, lookup, required=before is None) or (
        before.team_id if before else ""
    )
    role = v.enum_value(
        row, "role", Role, opts.tables.get("role"), Role(before.role) if before else Role.AGENT
    )
    language = _language(row, before.language if before else "zh-CN")
    active = v.yes_no(row, "active", before.active if before else True)
    assert role is not None
    lookup.add_agent(AgentRef(ident, username, display_name, role, team_id, language, active))
    lookup.remember("agent", external, ident)
    return (ident, username, display_name, role, team_id, language, active)


def _row_id(
    row: SourceRow,
    opts: ImportOptions,
    lookup: Lookup,
    kind: str,
    external: str,
    existing: str | None,
) -> str:
    """The id a team or agent row is written under: the file's own id, else the row an earlier
    import of this source made for the same key, else the existing row with the same code or
    user name, else a new id from the key."""
    return (
        v.text(row, "id")
        or lookup.aliases.get((kind, external))
        or existing
        or v.entity_id(kind, opts.source, external)
    )


def _language(row: SourceRow, default: str) -> str:
    value = v.text(row, "language", default=default)
    found = LANGUAGE_NAMES.get(value.casefold())
    if found is None:
        raise RowProblem("language", value, "imports.unknown_value", known="zh-CN, en")
    return found


def _team(row: SourceRow, opts: ImportOptions, lookup: Lookup, *, required: bool) -> str | None:
    value = v.text(row, "team", required=required)
    if not value:
        return None
    found = lookup.team(value, lookup.aliases.get(("team", value), ""))
    if found is None:
        raise RowProblem("team", value, "imports.unknown_team", known=_some(lookup.team_codes))
    return found


def _some(names: Mapping[str, str], limit: int = 8) -> str:
    shown = sorted(names)[:limit]
    return ", ".join(shown) + (" …" if len(names) > limit else "") if shown else "—"


# -- customers ---------------------------------------------------------------------------------


def customer_key(external_id: str, email: str, phone: str) -> str | None:
    """What identifies a customer across files: their id in the source, else e-mail, else phone."""
    if external_id:
        return external_id
    if email:
        return f"email:{email.casefold()}"
    digits = re.sub(r"\D", "", phone)
    return f"phone:{digits}" if digits else None


def customer_external_ids(row: SourceRow, opts: ImportOptions, prefix: str = "") -> str | None:
    """The stored external id a row names a customer by (for fetching a chunk's customers)."""
    key = customer_key(
        v.raw_text(row, f"{prefix}external_id"),
        v.raw_text(row, f"{prefix}email"),
        v.raw_text(row, f"{prefix}phone"),
    )
    return opts.stored_external(key) if key else None


def build_customer(row: SourceRow, opts: ImportOptions, lookup: Lookup) -> Row:
    name = v.text(row, "name", required=True)
    phone, email = v.text(row, "phone"), v.text(row, "email")
    _check_email(email, "email")
    key = customer_key(v.text(row, "external_id"), email, phone)
    given = v.text(row, "id")
    if key is None and not given:
        raise RowProblem("external_id", "", "imports.customer_key")
    external = opts.stored_external(key) if key else None
    created = v.instant(row, "created_at", opts.zone) or _now(opts)
    ident = (
        given
        or lookup.customers_by_external.get(external or "")
        or v.ordered_id(created, "customer", opts.source, key or given)
    )
    tier = v.enum_value(row, "tier", CustomerTier, opts.tables.get("tier"), CustomerTier.STANDARD)
    lookup.customer_ids.add(ident)
    if external:
        lookup.customers_by_external[external] = ident
    return (ident, name, phone, email, v.text(row, "address"), tier, external, created)


def _check_email(email: str, name: str) -> None:
    if email and ("@" not in email or _SPACE.search(email)):
        raise RowProblem(name, email, "imports.bad_email")


def _now(opts: ImportOptions) -> str:
    return opts.now.replace(microsecond=0).isoformat()


# -- tickets -----------------------------------------------------------------------------------


def ticket_id(
    row: SourceRow, opts: ImportOptions, lookup: Lookup, number: str, created: str
) -> str:
    """The file's id; else the ticket already holding this number (the number is made from the
    external id: upsert by external id); else a new id."""
    given = v.text(row, "id")
    if given:
        return given
    key = v.text(row, "external_id") or v.text(row, "number")
    if not key:
        raise RowProblem("external_id", "", "imports.ticket_key")
    return lookup.tickets.get(number) or v.ordered_id(created, "ticket", opts.source, key)


def ticket_number(row: SourceRow, opts: ImportOptions) -> str:
    key = v.text(row, "external_id") or v.text(row, "id")
    number = v.text(row, "number") or f"{opts.ticket_prefix}-{key}"
    if not NUMBER.match(number):
        raise RowProblem("number", number, "imports.bad_number")
    return number


def build_ticket(row: SourceRow, opts: ImportOptions, lookup: Lookup) -> BuiltTicket:
    number = ticket_number(row, opts)
    subject = v.text(row, "subject", required=True)
    description = v.text(row, "description")
    resolution = v.optional(row, "resolution")
    facts = _ticket_facts(row, opts, lookup)
    times = _ticket_times(row, opts, facts["status"])
    ident = ticket_id(row, opts, lookup, number, times["created_at"] or "")
    customer_id, customer = _ticket_customer(row, opts, lookup, times["created_at"])
    ticket = (
        ident,
        number,
        subject,
        description,
        v.text(row, "customer_request"),
        customer_id,
        facts["product_id"],
        facts["order_id"],
        facts["channel"],
        facts["category"],
        facts["complaint_level"],
        facts["priority"],
        facts["status"],
        facts["team_id"],
        facts["assignee_id"],
        times["created_at"],
        times["updated_at"],
        times["resolved_at"],
        resolution,
        facts["root_cause"],
    )
    if row.events is not None:  # a whole timeline (our JSON)
        events = _given_events(row, row.events, ident, opts, lookup)
    else:
        events = _synthesized_events(ident, description, facts, times, resolution)
        events += _given_events(row, row.extra.get("messages", []), ident, opts, lookup)
    return BuiltTicket(ticket, customer, events, facts["status"] in OPEN)


def _ticket_facts(row: SourceRow, opts: ImportOptions, lookup: Lookup) -> dict[str, Any]:
    tables = opts.tables
    category = v.enum_value(row, "category", Category, tables.get("category"), Category.INQUIRY)
    level = v.enum_value(row, "complaint_level", ComplaintLevel, tables.get("complaint_level"))
    if level and category != Category.COMPLAINT:
        raise RowProblem("complaint_level", level, "imports.level_not_complaint", category=category)
    if category == Category.COMPLAINT and level is None:
        level = ComplaintLevel.MINOR.value
    assignee = v.text(row, "assignee")
    assignee_id = None
    if assignee:
        assignee_id = lookup.agent(assignee, lookup.aliases.get(("agent", assignee), ""))
        if assignee_id is None:
            raise RowProblem("assignee", assignee, "imports.unknown_agent")
    status = v.enum_value(row, "status", Status, tables.get("status"), Status.NEW)
    if status == Status.NEW and assignee_id:
        status = Status.ASSIGNED.value  # an assigned ticket is not new (docs: status table)
    elif status == Status.ASSIGNED and not assignee_id and opts.foreign:
        status = Status.NEW.value  # another help desk's "open" with nobody on it
    return {
        "category": category,
        "complaint_level": level,
        "channel": v.enum_value(row, "channel", Channel, tables.get("channel"), Channel.PHONE),
        "priority": v.enum_value(
            row, "priority", Priority, tables.get("priority"), Priority.NORMAL
        ),
        "status": status,
        "team_id": _team(row, opts, lookup, required=False),
        "assignee_id": assignee_id,
        "product_id": _product(row, lookup),
        "order_id": _order(row, lookup),
        "root_cause": v.enum_value(row, "root_cause", RootCause, tables.get("root_cause")),
    }


def _product(row: SourceRow, lookup: Lookup) -> str | None:
    value = v.text(row, "product")
    if not value:
        return None
    found = lookup.product(value)
    if found is None:
        raise RowProblem("product", value, "imports.unknown_product")
    return found


def _order(row: SourceRow, lookup: Lookup) -> str | None:
    value = v.text(row, "order")
    if not value:
        return None
    found = lookup.orders.get(value)
    if found is None:
        raise RowProblem("order", value, "imports.unknown_order")
    return found


def _ticket_times(row: SourceRow, opts: ImportOptions, status: str) -> dict[str, str | None]:
    created = v.instant(row, "created_at", opts.zone, required=True)
    assert created is not None
    resolved = v.instant(row, "resolved_at", opts.zone)
    closed = v.instant(row, "closed_at", opts.zone)
    updated = v.instant(row, "updated_at", opts.zone)
    for name, moment in (("resolved_at", resolved), ("closed_at", closed), ("updated_at", updated)):
        if moment is not None and moment < created:
            raise RowProblem(name, v.raw_text(row, name), "imports.before_created")
    finished = status not in OPEN
    if finished and resolved is None:
        resolved = closed or updated or created
    if not finished:
        resolved = closed = None
    elif status == Status.CLOSED and closed is None:
        closed = max(
            t for t in (resolved, updated) if t is not None
        )  # its close is on the timeline
    latest = max(t for t in (created, updated, resolved, closed) if t is not None)
    return {
        "created_at": created,
        "updated_at": latest,
        "resolved_at": resolved,
        "closed_at": closed if status == Status.CLOSED else None,
    }


def _ticket_customer(
    row: SourceRow, opts: ImportOptions, lookup: Lookup, created: str | None
) -> tuple[str, Row | None]:
    given = v.text(row, "customer_id")
    if given:
        if given not in lookup.customer_ids:
            raise RowProblem("customer_id", given, "imports.unknown_customer")
        return given, None
    email, phone = v.text(row, "customer_email"), v.text(row, "customer_phone")
    _check_email(email, "customer_email")
    key = customer_key(v.text(row, "customer_external_id"), email, phone)
    name = v.text(row, "customer_name")
    if key is None and not name:
        raise RowProblem("customer_name", "", "imports.ticket_customer")
    key = key or f"name:{name.casefold()}"
    external = opts.stored_external(key)
    known = lookup.customers_by_external.get(external) or lookup.customers_by_phone.get(phone)
    if known is not None:  # imported before, or the same phone entered by hand
        lookup.customers_by_external.setdefault(external, known)
        return known, None
    if not name and not (email or phone):
        raise RowProblem("customer_external_id", key, "imports.unknown_customer")
    ident = v.ordered_id(created or _now(opts), "customer", opts.source, key)
    lookup.customers_by_external[external] = ident
    lookup.customer_ids.add(ident)
    customer = (
        ident,
        name or email or phone,
        phone,
        email,
        "",
        CustomerTier.STANDARD.value,
        external,
        created,
    )
    return ident, customer


# -- timelines ---------------------------------------------------------------------------------


def _event(
    ticket: str, key: str, kind: EventKind, actor: str | None, at: str, body: str, data_json: str
) -> Row:
    return (v.ordered_id(at, "event", ticket, key), ticket, kind.value, actor, at, body, data_json)


@functools.lru_cache(maxsize=4096)
def _data_json(*pairs: tuple[str, Any]) -> str:
    """Event data as the repository writes it (sorted keys), for the few shapes synthesized
    timelines use (cached: a million tickets share a few hundred)."""
    return _JSON.encode(dict(pairs))


def _synthesized_events(
    ident: str,
    description: str,
    facts: dict[str, Any],
    times: dict[str, str | None],
    resolution: str | None,
) -> list[Row]:
    """A timeline for a ticket that came without one: what its columns say happened (docs:
    "Timelines of imported tickets"), so its SLA clocks and reports read it like any other."""
    created = times["created_at"]
    assert created is not None
    agent, team, status = facts["assignee_id"], facts["team_id"], Status(facts["status"])
    events = [
        _event(
            ident,
            "created",
            EventKind.CREATED,
            None,
            created,
            description,
            _data_json(("category", facts["category"]), ("channel", facts["channel"])),
        ),
    ]
    if agent or team:
        data = _data_json(("assignee_id", agent), ("team_id", team))
        events.append(
            _event(ident, f"assigned:{agent}:{team}", EventKind.ASSIGNMENT, None, created, "", data)
        )
    before = Status.ASSIGNED if agent else Status.NEW
    if status in (Status.IN_PROGRESS, Status.WAITING_CUSTOMER):
        events.append(_status(ident, agent, times["updated_at"], before, status))
    resolved = times["resolved_at"]
    if resolved is not None:
        data = _data_json(("root_cause", facts["root_cause"])) if facts["root_cause"] else "{}"
        events.append(
            _event(
                ident,
                f"resolved:{resolved}",
                EventKind.RESOLUTION,
                agent,
                resolved,
                resolution or "",
                data,
            )
        )
        events.append(_status(ident, agent, resolved, before, Status.RESOLVED))
    closed = times["closed_at"]
    if closed is not None:
        events.append(_status(ident, agent, closed, Status.RESOLVED, Status.CLOSED))
    return events


def _status(ident: str, actor: str | None, at: str | None, old: Status, new: Status) -> Row:
    assert at is not None
    data = _data_json(("from", old.value), ("to", new.value))
    return _event(ident, f"status:{new.value}:{at}", EventKind.STATUS_CHANGE, actor, at, "", data)


def _given_events(
    row: SourceRow, entries: list[Any], ident: str, opts: ImportOptions, lookup: Lookup
) -> list[Row]:
    """The timeline entries the file carries (our JSON, a Zendesk ticket's comments)."""
    events: list[Row] = []
    for index, entry in enumerate(entries, start=1):
        where = f"events[{index}]"
        if not isinstance(entry, dict):
            raise RowProblem(where, entry, "imports.bad_event")
        kind = _event_kind(entry.get("kind"), where)
        at_row = SourceRow(row.number, {"at": entry.get("at")}, {"at": f"{where}.at"})
        at = v.instant(at_row, "at", opts.zone, required=True) or ""
        actor = _actor(entry, opts, lookup)
        data = entry.get("data") or {}
        if not isinstance(data, dict):
            raise RowProblem(f"{where}.data", data, "imports.bad_event")
        body = entry.get("body") or ""
        key = entry.get("key") or f"{index}:{kind}:{at}"
        event_id = str(entry.get("id") or v.ordered_id(at, "event", ident, str(key)))
        events.append((event_id, ident, kind, actor, at, str(body), _JSON.encode(data)))
    return events


def _event_kind(value: object, where: str) -> str:
    try:
        return EventKind(str(value)).value
    except ValueError:
        known = ", ".join(k.value for k in EventKind)
        raise RowProblem(f"{where}.kind", value, "imports.unknown_value", known=known) from None


def _actor(entry: dict[str, Any], opts: ImportOptions, lookup: Lookup) -> str | None:
    """An agent's id; a customer (or anyone the target does not know) writes as nobody."""
    actor = entry.get("actor_id") or entry.get("actor")
    if actor in (None, ""):
        return None
    return lookup.agent(str(actor), lookup.aliases.get(("agent", str(actor)), ""))


BUILDERS: dict[RecordKind, Callable[[SourceRow, ImportOptions, Lookup], Any]] = {
    RecordKind.TEAMS: build_team,
    RecordKind.AGENTS: build_agent,
    RecordKind.CUSTOMERS: build_customer,
    RecordKind.TICKETS: build_ticket,
}
