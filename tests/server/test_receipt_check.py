"""The public receipt check: masked names, a rate limit per client address, one alert per unknown number and day."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter_app.domain.case_numbers import device_tag, make_case_number
from tests.server.helpers import ADMIN, Chain, StepClock, accepted_payload, case_payload, unique
from tests.server.test_cases import alerts, send
from tests.server.test_real_server import Server
from tests.support import DEMO_CATALOG

DAY = date(2026, 11, 25)  # StepClock's day in the hall


def number_of(chain: Chain, serial: int, day: date = DAY, hall: str = "H1", window: int = 3) -> str:
    """A case number as the device of ``chain`` would issue it."""
    return make_case_number(hall, day, window, device_tag(base64.b64decode(chain.key.public_b64)), serial)


def test_a_one_character_name_is_masked_on_the_check_page(client: TestClient, device: Chain) -> None:
    no = number_of(device, 1)
    send(
        client,
        device,
        ("case.received", case_payload(no, name="李")),
        ("case.accepted", accepted_payload(no)),
    )
    shown = client.get(f"/api/v1/check/{no}", params={"code": "7K3Q9"}).json()
    assert shown["applicant_name"] == "*"
    page = client.get("/check", params={"no": no, "code": "7K3Q9"})
    assert (page.status_code, "<td>*</td>" in page.text, "李" in page.text) == (200, True, False)


def test_an_unknown_receipt_is_one_alert_per_number_and_day(
    client: TestClient, device: Chain, clock: StepClock
) -> None:
    no = number_of(device, 7)
    for _ in range(3):
        reply = client.get(f"/api/v1/check/{no}", params={"code": "ABCDE"})
        assert (reply.status_code, reply.json()["code"]) == (404, "RECEIPT_NOT_FOUND")
    found = alerts(client, project_no=no)
    assert [(a["rule_id"], a["level"], a["device_id"]) for a in found] == [
        ("RECEIPT_UNKNOWN", "黄牌", device.device_id)
    ]
    assert found[0]["details"] == {
        "day": "2026-11-25",
        "window_no": 3,
        "first_lookup_at": "2026-11-25T01:00:00.000000+00:00",
    }
    clock.advance(hours=15)  # 2026-11-26 00:00 in the hall: a new day, a new alert
    assert client.get("/check", params={"no": no, "code": "ABCDE"}).status_code == 404
    assert [a["details"]["day"] for a in alerts(client, project_no=no)] == ["2026-11-25", "2026-11-26"]


def test_numbers_that_cannot_be_a_receipt_of_this_hall_raise_no_alert(
    client: TestClient, device: Chain
) -> None:
    guesses = [
        unique("OFFBOOK"),  # not a case number
        number_of(device, 8).lower(),  # not as a window prints it
        number_of(device, 8, hall="ZZ99"),  # a hall with no enrolled window
        number_of(device, 8, day=date(2026, 11, 26)),  # dated tomorrow
    ]
    for no in guesses:
        reply = client.get(f"/api/v1/check/{no}", params={"code": "ABCDE"})
        assert (reply.status_code, reply.json()["code"]) == (404, "RECEIPT_NOT_FOUND")
    assert [a for a in alerts(client, rule_id="RECEIPT_UNKNOWN") if a["project_no"] in guesses] == []


def test_checks_are_rate_limited_per_client_address(
    make_app: Callable[..., FastAPI], clock: StepClock
) -> None:
    app = make_app(check_burst=3, check_rate_per_minute=6)
    citizen, neighbour = TestClient(app), TestClient(app, client=("10.0.0.2", 50000))
    assert [citizen.get("/api/v1/check/X-1", params={"code": "A"}).status_code for _ in range(3)] == [404] * 3
    refused = citizen.get("/api/v1/check/X-1", params={"code": "A"})
    assert (refused.status_code, refused.headers["Retry-After"], refused.json()["code"]) == (
        429,
        "10",
        "CHECK_RATE_LIMITED",
    )
    assert refused.json()["message"].startswith("查询过于频繁，请 10 秒后再试")
    page = citizen.get("/check", params={"no": "X-1", "code": "A"})
    assert (page.status_code, page.headers["Retry-After"], "查询过于频繁" in page.text) == (429, "10", True)
    assert citizen.get("/check").status_code == 200  # the empty form costs nothing
    assert neighbour.get("/api/v1/check/X-1", params={"code": "A"}).status_code == 404
    clock.advance(seconds=10)
    statuses = [citizen.get("/api/v1/check/X-1", params={"code": "A"}).status_code for _ in range(2)]
    assert statuses == [404, 429]


def test_the_running_server_limits_checks_and_records_each_guess_once(tmp_path: Path) -> None:
    server = Server(
        tmp_path / "data", env={"SUPERVISION_CHECK_BURST": "5", "SUPERVISION_CHECK_RATE_PER_MINUTE": "1"}
    )
    try:
        chain = Chain(unique("dev"))
        server.enroll(chain, window=3)
        guesses = [number_of(chain, serial) for serial in range(1, 9)]
        statuses = [
            requests.get(f"{server.url}/api/v1/check/{no}", params={"code": "ABCDE"}, timeout=30).status_code
            for no in guesses
        ]
        assert statuses == [404] * 5 + [429] * 3
        page = requests.get(f"{server.url}/check", params={"no": guesses[0], "code": "ABCDE"}, timeout=30)
        assert (page.status_code, page.headers["Retry-After"]) == (429, "60")
        found = requests.get(
            f"{server.url}/api/v1/alerts",
            params={"rule_id": "RECEIPT_UNKNOWN"},
            headers=server.admin,
            timeout=30,
        ).json()["alerts"]
        assert sorted(a["project_no"] for a in found) == guesses[:5]
    finally:
        server.stop()


def test_a_receipt_not_found_names_the_supervision_phone(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    plain = TestClient(make_app())
    assert (
        "请向大厅服务台反映" in plain.get("/check", params={"no": "X-1", "code": "ABC"}).text
    )  # no number known
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert plain.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN).status_code in (200, 201)
    page = plain.get("/check", params={"no": "X-1", "code": "ABC"})
    assert page.status_code == 404 and "请拨打大厅监督电话 0579-12345678 反映，我们将核查" in page.text
    api = plain.get("/api/v1/check/X-1", params={"code": "ABC"}).json()
    assert api["message"].endswith("如有疑问请拨打大厅监督电话 0579-12345678 反映")
    configured = TestClient(make_app(data_dir=tmp_path / "other", supervision_phone="0579-88889999"))
    assert "0579-88889999" in configured.get("/check", params={"no": "X-1", "code": "ABC"}).text
