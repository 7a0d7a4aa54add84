"""``verify`` checks the window wholly: the case tables against the signed events, and every
stored server receipt against the server's key. Each test tampers the way someone with a SQL
shell would (triggers dropped) and expects the exact code, seq, case and field."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from counter_app.domain.case import ResultCode, SuspensionKind
from counter_app.domain.errors import DomainError
from counter_app.ledger import AckReceipt, DeviceKey, sign_receipt
from counter_app.services import case_commands as cmd
from counter_app.services.clock import FixedClock
from counter_app.services.documents import DocType, issue_document
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.ledger_store import head, record_ack
from counter_app.store.uow import Store
from tests.integration.test_cli import as_json, counter
from tests.support import DEMO_CATALOG, PERSON_ID, intake_for, promise_item


def raw(store: Store | Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the foreign keys off, as a SQL shell would have."""
    path = store if isinstance(store, Path) else store.data_dir.db_path
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


def every_command(store: Store, clock: FixedClock) -> list[str]:
    """One case through every command the services have, and the other intake decisions."""
    item = promise_item(store)
    step = clock.advance
    full = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    step(hours=1)
    cmd.start_process(store, clock, "clerk-07", full)
    cmd.record_process(store, clock, "clerk-07", full, "审核", "通过", "材料齐全")
    step(days=1)
    cmd.suspend(store, clock, "clerk-07", full, SuspensionKind.CLOCK_STOP, "现场核查")
    step(days=2)
    cmd.resume(store, clock, "clerk-07", full, "核查完毕")
    cmd.suspend(store, clock, "clerk-07", full, SuspensionKind.EXTENSION, "情况复杂", extend_days=5)
    step(days=1)
    cmd.resume(store, clock, "clerk-07", full)
    cmd.close_case(store, clock, "clerk-07", full, ResultCode.ISSUED, cert_name="许可证", cert_no="JY1")
    cmd.deliver(store, clock, "clerk-07", full)
    missing = tuple(MaterialIn(m.name, m.form, m.copies, missing=True) for m in item.materials[:1])
    corrected = accept_case(
        store, clock, "clerk-07", intake_for(item, Decision.CORRECTION, materials=missing)
    )
    cmd.accept_corrected(store, clock, "clerk-07", corrected.project_no, [missing[0].name])
    returned = accept_case(store, clock, "clerk-07", intake_for(item, Decision.CORRECTION, materials=missing))
    cmd.return_case(store, clock, "clerk-07", returned.project_no, "逾期未补正")
    rejected = accept_case(
        store,
        clock,
        "clerk-07",
        intake_for(item, Decision.REJECT, reason="不属于本机关职权范围", legal_basis="1"),
    )
    voided = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    cmd.void_case(store, clock, "clerk-07", voided, "录入错误", deleted=True)
    return [full, corrected.project_no, returned.project_no, rejected.project_no, voided]


def test_every_command_replays_to_the_stored_rows(store: Store, clock: FixedClock) -> None:
    numbers = every_command(store, clock)
    verdict = verify_ledger(store)
    assert verdict.problem is None
    assert (verdict.cases_checked, verdict.checked) == (5, verdict.head_seq)
    assert len(numbers) == 5


def test_renamed_applicant_is_named_and_the_reprint_refused(store: Store, clock: FixedClock) -> None:
    item = promise_item(store)
    first = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    second = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    issue_document(store, clock, "clerk-07", second, DocType.RECEIPT)
    conn = raw(store)
    conn.execute("DROP TRIGGER cases_no_update")
    conn.execute("UPDATE cases SET applicant_name = '李四' WHERE project_no = ?", (second,))
    verdict = verify_ledger(store)
    assert verdict.problem is not None
    problem = verdict.problem
    assert (problem.code, problem.seq, problem.project_no, problem.field) == (
        "CASE_ROW_MISMATCH",
        5,
        second,
        "applicant_name",
    )
    with pytest.raises(DomainError) as refused:
        issue_document(store, clock, "clerk-07", second, DocType.RECEIPT)
    assert refused.value.code == "DOC_CASE_TAMPERED"
    assert issue_document(store, clock, "clerk-07", first, DocType.RECEIPT).doc_type is DocType.RECEIPT


def test_cli_verify_and_print_refuse_a_renamed_applicant(tmp_path: Path) -> None:
    data = tmp_path / "counter"
    assert counter(data, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    assert counter(data, "import-catalog").returncode == 0
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["name"] == "食品经营许可证核发")
    intake = {
        "task_code": item["task_code"],
        "applicant": {"name": "周明", "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m["name"]} for m in item["materials"]],
    }
    number = as_json(counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False)))[
        "project_no"
    ]
    assert as_json(counter(data, "--json", "verify"))["ok"] is True
    conn = raw(data / "counter.db")
    conn.execute("DROP TRIGGER cases_no_update")
    conn.execute("UPDATE cases SET applicant_name = '王五' WHERE project_no = ?", (number,))
    bad = counter(data, "--json", "verify")
    assert bad.returncode == 1
    problem = json.loads(bad.stdout)["problem"]
    assert (problem["code"], problem["seq"], problem["project_no"], problem["field"]) == (
        "CASE_ROW_MISMATCH",
        3,
        number,
        "applicant_name",
    )
    printed = counter(data, "--json", "print", number)
    assert printed.returncode == 2 and json.loads(printed.stdout)["code"] == "DOC_CASE_TAMPERED"


