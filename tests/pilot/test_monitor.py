"""The supervisor monitor: read-only by construction, its figures are the queue's and the
report's, each opens the tickets behind it, and a refresh during navigation breaks nothing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentdesk.app import AgentDeskApp
from agentdesk.cli import app as cli
from agentdesk.console import ConsoleContext, MonitorOptions
from agentdesk.domain.clock import FrozenClock
from agentdesk.screens.monitor import DrillScreen, MonitorScreen
from agentdesk.screens.ticket import WRITE_ACTIONS, TicketScreen
from agentdesk.store import database
from agentdesk.store.monitor_query import MonitorData
from agentdesk.store.queue_query import QueueFilter, QueuePager, View
from tests.conftest import NOW, rows
from tests.pilot.conftest import settle

# every action the console offers that changes something (the queue's and the ticket's)
CHANGES = WRITE_ACTIONS | {"intake", "declare_incident", "link_incident", "incident_update"}
LATER = NOW + timedelta(hours=3)  # the seeded tickets' dispatch clocks have run out by then


def monitor_app(store: Path, clock: FrozenClock, username: str = "sun.li") -> AgentDeskApp:
    context = ConsoleContext.open(store, username, clock, tick_seconds=3600)
    app = AgentDeskApp(context, MonitorOptions(interval=3600))  # refreshes only when asked
    app.animation_level = "none"
    return app


@pytest.fixture
def later(clock: FrozenClock) -> FrozenClock:
    clock.set(LATER)
    return clock


def data_of(app: AgentDeskApp) -> MonitorData:
    screen = app.screen_stack[-1]
    monitor = next(s for s in app.screen_stack if isinstance(s, MonitorScreen))
    assert monitor.data is not None, screen
    return monitor.data


async def test_the_monitor_has_no_write_binding_and_its_ticket_view_reads_only(
    seeded: Path, later: FrozenClock
) -> None:
    assert {b.action for b in MonitorScreen.BINDINGS} == {"refresh_now"}  # type: ignore[union-attr]
    assert {b.action for b in DrillScreen.BINDINGS} == {"back"}  # type: ignore[union-attr]
    app = monitor_app(seeded, later, "chen.jing")  # a lead, who may write in the console
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        monitor = app.screen
        assert isinstance(monitor, MonitorScreen) and not app.can_write()
        offered = {b.binding.action for b in monitor.active_bindings.values() if b.enabled}
        assert not offered & CHANGES
        before = rows(seeded, "SELECT count(*) FROM ticket_event")
        front = [t.team_id for t in data_of(app).teams].index("team-fl")
        await pilot.press(*["down"] * front, "enter")  # the front line's open tickets
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen) and app.screen.rows
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        assert not ticket.query_one("#composer-box").display
        assert all(ticket.check_action(action, ()) is False for action in WRITE_ACTIONS)
        offered = {b.binding.action for b in ticket.active_bindings.values() if b.enabled}
        assert not offered & CHANGES
        await pilot.press("t", "s", "x", "r", "c", "i", "p", "f")
        await settle(pilot)
        assert app.screen is ticket
        assert rows(seeded, "SELECT count(*) FROM ticket_event") == before
        card = str(ticket.query_one("#customer-card").render())
        assert "138****5678" in card and "13812345678" not in card
        assert "p to reveal" not in card


async def test_tiles_and_lists_are_the_queues_figures(seeded: Path, later: FrozenClock) -> None:
    app = monitor_app(seeded, later)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        data = data_of(app)
        now = int(LATER.timestamp())
        conn = database.connect(seeded, readonly=True)
        try:

            def count(view: View, **more: object) -> int:
                f = QueueFilter(view=view, now=now, **{"wide": True, **more})  # type: ignore[arg-type]
                return QueuePager(conn, f).count()

            total = data.total
            assert total.breached == count(View.BREACHED) == len(data.breached) > 0
            assert total.at_risk == count(View.AT_RISK) == len(data.at_risk)
            assert total.unassigned == count(View.UNASSIGNED)
            for team in data.teams:
                open_ = count(View.TEAM, team_id=team.team_id, agent_id=None)
                assert team.open == open_
                assert team.breached == count(View.BREACHED, team_id=team.team_id, wide=False)
        finally:
            conn.close()
        zhang = next(a for a in data.agents if a.agent_id == "ag-1")
        assert zhang.assigned == 1  # the refund ticket was taken


async def test_kpis_equal_report_kpi(seeded: Path, later: FrozenClock) -> None:
    app = monitor_app(seeded, later)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        data = data_of(app)
    since = data.period.since.isoformat()
    until = data.period.until.isoformat()
    args = ["--store", str(seeded), "--now", LATER.isoformat(), "report", "kpi"]
    result = CliRunner().invoke(cli, [*args, "--since", since, "--until", until, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["total"]
    m = data.kpi
    assert report["tickets"] == m.tickets == 3
    for name in ("resolved", "csat", "csat_count", "fcr", "first_response_avg_s", "backlog"):
        assert report[name] == getattr(m, name), name
    assert report["sla"] == m.sla_overall
    assert report["escalation_rate"] == m.escalation_rate
    assert report["complaint_rate"] == m.complaint_rate
    assert report["backlog_age_avg_s"] == m.backlog_age_avg_s
    assert [day for day, _ in data.trend][-1] == (data.period.until - timedelta(days=1)).isoformat()
    assert sum(day.tickets for _, day in data.trend) == m.tickets


async def test_drilling_down_lists_the_tickets_behind_the_figure(
    seeded: Path, later: FrozenClock
) -> None:
    app = monitor_app(seeded, later)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        monitor = app.screen
        assert isinstance(monitor, MonitorScreen)
        teams = monitor.query_one("#teams")
        front = [t.team_id for t in data_of(app).teams].index("team-fl")
        await pilot.press(*["down"] * front, "right", "right", "right", "right", "enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen), teams
        expected = rows(
            seeded,
            "SELECT id FROM ticket WHERE team_id = 'team-fl' AND due_sort <= ? "
            "ORDER BY due_sort, pk",
            (int(LATER.timestamp()),),
        )
        assert [r.id for r in drill.rows] == [r[0] for r in expected]
        assert drill.total == len(expected) > 0
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is monitor
        agents = monitor.query_one("#agents")
        agents.focus()
        await pilot.press("enter")  # the most loaded agent: 张伟, one open ticket
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        taken = rows(seeded, "SELECT id FROM ticket WHERE assignee_id = 'ag-1'")
        assert [r.id for r in drill.rows] == [r[0] for r in taken]


async def test_a_kpi_opens_the_tickets_it_is_measured_over_and_agents_show_their_qa(
    seeded: Path, later: FrozenClock
) -> None:
    from agentdesk.domain.qa import QaScore
    from agentdesk.store import qa_store
    from tests.cli.test_qa_cli import handled

    number = handled(seeded)  # 张伟 resolves the refund ticket; a lead scores it
    conn = database.connect(seeded)
    ticket_id = rows(seeded, "SELECT id FROM ticket WHERE number = ?", (number,))[0][0]
    qa_store.add_reviews(conn, {"ag-1": [ticket_id]}, at=NOW, by="ag-4",
                         period=("2026-11-23", "2026-11-24"), seed=1)  # fmt: skip
    qa_store.save_score(conn, ticket_id, QaScore(4, 4, 5, 3), "ag-4", NOW)
    conn.commit()
    conn.close()
    app = monitor_app(seeded, later)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        monitor = app.screen
        assert isinstance(monitor, MonitorScreen)
        zhang = next(a for a in data_of(app).agents if a.agent_id == "ag-1")
        assert (zhang.qa, zhang.qa_scored) == (4.0, 1)
        kpis = monitor.query_one("#kpis")
        kpis.focus()
        await pilot.press("enter")  # the first KPI: CSAT, none recorded yet
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen) and drill.total == 0
        await pilot.press("escape")
        await settle(pilot)
        kpis.focus()
        await pilot.press(*["down"] * 9, "enter")  # "tickets created": all three of the day
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert drill.total == data_of(app).kpi.tickets == 3
        await pilot.press("escape")
        await settle(pilot)
        kpis.focus()
        await pilot.press(*["up"] * 12, "down", "enter")  # FCR: the one resolved ticket
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen) and [r.number for r in drill.rows] == [number]


async def test_a_refresh_during_navigation_breaks_nothing_and_never_overlaps(
    seeded: Path, later: FrozenClock
) -> None:
    app = monitor_app(seeded, later)
    running, most = 0, 0
    lock = threading.Lock()
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        monitor = app.screen
        assert isinstance(monitor, MonitorScreen)
        gather = monitor.gather_now

        def counted() -> MonitorData:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            try:
                return gather()
            finally:
                with lock:
                    running -= 1

        monitor.gather_now = counted  # type: ignore[method-assign]
        shown = monitor.refreshes
        front = [t.team_id for t in data_of(app).teams].index("team-fl")
        await pilot.press(*["down"] * front, "enter")  # drill into a tile ...
        monitor.request_refresh()  # ... while the board refreshes, twice: one waits its turn
        monitor.request_refresh()
        await pilot.press("enter")  # ... and open a ticket meanwhile
        later.advance(timedelta(minutes=5))
        monitor.request_refresh()
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is monitor
        assert most == 1
        assert monitor.refreshes >= shown + 2
        assert data_of(app).now == int(later.now().timestamp())
        await pilot.press("r")
        await settle(pilot)
        assert "0 s ago" in str(monitor.query_one("#monitor-head").render())
