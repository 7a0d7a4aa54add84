"""Schemathesis against the running server, from its own OpenAPI description, on both databases.

Every operation is exercised with schema-valid and schema-invalid requests (examples, boundary
values, random data, call sequences), as admin, with an enrolled device among the device ids.
No request may get a 5xx, and every answer must match what the description promises: its status,
content type, headers and body schema; invalid requests must be refused with a 4xx. The run is
deterministic and bounded so that the suite stays fast; the count of requests is printed.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.domain.case_numbers import device_tag, make_case_number
from tests.pg import fresh_database, require_postgres
from tests.server.helpers import Chain, accepted_payload, case_payload, unique, wire
from tests.server.test_real_server import Server, server_env

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 10
CHECK_CODE = "7K3Q9"
# Schema-valid requests the server rightly refuses on business grounds (an unknown enrollment
# code, a catalog that fails its checks) are not failures; everything else is checked.
CHECKS_EXCLUDED = "positive_data_acceptance"
# The hall board's event stream answers for minutes; its content is the board of /board, fuzzed.
ENDLESS = "/stream$"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "data"
    env = {"SUPERVISION_CHECK_BURST": "100000"}
    if request.param == "sqlite":
        server = Server(data_dir, None, env=env)
        yield server
        server.stop()
        return
    require_postgres()
    with fresh_database("sc_fuzz") as url:  # its own database: the server key is bound to it
        server = Server(data_dir, url, env=env)
        yield server
        server.stop()


def test_inputs_that_once_made_server_errors_are_refused_with_a_code(fuzzed_server: Server) -> None:
    server = fuzzed_server
    chain, _ = a_device_with_a_case(server)
    beat = {"head_hash": "0" * 64, "device_time": "2026-11-25T09:00:00+08:00", "signature": "AAAA"}
    asked: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/api/v1/devices/{chain.device_id}/heartbeat", {"json": {**beat, "head_seq": 2**53}}),
        ("POST", f"/api/v1/devices/{chain.device_id}/heartbeat", {"json": {**beat, "head_seq": 2**64}}),
        ("GET", "/api/v1/devices/dev%00x/head", {}),
        ("POST", "/api/v1/devices/dev%00x/events", {"json": {"events": []}}),
        ("GET", "/api/v1/alerts?rule_id=%00", {}),
        ("GET", "/api/v1/cases?project_no=%00", {}),
        ("GET", "/check?no=%00&code=1", {}),
        ("GET", f"/api/v1/alerts?after_id={2**63}", {}),
        ("GET", f"/api/v1/cases?window_no={2**31}", {}),
        ("POST", "/api/v1/admin/enroll-codes", {"json": {"hall_code": "H\x00", "window_no": 1}}),
        ("PUT", "/api/v1/admin/calendar/days/0", {"json": {"kind": "HOLIDAY"}}),
    ]
    answers = []
    for method, path, extra in asked:
        reply = requests.request(method, server.url + path, headers=server.admin, timeout=30, **extra)
        answers.append((reply.status_code, reply.json()["code"]))
    assert answers == [
        (422, "INVALID_REQUEST"),
        (422, "INVALID_REQUEST"),
        (422, "NUL_CHARACTER"),
        (422, "NUL_CHARACTER"),
        (422, "NUL_CHARACTER"),
        (422, "NUL_CHARACTER"),
        (422, "NUL_CHARACTER"),
        (422, "INVALID_REQUEST"),
        (422, "INVALID_REQUEST"),
        (422, "INVALID_REQUEST"),
        (422, "INVALID_REQUEST"),
    ]
    calendar = requests.get(server.url + "/api/v1/calendar", timeout=30).json()
    assert [d for d in calendar["days"] if d["date"].startswith("1970")] == []


def a_device_with_a_case(server: Server) -> tuple[Chain, str]:
    """An enrolled device that has delivered one accepted case; returns it and the case number."""
    chain = Chain(unique("dev"))
    server.enroll(chain, window=1)
    project_no = make_case_number(
        "H1", date(2026, 11, 25), 1, device_tag(base64.b64decode(chain.key.public_b64)), 1
    )
    events = [
        chain.append("case.received", case_payload(project_no, window_no=1)),
        chain.append("case.accepted", accepted_payload(project_no, CHECK_CODE)),
    ]
    reply = requests.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/events", json=wire(events), timeout=30
    )
    assert reply.status_code == 200, reply.text
    return chain, project_no


def run_schemathesis(server: Server, workdir: Path, device_id: str, project_no: str) -> dict[str, object]:
    """One ``st run`` over the whole API; returns its JSON report.

    Half of the device ids and case numbers it sends are real ones, so that requests also reach
    the code behind the "unknown device" and "unknown case" answers.
    """
    config = workdir / "schemathesis.toml"
    config.write_text(
        f'[dictionaries.devices]\nvalues = ["{device_id}"]\n'
        f'[dictionaries.cases]\nvalues = ["{project_no}"]\n'
        f'[dictionaries.codes]\nvalues = ["{CHECK_CODE}"]\n'
        "[parameters]\n"
        '"path.device_id" = { dictionary = "devices", probability = 0.5 }\n'
        '"path.project_no" = { dictionary = "cases", probability = 0.5 }\n'
        '"query.no" = { dictionary = "cases", probability = 0.5 }\n'
        '"query.code" = { dictionary = "codes", probability = 0.5 }\n',
        encoding="utf-8",
    )
    report = workdir / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {server.token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--checks",
        "all",
        "--exclude-checks",
        CHECKS_EXCLUDED,
        "--exclude-path-regex",
        ENDLESS,
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    done = subprocess.run(command, cwd=workdir, env=server_env(), capture_output=True, text=True, timeout=300)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    result["output"] = done.stdout
    return result


def test_no_request_makes_a_server_error(fuzzed_server: Server, tmp_path: Path) -> None:
    chain, project_no = a_device_with_a_case(fuzzed_server)
    check = requests.get(
        f"{fuzzed_server.url}/api/v1/check/{project_no}", params={"code": CHECK_CODE}, timeout=30
    )
    assert check.json()["state"] == "ACCEPTED"
    report = run_schemathesis(fuzzed_server, tmp_path, chain.device_id, project_no)
    cases = report["test_cases"]
    assert isinstance(cases, dict)
    print(f"schemathesis: {cases['generated']} requests, failures {report['failures']}")
    assert (report["failures"], report["errors"]) == ([], []), str(report["output"])[-6000:]
    assert report["exit_code"] == 0
    assert cases["generated"] >= 500
    operations = report["operations"]
    assert isinstance(operations, dict)
    assert operations["tested"] == operations["selected"] == operations["total"] - 1  # all but the stream
    assert "Server error" not in str(report["output"])
