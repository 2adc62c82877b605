"""The queue: views mine / team / unassigned / all / at risk / breached / escalated /
follow-ups, filters, search-as-you-type, live countdowns."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from agentdesk.dialogs.base import ReasonDialog
from agentdesk.domain import authority
from agentdesk.domain.model import Role
from agentdesk.i18n import label, t
from agentdesk.store import database
from agentdesk.store.queue_query import (
    FILTER_FIELDS,
    VIEW_ACTION_LIMIT,
    QueueFilter,
    QueuePager,
    View,
)
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.ticket_list import TicketList, header_line
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp


INCIDENT_ACTIONS = ("declare_incident", "link_incident", "incident_update")


class QueueScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "view('mine')", "key.view_mine", id="queue.mine"),
        Binding("2", "view('team')", "key.view_team", id="queue.team"),
        Binding("3", "view('unassigned')", "key.view_unassigned", id="queue.unassigned"),
        Binding("4", "view('all')", "key.view_all", id="queue.all"),
        Binding("5", "view('at_risk')", "key.view_at_risk", id="queue.at_risk"),
        Binding("6", "view('breached')", "key.view_breached", id="queue.breached"),
        Binding("7", "view('escalated')", "key.view_escalated", id="queue.escalated"),
        # shown in the view tabs; the key bar is full at 140 columns
        Binding(
            "8", "view('follow_ups')", "key.view_follow_ups", id="queue.follow_ups", show=False
        ),
        Binding("slash", "search", "key.search", id="queue.search"),
        Binding("f", "filters", "key.filters", id="queue.filters"),
        Binding("n", "intake", "key.new_ticket", id="queue.new"),
        Binding("D", "declare_incident", "key.declare_incident", id="queue.incident_declare"),
        Binding("L", "link_incident", "key.link_incident", id="queue.incident_link"),
        Binding("U", "incident_update", "key.incident_update", id="queue.incident_update"),
        Binding("ctrl+r", "clear_filters", "key.clear_filters", id="queue.clear"),
        Binding("escape", "back_to_list", "key.back_to_list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.filter = QueueFilter()
        self._generation = 0
        self._counting: sqlite3.Connection | None = None  # the connection of the running count
        self._counting_generation = 0  # the view generation that count belongs to
        self._count_lock = threading.Lock()

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        ctx = self.desk.context
        yield self.desk.incident_banner()
        yield Static(id="view-tabs", markup=False)
        yield Input(placeholder=t("queue.search_placeholder"), id="search")
        yield Static(id="filter-summary", markup=False)
        yield Static(id="queue-header", markup=False)
        yield TicketList(ctx.now, id="tickets")
        yield Static(id="queue-position", markup=False)
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        ctx = self.desk.context
        wide = ctx.agent.role is not Role.AGENT
        self.filter = QueueFilter(agent_id=ctx.agent.id, team_id=ctx.agent.team_id, wide=wide)
        if not self.desk.can_write():  # a supervisor has no queue of their own: the floor
            self.filter = replace(self.filter, view=View.ALL)
        self.reload()
        self.query_one(TicketList).focus()
        self.set_interval(ctx.tick_seconds, self.tick)

    def on_resize(self) -> None:
        self.query_one("#queue-header", Static).update(header_line(self.size.width))

    def on_screen_resume(self) -> None:
        """Back from a ticket or intake: show what changed, keep the cursor where it was."""
        tickets = self.query_one(TicketList)
        cursor = tickets.cursor
        self.reload()
        tickets.cursor = min(cursor, max(0, tickets.total - 1))
        tickets.focus()

    def tick(self) -> None:
        self.query_one(TicketList).tick()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the first page at once; count the whole view in a worker."""
        self._generation += 1
        tickets = self.query_one(TicketList)
        self.filter = replace(self.filter, now=int(self.desk.context.now().timestamp()))
        if self.filter.view is View.FOLLOW_UPS:  # due times by the policy in use (R10)
            policy = self.desk.context.repository().follow_up_policy
            self.filter = replace(self.filter, follow_up=policy)
        pager = QueuePager(self.desk.context.conn, self.filter)
        first = pager.page(0)
        guess = len(first) if len(first) < pager.page_size else max(tickets.total, len(first))
        tickets.show(pager, guess)
        self._show_tabs()
        self._show_filters()
        self.count_view(self.filter, self._generation)

    @work(thread=True, group="queue-count", exit_on_error=False)
    def count_view(self, f: QueueFilter, generation: int) -> None:
        """Count the view; a newer view interrupts this count instead of queueing behind it."""
        conn = database.connect(self.desk.context.store_path, readonly=True)
        with self._count_lock:  # the superseded count closes its connection under this lock
            if self._counting is not None:
                if self._counting_generation > generation:  # threads started out of order:
                    conn.close()  # a newer view's count runs already; this one is stale
                    return
                self._counting.interrupt()
            self._counting, self._counting_generation = conn, generation
        try:
            total = QueuePager(conn, f).count()
        except sqlite3.OperationalError:
            if generation != self._generation:
                return  # interrupted for a newer view
            raise
        finally:
            with self._count_lock:
                if self._counting is conn:
                    self._counting = None
                conn.close()
        self.app.call_from_thread(self._counted, generation, total)

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.query_one(TicketList).set_total(total)
            self._show_position(self.query_one(TicketList).cursor, total)

    def _show_tabs(self) -> None:
        parts = []
        for number, view in enumerate(View, start=1):
            name = t(f"view.{view.value}")
            parts.append(
                f"[{number}] {name}" if view is not self.filter.view else f"▶{number} {name}◀"
            )
        self.query_one("#view-tabs", Static).update("   ".join(parts))

    def _show_filters(self) -> None:
        chosen = [
            f"{t(f'filter.{name}')}: {label(name, value)}"
            for name in FILTER_FIELDS
            if (value := getattr(self.filter, name))
        ]
        text = "  ·  ".join(chosen) if chosen else t("queue.no_filters")
        self.query_one("#filter-summary", Static).update(t("queue.filters", filters=text))

    def _show_position(self, position: int, total: int) -> None:
        text = t("queue.position", position=position + 1 if total else 0, total=total)
        self.query_one("#queue-position", Static).update(text)

    # -- events ---------------------------------------------------------------------------

    @on(TicketList.Highlighted)
    def _highlighted(self, event: TicketList.Highlighted) -> None:
        self._show_position(event.position, event.total)

    @on(TicketList.Opened)
    def _opened(self, event: TicketList.Opened) -> None:
        self.desk.open_ticket(event.row.id)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search_for(event.value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one(TicketList).focus()

    def search_for(self, text: str) -> None:
        if text != self.filter.search:
            self.filter = replace(self.filter, search=text)
            self.reload()

    def set_filters(self, values: dict[str, str | None]) -> None:
        """Narrow the view by status, category, priority or channel (None clears one)."""
        if any(getattr(self.filter, name) != value for name, value in values.items()):
            self.filter = replace(self.filter, **values)  # type: ignore[arg-type]
            self.reload()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "intake":
            return self.desk.can_write()  # a supervisor reads only
        if action in INCIDENT_ACTIONS:  # crisis mode is the leads' (R13)
            if self.desk.context.agent.role not in authority.INCIDENT_ROLES:
                return False
            return (action == "declare_incident") != bool(self.desk.incident_titles)
        return True

    # -- crisis mode (leads): declare, link the view, one update to every linked ticket ----

    def action_declare_incident(self) -> None:
        ctx = self.desk.context

        def chosen(title: str | None) -> None:
            if title:
                self.desk.run_write(
                    lambda repo: repo.declare_incident(title, "", ctx.agent, ctx.now()),
                    lambda incident: self._incident_changed(
                        t("incident.declared", title=incident.title, id=incident.id)
                    ),
                )

        dialog = ReasonDialog(
            t("incident.declare_title"), t("incident.title_field"), t("dialog.confirm_hint")
        )
        self.app.push_screen(dialog, chosen)

    def action_link_incident(self) -> None:
        """Every ticket of the view as it stands (search and filters) joins the open incident."""
        ctx = self.desk.context
        repo = ctx.repository()
        incident = repo.incidents()[0]
        ids = QueuePager(ctx.conn, self.filter).ids(VIEW_ACTION_LIMIT)
        self.desk.run_write(
            lambda repo: repo.link_incident(incident.id, ids, ctx.agent, ctx.now()),
            lambda added: self._incident_changed(
                t("incident.linked", added=added, total=len(repo.incident_tickets(incident.id)))
            ),
        )

    def action_incident_update(self) -> None:
        ctx = self.desk.context
        incident = ctx.repository().incidents()[0]

        def chosen(text: str | None) -> None:
            if text:
                self.desk.run_write(
                    lambda repo: repo.post_incident_update(incident.id, text, ctx.agent, ctx.now()),
                    lambda count: self._incident_changed(t("incident.updated", count=count)),
                )

        body = t("incident.update_body", title=incident.title)
        dialog = ReasonDialog(
            t("incident.update_title"), t("incident.update_field"), t("dialog.confirm_hint"), body
        )
        self.app.push_screen(dialog, chosen)

    def _incident_changed(self, message: str) -> None:
        self.notify(message)
        self.desk.show_incident_banners()

    def action_view(self, view: str) -> None:
        self.filter = replace(self.filter, view=View(view))
        self.reload()
        self.query_one(TicketList).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_filters(self) -> None:
        from agentdesk.dialogs.filter_dialog import FilterDialog

        def chosen(filters: dict[str, str | None] | None) -> None:
            if filters is not None:
                self.set_filters(filters)

        current = {name: getattr(self.filter, name) for name in FILTER_FIELDS}
        self.app.push_screen(FilterDialog(current), chosen)

    def action_intake(self) -> None:
        self.desk.open_intake()

    def action_clear_filters(self) -> None:
        with self.prevent(Input.Changed):
            self.query_one("#search", Input).value = ""
        self.filter = QueueFilter(
            view=self.filter.view,
            agent_id=self.filter.agent_id,
            team_id=self.filter.team_id,
            wide=self.filter.wide,
        )
        self.reload()
        self.query_one(TicketList).focus()

    def action_back_to_list(self) -> None:
        self.query_one(TicketList).focus()
