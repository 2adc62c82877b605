"""Intake of a new contact (R1): find or create the customer, describe, create the ticket."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from agentdesk.domain.errors import AgentdeskError, ValidationFailed
from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.domain.records import CustomerRecord, NewCustomer, NewTicket, TicketRecord
from agentdesk.i18n import label, t
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.translated import translate_bindings

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.store.repository import Repository

NEW_CUSTOMER = "__new__"


def enum_options(kind: str, values: type[StrEnum]) -> list[tuple[str, str]]:
    return [(label(kind, v.value), v.value) for v in values]


class IntakeScreen(Screen[TicketRecord | None]):
    BINDINGS = [
        Binding("escape", "cancel", "key.cancel", id="intake.cancel"),
        Binding("ctrl+s", "create", "key.create_ticket", id="intake.create", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.customer: CustomerRecord | None = None
        self.matches: list[CustomerRecord] = []

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
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
            yield Input(placeholder=t("field.subject"), id="subject")
            yield Label(t("field.description"))
            yield TextArea(id="description", soft_wrap=True)
            yield Input(placeholder=t("field.customer_request"), id="customer-request")
            yield Checkbox(t("intake.take_myself"), value=True, id="take")
            yield Static(id="intake-error", markup=False)
            yield Static(t("intake.hint"), classes="dialog-hint", markup=False)
        yield self.desk.status_bar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#new-customer").display = False
        self.query_one("#matches").display = False
        self.query_one("#level", Select).disabled = True
        self.query_one("#lookup", Input).focus()

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
        self.query_one("#channel", Select).focus()

    def _start_new_customer(self, typed: str) -> None:
        self.customer = None
        self.query_one("#new-customer").display = True
        digits = typed.replace(" ", "").lstrip("+")
        field = "#new-phone" if digits.isdigit() else "#new-name"
        self.query_one(field, Input).value = typed
        self.query_one("#chosen-customer", Static).update(t("intake.creating_customer"))
        self.query_one("#new-name" if field == "#new-phone" else "#new-phone", Input).focus()

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        level = self.query_one("#level", Select)
        level.disabled = event.value != Category.COMPLAINT.value
        if level.disabled:
            level.clear()

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
        take = self.query_one("#take", Checkbox).value
        chosen = self.customer
        ctx = self.desk.context

        def create(repo: Repository) -> TicketRecord:
            # Widgets are read above, on the UI thread; this runs in a worker.
            return repo.create_ticket(
                draft,
                ctx.agent,
                ctx.now(),
                take=take,
                new_customer=None if chosen else new_customer,
            )

        self.desk.run_write(create, self._created, on_error=self._error)

    def _created(self, ticket: TicketRecord) -> None:
        self.notify(t("done.created", number=ticket.number))
        self.dismiss(ticket)

    def _error(self, message: str) -> None:
        self.query_one("#intake-error", Static).update(message)
        self.notify(message, severity="error")

    def action_cancel(self) -> None:
        self.dismiss(None)
