"""Shared test data and helpers: the demo catalog, valid ID numbers, a ready intake."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from counter_app.domain.catalog import ProjectType, ServiceItem
from counter_app.services.intake_model import CaseIntake, Decision, MaterialIn, Party
from counter_app.services.reference import current_catalog
from counter_app.store.uow import Store

REPO = Path(__file__).resolve().parents[1]
DEMO_CATALOG = REPO / "resources" / "catalog" / "demo_catalog.json"
# Valid GB 11643 numbers (checksums computed independently in test_validation).
PERSON_ID = "11010519491231002X"
ENTITY_USCC = "91110000600037341L"


def python_json(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> Any:
    """Run ``python ARGS`` in a process of its own (in the repository, ``env`` or this one's) and
    return the JSON it printed on its last line; CalledProcessError if it failed."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def promise_item(store: Store) -> ServiceItem:
    """A 承诺件 in the hall with a working-day limit."""
    with store.read() as conn:
        catalog = current_catalog(conn)
    return next(i for i in catalog.items if i.project_type is ProjectType.PROMISE and i.in_hall)


def intake_for(item: ServiceItem, decision: Decision = Decision.ACCEPT, **changes: object) -> CaseIntake:
    """An intake with every required material of ``item`` handed in."""
    materials = tuple(MaterialIn(m.name, m.form, m.copies) for m in item.materials if m.required)
    base: dict[str, object] = {
        "task_code": item.task_code,
        "applicant": Party("王建国", "111", PERSON_ID, phone="13800138000"),
        "materials": materials,
        "decision": decision,
        "ticket_no": "A012",
    }
    base.update(changes)
    return CaseIntake(**base)  # type: ignore[arg-type]


def demo_intake_json(item_name: str = "食品经营许可证核发", name: str = "周明") -> str:
    """A ``counter intake`` JSON for the demo catalog's matter ``item_name``, every material handed in."""
    import json

    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["name"] == item_name)
    body = {
        "task_code": item["task_code"],
        "applicant": {"name": name, "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m["name"]} for m in item["materials"]],
    }
    return json.dumps(body, ensure_ascii=False)
