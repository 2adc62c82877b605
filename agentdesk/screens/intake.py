"""Intake of a new contact (R1): find or create the customer, describe, create the ticket."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from agentdesk.domain import authority
from agentdesk.domain.errors import AgentdeskError, NotAllowed, ValidationFailed
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.domain.records import (
    CustomerRecord,
    NewCustomer,
    NewTicket,
    TeamRecord,
    TicketRecord,
)
from agentdesk.domain.routing import (
    DISPATCH_CLOCK,
    RoutingFacts,
    RoutingOutcome,
    RoutingPolicy,
    clocks_from_creation,
    sla_facts,
)
from agentdesk.i18n import current_language, label, t
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.domain.sla_policy import SlaPolicy
    from agentdesk.store.repository import Repository

NEW_CUSTOMER = "__new__"


def enum_options(kind: str, values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(label(kind, v.value), v.value) for v in values]


class IntakeScreen(Screen[TicketRecord | None]):
    DEFAULT_CSS = """
    IntakeScreen #route { color: $accent; text-style: bold; height: auto; }
    IntakeScreen #category-suggestion { color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "key.cancel", id="intake.cancel"),
        Binding("ctrl+s", "create", "key.create_ticket", id="intake.create", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.customer: CustomerRecord | None = None
        self.matches: list[CustomerRecord] = []
        self.routing: RoutingPolicy | None = None  # loaded off the UI thread on mount
        self.sla: SlaPolicy | None = None
        self.category_chosen = False  # the agent picked the category: suggestions stop
        self._suggested: list[object] = []  # category values set by a suggestion, not yet seen
        self.take_wanted = True  # the agent's "take it myself", kept while it cannot apply

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self.desk.incident_banner()
        with VerticalScroll(id="intake-form"):
            yield Static(t("intake.title"), classes="form-title", markup=False)
            yield Label(t("intake.lookup"))
            yield Input(placeholder=t("intake.lookup_placeholder"), id="lookup")
            yield OptionList(id="matches")
            yield Static(t("intake.no_customer"), id="chosen-customer", markup=False)
            with Vertical(id="new-customer"):
                with Horizontal(classes="form-row"):
                    yield Input(placeholder=t("field.name"), id="new-name")
                    yield Input(placeholder=t("field.phone"), id="new-phone")
                with Horizontal(classes="form-row"):
                    yield Input(placeholder=t("field.email"), id="new-email")
                    yield Select(
                        enum_options("tier", CustomerTier),
                        value=CustomerTier.STANDARD.value,
                        allow_blank=False,
                        id="new-tier",
                    )
                yield Input(placeholder=t("field.address"), id="new-address")
            with Horizontal(classes="form-row"):
                yield Select(
                    enum_options("channel", Channel),
                    value=Channel.PHONE.value,
                    allow_blank=False,
                    id="channel",
                )
                yield Select(
                    enum_options("category", Category), prompt=t("field.category"), id="category"
                )
                yield Select(
                    enum_options("level", ComplaintLevel), prompt=t("field.level"), id="level"
                )
                yield Select(
                    enum_options("priority", Priority),
                    value=Priority.NORMAL.value,
                    allow_blank=False,
                    id="priority",
                )
            yield Static(id="category-suggestion", markup=False)
            yield Input(placeholder=t("intake.amount_placeholder"), id="refund-amount")
            yield Input(placeholder=t("field.subject"), id="subject")
            yield Label(t("field.description"))
            yield TextArea(id="description", soft_wrap=True)
            yield Input(placeholder=t("field.customer_request"), id="customer-request")
            yield Static(t("intake.goes_to_pending"), id="route", markup=False)
            yield Checkbox(t("intake.take_myself"), value=True, id="take")
            yield Static(id="intake-error", markup=False)
            yield Static(t("intake.hint"), classes="dialog-hint", markup=False)
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#new-customer").display = False
        self.query_one("#matches").display = False
        self.query_one("#level", Select).disabled = True
        self.query_one("#refund-amount").display = False
        self.query_one("#category-suggestion").display = False
        self.query_one("#lookup", Input).focus()
        self.load_rules()

    @work(thread=True, exclusive=True, group="intake-routing", exit_on_error=False)
    def load_rules(self) -> None:
        from agentdesk.io.routing_file import load_with_fallback

        ctx = self.desk.context
        routing, problem = load_with_fallback(ctx.policy_dir)
        sla = ctx.repository().policy
        self.app.call_from_thread(self._rules_loaded, routing, sla, problem)

    def _rules_loaded(self, routing: RoutingPolicy, sla: SlaPolicy, problem: str | None) -> None:
        self.routing, self.sla = routing, sla
        if problem:
            self.notify(problem, severity="warning")
        self._suggest_category()
        self._show_route()

    # -- customer lookup ------------------------------------------------------------------

    @on(Input.Changed, "#lookup")
    def _lookup_changed(self, event: Input.Changed) -> None:
        self.find_customers(event.value)

    @work(thread=True, exclusive=True, group="intake-lookup", exit_on_error=False)
    def find_customers(self, query: str) -> None:
        found = self.desk.context.repository().find_customers(query, limit=8)
        self.app.call_from_thread(self._show_matches, query, found)

    def _show_matches(self, query: str, found: list[CustomerRecord]) -> None:
        if query != self.query_one("#lookup", Input).value:
            return  # typed on since; a newer lookup is coming
        self.matches = found
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        for customer in found:
            masked = customer.masked()
            text = f"{customer.name}  {masked.phone}  {label('tier', customer.tier.value)}"
            options.add_option(Option(text, id=customer.id))
        if query.strip():
            options.add_option(Option(t("intake.new_customer", query=query), id=NEW_CUSTOMER))
        options.display = options.option_count > 0
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#lookup")
    def _lookup_submitted(self) -> None:
        options = self.query_one("#matches", OptionList)
        if options.display:
            options.focus()

    @on(OptionList.OptionSelected, "#matches")
    def _customer_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == NEW_CUSTOMER:
            self._start_new_customer(self.query_one("#lookup", Input).value.strip())
            return
        self.customer = next(c for c in self.matches if c.id == event.option.id)
        self.query_one("#new-customer").display = False
        masked = self.customer.masked()
        self.query_one("#chosen-customer", Static).update(
            t("intake.customer_chosen", name=masked.name, phone=masked.phone or "—")
        )
        self._show_route()  # the customer's tier counts
        self.query_one("#channel", Select).focus()

    def _start_new_customer(self, typed: str) -> None:
        self.customer = None
        self.query_one("#new-customer").display = True
        digits = typed.replace(" ", "").lstrip("+")
        field = "#new-phone" if digits.isdigit() else "#new-name"
        self.query_one(field, Input).value = typed
        self.query_one("#chosen-customer", Static).update(t("intake.creating_customer"))
        self.query_one("#new-name" if field == "#new-phone" else "#new-phone", Input).focus()
        self._show_route()

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        if event.value in self._suggested:
            self._suggested.remove(event.value)  # our own suggestion arriving
        else:
            self.category_chosen = event.value is not Select.NULL
            self._show_suggestion("")
        level = self.query_one("#level", Select)
        level.disabled = event.value != Category.COMPLAINT.value
        if level.disabled:
            level.clear()
        self.query_one("#refund-amount").display = event.value == Category.REFUND.value
        self._show_route()

    # -- routing: the suggested category and where the ticket will go ---------------------

    @on(Select.Changed, "#level, #channel, #priority, #new-tier")
    @on(Input.Changed, "#refund-amount")
    def _routing_field_changed(self) -> None:
        self._show_route()

    @on(Checkbox.Changed, "#take")
    def _take_changed(self, event: Checkbox.Changed) -> None:
        if not event.checkbox.disabled:
            self.take_wanted = event.value
        self._show_route()

    @on(Input.Changed, "#subject")
    @on(TextArea.Changed, "#description")
    def _description_changed(self) -> None:
        self._suggest_category()
        self._show_route()

    def _suggest_category(self) -> None:
        """Pre-select the category the description suggests, unless the agent chose one."""
        if self.routing is None or self.category_chosen:
            return
        found = self.routing.suggest_category(self._text())
        value: object = found.value if found else Select.NULL
        select = self.query_one("#category", Select)
        if select.value == value:
            return
        self._suggested.append(value)
        select.value = value
        hint = t("intake.suggested", category=label("category", found.value)) if found else ""
        self._show_suggestion(hint)

    def _show_suggestion(self, hint: str) -> None:
        suggestion = self.query_one("#category-suggestion", Static)
        suggestion.update(hint)
        suggestion.display = bool(hint)

    def _text(self) -> str:
        return f"{self._value('#subject')}\n{self._value('#description')}"

    def _routing_facts(self) -> RoutingFacts | None:
        category = self._value("#category")
        if not category:
            return None
        level = self._value("#level")
        return RoutingFacts(
            category=Category(category),
            complaint_level=ComplaintLevel(level) if level else None,
            refund_amount_cents=self._amount(strict=False),
            tier=self._tier(),
            channel=Channel(self._value("#channel")),
            text=self._text(),
            priority=Priority(self._value("#priority")),
        )

    def _amount(self, *, strict: bool) -> int | None:
        """The refund amount typed, in cents (refunds only); `strict`: refuse a bad one."""
        text = self._value("#refund-amount").strip()
        if self._value("#category") != Category.REFUND.value or not text:
            return None
        try:
            return authority.parse_yuan(text)
        except ValidationFailed:
            if strict:
                raise
            return None

    def _tier(self) -> CustomerTier:
        if self.customer is not None:
            return self.customer.tier
        if self.query_one("#new-customer").display:
            return CustomerTier(self._value("#new-tier"))
        return CustomerTier.STANDARD

    def _route(self) -> tuple[RoutingFacts, RoutingOutcome] | None:
        facts = self._routing_facts()
        if self.routing is None or facts is None:
            return None
        return facts, self.routing.route(facts)

    def _team(self, outcome: RoutingOutcome) -> TeamRecord | None:
        return next((tm for tm in self.desk.context.teams if tm.code == outcome.team), None)

    def _show_route(self) -> None:
        routed = self._route()
        take = self.query_one("#take", Checkbox)
        line = self.query_one("#route", Static)
        if routed is None:
            self._allow_take(True)
            line.update(t("intake.goes_to_pending"))
            return
        facts, outcome = routed
        team = self._team(outcome)
        self._allow_take(team is None or team.id == self.desk.context.agent.team_id)
        line.update(
            t(
                "intake.goes_to",
                team=self._team_name(outcome, team),
                priority=label("priority", outcome.priority.value),
                reason=outcome.reason(current_language()) or "—",
                dispatch=self._dispatch(facts, outcome, taken=take.value and not take.disabled),
            )
        )

    def _allow_take(self, allowed: bool) -> None:
        """Only a ticket for the agent's own team can be taken at intake (else: unticked)."""
        take = self.query_one("#take", Checkbox)
        take.disabled = not allowed
        take.value = self.take_wanted and allowed

    def _team_name(self, outcome: RoutingOutcome, team: TeamRecord | None) -> str:
        if team is not None:
            return team.name(current_language())
        if outcome.team is None:
            return t("intake.own_team")
        return t("intake.unknown_team", team=outcome.team)

    def _dispatch(self, facts: RoutingFacts, outcome: RoutingOutcome, *, taken: bool) -> str:
        """When dispatch is due if the ticket were saved now (R1)."""
        if taken:
            return t("intake.dispatch_taken")
        ctx = self.desk.context
        now = ctx.now()
        if self.sla is None:
            return t("intake.dispatch_none")
        clocks = clocks_from_creation(self.sla, sla_facts(facts, outcome), int(now.timestamp()))
        dispatch = next((c for c in clocks if c.name == DISPATCH_CLOCK), None)
        if dispatch is None or dispatch.due is None:
            return t("intake.dispatch_none")
        due = datetime.fromtimestamp(dispatch.due, ctx.zone)
        same_day = due.date() == now.astimezone(ctx.zone).date()
        return t("intake.dispatch_due", due=due.strftime("%H:%M" if same_day else "%m-%d %H:%M"))

    # -- create ---------------------------------------------------------------------------

    def _value(self, selector: str) -> str:
        widget = self.query_one(selector)
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        if isinstance(widget, TextArea):
            return widget.text
        assert isinstance(widget, Input)
        return widget.value

    def _new_customer(self) -> NewCustomer | None:
        if not self.query_one("#new-customer").display:
            return None
        return NewCustomer(
            name=self._value("#new-name"),
            phone=self._value("#new-phone"),
            email=self._value("#new-email"),
            address=self._value("#new-address"),
            tier=CustomerTier(self._value("#new-tier")),
        )

    def _draft(self, customer_id: str) -> NewTicket:
        category = self._value("#category")
        if not category:
            raise ValidationFailed("error.required", field=t("field.category"))
        level = self._value("#level")
        return NewTicket(
            customer_id=customer_id,
            channel=Channel(self._value("#channel")),
            category=Category(category),
            complaint_level=ComplaintLevel(level) if level else None,
            priority=Priority(self._value("#priority")),
            subject=self._value("#subject"),
            description=self._value("#description"),
            customer_request=self._value("#customer-request"),
        )

    def action_create(self) -> None:
        new_customer = self._new_customer()
        if self.customer is None and new_customer is None:
            self._error(t("error.choose_customer"))
            self.query_one("#lookup", Input).focus()
            return
        try:
            draft = self._draft(self.customer.id if self.customer else "")
        except AgentdeskError as exc:
            self._error(exc.message())
            return
        try:
            amount = self._amount(strict=True)
        except AgentdeskError as exc:
            self._error(exc.message())
            return
        take = self.query_one("#take", Checkbox).value
        chosen = self.customer
        ctx = self.desk.context
        routed = self._route()
        outcome = routed[1] if routed else None
        if outcome is not None and self._team(outcome) is None:
            outcome = replace(outcome, team=None)  # a team this store lacks: stays with us

        def create(repo: Repository) -> TicketRecord:
            # Widgets are read above, on the UI thread; this runs in a worker.
            return repo.create_ticket(
                draft,
                ctx.agent,
                ctx.now(),
                take=take,
                new_customer=None if chosen else new_customer,
                routed=outcome,
                refund_amount_cents=amount,
            )

        self.desk.run_write(create, self._created, on_error=self._error)

    def _created(self, ticket: TicketRecord) -> None:
        ctx = self.desk.context
        try:
            authority.check_can_work(ctx.agent, ticket)
        except NotAllowed:  # routed to a team this agent does not work: back to the queue
            team = ctx.team_name(ticket.team_id)
            self.notify(t("intake.routed_away", number=ticket.number, team=team))
            self.dismiss(None)
            return
        self.notify(t("done.created", number=ticket.number))
        self.dismiss(ticket)

    def _error(self, message: str) -> None:
        self.query_one("#intake-error", Static).update(message)
        self.notify(message, severity="error")

    def action_cancel(self) -> None:
        self.dismiss(None)
