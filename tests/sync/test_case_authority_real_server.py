"""Who may speak about a case, and case numbers never reused: real windows, the REAL server.

Windows are real counter folders (services, ledger, pusher, the ``counter`` command as a
process); the server is ``python -m supervision_server serve`` on loopback, on SQLite and on
PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.case import ResultCode
from counter_app.domain.case_numbers import make_case_number, parse_case_number
from counter_app.domain.errors import DomainError
from counter_app.services import case_commands as cmd
from counter_app.services.case_rows import CaseNotFound
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import IntakeResult, accept_case
from counter_app.services.intake_model import Party
from counter_app.store import schema
from counter_app.store.ledger_store import acked_seq
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import SyncConfig
from counter_app.sync.errors import SyncError
from counter_app.sync.numbers import learn_number_floor
from counter_app.sync.pushing import build_batch, push_pending
from tests.support import PERSON_ID, REPO, intake_for, promise_item
from tests.sync.sync_checks import WINDOWS, new_window, pusher_for
from tests.sync.sync_helpers import backup_db, restore_db
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


def window(server: ServerProcess, counters: list[Store], folder: Path) -> Store:
    """A window at the next free window number, with the demo catalog, enrolled."""
    return new_window(server, counters, folder, FixedClock(datetime.now(HALL_TZ)), next(WINDOWS))


def take_case(store: Store, name: str = "王建国") -> IntakeResult:
    clock = FixedClock(datetime.now(HALL_TZ))
    intake = intake_for(promise_item(store), applicant=Party(name, "111", PERSON_ID, phone="13800138000"))
    return accept_case(store, clock, "clerk-07", intake)


def counter_cli(store: Store, *args: str) -> tuple[int, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--data-dir", str(store.data_dir.root), "--json", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    out = done.stdout or done.stderr
    return done.returncode, json.loads(out)


def check(server: ServerProcess, no: str, code: str) -> dict[str, Any]:
    reply = requests.get(f"{server.url}/api/v1/check/{no}", params={"code": code}, timeout=10)
    return dict(reply.json())


def alerts(server: ServerProcess, **where: str) -> list[Any]:
    clause = " AND ".join(f"{k} = :{k}" for k in where)
    return server.query(
        f"SELECT rule_id, device_id, seq, project_no FROM alerts WHERE {clause} ORDER BY id", **where
    )


def next_number(store: Store, serial: int) -> str:
    """The number ``store`` will issue as its ``serial``-th case today (numbers are predictable)."""
    s = store.settings()
    today = datetime.now(HALL_TZ).date()
    return make_case_number(s["hall_code"], today, int(s["window_no"]), s["device_tag"], serial)


def push(store: Store) -> Any:
    return pusher_for(store).push_once()


def push_forged(store: Store) -> SyncError:
    """Push as a forger would: without the window's own check (which refuses such a ledger)."""
    client = ServerClient(SyncConfig.load(store).server_url)
    try:
        push_pending(store, client, SyncConfig.load(store), lambda: datetime.now(HALL_TZ))
    except SyncError as exc:
        return exc
    finally:
        client.close()
    raise AssertionError("the server took the forged events")


