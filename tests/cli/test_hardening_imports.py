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
