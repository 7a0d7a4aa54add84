"""One lifecycle on both sides: every window command, synced to the REAL server, agrees there.

A window takes cases through every command its services offer (受理, 补正, 补正受理, 退件, 不予受理,
开始办理, 环节, each 特别程序 kind, 结束特别程序, 办结 with each result, 作废, 删除, 送达, 即办), then
pushes its ledger to a server process (SQLite, and PostgreSQL when reachable). The server must raise
no alert, and its case rows must say what the window's own records say: state, 承诺办结时间, result
and reason. Expected deadlines are counted by hand on the 2026 calendar (2 working days for the
demo 承诺件, 0 for the 即办件); late November and early December 2026 have no holidays.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.domain.case import ResultCode, SuspensionKind
from counter_app.domain.catalog import ProjectType
from counter_app.services import case_commands as cmd
from counter_app.services.case_rows import load_case
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn
from counter_app.services.reference import current_catalog
from counter_app.store.uow import Store
from tests.support import intake_for, promise_item
from tests.sync.sync_checks import new_window, pusher_for
from tests.sync.sync_helpers import wait_until
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow

WED = datetime(2026, 11, 25, 9, 30, tzinfo=HALL_TZ)
THU = datetime(2026, 11, 26, 10, 0, tzinfo=HALL_TZ)
MON = datetime(2026, 11, 30, 10, 0, tzinfo=HALL_TZ)
TUE = datetime(2026, 12, 1, 15, 0, tzinfo=HALL_TZ)


def due(month: int, day: int) -> str:
    return f"2026-{month:02d}-{day:02d}T23:59:59+08:00"


# case -> (state, 承诺办结时间, 办结结果) the window and the server must both hold in the end
EXPECTED: dict[str, tuple[str, str | None, int | None]] = {
    "accepted": ("ACCEPTED", due(11, 27), None),  # Wed + 2 working days
    "correction": ("CORRECTION", None, None),
    "corrected": ("ACCEPTED", due(11, 30), None),  # accepted Thu: Fri, Mon
    "returned": ("CLOSED", None, int(ResultCode.RETURNED)),
    "not_accepted": ("NOT_ACCEPTED", None, int(ResultCode.NOT_ACCEPTED)),
    "clock_stopped": ("SUSPENDED", due(11, 27), None),  # moves only when the clock runs again
    "issued": ("DELIVERED", due(12, 1), int(ResultCode.ISSUED)),  # stopped Thu-Mon: Fri and Mon back
    "extended": ("CLOSED", due(12, 11), int(ResultCode.DENIED)),  # 2 + 10 working days from Wed
    "extension_open": ("SUSPENDED", due(12, 11), None),
    "forwarded": ("CLOSED", due(11, 27), int(ResultCode.FORWARDED)),
    "voided": ("CLOSED", due(11, 27), int(ResultCode.VOIDED)),
    "deleted": ("CLOSED", None, int(ResultCode.DELETED)),
    "instant": ("DELIVERED", due(11, 25), int(ResultCode.ISSUED)),  # 即办件: due the same day
}


def drive_every_command(store: Store, clock: FixedClock) -> tuple[dict[str, str], dict[str, str]]:
    """Take each case of :data:`EXPECTED` through its commands; its number and check code by name."""
    item = promise_item(store)
    with store.read() as conn:
        catalog = current_catalog(conn)
    instant = next(i for i in catalog.items if i.project_type is ProjectType.INSTANT and i.in_hall)
    lacking = MaterialIn(item.materials[0].name, missing=True, reason="复印件不清晰")
    intakes: dict[str, Any] = {name: intake_for(item) for name in EXPECTED}
    for name in ("correction", "corrected", "returned", "deleted"):
        intakes[name] = intake_for(item, Decision.CORRECTION, materials=(lacking,))
    intakes["not_accepted"] = intake_for(
        item, Decision.REJECT, reason="不属于本机关职权范围", legal_basis="1"
    )
    intakes["instant"] = intake_for(instant)
    clock.now = WED
    taken = {name: accept_case(store, clock, "clerk-07", intake) for name, intake in intakes.items()}
    no = {name: result.project_no for name, result in taken.items()}
    codes = {name: result.check_code for name, result in taken.items()}
    cmd.close_case(store, clock, "clerk-07", no["instant"], ResultCode.ISSUED, cert_name="营业执照")
    cmd.deliver(store, clock, "clerk-07", no["instant"])

    clock.now = THU
    for name in ("clock_stopped", "issued", "extended", "extension_open", "voided"):
        cmd.start_process(store, clock, "clerk-07", no[name])
    for name in ("issued", "extended", "extension_open", "voided"):  # clock_stopped: 特别程序 at once
        cmd.record_process(store, clock, "clerk-07", no[name], "审核", "通过", "材料齐全")
    for name in ("clock_stopped", "issued"):
        cmd.suspend(store, clock, "clerk-07", no[name], SuspensionKind.CLOCK_STOP, "现场核查")
    for name in ("extended", "extension_open"):
        cmd.suspend(store, clock, "clerk-07", no[name], SuspensionKind.EXTENSION, "负责人批准延长", 10)
    cmd.accept_corrected(store, clock, "clerk-07", no["corrected"], [lacking.name])
    cmd.return_case(store, clock, "clerk-07", no["returned"], "逾期未补正")
    cmd.void_case(store, clock, "clerk-07", no["voided"], "重复录入")
    cmd.void_case(store, clock, "clerk-07", no["deleted"], "录入错误", deleted=True)
    cmd.close_case(store, clock, "clerk-07", no["forwarded"], ResultCode.FORWARDED, reason="报市局审批")

    clock.now = MON
    cmd.resume(store, clock, "clerk-07", no["issued"], "核查合格")
    cmd.resume(store, clock, "clerk-07", no["extended"], "延长期满")

    clock.now = TUE
    cmd.close_case(
        store, clock, "clerk-07", no["issued"], ResultCode.ISSUED, cert_name="许可证", cert_no="JY1"
    )
    cmd.deliver(store, clock, "clerk-07", no["issued"], "邮寄")
    cmd.close_case(
        store, clock, "clerk-07", no["extended"], ResultCode.DENIED, reason="不符合法定条件", legal_basis="1"
    )
    return no, codes


def window_view(store: Store, numbers: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    """What the window's own records say about each case."""
    seen = {}
    with store.read() as conn:
        for name, project_no in numbers.items():
            record = load_case(conn, project_no)
            case = record.case
            seen[name] = (
                case.state.value,
                record.promise_due,
                None if case.result is None else int(case.result),
                case.reason,
                case.corrections,
                case.accepted_at,
                case.closed_at,
                record.promise_estimated if record.promise_due else None,
            )
    return seen


