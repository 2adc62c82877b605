"""One snapshot per screen, frozen clock, pinned Textual (see uv.lock). Update with
`uv run pytest tests/snapshots --snapshot-update` after checking the new pictures by eye."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from agentdesk import i18n
from tests.pilot.conftest import AppFactory, settle

SIZE = (140, 36)


def test_queue(make_app: AppFactory, snap_compare: Any) -> None:
    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_queue_in_chinese(make_app: AppFactory, snap_compare: Any) -> None:
    i18n.set_language("zh-CN")

    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_ticket_detail(make_app: AppFactory, snap_compare: Any) -> None:
    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("1", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_intake(make_app: AppFactory, snap_compare: Any) -> None:
    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("n", *"138")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(140, 44), run_before=before)


def test_transfer_dialog(make_app: AppFactory, snap_compare: Any) -> None:
    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("1", "enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_incident_banner(make_app: AppFactory, snap_compare: Any, seeded: Any) -> None:
    """An open major incident shows across the top of the queue (and every working screen)."""
    from agentdesk.store import database
    from agentdesk.store.repository import Repository
    from tests.conftest import NOW

    repo = Repository(database.make_engine(seeded))
    lead = repo.agent_by_username("chen.jing")
    repo.declare_incident("Robot vacuum X5 charging fault", "Batch 2611 docks fail", lead, NOW)
    repo.engine.dispose()

    async def before(pilot: Pilot[None]) -> None:
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_monitor(seeded: Any, clock: Any, snap_compare: Any) -> None:
    """The supervisor monitor three hours after the seeded tickets came in (dispatch breached)."""
    from datetime import timedelta

    from tests.conftest import NOW
    from tests.pilot.test_monitor import monitor_app

    clock.set(NOW + timedelta(hours=3))

    async def before(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(monitor_app(seeded, clock), terminal_size=(150, 40), run_before=before)
