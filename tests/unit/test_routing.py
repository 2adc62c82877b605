"""Routing (R1, R4): the shipped rules ticket by ticket, category suggestions, and what
`check` finds in a policy — unknown teams, rules that never match, overlaps."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from agentdesk.domain.model import Category, Channel, ComplaintLevel, CustomerTier, Priority
from agentdesk.domain.routing import (
    Keyword,
    RoutingFacts,
    RoutingPolicy,
    Severity,
    check,
    fold,
)
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR
from agentdesk.io.routing_file import load_routing, parse_routing

TEAMS = ["front_line", "technical", "after_sales", "leads"]
FL, TS, AS, LD = TEAMS
C, L, T = Category, ComplaintLevel, CustomerTier


@pytest.fixture(scope="module")
def shipped() -> RoutingPolicy:
    return load_routing(SHIPPED_POLICY_DIR)


def facts(category: Category, **fields: object) -> RoutingFacts:
    return replace(RoutingFacts(category), **fields)  # type: ignore[arg-type]


# (ticket, rule that decides, team, priority): one row per shipped rule at least, and the edges
SHIPPED_CASES = [
    (facts(C.COMPLAINT, complaint_level=L.LEGAL), "complaint-legal", LD, "urgent"),
    (facts(C.COMPLAINT, complaint_level=L.MAJOR), "complaint-major", LD, "high"),
    (facts(C.COMPLAINT, complaint_level=L.MINOR), "complaint-minor", FL, "normal"),
    (facts(C.COMPLAINT), "complaint-minor", FL, "normal"),  # level not chosen yet
    (facts(C.REFUND, refund_amount_cents=300_00), "refund-within-authority", FL, "normal"),
    (facts(C.REFUND, refund_amount_cents=500_00), "refund-within-authority", FL, "normal"),
    (facts(C.REFUND, refund_amount_cents=500_01), "refund-above-authority", LD, "normal"),
    (facts(C.REFUND, refund_amount_cents=9000_00), "refund-above-authority", LD, "normal"),
    (facts(C.REFUND), "refund-amount-unknown", FL, "normal"),
    (facts(C.REPAIR), "product-fault", AS, "normal"),
    (facts(C.RETURN_EXCHANGE), "product-fault", AS, "normal"),
    (facts(C.TECHNICAL, text="App cannot connect to Wi-Fi"), "technical-usage", TS, "normal"),
    (facts(C.TECHNICAL, text="扫地机坏了"), "technical-fault", AS, "normal"),
    (facts(C.TECHNICAL, text="It STOPPED  working"), "technical-fault", AS, "normal"),
    (facts(C.TECHNICAL, text="it is leaking"), "technical-fault", AS, "normal"),
    (facts(C.TECHNICAL, text="unbroken record"), "technical-usage", TS, "normal"),
    (facts(C.INQUIRY, text="电池漏水了怎么办"), "inquiry-fault", AS, "normal"),
    (facts(C.INQUIRY, text="How long is the warranty?"), "front-line", FL, "normal"),
    (facts(C.PRESALES), "front-line", FL, "normal"),
    # VIP customers: one level up on top of whatever decides the team
    (facts(C.INQUIRY, tier=T.VIP), "front-line", FL, "high"),
    (facts(C.COMPLAINT, complaint_level=L.MAJOR, tier=T.VIP), "complaint-major", LD, "urgent"),
    (facts(C.COMPLAINT, complaint_level=L.LEGAL, tier=T.VIP), "complaint-legal", LD, "urgent"),
    (facts(C.REPAIR, tier=T.GOLD), "product-fault", AS, "normal"),
    # the priority chosen at intake is a floor, never lowered
    (facts(C.INQUIRY, priority=Priority.URGENT), "front-line", FL, "urgent"),
    (facts(C.COMPLAINT, complaint_level=L.MAJOR, priority=Priority.LOW), "complaint-major",
     LD, "high"),
]  # fmt: skip


@pytest.mark.parametrize(("ticket", "rule", "team", "priority"), SHIPPED_CASES)
def test_shipped_rules(
    shipped: RoutingPolicy, ticket: RoutingFacts, rule: str, team: str, priority: str
) -> None:
    outcome = shipped.route(ticket)
    assert (outcome.rule_name, outcome.team, outcome.priority.value) == (rule, team, priority)
    assert outcome.rule_number == next(r.number for r in shipped.rules if r.name == rule)
    assert outcome.reason("en") and outcome.reason("zh-CN")


def test_every_shipped_rule_is_exercised(shipped: RoutingPolicy) -> None:
    deciding = {r.name for r in shipped.rules if not r.spec.keep_going}
    assert deciding == {rule for _, rule, _, _ in SHIPPED_CASES}


def test_a_vip_adjustment_is_named_and_explained(shipped: RoutingPolicy) -> None:
    outcome = shipped.route(facts(C.REPAIR, tier=T.VIP))
    assert outcome.adjusted_by == ("vip-priority",)
    assert outcome.reason("en").startswith("VIP customer: one priority level up; Product fault")
    assert "；" in outcome.reason("zh-CN")


def test_the_shipped_file_checks_clean(shipped: RoutingPolicy) -> None:
    assert check(shipped, TEAMS, {"RV-X5": "cleaning"}) == []


SUGGESTIONS = [
    ("扫地机坏了，充电座指示灯不亮", C.REPAIR),
    ("订单退款三天了还没到账", C.REFUND),
    ("我要投诉你们的快递员态度恶劣", C.COMPLAINT),
    ("想换货，尺寸不对", C.RETURN_EXCHANGE),
    ("App 连不上 Wi-Fi", C.TECHNICAL),
    ("Which model should I buy? What is the price?", C.PRESALES),
    ("Where is my invoice?", C.INQUIRY),
    ("I want my money back", C.REFUND),
    ("The REPAIRS took too long", C.REPAIR),  # repair*: any word it begins
    ("Please help", None),
    ("", None),
    ("apple pie", None),  # "app" only as a whole word
]


@pytest.mark.parametrize(("text", "category"), SUGGESTIONS)
def test_suggest_category(shipped: RoutingPolicy, text: str, category: Category | None) -> None:
    assert shipped.suggest_category(text) is category


def test_a_tie_goes_to_the_category_listed_first() -> None:
    policy = policy_of(
        RULE_CATCH_ALL,
        '[suggest]\nrefund = ["退款"]\ncomplaint = ["投诉"]\n',
    )
    assert policy.suggest_category("投诉 退款") is C.REFUND
    assert policy.suggest_category("投诉 退款 投诉") is C.REFUND  # distinct keywords count
    swapped = policy_of(RULE_CATCH_ALL, '[suggest]\ncomplaint = ["投诉"]\nrefund = ["退款"]\n')
    assert swapped.suggest_category("投诉 退款") is C.COMPLAINT


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("坏了", "机器坏了", True),
        ("broken", "It is BROKEN.", True),
        ("broken", "unbroken", False),
        ("broken", "X5坏broken了", True),  # Chinese next to English is a word boundary
        ("not working", "not   working", True),
        ("charg*", "It won't charge", True),
        ("charg*", "discharged", False),
        ("x5", "x50", False),
    ],
)
def test_keyword_matching(keyword: str, text: str, found: bool) -> None:
    assert Keyword.of(keyword).found_in(fold(text)) is found


# -- check ----------------------------------------------------------------------------------------

RULE_CATCH_ALL = '[[rule]]\nname = "rest"\nteam = "front_line"\nreason = "the rest"\n'


def policy_of(*parts: str) -> RoutingPolicy:
    return parse_routing("\n".join(textwrap.dedent(p) for p in parts))


def rule(name: str, when: str = "", team: str = "front_line", extra: str = "") -> str:
    """A rule's TOML text (the reason does not matter here)."""
    when_line = f"when = {{ {when} }}\n" if when else ""
    return f'[[rule]]\nname = "{name}"\n{when_line}team = "{team}"\n{extra}reason = "r"\n'


