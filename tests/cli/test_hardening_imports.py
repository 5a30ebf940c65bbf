"""The import contracts in pyproject.toml hold: the doors between the rooms are shut."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_import_contracts_hold_including_no_cycle_back_into_kiosk_cli() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (the dev extra)")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = " ".join(done.stdout.split())
    assert "no cycle back" in report and "never reaches back" in report
    assert "BROKEN" not in report


def domain_imports_outside_the_standard_library(domain: Path) -> list[str]:
    """Every import in the domain package that is neither the standard library nor the domain
    itself: an allow-list, so a new library (httpx, pydantic, ...) is caught by name."""
    import ast

    allowed = set(sys.stdlib_module_names) | {"__future__"}
    found: list[str] = []
    for path in sorted(domain.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue  # a relative import stays inside the domain
            for name in names:
                if name.split(".")[0] not in allowed and not name.startswith("kiosk.domain"):
                    found.append(f"{path.relative_to(domain.parent.parent)}:{node.lineno} {name}")
    return found


def test_the_domain_imports_the_standard_library_only() -> None:
    assert domain_imports_outside_the_standard_library(ROOT / "kiosk" / "domain") == []


def test_the_domain_allow_list_catches_a_library_planted_in_a_copy(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "kiosk" / "domain"
    shutil.copytree(ROOT / "kiosk" / "domain", copy)
    with (copy / "search.py").open("a", encoding="utf-8") as handle:
        handle.write("\nimport httpx  # planted\n")
    assert domain_imports_outside_the_standard_library(copy) == [
        f"kiosk/domain/search.py:{len((copy / 'search.py').read_text().splitlines())} httpx"
    ]


def test_a_cycle_and_a_use_case_importing_textual_planted_in_a_copy_break_the_contracts(
    tmp_path: Path,
) -> None:
    import shutil

    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (the dev extra)")
    for package in ("kiosk", "drivers", "records"):
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "kiosk" / "hub" / "health.py").open("a", encoding="utf-8") as handle:
        handle.write(
            "\nfrom kiosk.upkeep import check as _planted_cycle  # kiosk.upkeep.check imports hub\n"
        )
    with (tmp_path / "kiosk" / "office" / "overview.py").open("a", encoding="utf-8") as handle:
        handle.write("\nimport textual as _planted_ui\n")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tmp_path,  # the copy comes first on import-linter's path
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = " ".join(done.stdout.split())
    assert done.returncode != 0
    assert "no import cycles in production code: every module can be read before those " in report
    assert "use it BROKEN" in report, "the planted cycle is caught"
    assert "no Textual, no screens, no web framework BROKEN" in report
    assert "kiosk.office.overview -> textual" in report
