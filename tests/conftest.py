"""Fixtures for tests on a real counter data folder (SQLite file, device key, demo catalog)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

# Qt tests run without a screen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from tests.support import DEMO_CATALOG


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 9, 30, tzinfo=HALL_TZ))


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    data = DataDir(tmp_path / "counter")
    init_counter(data, "YX330781", 3, clock)
    s = Store(data)
    import_catalog(s, DEMO_CATALOG, clock)
    yield s
    s.close()