def test_a_window_can_neither_rewrite_nor_preregister_another_windows_case(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    honest = window(server, counters, tmp_path / "honest")
    first = take_case(honest)
    assert push(honest).state == "idle"
    forger = window(server, counters, tmp_path / "forger")
    # The forger's own services refuse: the case is not on its books.
    with pytest.raises(CaseNotFound):
        cmd.void_case(forger, FixedClock(datetime.now(HALL_TZ)), "clerk-x", first.project_no, "作废")
    # Written straight into its ledger, the event is refused by the server, whole.
    with forger.unit_of_work() as uow:
        payload = {"project_no": first.project_no, "result_code": 2, "reason": "x", "check_code": "FORGED"}
        uow.ledger.append("case.voided", payload, "clerk-x", datetime.now(HALL_TZ), first.project_no)
        uow.commit()
    assert push(forger).last_error.code == "LEDGER_TAMPERED"  # its own check stops an honest program
    refused = push_forged(forger)
    assert (refused.code, refused.http_status) == ("CASE_NOT_HOLDER", 403)
    assert refused.message == (
        "电子监察服务器拒收：本窗口的记录涉及不归本窗口办理的办件，同步已暂停，请立即联系管理员。"
        "（错误代码：CASE_NOT_HOLDER）"
    )
    with forger.read() as conn:
        assert acked_seq(conn) == 0
    assert alerts(server, device_id=forger.device_id()) == [
        ("LEDGER_TAMPERED", forger.device_id(), 3, None),  # the window's own check, reported
        ("CASE_NOT_HOLDER", forger.device_id(), 3, first.project_no),
    ]
    seen = check(server, first.project_no, first.check_code)
    assert (seen["found"], seen["state"], seen["applicant_name"]) == (True, "ACCEPTED", "王*国")
    # Pre-registering the honest window's next number: refused, and the honest window's
    # citizen later sees their own case under it.
    squatter = window(server, counters, tmp_path / "squatter")
    predicted = next_number(honest, 2)
    with squatter.unit_of_work() as uow:
        payload = {"project_no": predicted, "item_name": "冒名事项", "applicant": {"name": "冒名者"}}
        uow.ledger.append("case.received", payload, "clerk-x", datetime.now(HALL_TZ), predicted)
        uow.commit()
    assert push_forged(squatter).code == "CASE_NO_FOREIGN"
    second = take_case(honest, name="李小红")
    assert second.project_no == predicted
    assert push(honest).state == "idle"
    seen = check(server, predicted, second.check_code)
    assert (seen["item_name"], seen["applicant_name"]) == (second.item_name, "李*红")
    assert alerts(server, project_no=predicted) == [("CASE_NO_FOREIGN", squatter.device_id(), 3, predicted)]


def test_a_case_handed_to_the_delivery_window_round_trip(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    owner = window(server, counters, tmp_path / "owner")
    delivery = window(server, counters, tmp_path / "delivery")
    stranger = window(server, counters, tmp_path / "stranger")
    case = take_case(owner)
    no = case.project_no
    clock = FixedClock(datetime.now(HALL_TZ))
    # Only a case closed with a certificate is handed over, and only to an enrolled device.
    code, body = counter_cli(owner, "case", "hand-over", no, "--to", delivery.device_id())
    assert (code, body["code"]) == (2, "HANDOVER_NOT_ALLOWED")
    cmd.close_case(owner, clock, "clerk-07", no, ResultCode.ISSUED, cert_name="食品经营许可证")
    code, body = counter_cli(owner, "case", "hand-over", no, "--to", "dev-nobody00")
    assert (code, body["code"]) == (2, "HANDOVER_TARGET_UNKNOWN")
    code, body = counter_cli(owner, "case", "hand-over", no, "--to", delivery.device_id())
    assert code == 0 and body["project_no"] == no and body["state"] == "CLOSED"
    # The owner has given the case away: its own services refuse further steps.
    with pytest.raises(DomainError) as refused:
        cmd.deliver(owner, clock, "clerk-07", no)
    assert refused.value.code == "CASE_HANDED_OVER"
    # The delivery window asks the server first: the handover is not there until the owner syncs.
    code, body = counter_cli(delivery, "case", "deliver", no)
    assert (code, body["code"]) == (2, "CASE_NOT_HELD")
    assert push(owner).state == "idle"
    code, body = counter_cli(delivery, "case", "deliver", no)
    assert code == 0 and body["state"] == "DELIVERED"
    code, body = counter_cli(delivery, "case", "deliver", no)
    assert (code, body["code"]) == (2, "CASE_ALREADY_DELIVERED")
    assert push(delivery).state == "idle"
    assert check(server, no, case.check_code)["state_label"] == "已送达"
    assert alerts(server, project_no=no) == []
    rows = server.query(
        "SELECT owner_device_id, holder_device_id FROM case_holders WHERE project_no = :n", n=no
    )
    assert [tuple(r) for r in rows] == [(owner.device_id(), delivery.device_id())]
    # Any other window is refused by its own command, and by the server if it forges the event.
    code, body = counter_cli(stranger, "case", "deliver", no)
    assert (code, body["code"]) == (2, "CASE_NOT_HELD")
    cmd.deliver_handed_over(stranger, clock, "clerk-x", no, owner.device_id())
    assert push_forged(stranger).code == "CASE_NOT_HOLDER"
    assert alerts(server, project_no=no) == [("CASE_NOT_HOLDER", stranger.device_id(), 3, no)]


def test_a_window_restored_from_an_old_copy_never_issues_a_number_again(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = window(server, counters, tmp_path / "restored")
    taken = [take_case(store) for _ in range(2)]
    copy = backup_db(store, tmp_path / "old-copy.db")
    taken += [take_case(store, name=f"市民{i}") for i in range(3, 6)]
    assert [parse_case_number(t.project_no).serial for t in taken] == [1, 2, 3, 4, 5]
    assert push(store).state == "idle"
    data, device_id = store.data_dir, store.device_id()
    today = datetime.now(HALL_TZ).date().isoformat()
    served = ServerClient(server.url).case_serials(device_id, today)
    assert served == {"device_id": device_id, "serials": [{"day": today, "last_serial": 5}]}

    counters.remove(store)
    store.close()
    # Restored and offline (it did not ask the server): it issues 0003 again, and the server
    # refuses it, keeping the first; the first citizen's receipt still reads.
    offline = restore_db(data, copy)
    again = take_case(offline, name="重号市民")
    assert again.project_no == taken[2].project_no
    with offline.read() as conn:
        batch = build_batch(conn, 0, 500, 10_000_000)
    assert batch is not None
    reply = ServerClient(server.url).session.post(
        f"{server.url}/api/v1/devices/{device_id}/events",
        data=batch.body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 403 and reply.json()["code"] == "CASE_NO_TAKEN"
    first = check(server, taken[2].project_no, taken[2].check_code)
    assert (first["found"], first["applicant_name"]) == (True, "市*3")
    assert [a.rule_id for a in alerts(server, project_no=taken[2].project_no)] == ["DUPLICATE_PROJECT_NO"]
    offline.close()
    # Restored again: ``counter intake`` learns the server's floor before numbering, 0006 is next.
    online = restore_db(data, copy)
    counters.append(online)
    item = promise_item(online)
    intake = {
        "task_code": item.task_code,
        "applicant": {"name": "新市民", "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m.name, "copies": m.copies} for m in item.materials if m.required],
    }
    (tmp_path / "intake.json").write_text(json.dumps(intake, ensure_ascii=False), encoding="utf-8")
    code, fresh = counter_cli(online, "intake", str(tmp_path / "intake.json"))
    assert code == 0 and parse_case_number(fresh["project_no"]).serial == 6
    assert "number_floor_warning" not in fresh
    with online.read() as conn:
        assert conn.execute(select(schema.case_serials.c.last_serial)).scalars().all() == [6]
    assert learn_number_floor(online, datetime.now(HALL_TZ).date()).raised == {}  # nothing left to raise
    with online.read() as conn:
        batch = build_batch(conn, 0, 500, 10_000_000)
    assert batch is not None
    reply = ServerClient(server.url).session.post(
        f"{server.url}/api/v1/devices/{device_id}/events",
        data=batch.body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text  # a FORK branch (restored), but no number reused
    assert check(server, fresh["project_no"], fresh["check_code"])["applicant_name"] == "新*民"
    for old in taken:
        assert check(server, old.project_no, old.check_code)["found"] is True


def test_a_number_that_never_reaches_the_server_is_an_alert_once(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = window(server, counters, tmp_path / "gappy")
    take_case(store)
    # A number issued and its case gone before sync: the counter moved on, the case never came.
    with store.unit_of_work() as uow:
        uow.conn.execute(
            schema.case_serials.update().values(last_serial=schema.case_serials.c.last_serial + 1)
        )
        uow.commit()
    third = take_case(store)
    assert parse_case_number(third.project_no).serial == 3
    assert push(store).state == "idle"
    take_case(store)
    assert push(store).state == "idle"
    gaps = alerts(server, rule_id="CASE_NUMBER_GAP")
    assert [(a.device_id, a.project_no) for a in gaps if a.device_id == store.device_id()] == [
        (store.device_id(), next_number(store, 2))
    ]


def test_intake_offline_still_numbers_and_says_the_floor_was_not_checked(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = window(server, counters, tmp_path / "offline")
    with store.unit_of_work() as uow:
        uow.put_setting("server_url", "http://127.0.0.1:9")  # nothing listens on 9
        uow.commit()
    item = promise_item(store)
    intake = {
        "task_code": item.task_code,
        "applicant": {"name": "离线市民", "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m.name, "copies": m.copies} for m in item.materials if m.required],
    }
    (tmp_path / "intake.json").write_text(json.dumps(intake, ensure_ascii=False), encoding="utf-8")
    code, taken = counter_cli(store, "intake", str(tmp_path / "intake.json"))
    assert code == 0 and parse_case_number(taken["project_no"]).serial == 1
    assert taken["number_floor_warning"] == "未能向电子监察服务器核对办件编号（离线接件），联网后请尽快同步"
