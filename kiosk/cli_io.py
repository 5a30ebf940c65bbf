"""What every `kiosk` command shares: its date arguments, its two output channels, the time."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from None


def error(message: str) -> None:
    """One line on standard error, as CONTRACT.md asks."""
    print(f"kiosk: {message}", file=sys.stderr)  # noqa: T201 - the CLI's own channel


def say(message: str) -> None:
    print(message)  # noqa: T201 - the CLI's own channel


def utc_now() -> datetime:
    return datetime.now(UTC)
