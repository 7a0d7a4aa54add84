"""Make ``window-v2.tar.gz``: a window's data folder as the program at schema version 2 left it
(commit bf28471, before the intake left the ``cases`` row), with what that program answered.

    git worktree add /tmp/v2 bf28471
    PYTHONPATH=/tmp/v2 python tests/data/make_window_v2.py tests/data/window-v2.tar.gz

The folder holds a case accepted with an agent, one sent for correction (一次性告知) and one
refused, all on 2026-11-25; ``expected.json`` beside the database holds that program's case
details, today's list and search results, which ``test_store_upgrade`` asks again after the
upgrade.
"""

from __future__ import annotations

import json
import sys
import tarfile
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_app.services.case_detail import case_detail
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn, Party
from counter_app.services.queries import list_cases, search_cases
from counter_app.services.reference import current_catalog
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.migrations import LATEST
from counter_app.store.uow import Store
from tests.support import DEMO_CATALOG, ENTITY_USCC, PERSON_ID, intake_for

QUERIES = ("建国", "味之源", "国强", "孙丽", "王", "spjy", "食品经营", PERSON_ID, "YX330781")


def _summary(row: Any) -> dict[str, Any]:
    data = asdict(row)
    data["state"] = row.state.value
    data["result"] = None if row.result is None else int(row.result)
    return data


def make(out: Path) -> None:
    assert LATEST == 2, f"run with the program at schema version 2, not {LATEST}"
    clock = FixedClock(datetime(2026, 11, 25, 9, 30, tzinfo=HALL_TZ))
    with tempfile.TemporaryDirectory() as tmp:
        data = DataDir(Path(tmp) / "counter")
        init_counter(data, "YX330781", 3, clock)
        store = Store(data)
        import_catalog(store, DEMO_CATALOG, clock)
        with store.unit_of_work() as uow:  # as enrollment sets it: the QR codes' check address
            uow.put_setting("check_base_url", "https://zwfw.example.gov.cn/check")
            uow.commit()
        with store.read() as conn:
            items = {i.name: i for i in current_catalog(conn).items}
        food = items["食品经营许可证核发"]
        shop = Party("云溪市味之源餐饮有限公司", "001", ENTITY_USCC, kind="entity", legal_rep="赵国强")
        agent = Party("孙丽", "111", "110101199003070011")
        numbers = [
            accept_case(
                store, clock, "0307", intake_for(food, applicant=shop, agent=agent, phone="13800138000")
            ).project_no
        ]
        clock.advance(minutes=7)
        first = food.materials[0]
        received = tuple(MaterialIn(m.name, m.form) for m in food.materials if m.required and m is not first)
        correction = intake_for(
            food,
            Decision.CORRECTION,
            applicant=Party("王建国", "111", PERSON_ID, phone="13900139000"),
            materials=(*received, MaterialIn(first.name, missing=True, reason="未提供")),
            note="下午补交",
        )
        numbers.append(accept_case(store, clock, "0307", correction).project_no)
        clock.advance(minutes=5)
        refused = intake_for(
            food,
            Decision.REJECT,
            applicant=Party("李建华", "111", "110101199003070011", phone="13700137000"),
            reason="不属于本机关职权范围",
            legal_basis="1",
        )
        numbers.append(accept_case(store, clock, "0307", refused).project_no)
        expected = {
            "numbers": numbers,
            "details": {no: case_detail(store, no) for no in numbers},
            "today": [_summary(s) for s in list_cases(store, day="2026-11-25")],
            "search": {q: [s.project_no for s in search_cases(store, q)] for q in QUERIES},
        }
        store.close()  # the last connection checkpoints the WAL into counter.db
        (data.root / "expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
        with tarfile.open(out, "w:gz") as archive:
            for name in ("counter.db", "keys/device.pem", "expected.json"):
                archive.add(data.root / name, arcname=f"counter/{name}")


if __name__ == "__main__":
    make(Path(sys.argv[1]))
