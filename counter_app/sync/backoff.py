"""Full-jitter exponential backoff (the "Exponential Backoff and Jitter" recipe).

The n-th consecutive failure waits a uniformly random time in ``[0, min(cap, base * 2**n))``.
Randomness is injected, so a test can pin it; the caller owns the clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable

DEFAULT_BASE_S = 1.0
DEFAULT_CAP_S = 300.0


class Backoff:
    """Counts consecutive failures and says how long to wait before the next try."""

    def __init__(
        self,
        base_s: float = DEFAULT_BASE_S,
        cap_s: float = DEFAULT_CAP_S,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base_s = base_s
        self.cap_s = cap_s
        self._rng = rng
        self.failures = 0

    def ceiling(self, failures: int) -> float:
        """The upper bound of the wait after ``failures`` consecutive failures (0 => base)."""
        # Limit the exponent so that a very long outage cannot overflow the float.
        exponent = min(max(failures - 1, 0), 62)
        return min(self.cap_s, self.base_s * (2.0**exponent))

    def next_delay(self) -> float:
        """Record one more failure and return the seconds to wait before retrying."""
        self.failures += 1
        return self._rng() * self.ceiling(self.failures)

    def reset(self) -> None:
        """Forget the failures after a success."""
        self.failures = 0
