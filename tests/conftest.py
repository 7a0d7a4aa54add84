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

TEST_CHECK_URL = "https://zwfw.example.gov.cn/check"
# Commands that record events need the clerk who does the work; CLI processes started by tests inherit it.
os.environ.setdefault("COUNTER_CLERK", "0307")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 9, 30, tzinfo=HALL_TZ))


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    data = DataDir(tmp_path / "counter")
    init_counter(data, "YX330781", 3, clock)
    s = Store(data)
    import_catalog(s, DEMO_CATALOG, clock)
    with s.unit_of_work() as uow:  # what enrollment would set: the QR codes' check address
        uow.put_setting("check_base_url", TEST_CHECK_URL)
        uow.commit()
    yield s
    s.close()
