"""The PIN pad as its own program, for the touch test to serve to a browser.

It writes the PIN it was given to the file named by KIOSK_TOUCH_RESULT, then exits.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kiosk.screens.pin_pad import PinPadScreen
from tests.screens.harness import Harness


class TouchPinApp(Harness):
    def _keep(self, result: Any) -> None:
        super()._keep(result)
        Path(os.environ["KIOSK_TOUCH_RESULT"]).write_text(getattr(result, "pin", "cancelled"))
        self.exit()


def make() -> TouchPinApp:
    return TouchPinApp(PinPadScreen("Ada"))


if __name__ == "__main__":
    make().run()
