"""Retries with exponential backoff and full jitter, honouring the server's Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

RETRYABLE = frozenset({429, 502, 503, 504})


@dataclass
class Backoff:
    """Delay before attempt `n` (0-based): uniform in [0, min(cap, base · 2ⁿ)], and never
    shorter than a Retry-After the server asked for."""

    base: float = 0.5
    cap: float = 60.0
    random: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * (2**attempt))
        chosen = self.random() * ceiling
        return max(chosen, retry_after or 0.0)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (its HTTP-date form is ignored: no clocks decide)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
