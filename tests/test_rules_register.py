"""docs/rules.md against the rules register (docs/rules-register.md) and the tests themselves.

Every rule in the register has a row; a rule the page says is held (or partly held) names
tests, and each of those tests exists and carries the rule's number in its name or the first
line of its docstring. Only a rule marked "not yet held" or "people only" may name none."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).parents[1]
REGISTER = ROOT / "docs" / "rules-register.md"
PAGE = ROOT / "docs" / "rules.md"

CLAIMS = {"held", "partly held"}
NO_CLAIM = {"not yet held", "people only"}
_ROW = re.compile(r"^\|\s*R(\d+)\b[^|]*\|[^|]*\|\s*([^|]+?)\s*\|[^|]*\|\s*([^|]*?)\s*\|\s*$")


def rule_tag(number: int) -> re.Pattern[str]:
    """`r24`/`R24` as a whole token: not inside `r245` nor `for24`."""
    return re.compile(rf"(?<![A-Za-z0-9])[rR]{number}(?!\d)")


def register_rules() -> set[int]:
    return {int(n) for n in re.findall(r"\bR(\d+)\b", REGISTER.read_text(encoding="utf-8"))}


def page_rows() -> dict[int, tuple[str, list[str]]]:
    """Each rule's status and the test names in its row."""
    rows: dict[int, tuple[str, list[str]]] = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line)
        if found is None:
            continue
        number = int(found.group(1))
        assert number not in rows, f"R{number} has two rows in docs/rules.md"
        rows[number] = (found.group(2), re.findall(r"`(test_\w+)`", found.group(3)))
    return rows


@cache
def suite_tests() -> dict[str, list[str]]:
    """Every test function in tests/: its name and the first line of its docstring."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                doc = (ast.get_docstring(node) or "").strip().splitlines()
                found.setdefault(node.name, []).append(doc[0] if doc else "")
    return found


def tagged(number: int, name: str) -> bool:
    tag = rule_tag(number)
    return bool(tag.search(name)) or any(tag.search(line) for line in suite_tests()[name])


def test_every_rule_in_the_register_has_a_row_and_no_other() -> None:
    rules, rows = register_rules(), page_rows()
    assert len(rules) == 39 and rules == set(range(1, 40))  # the register as numbered
    assert sorted(rules - rows.keys()) == [], "rules in the register with no row in docs/rules.md"
    assert sorted(rows.keys() - rules) == [], "rows in docs/rules.md for no rule in the register"


def test_every_status_is_one_of_the_four() -> None:
    for number, (status, _) in page_rows().items():
        assert status in CLAIMS | NO_CLAIM, f"R{number}: unknown status {status!r}"


def test_a_rule_held_names_tests_that_exist_and_carry_its_number() -> None:
    for number, (status, names) in page_rows().items():
        if status in NO_CLAIM:
            assert names == [], f"R{number} is {status} but names tests"
            continue
        assert names, f"R{number} is {status} but names no test"
        for name in names:
            assert name in suite_tests(), f"R{number}: no test function {name}"
            assert tagged(number, name), f"R{number}: {name} does not carry R{number}"


def test_every_rule_held_has_a_test_named_for_it_in_the_suite() -> None:
    """A rule claimed by the page has at least one test in tests/ carrying its number."""
    for number, (status, _) in page_rows().items():
        if status in CLAIMS:
            assert any(tagged(number, name) for name in suite_tests()), f"R{number}"


def test_the_rule_tag_is_a_whole_token() -> None:
    assert rule_tag(24).search("test_r24_refusal") and rule_tag(24).search("R24, R21: x")
    assert not rule_tag(2).search("test_r24_refusal") and not rule_tag(4).search("for4")
