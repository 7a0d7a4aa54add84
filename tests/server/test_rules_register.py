"""Matching a department's register export against hall cases (supervision_server.rules.register)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from supervision_server.db import read_connection
from supervision_server.rules import register_match_rates
from tests.server.helpers import ADMIN, StepClock
from tests.server.rules_support import FOOD, Hall, accepted, at, make_hall, received

MAPPING = """
[columns]
record_no = "受理编号"
task_code = "事项编码"
item_name = "事项名称"
cert_no = "证件号码"
applicant_name = "申请人"
accepted_on = "受理日期"
finished_at = "办结时间"
[match]
days = 2
"""
HEADER = "受理编号,事项编码,事项名称,证件号码,申请人,受理日期,办结时间\n"
OTHER_CERT = "110105194912310039"


@pytest.fixture
def hall(make_app: Callable[..., FastAPI], clock: StepClock) -> Hall:
    h = make_hall(make_app, clock)
    h.send(
        3,
        ("case.received", received("P-RG-1", 3), at("09:00")),
        ("case.accepted", accepted("P-RG-1", at("09:05"), "2026-12-02T23:59:59+08:00"), at("09:05")),
        # registered in the hall on the 27th for a matter the department finished on the 26th
        ("case.received", received("P-RG-2", 3, cert_no=OTHER_CERT), at("10:00", "2026-11-27")),
    )
    return h


def register_csv() -> str:
    return HEADER + (
        f"SJ-001,{FOOD},食品经营许可证核发,11010519491231002X,张小三,2026/11/25,\n"
        f"SJ-002,{FOOD},食品经营许可证核发,{OTHER_CERT},李四,2026-11-25,2026-11-26 16:00\n"
        f"SJ-003,{FOOD},食品经营许可证核发,110105194912310047,王五,20261125,2026-11-25 17:00\n"
    )


def post(hall: Hall, body: bytes) -> dict[str, object]:
    reply = hall.client.post(
        "/api/v1/admin/registers/SCJG",
        params={"mapping": MAPPING, "file_name": "scjg.csv"},
        content=body,
        headers=ADMIN,
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def test_records_missing_from_the_hall_or_registered_after_finishing_raise_alerts(hall: Hall) -> None:
    summary = post(hall, register_csv().encode("gbk"))
    assert {k: summary[k] for k in ("encoding", "records", "matched", "late", "missing", "alerts")} == {
        "encoding": "gbk",
        "records": 3,
        "matched": 1,
        "late": 1,
        "missing": 1,
        "alerts": 2,
    }
    found = [
        (a["rule_id"], a["project_no"], a["details"]["record_no"], a["dept_code"])
        for a in hall.alerts()
        if a["rule_id"].startswith("REGISTER")
    ]
    assert found == [
        ("REGISTER_LATE", "P-RG-2", "SJ-002", "SCJG"),
        ("REGISTER_MISSING", None, "SJ-003", "SCJG"),
    ]
    with read_connection(hall.app.state.ctx.engine) as conn:
        assert register_match_rates(conn, date(2026, 11, 1), date(2026, 11, 30)) == {"SCJG": (2, 3)}
        assert register_match_rates(conn, date(2026, 11, 26), date(2026, 11, 30)) == {}
    again = post(hall, ("\ufeff" + register_csv()).encode("utf-8"))  # the same export, UTF-8 with BOM
    assert (again["encoding"], again["alerts"]) == ("utf-8", 0)  # each occurrence raised once


def test_a_register_whose_records_are_all_in_the_hall_in_time_raises_nothing(hall: Hall) -> None:
    body = (
        HEADER + f"SJ-010,{FOOD},食品经营许可证核发,11010519491231002X,张小三,2026-11-26,2026-12-01 10:00\n"
    )
    summary = post(hall, body.encode("utf-8"))
    assert (summary["matched"], summary["missing"], summary["alerts"]) == (1, 0, 0)
    assert [a for a in hall.alerts() if a["rule_id"].startswith("REGISTER")] == []


def test_a_bad_mapping_or_file_is_refused_with_its_code(hall: Hall) -> None:
    reply = hall.client.post(
        "/api/v1/admin/registers/SCJG",
        params={"mapping": "[columns]\nrecord_no='编号'"},
        content=b"x",
        headers=ADMIN,
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "REGISTER_MAPPING_INVALID")
    reply = hall.client.post(
        "/api/v1/admin/registers/SCJG",
        params={"mapping": MAPPING},
        content="编号,姓名\n1,2\n".encode(),
        headers=ADMIN,
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "REGISTER_COLUMN_MISSING")
    reply = hall.client.post(
        "/api/v1/admin/registers/SCJG",
        params={"mapping": "match = 1\n" + MAPPING.split("[match]")[0]},
        content=b"x",
        headers=ADMIN,
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "REGISTER_MAPPING_INVALID")
    reply = hall.client.post(
        "/api/v1/admin/registers/SCJG",
        params={"mapping": MAPPING},
        content=HEADER.encode() + b'"' + b"a" * 200_000 + b'"\n',
        headers=ADMIN,
    )
    assert (reply.status_code, reply.json()["code"]) == (422, "REGISTER_CSV_INVALID")


def test_the_command_line_imports_a_gbk_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    export = tmp_path / "scjg.csv"
    export.write_bytes(register_csv().encode("gbk"))
    env_token = {"SUPERVISION_ADMIN_TOKEN": "cli-admin-token-0123456789"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "supervision_server",
            "import-register",
            "--data-dir",
            str(data),
            "--dept",
            "SCJG",
            "--mapping",
            str(mapping),
            str(export),
        ],
        capture_output=True,
        text=True,
        env={**env_token, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == "部门 SCJG 台账 3 条（gbk）：匹配 0，大厅登记晚于部门办结 0，大厅无办件 3；新预警 3 条"
    )
