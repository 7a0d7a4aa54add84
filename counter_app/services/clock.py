"""Time for the services: passed in, never read inside the domain.

Hall time is China Standard Time (UTC+8, no daylight saving), so a fixed offset is exact and
needs no time-zone database on the window's machine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

HALL_TZ = timezone(timedelta(hours=8), "CST")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's clock in hall time (its offset from the server is recorded separately)."""
    return datetime.now(HALL_TZ)


class FixedClock:
    """A clock for tests and scripts: returns ``now`` and moves only when told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta given as keyword arguments."""
        self.now = self.now + timedelta(**delta)
        return self.now
