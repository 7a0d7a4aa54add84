"""Times as the store writes them: milliseconds and the time's own offset, whatever came before."""

from __future__ import annotations

from datetime import UTC, datetime

from counter_app.services.clock import HALL_TZ
from counter_app.store.case_snapshot import iso_ms, iso_or_none


def test_each_time_is_written_in_its_own_zone_even_right_after_an_equal_one() -> None:
    at = datetime(2026, 11, 25, 9, 0, 0, 123456, tzinfo=HALL_TZ)
    same_instant = at.astimezone(UTC)
    assert at == same_instant
    assert iso_ms(at) == "2026-11-25T09:00:00.123+08:00"
    assert iso_ms(same_instant) == "2026-11-25T01:00:00.123+00:00"
    assert iso_ms(at) == "2026-11-25T09:00:00.123+08:00"
    assert iso_or_none(at) == "2026-11-25T09:00:00.123+08:00"
    assert iso_or_none(None) is None
