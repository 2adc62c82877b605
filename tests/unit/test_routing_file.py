"""routing.toml: a bad file is refused in one line naming the file, the rule and the reason;
a profile's policy folder overrides the shipped rules, and a refused one falls back to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError
from agentdesk.io.routing_file import (
    FILE,
    check_file,
    load_routing,
    load_with_fallback,
    parse_routing,
    routing_path,
)

GOOD = '[[rule]]\nname = "rest"\nteam = "front_line"\nreason = "the rest"\n'


def rule(body: str, name: str = "x") -> str:
    return f'[[rule]]\nname = "{name}"\n{body}\n'


BAD_FILES = [
    ("[[rule]\nname = 1", "routing.toml: syntax: "),
    ("", "routing.toml: rule: required field missing"),
    ("rule = []", "routing.toml: rule: must list at least one value"),
    (
        GOOD + rule('when = { category = ["refnd"] }\nteam = "leads"\nreason = "r"', "typo"),
        "routing.toml: rule 2 (typo).when.category[0]: 'refnd' is not one of 'inquiry', ",
    ),
    (
        rule('when = { amount_min = -5 }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when.amount_min: the amount must not be negative",
    ),
    (
        rule('when = { amount_max = "lots" }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when.amount_max: 'lots' is not an amount in yuan",
    ),
    (
        rule('when = { amount_max = 1.234 }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when.amount_max: '1.234' is not an amount in yuan",
    ),
    (
        rule('when = { amount_min = 600, amount_max = 500 }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when: amount_min is larger than amount_max",
    ),
    (
        rule('when = { tier = ["platinum"] }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when.tier[0]: 'platinum' is not one of",
    ),
    (
        rule('when = { keywords = [" "] }\nteam = "leads"\nreason = "r"'),
        "routing.toml: rule 1 (x).when: a keyword is empty",
    ),
    (rule('teem = "leads"\nreason = "r"'), "routing.toml: rule 1 (x).teem: unknown field"),
    (rule('reason = "r"'), "routing.toml: rule 1 (x): a rule needs a team"),
    (
        rule('team = "leads"\ncontinue = true\nreason = "r"'),
        "routing.toml: rule 1 (x): a rule with continue = true only adjusts the priority",
    ),
    (rule('team = "leads"'), "routing.toml: rule 1 (x).reason: required field missing"),
    (
        rule('team = "leads"\npriority = "asap"\nreason = "r"'),
        "routing.toml: rule 1 (x).priority: 'asap' is not one of",
    ),
    (
        rule('team = "leads"\nraise_levels = 9\nreason = "r"'),
        "routing.toml: rule 1 (x).raise_levels: '9' is not a valid value here",
    ),
    (
        rule('team = "Leads Team"\nreason = "r"'),
        "routing.toml: rule 1 (x).team: 'Leads Team' is not a valid name",
    ),
    (GOOD + '[suggest]\nrefnd = ["退款"]\n', "routing.toml: suggest.refnd: 'refnd' is not one of"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_file_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_routing(text)
    line = refused.value.message()
    assert line.startswith(message), line
    assert "\n" not in line and "Traceback" not in line


def test_the_folder_overrides_the_shipped_rules(tmp_path: Path) -> None:
    assert routing_path(tmp_path) == SHIPPED_POLICY_DIR / FILE  # the folder has none
    (tmp_path / FILE).write_text(GOOD, encoding="utf-8")
    assert routing_path(tmp_path) == tmp_path / FILE
    assert [r.name for r in load_routing(tmp_path).rules] == ["rest"]


def test_a_refused_folder_falls_back_to_the_shipped_rules(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text(rule('reason = "r"'), encoding="utf-8")
    policy, problem = load_with_fallback(tmp_path)
    assert problem is not None and problem.startswith("Routing rules refused — ")
    assert f"{tmp_path / FILE}: rule 1 (x): a rule needs a team" in problem
    assert "refund-within-authority" in [r.name for r in policy.rules]
    assert load_with_fallback(None)[1] is None


def test_check_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / FILE
    path.write_text(
        rule('when = { category = ["refnd"] }\nteam = "leads"\nreason = "r"', "a")
        + rule('team = "leads"\npriority = "asap"\nreason = "r"', "b"),
        encoding="utf-8",
    )
    result = check_file(path, None, None)
    assert result.policy is None and len(result.errors) == 2
    assert "rule 1 (a).when.category[0]" in result.errors[0]
    assert "rule 2 (b).priority" in result.errors[1]
