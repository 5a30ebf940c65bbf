"""Reading the MIS vendors' JSON answers: a value deep in nested objects, and a value shown
briefly in an error message."""

from __future__ import annotations

from typing import Any


def dig(value: Any, *keys: str) -> Any:
    """`value[k1][k2]...`, or None where a level is missing or is not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def brief(value: Any) -> str:
    """`repr(value)`, cut to 80 characters for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
