"""The Textual app: screens over the local store, one place that runs writes and reports errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from agentdesk.console import ConsoleContext
from agentdesk.domain.errors import AgentdeskError
from agentdesk.domain.model import Role
from agentdesk.i18n import label, t
from agentdesk.screens.queue import QueueScreen
from agentdesk.store import database
from agentdesk.store.queue_query import QueueFigures, queue_figures
from agentdesk.widgets.incident_banner import IncidentBanner
from agentdesk.widgets.status_bar import StatusBar
from agentdesk.widgets.translated import translate_bindings


@dataclass(frozen=True)
class LinkState:
    """The status bar's view of sync: online or not (None: never tried), last good round, why
    the last round failed."""

    online: bool | None = None
    last_sync: datetime | None = None
    problem: str | None = None


if TYPE_CHECKING:
    from textual.command import Provider
    from textual.timer import Timer

    from agentdesk.console import MonitorOptions, ServerLink
    from agentdesk.domain.records import EscalationResult, TicketRecord
    from agentdesk.store.repository import Repository
    from agentdesk.sync.round import SyncSummary

R = TypeVar("R")
FIGURES_EVERY_SECONDS = 15.0
MAX_ESCALATION_TOASTS = 3  # more at once (a backlog's first sweep) are summed up in one
# Work time one sweep may take; a backlog drains a slice a minute (`escalation run` does it all).
SWEEP_BUDGET_SECONDS = 0.25


def console_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from agentdesk.commands import ConsoleCommands

    return ConsoleCommands


class AgentDeskApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "agentdesk"
    COMMANDS = App.COMMANDS | {lambda: console_commands()}
    BINDINGS = [
        Binding("question_mark,f1", "help", "key.help", id="app.help"),
        Binding("f5", "sync", "key.sync", id="app.sync", show=False),
        Binding("f6", "conflicts", "key.conflicts", id="app.conflicts", show=False),
        Binding("f7", "approvals", "key.approvals", id="app.approvals", show=False),
        Binding("f8", "qa_reviews", "key.qa_reviews", id="app.qa_reviews", show=False),
        Binding("ctrl+g", "find_ticket", "key.find_ticket", id="app.find", show=False),
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True),
    ]

    def __init__(self, context: ConsoleContext, monitor: MonitorOptions | None = None) -> None:
        """`monitor`: open the supervisor monitor instead of the queue; the whole app then
        reads only, whoever is signed in."""
        super().__init__()
        translate_bindings(self)
        self.context = context
        self.monitor = monitor
        self.figures = QueueFigures()
        self._sweep_armed = False
        self._sweep_timer: Timer | None = None
        self.link_state = LinkState()
        self._syncing = False
        self._sync_again = False
        self.incident_titles: list[str] = []  # open incidents, as last read (start, sync, write)

    def on_mount(self) -> None:
        if self.context.keymap:
            self.set_keymap(self.context.keymap)
        self.show_incident_banners()
        if self.monitor is not None:
            from agentdesk.screens.monitor import MonitorScreen

            self.push_screen(MonitorScreen(self.monitor))
        else:
            self.push_screen(QueueScreen())
        self.call_after_refresh(self.install_policy)  # after the first frame, never before it
        self.refresh_figures()
        self.set_interval(self.context.tick_seconds, self._tick_status_bars)
        self.set_interval(FIGURES_EVERY_SECONDS, self.refresh_figures)
        if self.context.link is not None:
            self.call_after_refresh(self.request_sync)
            self.set_interval(self.context.sync_interval, self.request_sync)

    def status_bar(self) -> StatusBar:
        ctx = self.context
        team = ctx.team_name(ctx.agent.team_id)
        return StatusBar(
            ctx.agent, team, ctx.now, ctx.zone, lambda: self.figures, lambda: self.link_state
        )

    def incident_banner(self) -> IncidentBanner:
        return IncidentBanner(lambda: self.incident_titles)

    def show_incident_banners(self) -> None:
        """Read the open incidents again and show them on the screen in front."""
        self.incident_titles = [i.title for i in self.context.repository().incidents()]
        for banner in self.screen.query(IncidentBanner):
            banner.show_incidents()
        self.screen.refresh_bindings()

    def _tick_status_bars(self) -> None:
        for bar in self.screen.query(StatusBar):
            bar.tick()

    @work(thread=True, exclusive=True, group="figures", exit_on_error=False)
    def refresh_figures(self) -> None:
        """Recount the status bar figures off the UI thread (after writes and now and then)."""
        conn = database.connect(self.context.store_path, readonly=True)
        try:
            now = int(self.context.now().timestamp())
            figures = queue_figures(conn, self.context.agent.id, now)
        finally:
            conn.close()
        self.call_from_thread(self._set_figures, figures)

    def _set_figures(self, figures: QueueFigures) -> None:
        self.figures = figures
        self._tick_status_bars()

    def on_unmount(self) -> None:
        self.context.close()

    # -- sync with the central server --------------------------------------------------------

    def action_sync(self) -> None:
        if self.context.link is None:
            self.notify(t("sync.not_linked"), severity="warning")
            return
        self.request_sync()

    def request_sync(self) -> None:
        """A round now, or right after the one running (edits made meanwhile go out then)."""
        if self.context.link is None:
            return
        if self._syncing:
            self._sync_again = True
            return
        self._syncing = True
        self._sync_worker()

    @work(thread=True, group="sync", exit_on_error=False)
    def _sync_worker(self) -> None:
        from agentdesk.sync.round import sync_round
        from agentdesk.sync.transport import ServerClient, SyncProblem

        ctx = self.context
        link = ctx.link
        assert link is not None
        try:
            with link.http() as http:
                server = ServerClient(link.url, link.token, http)
                now = int(ctx.now().timestamp())
                summary = sync_round(ctx.store_path, server, ctx.repository().policy, now)
        except SyncProblem as exc:
            self.call_from_thread(self._sync_finished, None, exc.message())
            if exc.http_status == 401:
                self.call_from_thread(self._sign_in_again)
        except AgentdeskError as exc:
            self.call_from_thread(self._sync_finished, None, exc.message())
        except Exception as exc:
            self.log.error(f"sync failed: {exc!r}")
            self.call_from_thread(self._sync_finished, None, t("error.unexpected", reason=str(exc)))
        else:
            self.call_from_thread(self._sync_finished, summary, None)

    def _sync_finished(self, summary: SyncSummary | None, problem: str | None) -> None:
        self._syncing = False
        if summary is None:
            self.link_state = LinkState(False, self.link_state.last_sync, problem)
        else:
            self.link_state = LinkState(True, self.context.now(), None)
            if summary.pulled:
                self._reload_queue()
                self.show_incident_banners()
        self.refresh_figures()
        if self._sync_again:
            self._sync_again = False
            self.request_sync()

    def _sign_in_again(self) -> None:
        """The server ended the session: ask for the password once (the edits stay queued);
        signed in again, the round runs at once."""
        from agentdesk.dialogs.sign_in_dialog import SignInDialog

        link = self.context.link
        if link is None or any(isinstance(s, SignInDialog) for s in self.screen_stack):
            return

        def renewed(new_link: ServerLink | None) -> None:
            if new_link is not None:
                self.context.link = new_link
                self.request_sync()

        self.push_screen(SignInDialog(link), renewed)

    # -- SLA policy and the escalation ladder ----------------------------------------------

    def can_write(self) -> bool:
        """A supervisor reads only; so does anyone in the monitor (read-only by construction)."""
        return self.monitor is None and self.context.agent.role is not Role.SUPERVISOR

    @work(thread=True, exclusive=True, group="policy", exit_on_error=False)
    def install_policy(self) -> None:
        """Load the ORM and the SLA policy off the start-up path; a changed policy recomputes
        the open tickets' deadlines, a refused one is reported and the last good one kept."""
        from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, install_policy

        ctx = self.context
        repo = ctx.repository()
        directory = ctx.policy_dir or SHIPPED_POLICY_DIR
        started = False

        def progress(_done: int) -> None:
            nonlocal started
            if not started:
                started = True
                self.call_from_thread(self.notify, t("policy.recomputing"))

        load, recomputed = install_policy(repo, directory, ctx.now(), progress)
        self.call_from_thread(self._policy_installed, load.problem, recomputed)
        self._install_rules(repo)
        from agentdesk.io.authority_file import install_authority

        refused = install_authority(repo, ctx.policy_dir)
        if refused:
            self.call_from_thread(self.notify, refused, severity="warning", timeout=10)
        from agentdesk.io.quality_file import install_follow_up

        refused = install_follow_up(repo, ctx.policy_dir)
        if refused:
            self.call_from_thread(self.notify, refused, severity="warning", timeout=10)

    def _install_rules(self, repo: Repository) -> None:
        """The banned-phrase rules from the policy folder; refused ones keep what was in use."""
        from agentdesk.io.phrase_files import load_banned

        rules, problem = load_banned(self.context.policy_dir)
        if problem is None or self.context.rules is None:
            self.context.rules = rules
            repo.use_rules(rules)
        self.call_from_thread(self._rules_installed, problem)

    def _rules_installed(self, problem: str | None) -> None:
        if problem:
            self.notify(problem, severity="warning", timeout=20)
        from agentdesk.widgets.composer import Composer

        for composer in self.screen.query(Composer):
            composer.recheck()

    def _policy_installed(self, problem: str | None, recomputed: int | None) -> None:
        if problem:
            self.notify(problem, severity="warning", timeout=20)
        if recomputed is not None:
            self.notify(t("policy.recomputed", count=recomputed))
            self._reload_queue()
        # Linked to a server, the server runs the ladder (R5) and its escalations sync down.
        if self.can_write() and not self._sweep_armed and self.context.link is None:
            self._sweep_armed = True
            self.sweep_escalations()

    @work(thread=True, exclusive=True, group="escalation", exit_on_error=False)
    def sweep_escalations(self) -> None:
        """Fire the escalation steps that are due; re-armed only when done (never overlaps)."""
        try:
            repo = self.context.repository()
            results = repo.run_escalations(self.context.now(), budget_seconds=SWEEP_BUDGET_SECONDS)
        finally:
            self.call_from_thread(self._arm_sweep)
        if results:
            self.call_from_thread(self._escalated, results)

    def _arm_sweep(self) -> None:
        if self._sweep_timer is not None:
            self._sweep_timer.stop()
        self._sweep_timer = self.set_timer(self.context.escalation_interval, self.sweep_escalations)

    def _escalated(self, results: list[EscalationResult]) -> None:
        """Tell the agent about the steps that concern them: one by one when few, else a sum."""
        mine = [r for r in results if self.context.agent.id in r.notified]
        if 0 < len(mine) <= MAX_ESCALATION_TOASTS:
            for r in mine:
                clock = label("clock", r.clock)
                text = t("done.escalated", number=r.number, clock=clock, step=r.step_id)
                self.notify(text, severity="warning", timeout=10)
        elif mine:
            text = t("done.escalated_many", count=len(results), mine=len(mine))
            self.notify(text, severity="warning", timeout=10)
        self.refresh_figures()
        self._reload_queue()
        self.request_sync()

    def _reload_queue(self) -> None:
        """Show what a pull or a sweep changed on the screen in front (queue or ticket); the
        monitor refreshes at once, even under a drill-down."""
        from agentdesk.screens.ticket import TicketScreen

        if self.monitor is not None:
            from agentdesk.screens.monitor import MonitorScreen

            for screen in self.screen_stack:
                if isinstance(screen, MonitorScreen):
                    screen.request_refresh()
        if isinstance(self.screen, QueueScreen):
            self.screen.reload()
        elif isinstance(self.screen, TicketScreen):
            self.screen.refresh_detail()

    # -- navigation -----------------------------------------------------------------------

    def open_ticket(self, ticket_id: str) -> None:
        from agentdesk.screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket_id))

    def open_intake(self) -> None:
        from agentdesk.screens.intake import IntakeScreen

        def created(ticket: TicketRecord | None) -> None:
            if ticket is not None:
                self.open_ticket(ticket.id)

        self.push_screen(IntakeScreen(), created)

    def show_queue_view(self, view: str) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        screen = self.screen
        if isinstance(screen, QueueScreen):
            screen.action_view(view)

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen

        keys = [
            (self.get_key_display(active.binding), active.binding.description)
            for active in self.screen.active_bindings.values()
            if active.enabled and active.binding.description
        ]
        self.push_screen(HelpScreen(keys))

    def action_approvals(self) -> None:
        """The leads' refund approval queue (R4)."""
        from agentdesk.domain.authority import DECIDING_ROLES
        from agentdesk.screens.approvals import ApprovalsScreen

        if self.context.agent.role not in DECIDING_ROLES:
            self.notify(t("approvals.leads_only"), severity="warning")
            return

        def chosen(ticket_id: str | None) -> None:
            if ticket_id:
                self.open_ticket(ticket_id)

        self.push_screen(ApprovalsScreen(), chosen)

    def action_qa_reviews(self) -> None:
        """The leads' QA reviews: score the tickets drawn by `agentdesk qa sample` (R8)."""
        from agentdesk.domain.qa import SCORING_ROLES
        from agentdesk.screens.qa_reviews import QaReviewsScreen

        if self.context.agent.role not in SCORING_ROLES:
            self.notify(t("qa.leads_only", role=self.context.agent.role.value), severity="warning")
            return

        def chosen(ticket_id: str | None) -> None:
            if ticket_id:
                self.open_ticket(ticket_id)

        self.push_screen(QaReviewsScreen(), chosen)

    def action_conflicts(self) -> None:
        from agentdesk.screens.conflicts import ConflictsScreen

        def chosen(ticket_id: str | None) -> None:
            if ticket_id:
                self.open_ticket(ticket_id)

        self.push_screen(ConflictsScreen(), chosen)

    def action_find_ticket(self) -> None:
        from agentdesk.dialogs.find_ticket import FindTicketDialog

        def found(ticket_id: str | None) -> None:
            if ticket_id:
                self.open_ticket(ticket_id)

        self.push_screen(FindTicketDialog(), found)

    # -- writes and errors ----------------------------------------------------------------

    def run_write(
        self,
        fn: Callable[[Repository], R],
        on_done: Callable[[R], object],
        on_error: Callable[[str], object] | None = None,
    ) -> None:
        """Run `fn(repository)` in a worker; report its result or its error on the UI thread."""
        self._write_worker(fn, on_done, on_error)

    @work(thread=True, group="writes", exit_on_error=False)
    def _write_worker(
        self,
        fn: Callable[[Repository], Any],
        on_done: Callable[[Any], object],
        on_error: Callable[[str], object] | None,
    ) -> None:
        try:
            result = fn(self.context.repository())
        except AgentdeskError as exc:
            self.call_from_thread(on_error or self._notify_error, exc.message())
            return
        self.call_from_thread(on_done, result)
        self.call_from_thread(self.refresh_figures)
        self.call_from_thread(self.request_sync)  # the edit goes out now when online

    def _notify_error(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failures of any worker: a message for the agent, details in the log."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.log.error(f"worker {event.worker.name} failed: {error!r}")
            if isinstance(error, AgentdeskError):
                self._notify_error(error.message())
            else:
                self._notify_error(t("error.unexpected", reason=str(error)))

    def local_time(self, at: datetime) -> str:
        return at.astimezone(self.context.zone).strftime("%m-%d %H:%M")
