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
