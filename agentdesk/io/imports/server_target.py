"""Writing an import into the central database (`--db URL`): the same rows as the store gets,
upserted in one transaction, each with its entry in the change index so clients pull it
(design/SYNC.md). The server derives no clocks; each console does when the rows arrive.

Imported accounts get a password nobody knows: an admin sets one with
`agentdesk users reset-password` before the person signs in.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentdesk.io.imports.building import COLUMNS, BuiltTicket
from agentdesk.io.imports.fields import RecordKind
from agentdesk.io.imports.lookup import AgentRef, Lookup, ProductRef, TeamRef
from agentdesk.server import changes, db
from agentdesk.server.accounts import hash_password, utc
from agentdesk.server.intents import move_with_timeline
from agentdesk.server.tables import (
    account,
    customer,
    customer_order,
    import_key,
    product,
    team,
    ticket,
    ticket_event,
)

IN_CHUNK = 500
TABLES: dict[str, sa.Table] = {
    "team": team,
    "agent": account,
    "customer": customer,
    "ticket": ticket,
    "ticket_event": ticket_event,
}


class ServerTarget:
    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine = engine
        self.conn: Connection = engine.connect()
        self.tx = self.conn.begin()
        self.now = now
        self._unknown_password: str | None = None

    # -- reading ------------------------------------------------------------------------------

    def lookup(self, source: str) -> Lookup:
        q = self.conn.execute
        found = Lookup.of(
            (
                TeamRef(*r)
                for r in q(
                    sa.select(team.c.id, team.c.code, team.c.name_en, team.c.name_zh, team.c.kind)
                )
            ),
            (AgentRef(*r) for r in q(sa.select(*(account.c[name] for name in COLUMNS["agent"])))),
            (
                ProductRef(*r)
                for r in q(
                    sa.select(product.c.id, product.c.sku, product.c.name_en, product.c.name_zh)
                )
            ),
        )
        keys = sa.select(import_key.c.kind, import_key.c.key, import_key.c.id)
        found.aliases = {(k, key): i for k, key, i in q(keys.where(import_key.c.source == source))}
        return found

    def remember(self, source: str, aliases: list[tuple[str, str, str]]) -> None:
        for kind, key, _ident in aliases:
            where = (
                (import_key.c.kind == kind)
                & (import_key.c.source == source)
                & (import_key.c.key == key)
            )
            self.conn.execute(import_key.delete().where(where))
        if aliases:
            self.conn.execute(
                import_key.insert(),
                [
                    {"kind": kind, "source": source, "key": key, "id": ident}
                    for kind, key, ident in aliases
                ],
            )

    def prefetch(
        self,
        lookup: Lookup,
        customer_externals: set[str],
        customer_ids: set[str],
        orders: set[str],
        numbers: set[str],
        phones: set[str],
    ) -> None:
        """What this chunk's rows name: customers by external id (and, for customers entered by
        hand, by phone), orders and tickets by number."""
        lookup.customers_by_external.update(
            self._pairs(customer.c.external_id, customer.c.id, customer_externals)
        )
        lookup.customer_ids.update(self.existing("customer", list(customer_ids)))
        lookup.customers_by_phone.update(self._pairs(customer.c.phone, customer.c.id, phones))
        lookup.orders.update(self._pairs(customer_order.c.number, customer_order.c.id, orders))
        lookup.tickets = dict(self._pairs(ticket.c.number, ticket.c.id, numbers))

    def existing(self, table: str, ids: list[str]) -> set[str]:
        column = TABLES[table].c.id
        return {key for key, _ in self._pairs(column, column, ids)}

    def _pairs(
        self, key: sa.Column[Any], value: sa.Column[Any], keys: Iterable[str]
    ) -> list[tuple[Any, Any]]:
        keys = list(keys)
        found: list[tuple[Any, Any]] = []
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            found += [
                tuple(r) for r in self.conn.execute(sa.select(key, value).where(key.in_(chunk)))
            ]
        return found

    # -- writing ------------------------------------------------------------------------------

    def write(self, kind: RecordKind, built: list[Any]) -> None:
        if kind is RecordKind.TICKETS:
            self._write_tickets(built)
        elif kind is RecordKind.AGENTS:
            self._write_accounts(built)
        else:
            table = {"teams": "team", "customers": "customer"}[kind.value]
            self._upsert(TABLES[table], _dicts(table, built))
            changes.record_many(self.conn, [(table, row[0], changes.ALL) for row in built])

    def _write_accounts(self, built: list[Any]) -> None:
        known = self.existing("agent", [row[0] for row in built])
        fresh = [
            {**row, "password_hash": self._password(), "created_at": utc(self.now)}
            for row in _dicts("agent", built)
            if row["id"] not in known
        ]
        if fresh:
            self.conn.execute(account.insert(), fresh)
        for row in _dicts("agent", [r for r in built if r[0] in known]):
            ident = row.pop("id")
            self.conn.execute(account.update().where(account.c.id == ident).values(**row))
        changes.record_many(self.conn, [("agent", row[0], changes.ALL) for row in built])

    def _password(self) -> str:
        if self._unknown_password is None:
            self._unknown_password = hash_password(secrets.token_urlsafe(32))
        return self._unknown_password

    def _write_tickets(self, built: list[BuiltTicket]) -> None:
        customers = [b.customer for b in built if b.customer is not None]
        if customers:
            known = self.existing("customer", [c[0] for c in customers])
            fresh = [c for c in customers if c[0] not in known]
            self._upsert(customer, _dicts("customer", fresh), update=False)
            changes.record_many(self.conn, [("customer", c[0], changes.ALL) for c in fresh])
        teams_before = dict(self._pairs(ticket.c.id, ticket.c.team_id, [b.row[0] for b in built]))
        self._upsert(ticket, _dicts("ticket", [b.row for b in built]), bump_version=True)
        scope_at = COLUMNS["ticket"].index("team_id")
        events = [e for b in built for e in b.events]
        fresh_events = set(_ids(events)) - self.existing("ticket_event", _ids(events))
        self._upsert(ticket_event, _dicts("ticket_event", events), update=False)
        team_of = {b.row[0]: b.row[scope_at] for b in built}
        records = [("ticket", ident, changes.ticket_scope(team)) for ident, team in team_of.items()]
        records += [
            ("ticket_event", e[0], changes.ticket_scope(team_of[e[1]]))
            for e in events
            if e[0] in fresh_events
        ]
        changes.record_many(self.conn, records)
        for ident, team_id in team_of.items():  # a new team: the ticket and its timeline move (T21)
            if ident in teams_before:
                move_with_timeline(self.conn, ident, teams_before[ident], team_id)

    def _upsert(
        self,
        table: sa.Table,
        rows: list[dict[str, Any]],
        *,
        update: bool = True,
        bump_version: bool = False,
    ) -> None:
        if not rows:
            return
        statement = db.dialect_insert(self.conn, table)
        if update:
            kept = {"id", "created_at"} if table is customer else {"id"}
            sets: dict[str, Any] = {c: statement.excluded[c] for c in rows[0] if c not in kept}
            if bump_version:
                sets["version"] = table.c.version + 1
            statement = statement.on_conflict_do_update(index_elements=["id"], set_=sets)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["id"])
        self.conn.execute(statement, rows)

    def finish(self) -> None:
        """Nothing to derive here: each console derives clocks and search entries on pull."""

    def derive(self, progress: object = None) -> int:
        return 0

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        if self.tx.is_active:
            self.tx.rollback()

    def close(self) -> None:
        self.conn.close()


def _dicts(table: str, rows: list[Any]) -> list[dict[str, Any]]:
    columns = COLUMNS[table]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _ids(rows: list[Any]) -> list[str]:
    return [row[0] for row in rows]
