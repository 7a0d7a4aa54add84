"""Full-jitter backoff with injected randomness."""

from __future__ import annotations

import pytest

from counter_app.sync.backoff import Backoff


def test_ceiling_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=300.0, rng=lambda: 1.0)
    delays = [backoff.next_delay() for _ in range(12)]
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    draws = iter([0.0, 0.5, 0.25, 0.999])
    backoff = Backoff(base_s=2.0, cap_s=10.0, rng=lambda: next(draws))
    assert [backoff.next_delay() for _ in range(4)] == [0.0, 2.0, 2.0, pytest.approx(9.99)]


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(rng=lambda: 1.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.next_delay() == 1.0


def test_a_very_long_outage_stays_at_the_cap() -> None:
    backoff = Backoff(rng=lambda: 1.0)
    backoff.failures = 10_000
    assert backoff.next_delay() == 300.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base_s=0)
    with pytest.raises(ValueError):
        Backoff(base_s=10, cap_s=5)
