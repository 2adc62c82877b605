"""Placeholders: finding them, filling them (unfilled ones stay visible), which names are known,
and the values a real ticket of the store gives."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agentdesk.domain.clocks import Phase
from agentdesk.domain.phrases import (
    FIXED_PLACEHOLDERS,
    FillContext,
    Phrase,
    Scenario,
    fill,
    placeholder_values,
    placeholders,
    unknown_placeholder,
)
from tests.conftest import NOW, agent

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFUND = "T-20261123-0001"  # taken by zhang.wei at NOW: dispatch stopped, others running
CLOCKS = ["dispatch", "first_response", "next_update", "review", "resolution"]


def label(kind: str, value: str) -> str:
    return f"<{kind}:{value}>"


# -- finding and filling --------------------------------------------------------------------------


def test_placeholders_are_listed_in_order_with_spaces_trimmed() -> None:
    text = "{{customer.name}}您好，{{ ticket.number }}，{{}}，{{customer.name}}"
    assert placeholders(text) == ["customer.name", "ticket.number", "", "customer.name"]


def test_single_braces_and_other_syntaxes_are_not_placeholders() -> None:
    assert placeholders("{customer.name} #{ticket.number} {{customer name}}") == []


def test_fill_replaces_known_values() -> None:
    filled = fill("{{customer.name}}您好，工单{{ticket.number}}已受理。", {
        "customer.name": "王芳",
        "ticket.number": "T-20261123-0001",
    })  # fmt: skip
    assert filled.text == "王芳您好，工单T-20261123-0001已受理。"
    assert filled.missing == ()


def test_fill_accepts_spaces_inside_the_braces() -> None:
    filled = fill("Hi {{ customer.name }}, re {{ticket.number }}", {
        "customer.name": "Oliver",
        "ticket.number": "T-1",
    })  # fmt: skip
    assert filled == fill("Hi Oliver, re T-1", {})
    assert filled.text == "Hi Oliver, re T-1"


def test_fill_keeps_unknown_placeholders_verbatim_and_lists_them() -> None:
    text = "Dear {{customer.name}}, order {{ ticket.order }} for {{customer.age}}"
    filled = fill(text, {"customer.name": "Oliver"})
    assert filled.text == "Dear Oliver, order {{ ticket.order }} for {{customer.age}}"
    assert filled.missing == ("ticket.order", "customer.age")


def test_fill_keeps_a_placeholder_with_an_empty_value_and_lists_it() -> None:
    filled = fill("订单{{ticket.order}}已发货", {"ticket.order": ""})
    assert filled.text == "订单{{ticket.order}}已发货"
    assert filled.missing == ("ticket.order",)


def test_fill_keeps_an_empty_placeholder_and_lists_it_as_an_empty_name() -> None:
    filled = fill("Hi {{ }}!", {"customer.name": "Oliver"})
    assert filled.text == "Hi {{ }}!"
    assert filled.missing == ("",)


def test_fill_lists_each_unfilled_occurrence() -> None:
    assert fill("{{agent.name}} / {{agent.name}}", {}).missing == ("agent.name", "agent.name")


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again() -> None:
    filled = fill("{{customer.name}} {{agent.name}}", {"customer.name": "{{agent.name}}"})
    assert filled.text == "{{agent.name}} {{agent.name}}"
    assert filled.missing == ("agent.name",)


# -- which names are known ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXED_PLACEHOLDERS)
def test_fixed_placeholders_are_known(name: str) -> None:
    assert unknown_placeholder(name) is None
    assert unknown_placeholder(name, []) is None


@pytest.mark.parametrize("name", ["clock.first_response.due", "clock.next_update.remaining"])
def test_a_clock_placeholder_is_known_without_a_clock_list(name: str) -> None:
    assert unknown_placeholder(name) is None


def test_a_clock_placeholder_is_known_when_the_policy_has_the_clock() -> None:
    assert unknown_placeholder("clock.first_response.due", CLOCKS) is None


def test_a_clock_the_policy_lacks_is_an_unknown_clock() -> None:
    assert unknown_placeholder("clock.lunch_break.due", CLOCKS) == "unknown_clock"
    assert unknown_placeholder("clock.first_response.due", []) == "unknown_clock"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "customer",
        "customer.age",
        "Customer.Name",
        "clock.first_response",
        "clock.first_response.late",
        "clock.First.due",
        "clock..due",
        "ticket.number.x",
    ],
)
def test_junk_names_are_unknown(name: str) -> None:
    assert unknown_placeholder(name) == "unknown"
    assert unknown_placeholder(name, CLOCKS) == "unknown"


def test_phrase_is_usable_by_its_teams_or_by_everyone() -> None:
    everyone = Phrase("p1", Scenario.HOLD, "en", "Hold", "One moment")
    after_sales = Phrase("p2", Scenario.REFUND, "en", "Refund", "Sure", teams=("after_sales",))
    assert everyone.allowed_for(None) and everyone.allowed_for("technical")
    assert after_sales.allowed_for("after_sales")
    assert not after_sales.allowed_for("front_line")
    assert not after_sales.allowed_for(None)


# -- values from a real ticket --------------------------------------------------------------------


@pytest.fixture
def context(repo: Any) -> FillContext:
    ticket, clocks = repo.clocks(repo.ticket(REFUND).id, NOW)
    return FillContext(
        ticket=ticket,
        customer=repo.customer(ticket.customer_id),
        agent_name=agent(repo).display_name,
        team_name="一线客服",
        clocks=clocks,
        product_name="扫地机器人 X7 Pro",
        order_number="SO-2026-0042",
    )


def test_placeholder_values_name_the_customer_ticket_and_agent(context: FillContext) -> None:
    values = placeholder_values(context, NOW, SHANGHAI, label)
    assert {name: values[name] for name in FIXED_PLACEHOLDERS} == {
        "customer.name": "王芳",
        "customer.tier": "<tier:standard>",
        "ticket.number": REFUND,
        "ticket.subject": "退款没有到账",
        "ticket.category": "<category:refund>",
        "ticket.status": "<status:assigned>",
        "ticket.priority": "<priority:normal>",
        "ticket.product": "扫地机器人 X7 Pro",
        "ticket.order": "SO-2026-0042",
        "agent.name": "张伟",
        "agent.team": "一线客服",
    }


def test_running_clocks_give_due_time_in_the_zone_and_time_left(context: FillContext) -> None:
    values = placeholder_values(context, NOW, SHANGHAI, label)
    # first response: 4 business hours from 14:00 Shanghai on Monday 2026-11-23
    assert values["clock.first_response.due"] == "11-23 18:00"
    assert values["clock.first_response.remaining"] == "04:00"
    assert values["clock.resolution.remaining"].endswith("h")  # days away: "2d 20h"
    assert (
        placeholder_values(context, NOW, ZoneInfo("UTC"), label)["clock.first_response.due"]
        == "11-23 10:00"
    )


def test_time_left_counts_down_with_now(context: FillContext) -> None:
    from datetime import timedelta

    later = placeholder_values(context, NOW + timedelta(minutes=75), SHANGHAI, label)
    assert later["clock.first_response.remaining"] == "02:45"
    assert later["clock.first_response.due"] == "11-23 18:00"


def test_a_stopped_clock_gives_no_value_so_it_stays_flagged(context: FillContext) -> None:
    phases = {clock.name: clock.phase for clock in context.clocks}
    assert phases["dispatch"] is Phase.STOPPED  # the agent took the ticket at creation
    values = placeholder_values(context, NOW, SHANGHAI, label)
    assert "clock.dispatch.due" not in values
    assert "clock.dispatch.remaining" not in values
    filled = fill(
        "派单时限：{{clock.dispatch.due}}；首次响应：{{clock.first_response.due}}", values
    )
    assert filled.text == "派单时限：{{clock.dispatch.due}}；首次响应：11-23 18:00"
    assert filled.missing == ("clock.dispatch.due",)


def test_only_running_clocks_have_values(context: FillContext) -> None:
    values = placeholder_values(context, NOW, SHANGHAI, label)
    running = {c.name for c in context.clocks if c.phase is Phase.RUNNING}
    assert running == {"first_response", "resolution"}
    named = {key.split(".")[1] for key in values if key.startswith("clock.")}
    assert named == running


def test_extra_values_are_added_and_win(context: FillContext) -> None:
    from dataclasses import replace

    extra = replace(context, extra={"customer.name": "王女士", "ticket.order": "SO-9"})
    values = placeholder_values(extra, NOW, SHANGHAI, label)
    assert (values["customer.name"], values["ticket.order"]) == ("王女士", "SO-9")


def test_a_ticket_without_product_or_order_leaves_those_placeholders_flagged(
    context: FillContext,
) -> None:
    from dataclasses import replace

    bare = replace(context, product_name="", order_number="")
    values = placeholder_values(bare, NOW, SHANGHAI, label)
    filled = fill("{{customer.name}}，订单{{ticket.order}}（{{ticket.product}}）", values)
    assert filled.text == "王芳，订单{{ticket.order}}（{{ticket.product}}）"
    assert filled.missing == ("ticket.order", "ticket.product")
