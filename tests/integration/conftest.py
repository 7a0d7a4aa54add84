"""Fixtures for tests on a real counter data folder (SQLite file, device key, demo catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter_app.domain.catalog import ProjectType, ServiceItem
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake_model import CaseIntake, Decision, MaterialIn, Party
from counter_app.services.reference import current_catalog
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store

REPO = Path(__file__).resolve().parents[2]
DEMO_CATALOG = REPO / "resources" / "catalog" / "demo_catalog.json"
# Valid GB 11643 numbers (checksums computed independently in test_validation).
PERSON_ID = "11010519491231002X"
ENTITY_USCC = "91110000600037341L"


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


def promise_item(store: Store) -> ServiceItem:
    """A 承诺件 in the hall with a working-day limit."""
    with store.read() as conn:
        catalog = current_catalog(conn)
    return next(i for i in catalog.items if i.project_type is ProjectType.PROMISE and i.in_hall)


def intake_for(item: ServiceItem, decision: Decision = Decision.ACCEPT, **changes: object) -> CaseIntake:
    """An intake with every required material of ``item`` handed in."""
    materials = tuple(MaterialIn(m.name, m.form.label, m.copies) for m in item.materials if m.required)
    base: dict[str, object] = {
        "task_code": item.task_code,
        "applicant": Party("王建国", "111", PERSON_ID, phone="13800138000"),
        "materials": materials,
        "decision": decision,
        "ticket_no": "A012",
    }
    base.update(changes)
    return CaseIntake(**base)  # type: ignore[arg-type]