def test_edited_deadline_in_a_transition_is_named(store: Store, clock: FixedClock) -> None:
    number = accept_case(store, clock, "clerk-07", intake_for(promise_item(store))).project_no
    conn = raw(store)
    conn.execute("DROP TRIGGER case_transitions_no_update")
    snap = json.loads(conn.execute("SELECT snapshot FROM case_transitions WHERE seq = 4").fetchone()[0])
    snap["promise_due"] = "2027-01-29T23:59:59.000+08:00"
    conn.execute("UPDATE case_transitions SET snapshot = ? WHERE seq = 4", (json.dumps(snap),))
    problem = verify_ledger(store).problem
    assert problem is not None
    assert (problem.code, problem.seq, problem.project_no, problem.field) == (
        "TRANSITION_MISMATCH",
        4,
        number,
        "snapshot",
    )


def test_deleted_and_invented_case_rows_are_named(store: Store, clock: FixedClock) -> None:
    item = promise_item(store)
    first = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    conn = raw(store)
    row = conn.execute("SELECT * FROM cases WHERE project_no = ?", (first,)).fetchone()
    conn.execute("DROP TRIGGER cases_no_delete")
    conn.execute("DELETE FROM cases WHERE project_no = ?", (first,))
    problem = verify_ledger(store).problem
    assert problem is not None
    assert (problem.code, problem.seq, problem.project_no) == ("CASE_ROW_MISSING", 3, first)
    invented = "YX330781-20261125-03AAA-0099"
    conn.execute("INSERT INTO cases VALUES (" + ",".join("?" * len(row)) + ")", (invented, *row[1:]))
    conn.execute("INSERT INTO cases VALUES (" + ",".join("?" * len(row)) + ")", row)
    problem = verify_ledger(store).problem
    assert problem is not None
    assert (problem.code, problem.seq, problem.project_no) == ("CASE_ROW_UNBACKED", 3, invented)


def _server_key(store: Store) -> DeviceKey:
    key = DeviceKey.generate()
    with store.unit_of_work() as uow:
        uow.put_setting("server_public_key", key.public_b64)
        uow.commit()
    return key


def _store_ack(store: Store, receipt: AckReceipt, clock: FixedClock) -> None:
    with store.unit_of_work() as uow:
        record_ack(uow.conn, receipt, clock.now)
        uow.commit()


def test_receipt_signatures_are_checked(store: Store, clock: FixedClock) -> None:
    accept_case(store, clock, "clerk-07", intake_for(promise_item(store)))
    server = _server_key(store)
    with store.read() as conn:
        seq, digest = head(conn)
    _store_ack(store, AckReceipt(store.device_id(), seq, digest, "2026-11-25T01:30:00Z", "sig"), clock)
    problem = verify_ledger(store).problem
    assert problem is not None and (problem.code, problem.seq) == ("ACK_BAD_SIGNATURE", 4)
    # The same receipt signed by a key that is not the server's.
    other = DeviceKey.generate()
    store2 = _fresh_ack_store(store, clock)
    receipt = sign_receipt(AckReceipt(store2.device_id(), 4, _hash(store2, 4), "2026-11-25T01:30:00Z"), other)
    _store_ack(store2, receipt, clock)
    problem = verify_ledger(store2).problem
    assert problem is not None and problem.code == "ACK_BAD_SIGNATURE"
    assert server is not None


def _fresh_ack_store(store: Store, clock: FixedClock) -> Store:
    """The same ledger with its receipts set aside (a test cannot delete them otherwise)."""
    conn = raw(store)
    conn.execute("DROP TRIGGER acks_no_delete")
    conn.execute("DELETE FROM acks")
    return store


def _hash(store: Store, seq: int) -> str:
    with store.read() as conn:
        return str(conn.exec_driver_sql("SELECT hash FROM events WHERE seq = ?", (seq,)).scalar())


def test_a_signed_receipt_for_another_hash_or_device_is_named(store: Store, clock: FixedClock) -> None:
    accept_case(store, clock, "clerk-07", intake_for(promise_item(store)))
    server = _server_key(store)
    device = store.device_id()
    good = sign_receipt(AckReceipt(device, 3, _hash(store, 3), "2026-11-25T01:30:00Z"), server)
    _store_ack(store, good, clock)
    assert verify_ledger(store).ok and verify_ledger(store).acks_checked == 1
    clock.advance(minutes=1)
    wrong = sign_receipt(AckReceipt(device, 4, "f" * 64, "2026-11-25T01:31:00Z"), server)
    _store_ack(store, wrong, clock)
    problem = verify_ledger(store).problem
    assert problem is not None and (problem.code, problem.seq) == ("ACK_MISMATCH", 4)
    _fresh_ack_store(store, clock)
    foreign = sign_receipt(AckReceipt("another-device", 4, _hash(store, 4), "2026-11-25T01:31:00Z"), server)
    _store_ack(store, foreign, clock)
    problem = verify_ledger(store).problem
    assert problem is not None and (problem.code, problem.seq) == ("ACK_ROW_MISMATCH", 4)


def test_incremental_check_covers_new_events_and_the_checkpoint(store: Store, clock: FixedClock) -> None:
    item = promise_item(store)
    accept_case(store, clock, "clerk-07", intake_for(item))
    first = verify_ledger(store)
    assert first.ok and first.head_seq == 4
    clock.advance(minutes=5)
    number = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    later = verify_ledger(store, since=first.checkpoint())
    assert later.ok and (later.checked, later.cases_checked, later.head_seq) == (2, 1, 6)
    conn = raw(store)
    conn.execute("DROP TRIGGER cases_no_update")
    conn.execute("UPDATE cases SET phone = '13900000000' WHERE project_no = ?", (number,))
    problem = verify_ledger(store, since=first.checkpoint()).problem
    assert problem is not None and (problem.code, problem.field) == ("CASE_ROW_MISMATCH", "phone")
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 4")
    problem = verify_ledger(store, since=first.checkpoint()).problem
    assert problem is not None and (problem.code, problem.seq) == ("TRUNCATED", 4)
