"""A window's database made by the previous version (schema 2, the intake copied into ``cases``)
opens, is upgraded, and answers as that version did; then it keeps working."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from counter_app.domain.case import CaseState
from counter_app.services import case_commands as cmd
from counter_app.services.case_detail import case_detail
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.documents import DocType, build_document
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Party
from counter_app.services.queries import list_cases, search_cases
from counter_app.services.reference import current_catalog
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.migrations import LATEST, current_version
from counter_app.store.uow import Store
from tests.support import REPO, intake_for

FIXTURE = REPO / "tests" / "data" / "window-v2.tar.gz"


def _columns(db: Path) -> list[str]:
    raw = sqlite3.connect(db)
    try:
        return [row[1] for row in raw.execute("PRAGMA table_info(cases)")]
    finally:
        raw.close()


@pytest.fixture
def old_window(tmp_path: Path) -> tuple[DataDir, dict[str, Any]]:
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path, filter="data")
    data = DataDir(tmp_path / "counter")
    expected = json.loads((data.root / "expected.json").read_text(encoding="utf-8"))
    raw = sqlite3.connect(data.db_path)
    assert raw.execute("SELECT max(version) FROM schema_version").fetchone() == (2,)
    raw.close()
    assert "intake" in _columns(data.db_path)
    return data, expected


def _summary(row: Any) -> dict[str, Any]:
    data = dict(vars(row))
    data["state"] = row.state.value
    data["result"] = None if row.result is None else int(row.result)
    return data


def test_the_upgraded_file_answers_as_the_previous_version_did(
    old_window: tuple[DataDir, dict[str, Any]],
) -> None:
    data, expected = old_window
    store = Store(data)
    try:
        assert current_version(store.engine) == LATEST == 3
        assert "intake" not in _columns(data.db_path)
        numbers = expected["numbers"]
        assert {no: case_detail(store, no) for no in numbers} == expected["details"]
        assert [_summary(s) for s in list_cases(store, day="2026-11-25")] == expected["today"]
        for query, found in expected["search"].items():
            assert [s.project_no for s in search_cases(store, query)] == found, query
        verdict = verify_ledger(store)
        assert (verdict.problem, verdict.cases_checked) == (None, 3)
        with store.unit_of_work() as uow, pytest.raises(DBAPIError, match="append-only"):
            uow.conn.exec_driver_sql("UPDATE cases SET applicant_name = '李四'")
    finally:
        store.close()


def test_the_upgraded_file_keeps_working(old_window: tuple[DataDir, dict[str, Any]]) -> None:
    data, expected = old_window
    accepted, correction, refused = expected["numbers"]
    clock = FixedClock(datetime(2026, 11, 25, 14, 0, tzinfo=HALL_TZ))
    store = Store(data)
    try:
        for number, doc_type in (
            (accepted, DocType.RECEIPT),
            (correction, DocType.CORRECTION),
            (refused, DocType.REJECTION),
        ):
            assert build_document(store, number, doc_type).startswith(b"%PDF")
        owed = [m["name"] for m in expected["details"][correction]["intake"]["materials"] if m["missing"]]
        assert cmd.accept_corrected(store, clock, "0307", correction, owed).state is CaseState.ACCEPTED
        with store.read() as conn:
            food = next(i for i in current_catalog(conn).items if i.name == "食品经营许可证核发")
        intake = intake_for(food, applicant=Party("周明", "111", "110101199003070011"), phone="13800138000")
        taken = accept_case(store, clock, "0307", intake).project_no
        assert taken == accepted[:-4] + "0004"  # the day's serial carries on
        detail = case_detail(store, taken)
        assert detail["intake"]["applicant"]["name"] == "周明"
        assert detail["intake"]["materials"] == [
            {"name": m.name, "form": m.form.value, "copies": m.copies, "missing": False, "reason": ""}
            for m in intake.received
        ]
        assert [s.project_no for s in search_cases(store, "周明")] == [taken]
        assert [s.project_no for s in list_cases(store, day="2026-11-25")] == [
            taken,
            refused,
            correction,
            accepted,
        ]
        verdict = verify_ledger(store)
        assert (verdict.problem, verdict.cases_checked) == (None, 4)
    finally:
        store.close()
