"""Deterministic demo data: a believable, bilingual call-centre data set.

One seeded generator (``random.Random(seed)``, every time relative to the fixed ``ANCHOR``) feeds:

* ``write_demo_files`` — the committed demo set in ``data/demo/``: ``teams.csv``, ``agents.csv``,
  ``customers.csv``, ``products.csv``, ``orders.csv`` and ``tickets.jsonl`` (one ticket per line,
  its timeline inline), all times UTC ISO-8601 at anchor time;
* ``build_demo_store`` — N tickets (up to 1,000,000) streamed straight into a store in chunks.

``load_demo_files`` reads the committed set into a store. Both loaders shift every time by
``now - ANCHOR`` so the queue looks live (some deadlines passed, some close, most ahead), and
number tickets from the shifted creation day (Asia/Shanghai). They write with raw ``sqlite3``
``executemany`` (the ORM is far too slow for a million rows) and no outbox rows: seed data is not
a local edit waiting to sync.

Run ``python -m agentdesk.io.demo_data --write data/demo`` to regenerate the committed set.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import math
import random
import sqlite3
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from agentdesk.domain import deadlines, numbering, status_flow
from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.model import (
    Category,
    Channel,
    ComplaintLevel,
    CustomerTier,
    EventKind,
    Priority,
    Role,
    Status,
)
from agentdesk.io.demo_vocabulary import (
    AFTER_SALES,
    AGENTS,
    CN_ESTATES,
    CN_MAIL_DOMAINS,
    CN_MOBILE_PREFIXES,
    CN_PLACES,
    CN_STREETS,
    COMPENSATION,
    EN_MAIL_DOMAINS,
    EN_STREETS,
    FAULTS,
    FIRST_NAMES,
    FIRST_REPLIES,
    FOLLOW_UPS,
    FRONT_LINE,
    GIVEN_NAMES,
    ISSUES,
    LAST_NAMES,
    LEADS,
    NOTES,
    PHONE_MODELS,
    PRODUCTS,
    SETTINGS,
    SURNAMES,
    TEAMS,
    TECHNICAL,
    TIER_NAMES,
    TOPICS,
    UK_PLACES,
    UPDATE_REPLIES,
    US_PLACES,
    WAIT_REPLIES,
)
from agentdesk.store import database, search_index

CHINA_TZ = numbering.NUMBER_ZONE
ANCHOR = datetime(2026, 11, 23, 9, 0, tzinfo=CHINA_TZ)
"""The moment the demo set describes; loading moves it to the caller's `now`."""

DEMO_AGENT = "zhang.wei"
DEMO_LEAD = "he.jing"
DEMO_SUPERVISOR = "luo.min"

DEFAULT_SEED = 7
DEFAULT_TICKETS = 400
HISTORY_DAYS = 30
CHUNK_SIZE = 20_000
RICH_TIMELINE_LIMIT = 50_000  # above this many tickets, timelines shrink to 2-3 events
MAX_RICH_EVENTS = 8

FILES = ("teams.csv", "agents.csv", "customers.csv", "products.csv", "orders.csv", "tickets.jsonl")

_ANCHOR_TS = int(ANCHOR.timestamp())
_DAY = 86_400
_HOUR = 3_600
_CHINA_OFFSET = 8 * _HOUR  # Asia/Shanghai: UTC+8 all year (no DST since 1991)

T = TypeVar("T")


@dataclass
class DemoStats:
    teams: int
    agents: int
    customers: int
    tickets: int
    events: int


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


class Weighted(Generic[T]):
    """A fixed weighted choice: one random() and a bisect per draw."""

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self.items: list[T] = []
        self.cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            total += weight
            self.items.append(item)
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# rng.choice/randint/randrange cost ~0.5 µs each; one random() and a multiply cost a fifth of
# that, which matters a few dozen times per ticket at a million tickets.
def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return low + int(rng.random() * (high - low + 1))


