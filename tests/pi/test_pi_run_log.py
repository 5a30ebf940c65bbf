"""`kiosk run` with a config it cannot use says why in its log (the journal), not only on screen."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_bad_config_is_in_the_log_and_exits_2(tmp_path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[policy]\nstaff_idle_lock_seconds = 0\n[database]\nurl = "sqlite:////x"\n')
    log = tmp_path / "kiosk.log"
    env = {**os.environ, "KIOSK_LOG": str(log)}
    env.pop("INVOCATION_ID", None)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "staff_idle_lock_seconds" in done.stderr
    written = log.read_text(encoding="utf-8")
    assert "stopped before starting" in written and "staff_idle_lock_seconds" in written
