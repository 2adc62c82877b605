"""Writing an import into the local store, in two steps:

1. the rows: upserts with executemany in one transaction (all or nothing), each written ticket
   listed in sync_underived in that same transaction (store_writer; for a large file from a
   second process, while this one reads and builds the next rows);
2. the queue columns (SLA clocks, deadline) and search entries of the listed tickets, derived
   chunk by chunk exactly as after a first download (store.sync_apply.derive_underived). Cut
   short, the rest stays listed and the next import (or `agentdesk sync`) derives it; a ticket
   is never left half-written, only without its deadline and search entry until then.

Imported rows are seed data, not local edits: nothing goes to the outbox (a profile that syncs
gets its data from the server; the CLI warns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agentdesk.domain.sla_policy import SlaPolicy
from agentdesk.io.imports.fields import RecordKind
from agentdesk.io.imports.lookup import AgentRef, Lookup, ProductRef, TeamRef
from agentdesk.io.imports.store_writer import RowWriter, WriterProcess, open_for_import
from agentdesk.store import database
from agentdesk.store.sync_apply import derive_underived

IN_CHUNK = 500  # ids per IN (...) list
AGENTS_SQL = "SELECT id, username, display_name, role, team_id, language, active FROM agent"
SEPARATE_WRITER_BYTES = 8 << 20  # from this file size on, rows are written by a second process


class StoreTarget:
    def __init__(
        self, store: Path, policy: SlaPolicy, now: int, *, separate_writer: bool = False
    ) -> None:
        """`separate_writer`: write from a second process (store_writer), reading through this
        one's own connection meanwhile."""
        self.writer: RowWriter | WriterProcess
        if separate_writer:
            self.conn = database.connect(store)
            self.writer = WriterProcess(store)
        else:
            self.conn = open_for_import(store)
            self.writer = RowWriter(self.conn)
        self.policy = policy
        self.now = now

    # -- reading ------------------------------------------------------------------------------

    def lookup(self, source: str) -> Lookup:
        q = self.conn.execute
        found = Lookup.of(
            (TeamRef(*r) for r in q("SELECT id, code, name_en, name_zh, kind FROM team")),
            (AgentRef(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in q(AGENTS_SQL)),
            (ProductRef(*r) for r in q("SELECT id, sku, name_en, name_zh FROM product")),
        )
        rows = q("SELECT kind, key, id FROM import_key WHERE source = ?", (source,))
        found.aliases = {(kind, key): ident for kind, key, ident in rows}
        return found

    def remember(self, source: str, aliases: list[tuple[str, str, str]]) -> None:
        self.writer.remember(source, aliases)

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
        for external, ident in self._pairs(
            "SELECT external_id, id FROM customer WHERE external_id IN ({})", customer_externals
        ):
            lookup.customers_by_external[external] = ident
        lookup.customer_ids.update(self.existing("customer", list(customer_ids)))
        lookup.customers_by_phone.update(
            self._pairs("SELECT phone, id FROM customer WHERE phone IN ({})", phones)
        )
        lookup.orders.update(
            self._pairs("SELECT number, id FROM customer_order WHERE number IN ({})", orders)
        )
        lookup.tickets = dict(
            self._pairs("SELECT number, id FROM ticket WHERE number IN ({})", numbers)
        )

    def existing(self, table: str, ids: list[str]) -> set[str]:
        return {r[0] for r in self._pairs(f"SELECT id, id FROM {table} WHERE id IN ({{}})", ids)}

    def _pairs(self, sql: str, keys: Iterable[str]) -> list[tuple[Any, Any]]:
        keys = list(keys)
        found: list[tuple[Any, Any]] = []
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            found += self.conn.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall()
        return found

    # -- writing ------------------------------------------------------------------------------

    def write(self, kind: RecordKind, built: list[Any]) -> None:
        self.writer.write(kind.value, built)

    def finish(self) -> None:
        """Nothing before the commit: the derived columns come after it (`derive`)."""

    def commit(self) -> None:
        self.writer.commit()

    def derive(self, progress: Callable[[int], None] | None = None) -> int:
        """Step 2: clocks, deadlines and search entries of every listed ticket."""
        return derive_underived(self.conn, self.policy, self.now, progress=progress)

    def rollback(self) -> None:
        self.writer.rollback()

    def close(self) -> None:
        self.writer.rollback()  # nothing, after a commit
        self.conn.close()
