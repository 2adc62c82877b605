"""Ticket detail: header, every SLA clock as a countdown, customer card, timeline, composer
and actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from agentdesk.domain import authority, consults, follow_up, status_flow
from agentdesk.domain.model import Category, EventKind, Status
from agentdesk.domain.records import CustomerRecord, TicketRecord, TimelineEntry
from agentdesk.i18n import current_language, label, t
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.sla_countdown import SlaCountdown
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.domain.clocks import ClockState
    from agentdesk.store.refund_query import PendingRefund
    from agentdesk.store.repository import Repository

COMPOSER_KINDS = (EventKind.REPLY, EventKind.NOTE, EventKind.CALL_LOG)


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketRecord
    customer: CustomerRecord
    history: tuple[int, int]
    timeline: list[TimelineEntry]
    clocks: list[ClockState]
    pending_refunds: list[PendingRefund] = field(default_factory=list)
    follow_up_due: datetime | None = None  # while its follow-up is pending (R10)


def load_detail(repo: Repository, ticket_id: str, now: datetime) -> TicketDetail:
    ticket, clocks = repo.clocks(ticket_id, now)
    timeline = repo.timeline(ticket.id)
    results = [e.at for e in timeline if e.kind is EventKind.FOLLOW_UP_RESULT]
    due = None
    if ticket.resolved_at and follow_up.is_pending(ticket.status, ticket.resolved_at, results):
        due = repo.follow_up_policy.due_at(ticket.resolved_at, ticket.channel)
    return TicketDetail(
        ticket=ticket,
        customer=repo.customer(ticket.customer_id),
        history=repo.customer_ticket_count(ticket.customer_id),
        timeline=timeline,
        clocks=clocks,
        pending_refunds=repo.pending_refunds(ticket.id),
        follow_up_due=due,
    )


def clock_display(clock: ClockState, zone: tzinfo) -> dict[str, Any]:
    """What a countdown shows for a clock: a live deadline, or why there is none."""
    from agentdesk.domain.clocks import Phase
    from agentdesk.domain.deadlines import format_duration

    def local(epoch: int | None) -> datetime | None:
        return None if epoch is None else datetime.fromtimestamp(epoch, zone)

    caption = label("clock", clock.name)
    if clock.phase is Phase.RUNNING:
        return {"due": local(clock.due), "warn_at": local(clock.warn_at), "caption": caption}
    if clock.phase is Phase.PAUSED:
        status = label("status", clock.pause_status.value) if clock.pause_status else "—"
        left = format_duration(clock.remaining_at(clock.paused_since or 0))
        reason = t("countdown.paused", status=status, left=left)
    elif clock.phase is Phase.STOPPED:
        at = local(clock.stopped_at)
        when = at.strftime("%m-%d %H:%M") if at else "—"
        reason = t("countdown.met" if clock.met else "countdown.missed", at=when)
    else:
        reason = t("countdown.pending")
    return {"due": None, "stopped_reason": reason, "caption": caption}


# what changes a ticket or is logged as a change: never offered to a read-only role
WRITE_ACTIONS = frozenset(
    {"take", "status", "transfer", "resolve", "review", "compose", "send", "reveal",
     "phrases", "rewrite", "refund", "decide_refund", "consult", "answer_consult", "follow_up"}
)  # fmt: skip


class TicketScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="ticket.back"),
        Binding("t", "take", "key.take", id="ticket.take"),
        Binding("s", "status", "key.status", id="ticket.status"),
        Binding("x", "transfer", "key.transfer", id="ticket.transfer"),
        Binding("r", "resolve", "key.resolve", id="ticket.resolve"),
        Binding("v", "review", "key.review", id="ticket.review"),
        Binding("f", "refund", "key.refund", id="ticket.refund"),
        Binding("a", "decide_refund", "key.decide_refund", id="ticket.decide_refund"),
        Binding("o", "consult", "key.consult", id="ticket.consult"),
        Binding("e", "answer_consult", "key.answer_consult", id="ticket.answer_consult"),
        Binding("u", "follow_up", "key.follow_up", id="ticket.follow_up"),
        Binding("c", "compose('reply')", "key.reply", id="ticket.reply"),
        Binding("i", "compose('note')", "key.note", id="ticket.note"),
        Binding("l", "compose('call_log')", "key.call_log", id="ticket.call_log"),
        Binding("p", "reveal", "key.reveal", id="ticket.reveal"),
        Binding("ctrl+s", "send", "key.send", id="ticket.send", priority=True),
        Binding("f2", "phrases", "key.phrases", id="ticket.phrases", priority=True),
        Binding("f3", "rewrite", "key.rewrite", id="ticket.rewrite", priority=True),
        Binding("f4", "knowledge", "key.knowledge", id="ticket.knowledge", priority=True),
    ]

    def __init__(self, ticket_id: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.ticket_id = ticket_id
        self.detail: TicketDetail | None = None
        self.revealed: CustomerRecord | None = None
        self.compose_kind = EventKind.REPLY

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self.desk.incident_banner()
        with Vertical(id="ticket-head"):
            yield Static(id="ticket-title", markup=False)
            yield Static(id="ticket-meta", markup=False)
            yield Horizontal(id="ticket-clocks")
            yield Static(id="handoff", markup=False)
        with Horizontal(id="ticket-body"):
            with VerticalScroll(id="timeline"):
                yield Static(t("ticket.loading"), id="timeline-loading")
            with Vertical(id="side"):
                yield Static(id="customer-card", markup=False)
                yield Static(id="ticket-request", markup=False)
        with Vertical(id="composer-box"):
            yield Label(id="composer-mode")
            yield Composer(lambda: self.desk.context.rules, id="composer")
            yield Static(id="composer-check", markup=False)
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_mode()
        self.query_one("#composer-box").display = self.desk.can_write()  # supervisors read
        self.query_one("#timeline").focus()
        self.set_interval(self.desk.context.tick_seconds, self.tick)
        self.refresh_detail()

    def tick(self) -> None:
        for countdown in self.query(SlaCountdown):
            countdown.tick()

    # -- loading and showing --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="ticket-load", exit_on_error=False)
    def refresh_detail(self) -> None:
        ctx = self.desk.context
        detail = load_detail(ctx.repository(), self.ticket_id, ctx.now())
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail: TicketDetail) -> None:
        self.detail = detail
        ctx = self.desk.context
        tk = detail.ticket
        self.query_one("#ticket-title", Static).update(f"{tk.number}  {tk.subject}")
        level = f" · {label('level', tk.complaint_level.value)}" if tk.complaint_level else ""
        meta = t(
            "ticket.meta",
            status=label("status", tk.status.value),
            priority=label("priority", tk.priority.value),
            category=label("category", tk.category.value) + level,
            channel=label("channel", tk.channel.value),
            team=ctx.team_name(tk.team_id),
            assignee=ctx.agent_name(tk.assignee_id),
            created=self.desk.local_time(tk.created_at),
        )
        if tk.escalation_level:
            owner = ctx.agent_name(tk.follow_up_owner_id)
            meta += "  " + t("ticket.escalated", level=tk.escalation_level, owner=owner)
        self.query_one("#ticket-meta", Static).update(meta)
        self._show_clocks(detail.clocks)
        self._show_handoff(detail.timeline)
        self._show_customer(detail)
        request = tk.customer_request or "—"
        self.query_one("#ticket-request", Static).update(
            t("ticket.request", request=request, description=tk.description)
        )
        self._show_timeline(detail.timeline)
        self.refresh_bindings()

    def _show_clocks(self, clocks: list[ClockState]) -> None:
        """One countdown per clock, reused across refreshes (same clocks: same widgets)."""
        box = self.query_one("#ticket-clocks", Horizontal)
        ctx = self.desk.context
        shown = list(box.query(SlaCountdown))
        if [c.name for c in clocks] != [w.id and w.id.removeprefix("clock-") for w in shown]:
            box.remove_children()
            shown = [SlaCountdown("", ctx.now, id=f"clock-{c.name}") for c in clocks]
            box.mount_all(shown)
        for widget, clock in zip(shown, clocks, strict=True):
            widget.set_deadline(**clock_display(clock, ctx.zone))
        if not clocks:
            box.mount(Static(t("countdown.no_clocks"), classes="no-clocks"))

    def _show_handoff(self, timeline: list[TimelineEntry]) -> None:
        """At the top: the last hand-off note, and refunds waiting for a lead's decision."""
        lines = []
        transfers = [e for e in timeline if e.kind is EventKind.TRANSFER]
        if transfers:
            last = transfers[-1]
            who = self.desk.context.agent_name(last.actor_id)
            lines.append(t("ticket.handoff", who=who, note=last.body))
        assert self.detail is not None
        lines += [self._consult_line(c) for c in consults.open_consults(timeline)]
        lines += self._follow_up_lines(timeline)
        for pending in self.detail.pending_refunds:
            lines.append(
                t(
                    "ticket.refund_pending",
                    amount=authority.format_yuan(pending.amount_cents),
                    who=pending.requested_by,
                    reason=pending.reason,
                )
            )
        box = self.query_one("#handoff", Static)
        box.display = bool(lines)
        box.update("\n".join(lines))

    def _follow_up_lines(self, timeline: list[TimelineEntry]) -> list[str]:
        """The pending follow-up's due time, else the latest follow-up result (R10)."""
        assert self.detail is not None
        due = self.detail.follow_up_due
        if due is not None:
            key = "follow_up.overdue" if due <= self.desk.context.now() else "follow_up.due"
            return [t(key, due=self.desk.local_time(due))]
        results = [e for e in timeline if e.kind is EventKind.FOLLOW_UP_RESULT]
        if not results:
            return []
        last = results[-1]
        score = last.data.get("score")
        if not last.body:
            return [t("follow_up.result_bare", score=score)]
        return [t("follow_up.result", score=score, comment=last.body)]

    def _consult_line(self, asked: consults.OpenConsult) -> str:
        overdue = asked.due_at <= self.desk.context.now()
        return t(
            "ticket.consult_overdue" if overdue else "ticket.consult_open",
            department=label("department", asked.department.value),
            asked=self.desk.local_time(asked.asked_at),
            due=self.desk.local_time(asked.due_at),
            question=asked.question,
        )

    def _masked_hint(self) -> str:
        """How to reveal, where revealing is offered (a read-only view offers no reveal)."""
        return t("customer.masked_hint") if self.desk.can_write() else t("monitor.masked")

    def _show_customer(self, detail: TicketDetail) -> None:
        shown = self.revealed or detail.customer.masked()
        total, open_ = detail.history
        lines = [
            t("customer.title", name=shown.name, tier=label("tier", shown.tier.value)),
            t("customer.phone", phone=shown.phone or "—"),
            t("customer.email", email=shown.email or "—"),
            t("customer.address", address=shown.address or "—"),
            t("customer.history", total=total, open=open_),
            t("customer.revealed") if self.revealed else self._masked_hint(),
        ]
        self.query_one("#customer-card", Static).update("\n".join(lines))

    def _show_timeline(self, timeline: list[TimelineEntry]) -> None:
        box = self.query_one("#timeline", VerticalScroll)
        box.remove_children()
        box.mount_all(Static(self._entry_text(e), classes=self._entry_classes(e)) for e in timeline)
        box.scroll_end(animate=False)

    @staticmethod
    def _entry_classes(entry: TimelineEntry) -> str:
        """`event -reply -inbound`: the kind, and the direction where a message has one."""
        direction = entry.data.get("direction")
        return f"event -{entry.kind.value}" + (f" -{direction}" if direction else "")

    def _entry_text(self, entry: TimelineEntry) -> Text:
        ctx = self.desk.context
        inbound = entry.data.get("direction") == "inbound" and entry.kind is EventKind.REPLY
        assert self.detail is not None
        title = t("event.customer_message") if inbound else label("event", entry.kind.value)
        if inbound:
            who = self.detail.customer.name
        elif entry.kind is EventKind.ESCALATION:
            who = t("event.system")
        else:
            who = ctx.agent_name(entry.actor_id)
        head = Text.assemble(
            (self.desk.local_time(entry.at), "dim"), "  ", (title, "bold"), "  ", who
        )
        detail = self._entry_detail(entry)
        body = "\n".join(part for part in (detail, entry.body) if part)
        return head + Text("\n" + body) if body else head

    def _entry_detail(self, entry: TimelineEntry) -> str:
        d: dict[str, Any] = entry.data
        ctx = self.desk.context
        if entry.kind is EventKind.STATUS_CHANGE:
            return f"{label('status', d['from'])} → {label('status', d['to'])}"
        if entry.kind is EventKind.ASSIGNMENT:
            return t("event.assigned_to", who=ctx.agent_name(d.get("assignee_id")))
        if entry.kind is EventKind.TRANSFER:
            return f"{ctx.team_name(d.get('from_team'))} → {ctx.team_name(d.get('to_team'))}"
        if entry.kind is EventKind.RESOLUTION:
            return t("event.root_cause", cause=label("root_cause", d.get("root_cause", "other")))
        if entry.kind is EventKind.PII_REVEAL:
            return t("event.reveal_reason")
        if entry.kind is EventKind.ESCALATION:
            return self._escalation_detail(d)
        if entry.kind is EventKind.REVIEW:
            return label("decision", d.get("decision", "approved"))
        if entry.kind in (EventKind.REFUND, EventKind.REFUND_REQUEST):
            amount = authority.format_yuan(int(d.get("amount_cents", 0)))
            return t(f"event.{entry.kind.value}_detail", amount=amount)
        if entry.kind is EventKind.CONSULT_REQUEST:
            due = self.desk.local_time(datetime.fromisoformat(d["due_at"]))
            department = label("department", d.get("department", ""))
            return t("event.consult_request_detail", department=department, due=due)
        if entry.kind is EventKind.CONSULT_ANSWER:
            department = label("department", d.get("department", ""))
            return t("event.consult_answer_detail", department=department)
        if entry.kind is EventKind.INCIDENT_LINK:
            return t("event.incident_link_detail", title=d.get("title", ""))
        if entry.kind is EventKind.INCIDENT_UPDATE:
            return d.get("title", "")
        if entry.kind is EventKind.REFUND_DECISION:
            amount = authority.format_yuan(int(d.get("amount_cents", 0)))
            decision = label("decision", d.get("decision", "declined"))
            return t("event.refund_decision_detail", amount=amount, decision=decision)
        if entry.kind is EventKind.REPLY and d.get("phrase_override"):
            override = d["phrase_override"]
            phrases = "、".join(f"「{p}」" for p in override.get("phrases", []))
            return t("event.phrase_override", phrases=phrases, reason=override.get("reason", ""))
        return ""

    def _escalation_detail(self, d: dict[str, Any]) -> str:
        ctx = self.desk.context
        parts = [
            t(
                "event.escalation_step",
                step=d.get("step", "?"),
                clock=label("clock", d.get("clock", "?")),
                at=self.desk.local_time(datetime.fromisoformat(d["breached_at"]))
                if d.get("breached_at")
                else "—",
            )
        ]
        if d.get("owner_id"):
            parts.append(t("event.escalation_owner", who=ctx.agent_name(d["owner_id"])))
        if d.get("priority_from") != d.get("priority_to"):
            before, after = d.get("priority_from", "normal"), d.get("priority_to", "normal")
            parts.append(f"{label('priority', before)} → {label('priority', after)}")
        notified = [ctx.agent_name(who) for who in d.get("notified", [])]
        if notified:
            parts.append(t("event.escalation_notified", who=", ".join(notified)))
        return " · ".join(parts)

    def _show_mode(self) -> None:
        self.query_one("#composer-mode", Label).update(
            t("composer.mode", mode=label("event", self.compose_kind.value))
        )

    # -- writes ---------------------------------------------------------------------------

    def _after_write(self, _result: object, message: str) -> None:
        self.notify(message)
        self.refresh_detail()

    def write(self, fn: Any, message: str) -> None:
        self.desk.run_write(fn, lambda result: self._after_write(result, message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and not self.desk.can_write():
            return False  # a supervisor reads only (the server refuses their writes too)
        if self.detail is None:
            return action in ("back",) or None
        status = self.detail.ticket.status
        if action == "take":
            return self.detail.ticket.assignee_id != self.desk.context.agent.id
        if action == "resolve":
            return Status.RESOLVED in status_flow.allowed_next(status)
        if action == "transfer":
            return status_flow.is_open(status)
        if action == "review":
            is_return = self.detail.ticket.category is Category.RETURN_EXCHANGE
            return is_return and status_flow.is_open(status)
        if action in ("refund", "consult"):
            return status_flow.is_open(status)
        if action == "answer_consult":
            return bool(consults.open_consults(self.detail.timeline))
        if action == "follow_up":
            return self.detail.follow_up_due is not None
        if action == "decide_refund":
            lead = self.desk.context.agent.role in authority.DECIDING_ROLES
            return lead and bool(self.detail.pending_refunds)
        return True

    def action_back(self) -> None:
        if self.focused is self.query_one("#composer"):
            self.query_one("#timeline").focus()
            return
        self.dismiss()

    def action_take(self) -> None:
        ctx = self.desk.context
        self.write(lambda repo: repo.take(self.ticket_id, ctx.agent, ctx.now()), t("done.taken"))

    def action_status(self) -> None:
        from agentdesk.dialogs.status_dialog import StatusDialog

        assert self.detail is not None
        ticket = self.detail.ticket
        choices = [s for s in status_flow.allowed_next(ticket.status) if s is not Status.RESOLVED]
        if not choices:
            self.notify(t("error.no_status_moves"), severity="warning")
            return

        def chosen(target: Status | None) -> None:
            if target is None:
                return
            ctx = self.desk.context
            self.write(
                lambda repo: repo.change_status(self.ticket_id, target, ctx.agent, ctx.now()),
                t("done.status", status=label("status", target.value)),
            )

        self.app.push_screen(StatusDialog(ticket.status, choices), chosen)

    def action_transfer(self) -> None:
        from agentdesk.dialogs.transfer_dialog import TransferDialog, TransferRequest

        assert self.detail is not None
        teams = [tm for tm in self.desk.context.teams if tm.id != self.detail.ticket.team_id]

        def chosen(request: TransferRequest | None) -> None:
            if request is None:
                return
            ctx = self.desk.context
            self.write(
                lambda repo: repo.transfer(
                    self.ticket_id, request.team_code, request.note, ctx.agent, ctx.now()
                ),
                t("done.transferred", team=ctx.team_name(request.team_id)),
            )

        self.app.push_screen(TransferDialog(teams), chosen)

    def action_resolve(self) -> None:
        from agentdesk.dialogs.resolve_dialog import Resolution, ResolveDialog

        def chosen(result: Resolution | None) -> None:
            if result is None:
                return
            ctx = self.desk.context
            self.write(
                lambda repo: repo.resolve(
                    self.ticket_id, result.text, result.root_cause, ctx.agent, ctx.now()
                ),
                t("done.resolved"),
            )

        self.app.push_screen(ResolveDialog(), chosen)

    def action_refund(self) -> None:
        from agentdesk.dialogs.refund_dialog import RefundDialog, RefundRequest

        ctx = self.desk.context
        limit = ctx.repository().authority.limit_for(ctx.agent)

        def chosen(request: RefundRequest | None) -> None:
            if request is None:
                return
            self.desk.run_write(
                lambda repo: repo.refund(
                    self.ticket_id, request.amount_cents, request.reason, ctx.agent, ctx.now()
                ),
                self._refunded,
            )

        self.app.push_screen(RefundDialog(limit), chosen)

    def _refunded(self, entry: TimelineEntry) -> None:
        amount = authority.format_yuan(int(entry.data["amount_cents"]))
        if entry.kind is EventKind.REFUND_REQUEST:
            self._after_write(entry, t("done.refund_requested", amount=amount))
        else:
            self._after_write(entry, t("done.refund_recorded", amount=amount))

    def action_consult(self) -> None:
        from agentdesk.dialogs.consult_dialog import ConsultDialog, ConsultRequest

        ctx = self.desk.context

        def chosen(asked: ConsultRequest | None) -> None:
            if asked is None:
                return
            self.desk.run_write(
                lambda repo: repo.consult(
                    self.ticket_id, asked.department, asked.question, asked.hours,
                    ctx.agent, ctx.now(),
                ),
                self._consulted,
            )  # fmt: skip

        self.app.push_screen(ConsultDialog(), chosen)

    def _consulted(self, entry: TimelineEntry) -> None:
        department = label("department", entry.data["department"])
        due = self.desk.local_time(datetime.fromisoformat(entry.data["due_at"]))
        self._after_write(entry, t("done.consulted", department=department, due=due))

    def action_answer_consult(self) -> None:
        from agentdesk.dialogs.base import ReasonDialog

        assert self.detail is not None
        asked = consults.open_consults(self.detail.timeline)[0]
        ctx = self.desk.context

        def chosen(answer: str | None) -> None:
            if answer:
                self.write(
                    lambda repo: repo.answer_consult(
                        self.ticket_id, asked.request_id, answer, ctx.agent, ctx.now()
                    ),
                    t("done.consult_answered"),
                )

        self.app.push_screen(
            ReasonDialog(
                t("dialog.consult_answer_title"),
                t("dialog.consult_answer_text"),
                t("dialog.confirm_hint"),
                self._consult_line(asked),
            ),
            chosen,
        )

    def action_decide_refund(self) -> None:
        from agentdesk.dialogs.refund_decision_dialog import refund_decision_dialog
        from agentdesk.dialogs.review_dialog import Review

        assert self.detail is not None and self.detail.pending_refunds
        pending = self.detail.pending_refunds[0]
        ctx = self.desk.context

        def chosen(decided: Review | None) -> None:
            if decided is None:
                return
            self.write(
                lambda repo: repo.decide_refund(
                    pending.request_id, decided.decision, decided.note, ctx.agent, ctx.now()
                ),
                t("done.refund_decided", decision=label("decision", decided.decision.value)),
            )

        self.app.push_screen(refund_decision_dialog(pending), chosen)

    def action_follow_up(self) -> None:
        from agentdesk.dialogs.follow_up_dialog import FollowUpDialog, FollowUpResult

        assert self.detail is not None
        policy = self.desk.context.repository().follow_up_policy

        def chosen(result: FollowUpResult | None) -> None:
            if result is None:
                return
            outcome = follow_up.low_score_outcome(policy, result.score)
            key = "follow_up.escalated" if outcome.escalate else "follow_up.done"
            key = "follow_up.reopened" if outcome.reopen and not outcome.escalate else key
            ctx = self.desk.context
            self.write(
                lambda repo: repo.record_follow_up(
                    self.ticket_id, result.score, result.comment, ctx.agent, ctx.now()
                ),
                t(key, score=result.score),
            )

        self.app.push_screen(FollowUpDialog(self.detail.ticket.number), chosen)

    def action_review(self) -> None:
        from agentdesk.dialogs.review_dialog import Review, review_dialog

        def chosen(review: Review | None) -> None:
            if review is None:
                return
            ctx = self.desk.context
            self.write(
                lambda repo: repo.record_review(
                    self.ticket_id, review.decision, review.note, ctx.agent, ctx.now()
                ),
                t("done.reviewed", decision=label("decision", review.decision.value)),
            )

        self.app.push_screen(review_dialog(), chosen)

    def action_reveal(self) -> None:
        from agentdesk.dialogs.reveal_dialog import RevealDialog

        assert self.detail is not None
        customer_id = self.detail.customer.id

        def chosen(reason: str | None) -> None:
            if not reason:
                return
            ctx = self.desk.context

            def revealed(customer: CustomerRecord) -> None:
                self.revealed = customer
                self._after_write(customer, t("done.revealed"))

            self.desk.run_write(
                lambda repo: repo.reveal_customer(
                    customer_id, reason, ctx.agent, ctx.now(), ticket_id=self.ticket_id
                ),
                revealed,
            )

        self.app.push_screen(RevealDialog(self.detail.customer.name), chosen)

    def action_compose(self, kind: str) -> None:
        self.compose_kind = EventKind(kind)
        self._show_mode()
        self.query_one("#composer", Composer).focus()

    def action_send(self) -> None:
        """Send the draft; a reply passes the phrase check first (blocked, or sent with a
        logged reason where the rule allows an override)."""
        composer = self.query_one("#composer", Composer)
        text = composer.text
        if not text.strip():
            self.notify(t("error.empty_message"), severity="warning")
            composer.focus()
            return
        if self.compose_kind is not EventKind.REPLY:
            self._send(text, None)
            return
        problem = self._blocking_problem(composer)
        if problem:
            self.notify(problem, severity="error", timeout=10)
            composer.focus()
            return
        if composer.findings:
            from agentdesk.dialogs.override_dialog import OverrideDialog

            def chosen(reason: str | None) -> None:
                if reason:
                    self._send(text, reason)

            self.app.push_screen(OverrideDialog(composer.findings), chosen)
            return
        self._send(text, None)

    @staticmethod
    def _blocking_problem(composer: Composer) -> str | None:
        from agentdesk.domain.phrase_check import Action

        if composer.holes:
            names = ", ".join(sorted({"{{" + name + "}}" for _, _, name in composer.holes}))
            return t("error.unfilled_placeholders", names=names)
        for f in composer.findings:
            if f.rule.action is Action.BLOCK:
                return t(
                    "error.banned_phrase", phrase=f.text, rewrite=f.rewrite, reason=f.rule.reason
                )
        return None

    def _send(self, text: str, override_reason: str | None) -> None:
        composer = self.query_one("#composer", Composer)
        ctx = self.desk.context
        kind = self.compose_kind

        def sent(_entry: object) -> None:
            composer.clear()
            self.query_one("#timeline").focus()
            self._after_write(_entry, t("done.sent", kind=label("event", kind.value)))

        self.desk.run_write(
            lambda repo: repo.add_message(
                self.ticket_id, kind, text, ctx.agent, ctx.now(), override_reason=override_reason
            ),
            sent,
        )

    # -- the phrase check, the phrase helper and the knowledge base -------------------------

    @on(Composer.Checked)
    def _checked(self, event: Composer.Checked) -> None:
        lines = [
            t("check.finding", phrase=f.text, reason=f.rule.reason, rewrite=f.rewrite)
            for f in event.findings
        ]
        lines += [t("check.unfilled", name="{{" + name + "}}") for _, _, name in event.holes]
        box = self.query_one("#composer-check", Static)
        box.display = bool(lines)
        box.update("\n".join(lines))

    def action_rewrite(self) -> None:
        composer = self.query_one("#composer", Composer)
        finding = composer.rewrite()
        if finding is None:
            self.notify(t("check.nothing_to_rewrite"))
            return
        composer.focus()

    def action_phrases(self) -> None:
        self._open_library("phrases")

    def action_knowledge(self) -> None:
        self._open_library("kb")

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def _open_library(self, which: str) -> None:
        """Read the library and the ticket's placeholder values off the UI thread."""
        from agentdesk.screens.library_search import KnowledgeSearch, PhraseHelper

        ctx = self.desk.context
        detail = self.detail
        if detail is None:
            return
        repo = ctx.repository()
        values = fill_values(ctx, repo, detail)
        tk = detail.ticket
        screen: PhraseHelper | KnowledgeSearch
        if which == "phrases":
            team_code = ctx.team_code(ctx.agent.team_id)
            entries = [e for e in repo.phrases() if e[0].allowed_for(team_code)]
            screen = PhraseHelper(
                entries,
                values,
                category=tk.category.value,
                status=tk.status.value,
                language=reply_language(tk.subject + tk.description),
                incidents=[i.title for i in repo.incidents()],
            )
        else:
            screen = KnowledgeSearch(repo.articles(), values, tk.category.value)
        self.app.call_from_thread(self._show_library, screen, which)

    def _show_library(self, screen: Any, which: str) -> None:
        from agentdesk.screens.library_search import Inserted

        def inserted(choice: Inserted | None) -> None:
            composer = self.query_one("#composer", Composer)
            composer.focus()
            if choice is None:
                return
            composer.insert(choice.text)
            if which == "phrases":
                ctx = self.desk.context
                self.desk.run_write(
                    lambda repo: repo.record_phrase_use(choice.entry_id, ctx.now()), lambda _: None
                )

        self.app.push_screen(screen, inserted)


def reply_language(text: str) -> str:
    """Replies follow the customer: Chinese when the ticket is written in Chinese."""
    return "zh-CN" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en"


def fill_values(ctx: Any, repo: Repository, detail: TicketDetail) -> dict[str, str]:
    """Every placeholder's value for the open ticket, in the agent's language."""
    from agentdesk.domain.phrases import FillContext, placeholder_values

    tk = detail.ticket
    product, order = repo.product_and_order(tk.product_id, tk.order_id, current_language())
    context = FillContext(
        ticket=tk,
        customer=detail.customer,
        agent_name=ctx.agent.display_name,
        team_name=ctx.team_name(ctx.agent.team_id),
        clocks=detail.clocks,
        product_name=product,
        order_number=order,
    )
    return placeholder_values(context, ctx.now(), ctx.zone, label)