r = rule


def findings(policy: RoutingPolicy, **kwargs: object) -> list[tuple[str, str, str]]:
    teams = kwargs.get("teams", TEAMS)
    found = check(policy, teams, kwargs.get("products"))  # type: ignore[arg-type]
    return [(p.severity.value, p.where, p.reason_key) for p in found]


CHECK_CASES = [
    # an exception before its general rule is how first-match lists work: nothing to report
    (
        [r("small", "category = ['refund'], amount_max = 500"),
         r("refunds", "category = ['refund']", "leads")],
        [],
    ),
    # the later rule is inside the earlier one: never gets a ticket
    (
        [r("refunds", "category = ['refund']", "leads"),
         r("small", "category = ['refund'], amount_max = 500")],
        [("warning", "rule 2 (small)", "routing.unreachable")],
    ),
    # a complaint level implies the complaint category
    (
        [r("complaints", "category = ['complaint']", "leads"),
         r("legal", "complaint_level = ['legal']")],
        [("warning", "rule 2 (legal)", "routing.unreachable")],
    ),
    # fewer keywords, or a keyword found inside every longer one, covers the later rule
    (
        [r("faults", "keywords = ['broken', '坏']", "after_sales"),
         r("screens", "keywords = ['screen broken', '屏幕坏了']", "technical")],
        [("warning", "rule 2 (screens)", "routing.unreachable")],
    ),
    (
        [r("charging", "keywords = ['charg*']", "after_sales"),
         r("chargers", "keywords = ['charger']", "technical")],
        [("warning", "rule 2 (chargers)", "routing.unreachable")],
    ),
    (
        [r("charger", "keywords = ['charger']", "after_sales"),
         r("charging", "keywords = ['charg*']", "technical")],
        [],  # charger is an exception to charg*
    ),
    # two rules that cross: VIPs of any category vs. all refunds — refunds of VIPs go to rule 1
    (
        [r("vips", "tier = ['vip']", "leads"), r("refunds", "category = ['refund']", "front_line")],
        [("warning", "rule 2 (refunds)", "routing.overlap")],
    ),
    # crossing, but with the same outcome: harmless
    (
        [r("vips", "tier = ['vip']", "leads"), r("refunds", "category = ['refund']", "leads")],
        [],
    ),
    # amounts that meet, and amounts that do not
    (
        [r("up-to-800", "amount_max = 800", "leads"), r("from-500", "amount_min = 500")],
        [("warning", "rule 2 (from-500)", "routing.overlap")],
    ),
    ([r("up-to-500", "amount_max = 500", "leads"), r("above", "amount_min = 500.01")], []),
    # channels that do not meet
    ([r("phone", "channel = ['phone']", "leads"), r("web", "channel = ['web', 'app']")], []),
    # keywords cross any other field (some description holds them)
    (
        [r("words", "keywords = ['broken']", "after_sales"), r("web", "channel = ['web']")],
        [("warning", "rule 2 (web)", "routing.overlap")],
    ),
    # a rule that contradicts itself
    (
        [r("odd", "category = ['refund'], complaint_level = ['major']")],
        [("warning", "rule 1 (odd)", "routing.never_matches")],
    ),
    # after a catch-all nothing is reachable; continue rules take nothing away
    (
        [r("all", "", "leads"), r("late", "category = ['repair']")],
        [("warning", "rule 2 (late)", "routing.unreachable"),
         ("warning", "rule 3 (rest)", "routing.unreachable")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rules", "expected"), CHECK_CASES)
def test_check_finds_unreachable_and_overlapping_rules(
    rules: list[str], expected: list[tuple[str, str, str]]
) -> None:
    policy = policy_of(*rules, RULE_CATCH_ALL)
    assert findings(policy) == expected


def test_adjustments_never_shadow_and_can_themselves_be_unreachable() -> None:
    vip = (
        '[[rule]]\nname = "vip"\nwhen = { tier = ["vip"] }\nraise_levels = 1\n'
        'continue = true\nreason = "vip"\n'
    )
    assert findings(policy_of(vip, rule("vips-only", "tier = ['vip']"), RULE_CATCH_ALL)) == []
    late = policy_of(rule("everything", "", "leads"), vip, RULE_CATCH_ALL)
    assert ("warning", "rule 2 (vip)", "routing.unreachable") in findings(late)


def test_check_names_unknown_teams_products_and_duplicates() -> None:
    policy = policy_of(
        rule("a", "product = ['RV-X5', 'cleaning', 'toaster']", "warehouse"),
        rule("a", "category = ['repair']"),
        RULE_CATCH_ALL,
    )
    found = findings(policy, products={"RV-X5": "cleaning"})
    assert ("error", "rule 1 (a).team", "routing.unknown_team") in found
    assert ("error", "rule 1 (a).when.product", "routing.unknown_product") in found
    assert ("error", "rule 2 (a).name", "routing.duplicate_name") in found
    assert all(p.severity is Severity.ERROR for p in check(policy, TEAMS, {"RV-X5": "cleaning"})
               if "unknown" in p.reason_key)  # fmt: skip
    assert [f for f in findings(policy, teams=None) if "team" in f[2]] == []  # not checked


def test_products_meet_through_their_line() -> None:
    lines = {"RV-X5": "cleaning", "KB-1": "kitchen"}
    policy = policy_of(
        rule("x5", "product = ['RV-X5']", "after_sales"),
        rule("cleaning", "product = ['cleaning']", "technical"),
        rule("kitchen", "product = ['kitchen']", "leads"),
        RULE_CATCH_ALL,
    )
    assert findings(policy, products=lines) == []  # x5 is an exception to its line
    swapped = policy_of(
        rule("cleaning", "product = ['cleaning']", "technical"),
        rule("x5", "product = ['RV-X5']", "after_sales"),
        RULE_CATCH_ALL,
    )
    assert findings(swapped, products=lines) == [("warning", "rule 2 (x5)", "routing.unreachable")]
    routed = swapped.route(RoutingFacts(C.REPAIR, products=frozenset({"RV-X5", "cleaning"})))
    assert routed.rule_name == "cleaning"


def test_no_catch_all_is_a_warning_and_unmatched_tickets_stay() -> None:
    policy = policy_of(rule("refunds", "category = ['refund']"))
    assert findings(policy) == [("warning", "rule", "routing.no_catch_all")]
    outcome = policy.route(RoutingFacts(C.REPAIR, channel=Channel.WEB))
    assert (outcome.team, outcome.rule_number, outcome.priority) == (None, None, Priority.NORMAL)