def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _hex_uuid(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _as_uuid4(bits: int) -> str:
    """128 random bits as a version-4 UUID."""
    value = (bits & ~(0xF << 76)) | (0x4 << 76)
    return _hex_uuid((value & ~(0x3 << 62)) | (0x2 << 62))


def _uuid4(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (deterministic, unlike uuid.uuid4)."""
    return _as_uuid4(rng.getrandbits(128))


def _uuid7(ts: int, rng: random.Random) -> str:
    """A version-7 layout UUID stamped with a generated (not wall-clock) time.

    Like `numbering.new_id`, ids sort roughly by creation, which keeps the unique-index inserts of
    a million-ticket build near the end of the B-tree.
    """
    value = ((ts * 1000) << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    value |= (0x2 << 62) | rng.getrandbits(62)
    return _hex_uuid(value)


_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps builds one per call
# Event data as the repository writes it (json.dumps(..., ensure_ascii=False, sort_keys=True)).
_DATA_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_DATES: dict[int, str] = {}


def _iso(ts: int) -> str:
    """`datetime.fromtimestamp(ts, UTC).isoformat()` for whole seconds, at a third of the cost."""
    day, second = divmod(ts, _DAY)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = datetime.fromtimestamp(day * _DAY, UTC).date().isoformat()
    hour, second = divmod(second, _HOUR)
    minute, second = divmod(second, 60)
    return f"{date}T{hour:02d}:{minute:02d}:{second:02d}+00:00"


def _parse_ts(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return int(moment.timestamp())


def _money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def _local_hour(ts: int) -> int:
    return ((ts + _CHINA_OFFSET) // _HOUR) % 24


# ---------------------------------------------------------------------------------------------
# Reference data: teams, agents, products
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    id: str
    code: str
    name_en: str
    name_zh: str


@dataclass(frozen=True)
class AgentRow:
    id: str
    username: str
    display_name: str
    role: str
    team_id: str
    team_code: str
    language: str


@dataclass(frozen=True)
class ProductRow:
    id: str
    sku: str
    name_zh: str
    name_en: str
    line: str
    price_cents: int


class Reference:
    """Teams, agents and products, drawn first from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.teams = [TeamRow(_uuid4(rng), code, en, zh) for code, en, zh in TEAMS]
        self.team_by_code = {t.code: t for t in self.teams}
        self.agents = [
            AgentRow(_uuid4(rng), user, name, role.value, self.team_by_code[team].id, team, lang)
            for user, name, role, team, lang in AGENTS
        ]
        self.agent_by_username = {a.username: a for a in self.agents}
        self.products = [
            ProductRow(_uuid4(rng), sku, zh, en, line, price)
            for sku, zh, en, line, price, _weight in PRODUCTS
        ]
        self.product_pick = Weighted((i, weight) for i, (*_rest, weight) in enumerate(PRODUCTS))
        workers = [a for a in self.agents if a.role in (Role.AGENT, Role.LEAD)]
        self.workers_by_team = {
            code: [a for a in workers if a.team_code == code] for code, *_ in TEAMS
        }

    # Rows in table column order (also the column order of the CSV files).
    def team_rows(self) -> list[tuple[str, str, str, str, str]]:
        return [(t.id, t.code, t.name_en, t.name_zh, t.code) for t in self.teams]

    def agent_rows(self) -> list[tuple[str, str, str, str, str, str, bool]]:
        return [
            (a.id, a.username, a.display_name, a.role, a.team_id, a.language, True)
            for a in self.agents
        ]

    def product_rows(self) -> list[tuple[str, str, str, str, str]]:
        return [(p.id, p.sku, p.name_en, p.name_zh, p.line) for p in self.products]


# ---------------------------------------------------------------------------------------------
# Customers and orders
# ---------------------------------------------------------------------------------------------

CustomerRow = tuple[str, str, str, str, str, str, int]  # id, name, phone, email, address, tier, ts
OrderRow = tuple[str, str, str, str, int, int]  # id, number, customer_id, product_id, cents, ts


class Population:
    """Customers and their orders.

    Rows are handed out in chunks as they are drawn; what tickets need later (ids, names,
    language, tier, orders) is kept in compact arrays so a 250k-customer population costs a few
    megabytes, not hundreds.
    """

    TIERS = Weighted(
        [
            (CustomerTier.STANDARD.value, 68),
            (CustomerTier.SILVER.value, 20),
            (CustomerTier.GOLD.value, 9),
            (CustomerTier.VIP.value, 3),
        ]
    )
    SURNAME = Weighted((i, w) for i, (_s, _p, w) in enumerate(SURNAMES))
    ORDER_COUNT = Weighted([(0, 10), (1, 55), (2, 25), (3, 10)])
    RECENT_DAYS = 80
    _VIP = TIERS.items.index(CustomerTier.VIP.value)

    def __init__(self, count: int, ref: Reference) -> None:
        self.count = count
        self.ref = ref
        self._ids = bytearray(16 * count)
        self.english = bytearray(count)
        self.tier = bytearray(count)
        self.name_a = array("H", bytes(2 * count))
        self.name_b = array("H", bytes(2 * count))
        self.last4 = array("H", bytes(2 * count))
        self.order_start = array("I", bytes(4 * (count + 1)))
        self._order_ids = bytearray()
        self.order_product = bytearray()
        self.order_cents = array("I")
        self.order_ts = array("q")
        self.with_orders = array("I")
        self.order_customer = array("I")
        self._recent_ts = array("q")  # orders of the last RECENT_DAYS, by time
        self._recent = array("I")
        self._order_digits = 6

    # -- drawing -------------------------------------------------------------------------------

    def draw(
        self, rng: random.Random, chunk: int
    ) -> Iterator[tuple[list[CustomerRow], list[OrderRow]]]:
        """Draw every customer and order; yield their rows chunk by chunk."""
        self._order_digits = max(6, len(str(3 * self.count)))  # at most 3 orders each
        customers: list[CustomerRow] = []
        orders: list[OrderRow] = []
        for c in range(self.count):
            customers.append(self._draw_customer(rng, c, orders))
            if len(customers) >= chunk:
                yield customers, orders
                customers, orders = [], []
        self.order_start[self.count] = len(self.order_cents)
        recent = sorted(
            (ts, j)
            for j, ts in enumerate(self.order_ts)
            if ts >= _ANCHOR_TS - self.RECENT_DAYS * _DAY
        )
        self._recent_ts = array("q", (ts for ts, _j in recent))
        self._recent = array("I", (j for _ts, j in recent))
        if customers:
            yield customers, orders

    def _draw_customer(self, rng: random.Random, c: int, orders: list[OrderRow]) -> CustomerRow:
        self._ids[16 * c : 16 * c + 16] = rng.getrandbits(128).to_bytes(16, "big")
        cid = self.customer_id(c)
        english = rng.random() < 0.22
        self.english[c] = english
        if english:
            a, b = _below(rng, len(FIRST_NAMES)), _below(rng, len(LAST_NAMES))
        else:
            a, b = self.SURNAME.pick(rng), _below(rng, len(GIVEN_NAMES))
        self.name_a[c], self.name_b[c] = a, b
        name = self.name(c)
        phone, china_resident = self._draw_phone(rng, english)
        self.last4[c] = int(phone[-4:])
        email = self._draw_email(rng, english, a, b)
        address = self._draw_address(rng, english, china_resident)
        tier = self.TIERS.pick(rng)
        self.tier[c] = self.TIERS.items.index(tier)

        # Orders: a third recent (they drive most contacts), the rest over the last 18 months.
        self.order_start[c] = len(self.order_cents)
        n_orders = self.ORDER_COUNT.pick(rng)
        stamps = sorted(
            _ANCHOR_TS
            - (
                _between(rng, 2 * _HOUR, 45 * _DAY)
                if rng.random() < 0.35
                else _between(rng, 45 * _DAY, 540 * _DAY)
            )
            for _ in range(n_orders)
        )
        if n_orders:
            self.with_orders.append(c)
        for ts in stamps:
            j = len(self.order_cents)
            p = self.ref.product_pick.pick(rng)
            product = self.ref.products[p]
            qty = 2 if rng.random() < 0.08 else 1
            discount = _pick(rng, (100, 100, 100, 95, 90, 88))
            cents = product.price_cents * qty * discount // 100
            self._order_ids += rng.getrandbits(128).to_bytes(16, "big")
            self.order_product.append(p)
            self.order_cents.append(cents)
            self.order_ts.append(ts)
            self.order_customer.append(c)
            orders.append((self.order_id(j), self.order_number(j), cid, product.id, cents, ts))

        first_seen = min(stamps[0] if stamps else _ANCHOR_TS, _ANCHOR_TS - 31 * _DAY)
        created = first_seen - _between(rng, _DAY, 400 * _DAY)
        return (cid, name, phone, email, address, tier, created)

    @staticmethod
    def _draw_phone(rng: random.Random, english: bool) -> tuple[str, bool]:
        roll = rng.random()
        if english and roll < 0.25:
            return f"+447700900{_below(rng, 1000):03d}", False  # Ofcom drama range
        if english and roll < 0.4:
            area = _pick(rng, ("212", "415", "206", "617"))
            return f"+1{area}55501{_below(rng, 100):02d}", False  # 555-01xx: fictional
        return f"{_pick(rng, CN_MOBILE_PREFIXES)}{_below(rng, 10**8):08d}", True

    @staticmethod
    def _draw_email(rng: random.Random, english: bool, a: int, b: int) -> str:
        if english:
            first, last = FIRST_NAMES[a].lower(), LAST_NAMES[b].lower()
            style = _below(rng, 3)
            local = (
                f"{first}.{last}",
                f"{first[0]}{last}{_between(rng, 1, 99)}",
                f"{first}{last}",
            )[style]
            return f"{local}@{_pick(rng, EN_MAIL_DOMAINS)}"
        if rng.random() < 0.3:
            return ""  # phone-only customer
        if rng.random() < 0.35:
            return f"{_between(rng, 10_000_000, 3_999_999_999)}@qq.com"
        sur, giv = SURNAMES[a][1], GIVEN_NAMES[b][1]
        style = _below(rng, 3)
        local = (
            f"{sur}{giv}{_between(rng, 1, 99)}",
            f"{giv}.{sur}",
            f"{sur}_{giv}{_between(rng, 80, 99)}",
        )[style]
        return f"{local}@{_pick(rng, CN_MAIL_DOMAINS)}"

    @staticmethod
    def _draw_address(rng: random.Random, english: bool, china_resident: bool) -> str:
        if english and not china_resident:
            number, street = _between(rng, 1, 240), _pick(rng, EN_STREETS)
            if rng.random() < 0.7:
                city, postcode = _pick(rng, UK_PLACES)
                return f"{number} {street}, {city} {postcode}, United Kingdom"
            city, zipcode = _pick(rng, US_PLACES)
            return f"{number} {street}, {city} {zipcode}, USA"
        if rng.random() < 0.15:
            return ""
        province, city, districts, city_en, districts_en = _pick(rng, CN_PLACES)
        d = _below(rng, len(districts))
        street, street_en = _pick(rng, CN_STREETS)
        number, building = _between(rng, 1, 999), _between(rng, 1, 28)
        room = _between(rng, 1, 32) * 100 + _between(rng, 1, 6)
        if english:
            return (
                f"Room {room}, Building {building}, {number} {street_en}, {districts_en[d]}, "
                f"{city_en}, China"
            )
        estate = _pick(rng, CN_ESTATES)
        return f"{province}{city}{districts[d]}{street}{number}号{estate}{building}栋{room}室"

    # -- lookups used by the ticket generator --------------------------------------------------

    def customer_id(self, c: int) -> str:
        return _as_uuid4(int.from_bytes(self._ids[16 * c : 16 * c + 16], "big"))

    def order_id(self, j: int) -> str:
        return _as_uuid4(int.from_bytes(self._order_ids[16 * j : 16 * j + 16], "big"))

    def order_number(self, j: int) -> str:
        # Purchase date + a scrambled serial (7919 is coprime with 10^k: a bijection, unique).
        serial = (j * 7919 + 104_729) % 10**self._order_digits
        day = datetime.fromtimestamp(self.order_ts[j], CHINA_TZ)
        return f"SO-{day:%Y%m%d}-{serial:0{self._order_digits}d}"

    def is_vip(self, c: int) -> bool:
        return self.tier[c] == self._VIP

    def name(self, c: int) -> str:
        a, b = self.name_a[c], self.name_b[c]
        if self.english[c]:
            return f"{FIRST_NAMES[a]} {LAST_NAMES[b]}"
        return SURNAMES[a][0] + GIVEN_NAMES[b][0]

    def salutation(self, c: int) -> str:
        return FIRST_NAMES[self.name_a[c]] if self.english[c] else self.name(c)

    def recent_order(self, rng: random.Random, ts: int, max_days: int) -> int | None:
        """Any order placed between `max_days` days and an hour before `ts`."""
        low = bisect.bisect_left(self._recent_ts, ts - max_days * _DAY)
        high = bisect.bisect_left(self._recent_ts, ts - _HOUR)
        return self._recent[low + int((high - low) * rng.random())] if high > low else None

    def latest_order_before(self, c: int, ts: int) -> int | None:
        best = None
        for j in range(self.order_start[c], self.order_start[c + 1]):
            if self.order_ts[j] < ts - _HOUR:
                best = j
        return best


# ---------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class EventRec:
    id: str
    kind: str
    actor_id: str | None
    at: int
    body: str
    data_json: str


@dataclass(slots=True)
class TicketRec:
    """A ticket at anchor time (epoch seconds), its timeline and its customer's name for search."""

    id: str
    number: str
    subject: str
    description: str
    customer_request: str
    customer_id: str
    customer_name: str
    product_id: str | None
    order_id: str | None
    channel: str
    category: str
    complaint_level: str | None
    priority: str
    status: str
    team_id: str | None
    assignee_id: str | None
    created: int
    updated: int
    due: int | None
    resolved: int | None
    resolution: str | None
    root_cause: str | None
    events: list[EventRec]


class ArrivalCurve:
    """When contacts arrive over the history window: by hour of the day, busier toward the anchor.

    `at(u)` maps u in [0, 1) to a time, increasing in u, so tickets come out in creation order.
    """

    HOUR_WEIGHTS = (0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.9, 1.2, 1.35, 1.3,
                    1.0, 1.1, 1.3, 1.3, 1.2, 1.1, 1.0, 1.05, 1.1, 0.95, 0.6, 0.3)  # fmt: skip
    RECENCY, RECENCY_DAYS = 14.0, 1.4

    def __init__(self, days: int = HISTORY_DAYS) -> None:
        self.starts = [_ANCHOR_TS - (days * 24 - h) * _HOUR for h in range(days * 24)]
        # Nothing in the last five minutes: a call still in progress is not a ticket yet.
        self.widths = [_HOUR] * (len(self.starts) - 1) + [_HOUR - 300]
        self.cum: list[float] = []
        total = 0.0
        for start, width in zip(self.starts, self.widths, strict=True):
            age_days = (_ANCHOR_TS - start) / _DAY
            weight = self.HOUR_WEIGHTS[_local_hour(start)] * width / _HOUR
            weight *= 1 + self.RECENCY * math.exp(-age_days / self.RECENCY_DAYS)
            total += weight
            self.cum.append(total)
        self.total = total

    def at(self, u: float) -> int:
        x = u * self.total
        b = min(bisect.bisect_right(self.cum, x), len(self.cum) - 1)
        low = self.cum[b - 1] if b else 0.0
        return self.starts[b] + int((x - low) / (self.cum[b] - low) * self.widths[b])


def _due_seconds() -> dict[tuple[str, str], int]:
    return {
        (c.value, p.value): int((deadlines.due_at(ANCHOR, c, p) - ANCHOR).total_seconds())
        for c in Category
        for p in Priority
    }


_ROUTE = {
    Category.INQUIRY: FRONT_LINE,
    Category.PRESALES: FRONT_LINE,
    Category.REFUND: FRONT_LINE,
    Category.TECHNICAL: TECHNICAL,
    Category.REPAIR: AFTER_SALES,
    Category.RETURN_EXCHANGE: AFTER_SALES,
}
_TEAM_NAMES = {code: (zh, en) for code, en, zh in TEAMS}
_LEVEL_NAMES = {"minor": ("一般", "minor"), "major": ("重大", "major"), "legal": ("法律", "legal")}
_SELF_SERVICE = (Channel.WEB, Channel.APP, Channel.WECHAT, Channel.EMAIL, Channel.SOCIAL)


class TicketFactory:
    """Draws tickets in creation order, with statuses and timelines consistent with their age."""

    CATEGORY = Weighted(
        [
            (Category.INQUIRY, 22),
            (Category.PRESALES, 10),
            (Category.TECHNICAL, 18),
            (Category.REPAIR, 14),
            (Category.RETURN_EXCHANGE, 12),
            (Category.REFUND, 12),
            (Category.COMPLAINT, 13),
        ]
    )
    CHANNEL = Weighted(
        [
            (Channel.PHONE, 36),
            (Channel.WECHAT, 18),
            (Channel.APP, 14),
            (Channel.WEB, 11),
            (Channel.EMAIL, 10),
            (Channel.SOCIAL, 5),
            (Channel.STORE, 6),
        ]
    )
    OFF_HOURS_CHANNEL = Weighted(
        [(ch, w) for ch, w in zip(_SELF_SERVICE, (30, 25, 20, 15, 10), strict=True)]
    )
    PRIORITY = Weighted(
        [(Priority.NORMAL, 66), (Priority.HIGH, 17), (Priority.LOW, 11), (Priority.URGENT, 6)]
    )
    WORK_STATE = Weighted(
        [(Status.ASSIGNED, 24), (Status.IN_PROGRESS, 52), (Status.WAITING_CUSTOMER, 24)]
    )
    LEVEL = Weighted(
        [(ComplaintLevel.MINOR, 64), (ComplaintLevel.MAJOR, 28), (ComplaintLevel.LEGAL, 8)]
    )

    def __init__(self, rng: random.Random, ref: Reference, people: Population, total: int) -> None:
        self.rng = rng
        self.ref = ref
        self.people = people
        self.total = total
        self.rich = total <= RICH_TIMELINE_LIMIT
        self.curve = ArrivalCurve()
        self.due_seconds = _due_seconds()
        self.teams = {t.code: t.id for t in ref.teams}
        self.demo_agent = ref.agent_by_username[DEMO_AGENT]
        self.leads = [ref.agent_by_username[DEMO_LEAD], ref.agent_by_username["gao.feng"]]
        self._numbers = Numberer()
        self._topics_by_level = {
            level: [t for t in TOPICS[Category.COMPLAINT] if level in t.levels]
            for level in ComplaintLevel
        }

    def chunks(self, size: int) -> Iterator[list[TicketRec]]:
        batch: list[TicketRec] = []
        for i in range(self.total):
            batch.append(self._ticket(i))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    # -- one ticket ----------------------------------------------------------------------------

    def _ticket(self, i: int) -> TicketRec:
        rng, people, ref = self.rng, self.people, self.ref
        created = self.curve.at((i + rng.random()) / self.total)
        ticket_id = _uuid7(created, rng)

        # What the contact is about.
        category = self.CATEGORY.pick(rng)
        level: ComplaintLevel | None = None
        if category is Category.COMPLAINT:
            level = self.LEVEL.pick(rng)
            topic = _pick(rng, self._topics_by_level[level])
        else:
            topic = _pick(rng, TOPICS[category])
        needs_order = topic.needs_order or (
            rng.random() < 0.5 and category is not Category.PRESALES
        )

        # Who: customers with orders for order-bound topics; a few customers call often.
        c = order = None
        if needs_order and topic.recent:
            order = people.recent_order(rng, created, topic.recent)
            if order is not None:
                c = people.order_customer[order]
        for _attempt in range(6):
            if c is not None:
                break
            if needs_order:
                c = people.with_orders[int(len(people.with_orders) * rng.random() ** 1.2)]
                order = people.latest_order_before(c, created)
                if order is not None:
                    break
            else:
                c = int(people.count * rng.random() ** 1.2)
                break
        assert c is not None
        english = bool(people.english[c])
        if order is not None:
            product = ref.products[people.order_product[order]]
        else:
            product = ref.products[ref.product_pick.pick(rng)]

        # How and how urgent.
        hour = _local_hour(created)
        if 8 <= hour < 22:
            channel = self.CHANNEL.pick(rng)
            if channel is Channel.STORE and not 10 <= hour < 21:
                channel = Channel.PHONE
        else:
            channel = self.OFF_HOURS_CHANNEL.pick(rng)
        priority = self.PRIORITY.pick(rng)
        if priority is Priority.URGENT and category in (Category.INQUIRY, Category.PRESALES):
            priority = Priority.HIGH
        if level is ComplaintLevel.LEGAL:
            priority = Priority.URGENT
        elif level is ComplaintLevel.MAJOR:
            priority = Priority.HIGH if rng.random() < 0.7 else Priority.URGENT
        if people.is_vip(c) and priority in (Priority.LOW, Priority.NORMAL) and rng.random() < 0.5:
            priority = Priority.HIGH  # VIP customers
        window = self.due_seconds[category.value, priority.value]
        due = created + window

        # Text.
        fill = TemplateValues(rng, self.people, english, product, order, created)
        subject, description, request = (
            s.format_map(fill) for s in (topic.en if english else topic.zh)
        )
        root_cause = topic.root_causes[0] if rng.random() < 0.7 else _pick(rng, topic.root_causes)

        # Where it goes, and where it stands now.
        if category is Category.COMPLAINT:
            team = FRONT_LINE if level is ComplaintLevel.MINOR else LEADS
        else:
            team = _ROUTE[category]
        intake = channel in (Channel.PHONE, Channel.STORE)
        transferred = (
            team != FRONT_LINE
            and (intake or rng.random() < 0.3)
            and rng.random() < (0.8 if team == LEADS else 0.45)
        )
        # Major and legal complaints take far longer than their deadline to settle.
        settle = window * (3 if level in (ComplaintLevel.MAJOR, ComplaintLevel.LEGAL) else 1)
        plan = self._plan(rng, created, settle, hour)
        status = plan.status
        if (
            category is Category.COMPLAINT
            and status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER)
            and _ANCHOR_TS - created > 24 * _HOUR
        ):
            team, transferred = LEADS, True  # unresolved after 24 hours: escalated (R5)
        owner = self._assignee(rng, team, english)
        intake_agent = owner if team == FRONT_LINE else self._assignee(rng, FRONT_LINE, english)
        final_agent: AgentRow | None = owner
        if status is Status.ASSIGNED and rng.random() < 0.5:
            final_agent = None  # sitting in the team's pool
        # New tickets wait in the front line's intake pool, as the repository files them.
        team_id = self.teams[team if status is not Status.NEW else FRONT_LINE]
        assignee_id = final_agent.id if final_agent and status is not Status.NEW else None

        resolution = None
        if status in (Status.RESOLVED, Status.CLOSED):
            zh, en = topic.resolution
            resolution = (en if english else zh).format_map(fill)

        ctx = _TimelineContext(
            category=category.value,
            english=english,
            channel=channel,
            created=created,
            subject=subject,
            description=description,
            request=request,
            fill=fill,
            team=team,
            final_agent=final_agent,
            intake_agent=intake_agent,
            transferred=transferred and status is not Status.NEW,
            plan=plan,
            resolution=resolution,
            root_cause=root_cause.value,
            customer=people.salutation(c),
            tier=people.TIERS.items[people.tier[c]],
            last4=people.last4[c],
            level=level,
        )
        events = self._rich_timeline(ctx) if self.rich else self._compact_timeline(ctx)
        resolved_at = next((e.at for e in events if e.kind == EventKind.RESOLUTION), None)

        return TicketRec(
            id=ticket_id,
            number=self._numbers.next(created),
            subject=subject,
            description=description,
            customer_request=request,
            customer_id=people.customer_id(c),
            customer_name=people.name(c),
            product_id=product.id,
            order_id=people.order_id(order) if order is not None else None,
            channel=channel.value,
            category=category.value,
            complaint_level=level.value if level else None,
            priority=priority.value,
            status=status.value,
            team_id=team_id,
            assignee_id=assignee_id,
            created=created,
            updated=events[-1].at,
            due=due,
            resolved=resolved_at,
            resolution=resolution,
            root_cause=root_cause.value if resolution else None,
            events=events,
        )

    def _assignee(self, rng: random.Random, team: str, english: bool) -> AgentRow:
        if team == LEADS:
            return self.leads[0] if rng.random() < 0.6 else self.leads[1]
        pool = self.ref.workers_by_team[team]
        if english and rng.random() < 0.4:
            speakers = [a for a in pool if a.language == "en"]
            if speakers:
                return speakers[0]
        if team == FRONT_LINE and rng.random() < 0.45:
            return self.demo_agent
        return _pick(rng, pool)

    # -- status and milestones -----------------------------------------------------------------

    def _plan(self, rng: random.Random, created: int, window: int, hour: int) -> _Plan:
        """Status now and the times of its milestones, all between creation and the anchor.

        `window` is the usual time to settle a ticket like this one (its deadline, mostly).
        """
        age = _ANCHOR_TS - created
        elapsed = age / window
        if elapsed < 1:
            p_open = 0.86
        elif elapsed < 2:
            p_open = 0.25
        elif elapsed < 5:
            p_open = 0.06
        else:
            p_open = 0.004
        horizon = _ANCHOR_TS - 60

        # Dispatch: minutes in office hours; overnight self-service contacts wait for 08:00.
        if 8 <= hour < 22:
            delay = _between(rng, 40, 420) if rng.random() < 0.93 else _between(rng, 900, 5400)
            dispatched = created + delay
        else:
            local = created + _CHINA_OFFSET
            next_eight = local - local % _DAY + 8 * _HOUR
            if next_eight <= local:
                next_eight += _DAY
            dispatched = next_eight - _CHINA_OFFSET + _between(rng, 60, 9000)  # morning backlog

        if rng.random() >= p_open:
            # Finished: mostly inside the window, some late.
            share = rng.uniform(0.1, 0.95) if rng.random() < 0.85 else rng.uniform(1.0, 2.5)
            resolved = max(created + int(window * share), dispatched + _between(rng, 600, 7200))
            if resolved <= horizon - 300:
                closed = resolved + _between(rng, 20 * _HOUR, 72 * _HOUR)
                if closed <= horizon and rng.random() < 0.9:
                    return _Plan(Status.CLOSED, dispatched, resolved, closed)
                return _Plan(Status.RESOLVED, dispatched, resolved, None)
        # Still open.
        if dispatched >= horizon or rng.random() < (0.25 if age < 2 * _HOUR else 0.02):
            return _Plan(Status.NEW, None, None, None)
        since = horizon - dispatched
        if since < 900:
            status = Status.ASSIGNED if rng.random() < 0.7 else Status.IN_PROGRESS
        else:
            status = self.WORK_STATE.pick(rng)
        return _Plan(status, dispatched, None, None)

    # -- timelines -----------------------------------------------------------------------------

    def _event(
        self, kind: EventKind, actor: AgentRow | None, at: int, body: str = "", data: str = "{}"
    ) -> EventRec:
        """One timeline entry; `data` is its JSON, written as the repository writes it."""
        actor_id = actor.id if actor else None
        return EventRec(_uuid7(at, self.rng), kind.value, actor_id, at, body, data)

    @staticmethod
    def _creator(ctx: _TimelineContext) -> AgentRow | None:
        """Calls and store visits are logged by the front line; other contacts come in directly."""
        return ctx.intake_agent if ctx.channel in (Channel.PHONE, Channel.STORE) else None

    def _created(self, ctx: _TimelineContext) -> EventRec:
        data = f'{{"category": "{ctx.category}", "channel": "{ctx.channel.value}"}}'
        return self._event(
            EventKind.CREATED, self._creator(ctx), ctx.created, ctx.description, data
        )

    def _opening(self, ctx: _TimelineContext) -> list[EventRec]:
        """The contact itself: the ticket is created and the call or message recorded."""
        rng, en = self.rng, ctx.english
        creator = self._creator(ctx)
        if ctx.channel is Channel.PHONE:
            seconds = min(_between(rng, 70, 900), _ANCHOR_TS - 60 - ctx.created)
            body = (
                f"Inbound call: {ctx.subject}. Caller verified (phone ending {ctx.last4:04d}). "
                f"Call length {seconds // 60}m {seconds % 60}s."
                if en
                else f"来电：{ctx.subject}。已核实客户身份（手机尾号 {ctx.last4:04d}），"
                f"通话 {seconds // 60} 分 {seconds % 60} 秒。"
            )
            data = f'{{"direction": "inbound", "duration_s": {seconds}}}'
            inbound = self._event(EventKind.CALL_LOG, creator, ctx.created + seconds, body, data)
        elif ctx.channel is Channel.STORE:
            body = f"Store visit: {ctx.request}" if en else f"门店来访登记：{ctx.request}"
            inbound = self._event(EventKind.NOTE, creator, ctx.created + 60, body)
        else:
            body = f"{ctx.subject}. {ctx.request}" if en else f"{ctx.subject}。{ctx.request}"
            data = f'{{"channel": "{ctx.channel.value}", "direction": "inbound"}}'
            inbound = self._event(EventKind.REPLY, None, ctx.created, body, data)
        return [self._created(ctx), inbound]

    def _rich_timeline(self, ctx: _TimelineContext) -> list[EventRec]:
        """Two to eight events telling the ticket's story up to its current status."""
        rng, en, plan = self.rng, ctx.english, ctx.plan
        events = self._opening(ctx)
        status = plan.status
        if status is Status.NEW or plan.dispatched is None:
            return events
        lang = 1 if en else 0
        final = ctx.final_agent
        end = plan.resolved if plan.resolved is not None else _ANCHOR_TS - 60
        start = max(plan.dispatched, events[-1].at)
        finished = status in (Status.RESOLVED, Status.CLOSED)
        follow_up = status is Status.CLOSED and rng.random() < 0.6

        # What must follow dispatch (2 events), and what the 8-event budget leaves for the rest.
        closing = {Status.RESOLVED: 2, Status.CLOSED: 3 + follow_up}.get(status, 0)
        budget = MAX_RICH_EVENTS - len(events) - 2 - closing
        working = status in (Status.IN_PROGRESS, Status.WAITING_CUSTOMER)
        must = (1 if working else 0) + (1 if status is Status.WAITING_CUSTOMER else 0)
        transfer = ctx.transferred and budget >= must + 2

        # Dispatch: routing puts the ticket on the first team (front line when it will transfer).
        first_team = FRONT_LINE if transfer else ctx.team
        first_agent = ctx.intake_agent if transfer else final
        events.append(self._status(None, start, Status.NEW, Status.ASSIGNED))
        events.append(self._assignment(None, start, first_team, first_agent))

        # The steps in between, in order; optional ones only while the budget lasts.
        steps: list[tuple[str, bool]] = [("transfer", True)] if transfer else []
        if final is not None and (working or (finished and rng.random() < 0.6)):
            steps += [("start", working), ("first_reply", False)]
        if status is Status.WAITING_CUSTOMER:
            steps += [("ask", False), ("wait", True)]
        elif final is not None:
            steps += [("note", False)]
            if status is not Status.ASSIGNED:
                steps += [("update", False)]
        room = budget - must - (2 if transfer else 0)
        chosen: list[str] = []
        for name, required in steps:
            if required:
                chosen.append(name)
            elif room > 0 and rng.random() < 0.55:
                chosen.append(name)
                room -= 1
        stamps = sorted(_between(rng, start + 60, max(start + 61, end - 120)) for _ in chosen)
        current = Status.ASSIGNED
        for name, stamp in zip(chosen, stamps, strict=True):
            at = max(stamp, events[-1].at)
            if name == "transfer":
                events += self._transfer(ctx, at)
            elif name == "start":
                events.append(self._status(final, at, current, Status.IN_PROGRESS))
                current = Status.IN_PROGRESS
            elif name == "first_reply":
                signature = self._signature(final, en)
                text = _pick(rng, FIRST_REPLIES)[lang].format(name=ctx.customer, agent=signature)
                events.append(self._reply(ctx, final, at, text))
            elif name == "ask":
                events.append(
                    self._reply(ctx, final, at, _pick(rng, WAIT_REPLIES[ctx.category])[lang])
                )
            elif name == "wait":
                events.append(self._status(final, at, current, Status.WAITING_CUSTOMER))
                current = Status.WAITING_CUSTOMER
            elif name == "update":
                events.append(self._reply(ctx, final, at, _pick(rng, UPDATE_REPLIES)[lang]))
            elif name == "note" and final is not None:
                events.append(self._note(ctx, final, at))

        if finished and plan.resolved is not None:
            at = max(plan.resolved, events[-1].at)
            events.append(self._resolution(ctx, at))
            events.append(self._status(final, at, current, Status.RESOLVED))
            if status is Status.CLOSED and plan.closed is not None:
                closed_at = max(plan.closed, at + 1200)
                if follow_up:  # the customer's score and words (R10), before the close
                    zh, en_text = _pick(rng, FOLLOW_UPS)
                    score = _pick(rng, (5, 5, 5, 4, 4, 3))
                    body = en_text if en else zh
                    data = _DATA_JSON.encode({"comment": body, "score": score})
                    kind = EventKind.FOLLOW_UP_RESULT
                    events.append(self._event(kind, final, closed_at - 600, body, data))
                events.append(self._status(final, closed_at, Status.RESOLVED, Status.CLOSED))
        return events

    def _transfer(self, ctx: _TimelineContext, at: int) -> list[EventRec]:
        """The front line hands over with a note so the customer never repeats themselves (R4);
        like the repository's transfer, the ticket lands unassigned in the team's pool, where
        its owner claims it."""
        writer, final = ctx.intake_agent, ctx.final_agent
        note = self._handoff(ctx)
        data = (
            f'{{"from_assignee": "{writer.id}", "from_team": "{self.teams[FRONT_LINE]}", '
            f'"to_team": "{self.teams[ctx.team]}"}}'
        )
        events = [self._event(EventKind.TRANSFER, writer, at, note, data)]
        if final is not None:
            events.append(self._assignment(final, at, ctx.team, final))
        return events

    def _note(self, ctx: _TimelineContext, agent: AgentRow, at: int) -> EventRec:
        zh, en = _pick(self.rng, NOTES if ctx.fill["order"] != "—" else NOTES[1:])
        tier_zh, tier_en = TIER_NAMES[ctx.tier]
        english = agent.language == "en"
        text = (en if english else zh).format(
            order=ctx.fill["order"], tier=tier_en if english else tier_zh
        )
        return self._event(EventKind.NOTE, agent, at, text)

    def _compact_timeline(self, ctx: _TimelineContext) -> list[EventRec]:
        """Two or three events per ticket: enough for a believable detail view at 1M scale."""
        plan = ctx.plan
        if plan.status is Status.NEW or plan.dispatched is None:
            return self._opening(ctx)
        final = ctx.final_agent
        events = [self._created(ctx), self._assignment(None, plan.dispatched, ctx.team, final)]
        if plan.status in (Status.IN_PROGRESS, Status.WAITING_CUSTOMER):
            at = max(plan.dispatched + 60, min(_ANCHOR_TS - 60, plan.dispatched + 1800))
            events.append(self._status(final, at, Status.ASSIGNED, plan.status))
        elif plan.resolved is not None:
            events.append(self._resolution(ctx, max(plan.resolved, plan.dispatched)))
        return events

    def _status(self, actor: AgentRow | None, at: int, old: Status, new: Status) -> EventRec:
        data = f'{{"from": "{old.value}", "to": "{new.value}"}}'
        return self._event(EventKind.STATUS_CHANGE, actor, at, "", data)

    def _assignment(
        self, actor: AgentRow | None, at: int, team: str, assignee: AgentRow | None
    ) -> EventRec:
        who = f'"{assignee.id}"' if assignee else "null"
        data = f'{{"assignee_id": {who}, "team_id": "{self.teams[team]}"}}'
        return self._event(EventKind.ASSIGNMENT, actor, at, "", data)

    def _resolution(self, ctx: _TimelineContext, at: int) -> EventRec:
        data = f'{{"root_cause": "{ctx.root_cause}"}}'
        return self._event(EventKind.RESOLUTION, ctx.final_agent, at, ctx.resolution or "", data)

    def _reply(self, ctx: _TimelineContext, actor: AgentRow | None, at: int, text: str) -> EventRec:
        data = f'{{"channel": "{ctx.channel.value}", "direction": "outbound"}}'
        return self._event(EventKind.REPLY, actor, at, text, data)

    @staticmethod
    def _signature(agent: AgentRow | None, english: bool) -> str:
        if agent is None:
            return "customer service" if english else "客服"
        if english and agent.language != "en":
            return agent.username.split(".")[0].title()
        return agent.display_name if not english else agent.display_name.split()[0]

    @staticmethod
    def _handoff(ctx: _TimelineContext) -> str:
        """The hand-off note, in the ticket's language since it quotes the customer."""
        english, order = ctx.english, ctx.fill["order"]
        to_zh, to_en = _TEAM_NAMES[ctx.team]
        if ctx.team == LEADS and ctx.level is not None:
            level_zh, level_en = _LEVEL_NAMES[ctx.level.value]
            if english:
                return (
                    f"Escalating a {level_en} complaint to {to_en}: {ctx.subject}. "
                    f"The customer asks: {ctx.request} Please call back within 24 hours."
                )
            return (
                f"升级{to_zh}：{level_zh}投诉，{ctx.subject}。"
                f"客户诉求：{ctx.request}请 24 小时内回电跟进。"
            )
        checked = order != "—"
        if english:
            return (
                f"Handing over to {to_en}: {ctx.subject}. "
                + (f"Order {order} checked. " if checked else "")
                + f"The customer asks: {ctx.request} Please follow up directly; the customer "
                "should not have to repeat anything."
            )
        return (
            f"转交{to_zh}：{ctx.subject}。"
            + (f"已核实订单 {order}。" if checked else "")
            + f"客户诉求：{ctx.request}请直接跟进，无需客户重复说明。"
        )


class TemplateValues(dict[str, str]):
    """Values for a ticket's text templates, drawn on first use (a ticket pays only for the
    placeholders its texts show) and taken from the order where there is one."""

    def __init__(
        self,
        rng: random.Random,
        people: Population,
        english: bool,
        product: ProductRow,
        order: int | None,
        created: int,
    ) -> None:
        super().__init__()
        self.rng, self.people, self.lang = rng, people, 1 if english else 0
        self.product, self.order, self.created = product, order, created

    def __missing__(self, key: str) -> str:
        value = self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:
        rng, people, order, product, lang = (
            self.rng,
            self.people,
            self.order,
            self.product,
            self.lang,
        )
        if order is None:
            cents, age_days = product.price_cents, _between(rng, 3, 12)
        else:
            cents = people.order_cents[order]
            age_days = max(1, (self.created - people.order_ts[order]) // _DAY)
        match key:
            case "product":
                return product.name_en if lang else product.name_zh
            case "order":
                return people.order_number(order) if order is not None else "—"
            case "fault":
                return _pick(rng, FAULTS[product.line])[lang]
            case "issue":
                return _pick(rng, ISSUES[product.line])[lang]
            case "setting":
                return _pick(rng, SETTINGS)[lang]
            case "amount":
                return _money(cents)
            case "diff":
                return _money(max(1000, cents * _pick(rng, (5, 8, 10, 15)) // 10_000 * 100))
            case "days":
                return str(age_days)
            case "months":
                return str(max(1, age_days // 30))
            case "wait":
                return str(_between(rng, 3, 12))
            case "promise":
                return str(_pick(rng, (3, 5, 7)))
            case "quote":
                return _money(_between(rng, 89, 399) * 100)
            case "mins":
                return str(_pick(rng, (15, 20, 30, 40)))
            case "qty":
                return str(_pick(rng, (20, 30, 50, 100, 200)))
            case "fw":
                return f"v{_between(rng, 1, 3)}.{_between(rng, 0, 9)}.{_between(rng, 0, 30)}"
            case "pct":
                return str(_between(rng, 12, 97))
            case "phone_model":
                return _pick(rng, PHONE_MODELS)
            case "tracking":
                return f"SF{_below(rng, 10**12):012d}"
            case "comp":
                return _pick(rng, COMPENSATION)[lang]
        raise KeyError(key)


@dataclass(slots=True)
class _Plan:
    status: Status
    dispatched: int | None
    resolved: int | None
    closed: int | None


@dataclass(slots=True)
class _TimelineContext:
    category: str
    english: bool
    channel: Channel
    created: int
    subject: str
    description: str
    request: str
    fill: TemplateValues
    team: str
    final_agent: AgentRow | None
    intake_agent: AgentRow
    transferred: bool
    plan: _Plan
    resolution: str | None
    root_cause: str
    customer: str
    tier: str
    last4: int
    level: ComplaintLevel | None


class Numberer:
    """Ticket numbers T-YYYYMMDD-NNNN, counted per Asia/Shanghai day; feed times in order."""

    def __init__(self) -> None:
        self._day = -1
        self._seq = 0
        self._prefix = ""

    def next(self, ts: int) -> str:
        day = (ts + _CHINA_OFFSET) // _DAY
        if day != self._day:
            self._day, self._seq = day, 0
            self._prefix = numbering.day_prefix(datetime.fromtimestamp(ts, CHINA_TZ))
        self._seq += 1
        return f"{self._prefix}{self._seq:04d}"  # as numbering.ticket_number


def customer_count(tickets: int) -> int:
    """Customers scale with tickets: about four contacts per customer over the window."""
    return max(40, tickets // 4)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

_CSV_HEADERS = {
    "teams.csv": ("id", "code", "name_en", "name_zh", "kind"),
    "agents.csv": ("id", "username", "display_name", "role", "team_id", "language", "active"),
    "customers.csv": ("id", "name", "phone", "email", "address", "tier", "created_at"),
    "products.csv": ("id", "sku", "name_en", "name_zh", "line"),
    "orders.csv": ("id", "number", "customer_id", "product_id", "amount_cents", "ordered_at"),
}


def _write_csv(path: Path, rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_CSV_HEADERS[path.name])
        writer.writerows(rows)


def _read_csv(directory: Path, name: str) -> list[tuple[str, ...]]:
    """The rows of one CSV file, columns in header order (which is the table's column order)."""
    with (directory / name).open(encoding="utf-8", newline="") as f:
        return [tuple(row[column] for column in _CSV_HEADERS[name]) for row in csv.DictReader(f)]


def _ticket_json(t: TicketRec) -> dict[str, object]:
    return {
        "id": t.id,
        "number": t.number,
        "created_at": _iso(t.created),
        "updated_at": _iso(t.updated),
        "status": t.status,
        "channel": t.channel,
        "category": t.category,
        "complaint_level": t.complaint_level,
        "priority": t.priority,
        "customer_id": t.customer_id,
        "product_id": t.product_id,
        "order_id": t.order_id,
        "team_id": t.team_id,
        "assignee_id": t.assignee_id,
        "subject": t.subject,
        "description": t.description,
        "customer_request": t.customer_request,
        "due_at": _iso(t.due) if t.due is not None else None,
        "resolved_at": _iso(t.resolved) if t.resolved is not None else None,
        "resolution": t.resolution,
        "root_cause": t.root_cause,
        "events": [
            {
                "id": e.id,
                "at": _iso(e.at),
                "kind": e.kind,
                "actor_id": e.actor_id,
                "body": e.body,
                "data": json.loads(e.data_json),
            }
            for e in t.events
        ],
    }


def _ticket_from_json(record: dict[str, Any], names: dict[str, str]) -> TicketRec:
    """A line of tickets.jsonl back in the generator's form (times as epoch seconds)."""

    def moment(key: str) -> int | None:
        return _parse_ts(record[key]) if record.get(key) else None

    events = [
        EventRec(
            e["id"],
            e["kind"],
            e.get("actor_id"),
            _parse_ts(e["at"]),
            e.get("body") or "",
            _DATA_JSON.encode(e.get("data") or {}),
        )
        for e in record.get("events") or []
    ]
    return TicketRec(
        id=record["id"],
        number=record["number"],
        subject=record["subject"],
        description=record["description"],
        customer_request=record.get("customer_request") or "",
        customer_id=record["customer_id"],
        customer_name=names.get(record["customer_id"], ""),
        product_id=record.get("product_id"),
        order_id=record.get("order_id"),
        channel=record["channel"],
        category=record["category"],
        complaint_level=record.get("complaint_level"),
        priority=record["priority"],
        status=record["status"],
        team_id=record.get("team_id"),
        assignee_id=record.get("assignee_id"),
        created=_parse_ts(record["created_at"]),
        updated=_parse_ts(record["updated_at"]),
        due=moment("due_at"),
        resolved=moment("resolved_at"),
        resolution=record.get("resolution"),
        root_cause=record.get("root_cause"),
        events=events,
    )


def write_demo_files(
    directory: Path, seed: int = DEFAULT_SEED, tickets: int = DEFAULT_TICKETS
) -> None:
    """Write the demo set (UTF-8 CSV + JSON lines, anchor-time UTC) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ref = Reference(rng)
    people = Population(customer_count(tickets), ref)
    customers: list[CustomerRow] = []
    orders: list[OrderRow] = []
    for customer_rows, order_rows in people.draw(rng, CHUNK_SIZE):
        customers += customer_rows
        orders += order_rows
    _write_csv(directory / "teams.csv", ref.team_rows())
    _write_csv(directory / "agents.csv", ((*a[:6], str(a[6]).lower()) for a in ref.agent_rows()))
    _write_csv(directory / "customers.csv", ((*c[:6], _iso(c[6])) for c in customers))
    _write_csv(directory / "products.csv", ref.product_rows())
    _write_csv(directory / "orders.csv", ((*o[:5], _iso(o[5])) for o in orders))
    factory = TicketFactory(rng, ref, people, tickets)
    with (directory / "tickets.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for chunk in factory.chunks(CHUNK_SIZE):
            for ticket in chunk:
                f.write(_JSON.encode(_ticket_json(ticket)) + "\n")


# ---------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------

_SEEDED_TABLES = ("ticket", "team", "agent", "customer", "product", "customer_order")


class StoreWriter:
    """Inserts demo rows with `executemany`, shifting every time by `shift` seconds."""

    TEAM_SQL = "INSERT INTO team (id, code, name_en, name_zh, kind) VALUES (?, ?, ?, ?, ?)"
    AGENT_SQL = (
        "INSERT INTO agent (id, username, display_name, role, team_id, language, active) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    PRODUCT_SQL = "INSERT INTO product (id, sku, name_en, name_zh, line) VALUES (?, ?, ?, ?, ?)"
    CUSTOMER_SQL = (
        "INSERT INTO customer (id, name, phone, email, address, tier, external_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)"
    )
    ORDER_SQL = (
        "INSERT INTO customer_order "
        "(id, number, customer_id, product_id, amount_cents, ordered_at) "
        "VALUES (?, ?, ?, ?, ?, ?)"
    )
    TICKET_SQL = (
        "INSERT INTO ticket (pk, id, number, subject, description, customer_request, customer_id, "
        "product_id, order_id, channel, category, complaint_level, priority, status, team_id, "
        "assignee_id, created_at, updated_at, due_at, due_sort, resolved_at, resolution, "
        "root_cause, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
    )
    EVENT_SQL = (
        "INSERT INTO ticket_event (id, ticket_id, kind, actor_id, at, body, data_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )

    def __init__(self, conn: sqlite3.Connection, shift: int) -> None:
        self.conn = conn
        self.shift = shift
        self.numbers = Numberer()
        self.next_pk = conn.execute("SELECT COALESCE(MAX(pk), 0) + 1 FROM ticket").fetchone()[0]
        self.tickets_written = 0
        self.events_written = 0

    def iso(self, ts: int) -> str:
        return _iso(ts + self.shift)

    def teams(self, rows: Iterable[Sequence[object]]) -> None:
        self.conn.executemany(self.TEAM_SQL, rows)

    def agents(self, rows: Iterable[Sequence[object]]) -> None:
        self.conn.executemany(self.AGENT_SQL, rows)

    def products(self, rows: Iterable[Sequence[object]]) -> None:
        self.conn.executemany(self.PRODUCT_SQL, rows)

    def customers(self, rows: Sequence[CustomerRow]) -> None:
        iso = self.iso
        self.conn.executemany(self.CUSTOMER_SQL, [(*r[:6], iso(r[6])) for r in rows])

    def orders(self, rows: Sequence[OrderRow]) -> None:
        iso = self.iso
        self.conn.executemany(self.ORDER_SQL, [(*r[:5], iso(r[5])) for r in rows])

    def tickets(self, batch: Sequence[TicketRec]) -> None:
        """Tickets (in creation order: numbers count per shifted day), timelines, search rows."""
        iso, shift, numbers = self.iso, self.shift, self.numbers
        tickets: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        documents: list[tuple[int, str]] = []
        pk = self.next_pk
        for t in batch:
            number = numbers.next(t.created + shift)
            # Deadlines come from the SLA clocks (derive_clocks), not the generator's plan.
            due_sort = deadlines.underived_sort(t.status in status_flow.OPEN_STATUSES)
            tickets.append(
                (
                    pk,
                    t.id,
                    number,
                    t.subject,
                    t.description,
                    t.customer_request,
                    t.customer_id,
                    t.product_id,
                    t.order_id,
                    t.channel,
                    t.category,
                    t.complaint_level,
                    t.priority,
                    t.status,
                    t.team_id,
                    t.assignee_id,
                    iso(t.created),
                    iso(t.updated),
                    None,
                    due_sort,
                    iso(t.resolved) if t.resolved is not None else None,
                    t.resolution,
                    t.root_cause,
                )
            )
            for e in t.events:
                events.append((e.id, t.id, e.kind, e.actor_id, iso(e.at), e.body, e.data_json))
            documents.append(
                (pk, search_index.document_text(number, t.subject, t.description, t.customer_name))
            )
            pk += 1
        self.conn.executemany(self.TICKET_SQL, tickets)
        self.conn.executemany(self.EVENT_SQL, events)
        search_index.index_many(self.conn, documents)
        self.next_pk = pk
        self.tickets_written += len(tickets)
        self.events_written += len(events)


def _shift_seconds(now: datetime) -> int:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return round((now - ANCHOR).total_seconds())


def _open_empty_store(store: Path) -> sqlite3.Connection:
    """Migrate the store if needed and open it; refuse one that already holds data."""
    if database.store_revision(store) != database.HEAD_REVISION:
        database.upgrade(store)
    conn = database.connect(store)
    try:
        for table in _SEEDED_TABLES:
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                raise AgentdeskError("error.store_not_empty", path=str(store))
    except BaseException:
        conn.close()
        raise
    return conn


def load_demo_files(store: Path, directory: Path, now: datetime) -> DemoStats:
    """Load the demo set from `directory` into an empty store, shifted so ANCHOR becomes `now`.

    All or nothing: one transaction, foreign keys checked.
    """
    shift = _shift_seconds(now)
    teams = _read_csv(directory, "teams.csv")
    agents = [(*a[:6], a[6].lower() in ("1", "true")) for a in _read_csv(directory, "agents.csv")]
    products = _read_csv(directory, "products.csv")
    customers: list[CustomerRow] = [
        (cid, name, phone, email, address, tier, _parse_ts(created))
        for cid, name, phone, email, address, tier, created in _read_csv(directory, "customers.csv")
    ]
    orders: list[OrderRow] = [
        (oid, number, cid, product, int(cents), _parse_ts(ordered))
        for oid, number, cid, product, cents, ordered in _read_csv(directory, "orders.csv")
    ]
    names = {c[0]: c[1] for c in customers}
    with (directory / "tickets.jsonl").open(encoding="utf-8") as f:
        tickets = [_ticket_from_json(json.loads(line), names) for line in f if line.strip()]
    tickets.sort(key=lambda t: t.created)  # numbers count up per day in creation order

    conn = _open_empty_store(store)
    try:
        writer = StoreWriter(conn, shift)
        writer.teams(teams)
        writer.agents(agents)
        writer.products(products)
        writer.customers(customers)
        writer.orders(orders)
        for start in range(0, len(tickets), CHUNK_SIZE):
            writer.tickets(tickets[start : start + CHUNK_SIZE])
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    derive_clocks(store, now)
    load_library(store, now)
    draw_qa_sample(store, now)
    return DemoStats(
        len(teams), len(agents), len(customers), writer.tickets_written, writer.events_written
    )


def build_demo_store(
    store: Path,
    tickets: int,
    now: datetime,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int], None] | None = None,
) -> DemoStats:
    """Generate `tickets` tickets straight into an empty store, shifted so ANCHOR becomes `now`.

    Streams in chunks of CHUNK_SIZE, each its own transaction, so memory stays bounded by one
    chunk plus the compact customer arrays; `progress(done)` is called after each ticket chunk.
    An interrupted build leaves a consistent store holding the chunks written so far; it then
    counts as not empty, so delete it and build again. Above RICH_TIMELINE_LIMIT tickets the
    timelines are 2-3 events long.
    """
    shift = _shift_seconds(now)
    conn = _open_empty_store(store)
    try:
        # Bulk-load settings for this connection only: the generator keeps every reference
        # consistent (tests check foreign keys on a small build), WAL + NORMAL stays crash-safe.
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-32768")  # 32 MiB: more only costs memory
        conn.execute("PRAGMA temp_store=MEMORY")
        rng = random.Random(seed)
        ref = Reference(rng)
        people = Population(customer_count(tickets), ref)
        writer = StoreWriter(conn, shift)
        writer.teams(ref.team_rows())
        writer.agents(ref.agent_rows())
        writer.products(ref.product_rows())
        for customer_rows, order_rows in people.draw(rng, CHUNK_SIZE):
            writer.customers(customer_rows)
            writer.orders(order_rows)
            conn.commit()
        factory = TicketFactory(rng, ref, people, tickets)
        for chunk in factory.chunks(CHUNK_SIZE):
            writer.tickets(chunk)
            conn.commit()
            if progress is not None:
                progress(writer.tickets_written)
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    derive_clocks(store, now)
    load_library(store, now)
    draw_qa_sample(store, now)
    return DemoStats(
        len(ref.teams), len(ref.agents), people.count, writer.tickets_written, writer.events_written
    )


def derive_clocks(store: Path, now: datetime, progress: Callable[[int], None] | None = None) -> int:
    """Replace the generator's planning deadlines with the SLA clocks of the shipped policy,
    derived from each open ticket's timeline (and remember that policy as the store's)."""
    from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, parse_policy, read_texts
    from agentdesk.store.repository import Repository

    texts = read_texts(SHIPPED_POLICY_DIR)
    repo = Repository(database.make_engine(store))
    try:
        return repo.adopt_policy(parse_policy(texts), texts, now, progress) or 0
    finally:
        repo.engine.dispose()


QA_PER_AGENT = 3
QA_COMMENTS = (
    "开场问候规范，解决方案清晰。",
    "回复及时，但未确认客户是否满意。",
    "语气友好；退款时效说明可以更具体。",
    "Clear steps; confirm the order number before promising a date.",
    "Good empathy; close with the follow-up time.",
)


def draw_qa_sample(store: Path, now: datetime) -> int:
    """The demo lead's QA sample of last week (R8): up to three handled tickets per agent, about
    two in three of them scored, so the monitor's scorecards and `report qa` have something to
    show. Seed data like the rest of the set: nothing is queued for the server."""
    from agentdesk.domain.qa import QaScore, draw_sample
    from agentdesk.store import qa_store

    conn = database.connect(store)
    try:
        found = conn.execute("SELECT id FROM agent WHERE username = ?", (DEMO_LEAD,)).fetchone()
        if found is None:
            return 0
        lead = str(found[0])
        since, until = now - timedelta(days=7), now
        handled = qa_store.handled(conn, since.isoformat(), until.isoformat(), None, lead)
        drawn = draw_sample(handled, QA_PER_AGENT, DEFAULT_SEED)
        period = (since.astimezone(CHINA_TZ).date().isoformat(),
                  (until.astimezone(CHINA_TZ).date() + timedelta(days=1)).isoformat())  # fmt: skip
        with conn:
            added = qa_store.add_reviews(
                conn, drawn, at=now, by=lead, period=period, seed=DEFAULT_SEED, queue=False
            )
            rng = random.Random(DEFAULT_SEED)
            for ticket_id in sorted(t for ids in drawn.values() for t in ids):
                if rng.random() < 2 / 3:
                    tone, manner, pace, rules = (rng.choice((3, 4, 4, 5, 5)) for _ in range(4))
                    score = QaScore(tone, manner, pace, rules, rng.choice(QA_COMMENTS))
                    qa_store.save_score(conn, ticket_id, score, lead, now, queue=False)
        return added
    finally:
        conn.close()


def load_library(store: Path, now: datetime) -> None:
    """The shipped phrase library and knowledge base (data/phrases, data/kb) into the store."""
    from agentdesk.io.phrase_files import SHIPPED_KB, SHIPPED_PHRASES, load_articles, load_phrases
    from agentdesk.store.repository import Repository

    repo = Repository(database.make_engine(store))
    try:
        phrases = [p for path in SHIPPED_PHRASES for p in load_phrases(path)]
        repo.import_phrases(phrases, "agentdesk", now)
        repo.import_articles(load_articles(SHIPPED_KB), "agentdesk", now)
    finally:
        repo.engine.dispose()


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentdesk.io.demo_data", description="Generate the agentdesk demo data."
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--write", type=Path, metavar="DIR", help="write the demo files into DIR")
    target.add_argument("--build", type=Path, metavar="STORE", help="generate into an empty store")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.write is not None:
        write_demo_files(args.write, seed=args.seed, tickets=args.tickets)
        print(f"wrote {args.tickets} tickets to {args.write}", file=sys.stderr)
        return 0
    from agentdesk.domain.clock import SystemClock

    def report(done: int) -> None:
        rate = done / (time.perf_counter() - started)
        print(f"\r{done:,} / {args.tickets:,} tickets ({rate:,.0f}/s)", end="", file=sys.stderr)

    stats = build_demo_store(args.build, args.tickets, SystemClock().now(), args.seed, report)
    print(f"\n{stats} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
