"""Deleting the audit anchor beside the key does not reset the chain: `kiosk audit verify` and
`kiosk check` report it, and only `kiosk audit reset-anchor` (who and why) anchors anew."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.upkeep.check import run_checks
from tests.office.test_hardening_register import CONFIG, Kiosk, anchor_file
from tests.office.test_hardening_register import kiosk as kiosk  # the fixture


def test_a_deleted_anchor_fails_verify_and_check_until_reset_with_who_and_why(
    kiosk: Kiosk,
) -> None:
    anchor_file(kiosk).unlink()

    code, _, err = kiosk("audit", "verify")

    assert code == 1
    assert "audit log broken at its anchor" in err
    assert "missing, while the log has entries" in err
    [audit] = [r for r in run_checks(load_config(kiosk.config)) if r.what == "audit log"]
    assert not audit.ok and "kiosk audit reset-anchor" in audit.line()

    code, _, err = kiosk("audit", "reset-anchor", "--by", "S9", "--reason", "anchor lost")

    assert (code, err) == (0, ""), err
    assert kiosk("audit", "verify")[0] == 0


@pytest.mark.parametrize(("key_folder", "warned"), [("data", True), ("etc", False)])
def test_check_warns_when_the_key_and_its_anchor_sit_beside_the_database(
    tmp_path: Path, key_folder: str, warned: bool
) -> None:
    for folder in ("data", "etc"):
        (tmp_path / folder).mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        CONFIG.format(
            url=f"sqlite:///{tmp_path / 'data' / 'kiosk.db'}",
            key_file=tmp_path / key_folder / "school.key",
        ),
        encoding="utf-8",
    )
    assert main(["db", "upgrade", "--config", str(config)]) == 0

    found = [r for r in run_checks(load_config(config)) if r.what == "audit anchor"]

    assert len(found) == warned
    if warned:
        assert found[0].warning
        assert "in the database's folder" in found[0].line()
        assert 'key_file = "/etc/kiosk/school.key"' in found[0].line()
