"""The one shape every device shares: `close()` it, or use it in a `with` block that does."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """Base for devices: leaving a `with` block calls `close()`, which subclasses define."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