def server_view(server: ServerProcess, numbers: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    """What the server's cases table says about each case."""
    rows = server.query(
        "SELECT project_no, state, promise_due, result_code, reason, correction_count, accepted_at, "
        "closed_at, promise_estimated FROM cases"
    )
    by_no = {r.project_no: r for r in rows}
    assert sorted(by_no) == sorted(numbers.values())

    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    return {
        name: (
            by_no[no].state,
            moment(by_no[no].promise_due),
            by_no[no].result_code,
            by_no[no].reason,
            by_no[no].correction_count,
            moment(by_no[no].accepted_at),
            moment(by_no[no].closed_at),
            None if by_no[no].promise_due is None else bool(by_no[no].promise_estimated),
        )
        for name, no in numbers.items()
    }


def test_every_window_command_leaves_the_server_in_the_windows_state(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    clock = FixedClock(WED)
    store = new_window(server, counters, tmp_path, clock, window_no=7)
    numbers, codes = drive_every_command(store, clock)
    pusher = pusher_for(store)
    wait_until(lambda: pusher.push_once().waiting == 0, timeout=60, what="ledger pushed")

    assert server.query("SELECT rule_id, project_no, message FROM alerts") == []
    window = window_view(store, numbers)
    expected = {
        name: (state, None if d is None else datetime.fromisoformat(d), result)
        for name, (state, d, result) in EXPECTED.items()
    }
    assert {name: seen[:3] for name, seen in window.items()} == expected
    assert server_view(server, numbers) == window
    reasons = {name: seen[3] for name, seen in window.items() if seen[3]}
    assert reasons == {
        "returned": "逾期未补正",
        "not_accepted": "不属于本机关职权范围",
        "extended": "不符合法定条件",
        "forwarded": "报市局审批",
        "voided": "重复录入",
        "deleted": "录入错误",
    }

    # What a citizen sees with the code printed on the receipt or the notice.
    for name in ("returned", "extended", "extension_open"):
        reply = requests.get(
            f"{server.url}/api/v1/check/{numbers[name]}", params={"code": codes[name]}, timeout=10
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert (body["state"], body["promise_due"]) == EXPECTED[name][:2]
    page = requests.get(
        f"{server.url}/check", params={"no": numbers["extended"], "code": codes["extended"]}, timeout=10
    )
    assert page.status_code == 200 and "2026年12月11日" in page.text  # 延长审批: as the receipt says
