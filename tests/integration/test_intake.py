"""Taking in cases and moving them through their lifecycle on a real SQLite store."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from sqlalchemy import func, select

from counter_app.domain.case import CaseState, ResultCode, SuspensionKind
from counter_app.domain.case_numbers import parse_case_number
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.services import case_commands as cmd
from counter_app.services.case_rows import load_case
from counter_app.services.clock import HALL_TZ
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn, Party
from counter_app.services.queries import export_csv, search_cases
from counter_app.store import schema
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.ledger_store import iter_events
from tests.support import ENTITY_USCC, PERSON_ID, intake_for, promise_item


def event_count(store) -> int:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.events)).scalar_one())


def test_accepted_case_is_on_the_books_with_its_events(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    result = accept_case(store, clock, "clerk-07", intake_for(item))
    number = parse_case_number(result.project_no)
    assert (number.hall_code, number.window_no, number.serial) == ("YX330781", 3, 1)
    assert result.state is CaseState.ACCEPTED and result.promise_due is not None
    assert result.promise_due == datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ)  # Wed + 2 working days
    assert len(result.check_code) == 10
    with store.read() as conn:
        record = load_case(conn, result.project_no)
        events = list(iter_events(conn))
    assert record.case.state is CaseState.ACCEPTED and record.header["ticket_no"] == "A012"
    types = [e.envelope.type for e in events]
    assert types[-2:] == ["case.received", "case.accepted"]
    accepted = events[-1].envelope
    assert accepted.payload["check_code"] == events[-2].hash[:10].upper()
    assert accepted.clerk_id == "clerk-07" and accepted.occurred_at.startswith("2026-11-25T09:30")
    assert verify_ledger(store).ok
    second = accept_case(store, clock, "clerk-07", intake_for(item))
    assert parse_case_number(second.project_no).serial == 2


def test_bad_input_is_refused_with_codes_and_nothing_stored(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    before = event_count(store)
    bad = intake_for(item, applicant=Party("王建国", "111", "110105194912310021"), phone="12345")
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, "clerk-07", bad)
    codes = {i.code for i in info.value.issues}
    assert {"ID_CHECKSUM", "PHONE_CONTACT"} <= codes
    assert any("校验位" in i.message for i in info.value.issues)
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, "clerk-07", intake_for(item, materials=()))
    assert info.value.code == "CASE_MATERIALS_MISSING" and "一次性告知" in info.value.message
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, "clerk-07", intake_for(item, task_code="NO-SUCH-ITEM"))
    assert info.value.code == "CATALOG_ITEM_UNKNOWN"
    entity = Party("云溪市清泉食品有限公司", "001", ENTITY_USCC, kind="entity", phone="0579-85123456")
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, "clerk-07", intake_for(item, applicant=entity))
    assert info.value.code == "PARTY_LEGAL_REP"
    assert event_count(store) == before


def test_correction_then_acceptance_restarts_the_clock(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    missing = MaterialIn(item.materials[0].name, missing=True, reason="复印件不清晰")
    intake = intake_for(item, Decision.CORRECTION, materials=(missing,))
    result = accept_case(store, clock, "clerk-07", intake)
    assert result.state is CaseState.CORRECTION and result.promise_due is None
    clock.advance(days=6)  # Tue Dec 1: the 2 working days count from here, not from intake
    done = cmd.accept_corrected(store, clock, "clerk-07", result.project_no, [missing.name])
    assert done.state is CaseState.ACCEPTED
    assert done.promise_due == datetime(2026, 12, 3, 23, 59, 59, tzinfo=HALL_TZ)
    with pytest.raises(DomainError) as info:
        cmd.accept_corrected(store, clock, "clerk-07", result.project_no, [])
    assert info.value.code == "CASE_ILLEGAL_TRANSITION"


def test_rejection_needs_a_reason(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    with pytest.raises(DomainError) as info:
        accept_case(store, clock, "clerk-07", intake_for(item, Decision.REJECT, legal_basis="《某法》第一条"))
    assert info.value.code == "CASE_REASON_REQUIRED"
    rejected = intake_for(item, Decision.REJECT, reason="不属于本机关职权范围", legal_basis="《某法》第一条")
    result = accept_case(store, clock, "c", rejected)
    assert result.state is CaseState.NOT_ACCEPTED


def test_full_lifecycle_and_suspension_moves_the_deadline(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    no = accept_case(store, clock, "c", intake_for(item)).project_no
    with store.read() as conn:
        before = load_case(conn, no).promise_due
    assert before == datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ)
    cmd.start_process(store, clock, "c", no)
    cmd.record_process(store, clock, "c", no, "审核", "通过", "材料齐全")
    clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=clock.now.tzinfo)
    cmd.suspend(store, clock, "c", no, SuspensionKind.CLOCK_STOP, "现场核查")
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=clock.now.tzinfo)  # Thu -> Mon: Fri, Mon stopped
    resumed = cmd.resume(store, clock, "c", no, "核查合格")
    assert resumed.promise_due == datetime(2026, 12, 1, 23, 59, 59, tzinfo=HALL_TZ)  # Fri 27 + Fri, Mon
    closed = cmd.close_case(
        store, clock, "c", no, ResultCode.ISSUED, cert_name="食品经营许可证", cert_no="JY1"
    )
    assert closed.state is CaseState.CLOSED
    assert cmd.deliver(store, clock, "c", no).state is CaseState.DELIVERED
    with pytest.raises(DomainError):
        cmd.void_case(store, clock, "c", no, "误操作")
    with store.read() as conn:
        steps = (
            conn.execute(
                select(schema.case_transitions.c.action).where(schema.case_transitions.c.project_no == no)
            )
            .scalars()
            .all()
        )
    assert steps == [
        "receive",
        "accept",
        "start_process",
        "record_process",
        "suspend",
        "resume",
        "close",
        "deliver",
    ]
    assert verify_ledger(store).ok


def deadline_in_ledger(store, seq: int) -> str:  # type: ignore[no-untyped-def]
    """The 承诺办结时间 the event ``seq`` told the server."""
    with store.read() as conn:
        event = next(e for e in iter_events(conn) if e.seq == seq)
    return str(event.envelope.payload["promise_due"])


def test_extension_adds_its_days_and_a_later_clock_stop_adds_its_own(store, clock) -> None:  # type: ignore[no-untyped-def]
    """延长审批 moves the deadline by exactly its working days, at once and for good; resuming
    does not move it again; a clock stop afterwards adds the working days it stopped."""
    item = promise_item(store)
    no = accept_case(store, clock, "c", intake_for(item)).project_no  # Wed Nov 25: due Fri Nov 27
    tz = clock.now.tzinfo
    cmd.start_process(store, clock, "c", no)
    clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=tz)
    extended = cmd.suspend(store, clock, "c", no, SuspensionKind.EXTENSION, "负责人批准延长", extend_days=10)
    # 2 + 10 working days from Wed Nov 25: Nov 26, 27, 30, Dec 1-4, 7-11.
    assert extended.promise_due == datetime(2026, 12, 11, 23, 59, 59, tzinfo=HALL_TZ)
    assert deadline_in_ledger(store, extended.seq) == "2026-12-11T23:59:59+08:00"
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=tz)
    resumed = cmd.resume(store, clock, "c", no, "延长期满")
    assert resumed.promise_due == datetime(2026, 12, 11, 23, 59, 59, tzinfo=HALL_TZ)
    assert deadline_in_ledger(store, resumed.seq) == "2026-12-11T23:59:59+08:00"
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=tz)
    stopped = cmd.suspend(store, clock, "c", no, SuspensionKind.CLOCK_STOP, "专家评审")
    assert stopped.promise_due == datetime(2026, 12, 11, 23, 59, 59, tzinfo=HALL_TZ)
    clock.now = datetime(2026, 12, 3, 10, 0, tzinfo=tz)  # Dec 2 and 3 stopped: Dec 14, 15
    again = cmd.resume(store, clock, "c", no, "评审结束")
    assert again.promise_due == datetime(2026, 12, 15, 23, 59, 59, tzinfo=HALL_TZ)
    assert deadline_in_ledger(store, again.seq) == "2026-12-15T23:59:59+08:00"
    with store.read() as conn:
        record = load_case(conn, no)
    assert (record.promise_due, record.extension_days) == (again.promise_due, 10)


def test_search_and_export(store, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    numbers = [accept_case(store, clock, "c", intake_for(item)).project_no for _ in range(3)]
    assert [s.project_no for s in search_cases(store, numbers[1])] == [numbers[1]]
    assert len(search_cases(store, "11010519491231002x")) == 3
    assert len(search_cases(store, "王建")) == 3
    assert search_cases(store, "李") == []
    path = tmp_path / "cases.csv"
    assert export_csv(store, path) == 3
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0][0] == "办件编号" and {r[0] for r in rows[1:]} == set(numbers)


def test_a_name_character_no_font_draws_is_a_warning_with_its_field(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    rare = accept_case(
        store,
        clock,
        "clerk-07",
        intake_for(item, applicant=Party("王\U00020bb7", "111", PERSON_ID, phone="13800138000")),
    )
    assert rare.state is CaseState.ACCEPTED
    assert [w.code for w in rare.warnings] == []  # 𠮷 is in the bundled fonts
    agent = Party("李\U00030041\U00030041\U00030042", "111", PERSON_ID)
    result = accept_case(store, clock, "clerk-07", intake_for(item, agent=agent))
    assert result.state is CaseState.ACCEPTED  # a warning never stops the case
    assert [(w.code, w.field, w.warning) for w in result.warnings] == [
        ("NAME_GLYPH_MISSING", "agent.name", True),
        ("NAME_GLYPH_MISSING", "agent.name", True),
    ]
    assert result.warnings[0].message == (
        "经办人姓名/名称中的“\U00030041”（U+30041）本机字库没有该字，打印时将显示为〔U+30041〕，"
        "请核对录入是否正确，必要时在文书上手写补正"
    )
    assert result.as_dict()["warnings"][1]["field"] == "agent.name"
