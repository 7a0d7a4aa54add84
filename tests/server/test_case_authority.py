"""Who may speak about a case, and case numbers never reused: the server's side, on both databases."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from counter_app.domain.case_numbers import device_tag, make_case_number
from counter_app.ledger import DeviceKey
from supervision_server.migrations import LATEST, MIGRATIONS, migrate
from supervision_server.schema import case_holders, cases, events, schema_version
from tests.server.conftest import enroll
from tests.server.helpers import ADMIN, Chain, accepted_payload, case_payload, unique, wire

DAY = date(2026, 11, 25)
HOLDERS_VERSION = next(n for n, about, _ in MIGRATIONS if about.startswith("case holders"))


def number(chain: Chain, serial: int, window: int = 3, hall: str = "H1") -> str:
    """The case number ``chain``'s device issues as its ``serial``-th of DAY."""
    tag = device_tag(base64.b64decode(chain.key.public_b64))
    return make_case_number(hall, DAY, window, tag, serial)


def post(client: TestClient, chain: Chain, *items: tuple[str, dict[str, Any]]) -> Any:
    batch = [chain.append(type_, payload) for type_, payload in items]
    return client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(batch))


def alerts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/alerts", params=params, headers=ADMIN).json()["alerts"])


def check(client: TestClient, no: str, code: str) -> Any:
    return client.get(f"/api/v1/check/{no}", params={"code": code})


def stored_seqs(client: TestClient, device_id: str) -> list[int]:
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        query = select(events.c.seq).where(events.c.device_id == device_id).order_by(events.c.seq)
        return list(conn.execute(query).scalars())


def owner_row(client: TestClient, no: str) -> tuple[str, str, str | None]:
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(cases).where(cases.c.project_no == no)).mappings().one()
        return row["device_id"], row["applicant_name"], row["check_code"]


def two_windows(client: TestClient, device: Chain) -> tuple[Chain, str]:
    """``device`` (window 3) holds an accepted case; a second device is enrolled at window 5."""
    no = number(device, 1)
    reply = post(client, device, ("case.received", case_payload(no)), ("case.accepted", accepted_payload(no)))
    assert reply.status_code == 200, reply.text
    other = Chain(unique("dev"))
    enroll(client, other, window=5)
    return other, no


def test_an_event_about_another_windows_case_is_refused_whole(client: TestClient, device: Chain) -> None:
    other, no = two_windows(client, device)
    other.append("test.event")  # an innocent event before it in the same batch
    other.append("case.closed", {"project_no": no, "result_code": 2, "reason": "x", "check_code": "FORGED"})
    reply = client.post(f"/api/v1/devices/{other.device_id}/events", json=wire(other.events))
    assert reply.status_code == 403
    body = reply.json()
    assert (body["code"], body["seq"], body["project_no"]) == ("CASE_NOT_HOLDER", 2, no)
    assert stored_seqs(client, other.device_id) == []  # nothing of the batch is stored
    assert check(client, no, "7K3Q9").json()["state"] == "ACCEPTED"  # the citizen's receipt still reads
    assert owner_row(client, no) == (device.device_id, "张小三", "7K3Q9")
    found = alerts(client, device_id=other.device_id)
    assert [(a["rule_id"], a["level"], a["seq"], a["project_no"]) for a in found] == [
        ("CASE_NOT_HOLDER", "红牌", 2, no)
    ]
    assert other.device_id in found[0]["message"] and device.device_id in found[0]["message"]
    assert found[0]["details"]["owner_device_id"] == device.device_id
    assert found[0]["details"]["event"]["hash"] == other.events[1].hash  # kept, signed, as evidence
    again = client.post(f"/api/v1/devices/{other.device_id}/events", json=wire(other.events))
    assert again.status_code == 403 and len(alerts(client, device_id=other.device_id)) == 1


def test_a_forged_batch_is_bad_signature_and_blames_nobody(client: TestClient, device: Chain) -> None:
    other, no = two_windows(client, device)
    impostor = Chain(other.device_id, DeviceKey.generate())  # other's id, someone else's key
    reply = post(client, impostor, ("case.closed", {"project_no": no, "result_code": 2, "reason": "x"}))
    assert (reply.status_code, reply.json()["code"]) == (400, "BAD_SIGNATURE")
    assert alerts(client, device_id=other.device_id) == []


def test_another_windows_future_number_cannot_be_registered(client: TestClient, device: Chain) -> None:
    other, _ = two_windows(client, device)
    for forged in (number(device, 2), number(device, 2, window=5), number(other, 1, hall="H9")):
        reply = post(client, other, ("case.received", case_payload(forged, name="冒名者", window_no=5)))
        assert (reply.status_code, reply.json()["code"], reply.json()["project_no"]) == (
            403,
            "CASE_NO_FOREIGN",
            forged,
        )
        other.events.pop()
    # Nor can an event about a case the server has not seen yet claim another window's number.
    reply = post(client, other, ("case.accepted", accepted_payload(number(device, 3))))
    assert (reply.status_code, reply.json()["code"]) == (403, "CASE_NO_FOREIGN")
    other.events.pop()
    assert [a["rule_id"] for a in alerts(client, device_id=other.device_id)] == ["CASE_NO_FOREIGN"] * 4
    # The honest window later issues that number and its citizen sees their own case.
    no = number(device, 2)
    assert post(client, device, ("case.received", case_payload(no, name="李小四"))).status_code == 200
    assert owner_row(client, no)[:2] == (device.device_id, "李小四")
    assert [(a["rule_id"], a["device_id"]) for a in alerts(client, project_no=no)] == [
        ("CASE_NO_FOREIGN", other.device_id)
    ]
    # Its own numbers are welcome.
    assert post(client, other, ("case.received", case_payload(number(other, 1, window=5)))).status_code == 200


def test_a_second_case_received_for_a_held_number_is_refused_and_the_first_kept(
    client: TestClient, device: Chain
) -> None:
    no = number(device, 1)
    assert (
        post(
            client, device, ("case.received", case_payload(no)), ("case.accepted", accepted_payload(no))
        ).status_code
        == 200
    )
    reply = post(
        client,
        device,
        ("case.received", case_payload(no, name="王五")),
        ("case.accepted", accepted_payload(no, "NEWCODE")),
    )
    assert (reply.status_code, reply.json()["code"], reply.json()["seq"]) == (403, "CASE_NO_TAKEN", 3)
    assert owner_row(client, no) == (device.device_id, "张小三", "7K3Q9")
    assert check(client, no, "7K3Q9").json()["applicant_name"] == "张*三"
    dup = alerts(client, project_no=no)
    assert [(a["rule_id"], a["device_id"], a["seq"]) for a in dup] == [
        ("DUPLICATE_PROJECT_NO", device.device_id, 3)
    ]
    # Within one batch too; and for a number that is not in the hall's format.
    plain = unique("P")
    fresh = Chain(unique("dev"))
    enroll(client, fresh)
    reply = post(
        client, fresh, ("case.received", case_payload(plain)), ("case.received", case_payload(plain))
    )
    assert (reply.status_code, reply.json()["code"], reply.json()["seq"]) == (403, "CASE_NO_TAKEN", 2)


def test_a_handover_lets_the_delivery_window_deliver_and_nobody_else(
    client: TestClient, device: Chain
) -> None:
    delivery, no = two_windows(client, device)
    third = Chain(unique("dev"))
    enroll(client, third, window=7)
    closed = ("case.closed", {"project_no": no, "result_code": 0})
    assert post(client, device, closed).status_code == 200
    # Before the handover the delivery window may not deliver.
    early = post(client, delivery, ("case.delivered", {"project_no": no}))
    assert (early.status_code, early.json()["code"]) == (403, "CASE_NOT_HOLDER")
    delivery.events.pop()
    handed = ("case.handed_over", {"project_no": no, "to_device_id": delivery.device_id, "note": ""})
    assert post(client, device, handed).status_code == 200
    # The owner has given the case away: its own events about it are refused now.
    late = post(client, device, ("case.voided", {"project_no": no, "result_code": 2, "reason": "x"}))
    assert (late.status_code, late.json()["code"]) == (403, "CASE_NOT_HOLDER")
    device.events.pop()
    # The holder may deliver, but not close or void: it did not take the case in.
    wrong = post(client, delivery, ("case.voided", {"project_no": no, "result_code": 2, "reason": "x"}))
    assert (wrong.status_code, wrong.json()["code"]) == (403, "CASE_NOT_HOLDER")
    assert "只能送达或再移交" in wrong.json()["message"]
    delivery.events.pop()
    stranger = post(client, third, ("case.delivered", {"project_no": no}))
    assert (stranger.status_code, stranger.json()["code"]) == (403, "CASE_NOT_HOLDER")
    reply = post(client, delivery, ("case.delivered", {"project_no": no, "method": "窗口领取"}))
    assert reply.status_code == 200, reply.text
    assert check(client, no, "7K3Q9").json()["state"] == "DELIVERED"
    # One alert per refused event: the delivery window's two refusals (both its seq 1) differ.
    assert [(a["rule_id"], a["device_id"], a["seq"]) for a in alerts(client, project_no=no)] == [
        ("CASE_NOT_HOLDER", delivery.device_id, 1),
        ("CASE_NOT_HOLDER", device.device_id, 5),
        ("CASE_NOT_HOLDER", delivery.device_id, 1),
        ("CASE_NOT_HOLDER", third.device_id, 1),
    ]


def test_a_handover_to_an_unknown_device_is_an_alert(client: TestClient, device: Chain) -> None:
    no = number(device, 1)
    reply = post(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.handed_over", {"project_no": no, "to_device_id": "dev-nobody"}),
    )
    assert reply.status_code == 200
    assert [(a["rule_id"], a["seq"]) for a in alerts(client, project_no=no)] == [
        ("HANDOVER_TARGET_UNKNOWN", 2)
    ]


def test_a_skipped_serial_is_one_alert_per_missing_number(client: TestClient, device: Chain) -> None:
    received = [("case.received", case_payload(number(device, s))) for s in (1, 2, 5)]
    assert post(client, device, *received).status_code == 200
    gaps = alerts(client, rule_id="CASE_NUMBER_GAP", device_id=device.device_id)
    assert [(a["project_no"], a["level"], a["seq"]) for a in gaps] == [
        (number(device, 3), "黄牌", 3),  # raised by the event that skipped them
        (number(device, 4), "黄牌", 3),
    ]
    assert post(client, device, ("case.received", case_payload(number(device, 6)))).status_code == 200
    assert post(client, device, ("case.received", case_payload(number(device, 8)))).status_code == 200
    gaps = alerts(client, rule_id="CASE_NUMBER_GAP", device_id=device.device_id)
    assert [a["project_no"] for a in gaps] == [number(device, s) for s in (3, 4, 7)]
    # A jump past GAP_ALERTS_MAX numbers is one alert for the range.
    assert post(client, device, ("case.received", case_payload(number(device, 70)))).status_code == 200
    gaps = alerts(client, rule_id="CASE_NUMBER_GAP", device_id=device.device_id)
    assert len(gaps) == 4 and gaps[-1]["project_no"] == number(device, 9)
    assert (gaps[-1]["details"]["missing_from"], gaps[-1]["details"]["missing_to"]) == (9, 69)
    serials = client.get(f"/api/v1/devices/{device.device_id}/case-serials", params={"since": "2026-11-01"})
    assert serials.status_code == 200
    assert serials.json() == {
        "device_id": device.device_id,
        "serials": [{"day": "2026-11-25", "last_serial": 70}],
    }
    later = client.get(f"/api/v1/devices/{device.device_id}/case-serials", params={"since": "2026-11-26"})
    assert later.json()["serials"] == []


def test_case_serials_of_an_unknown_device_or_bad_day(client: TestClient) -> None:
    reply = client.get("/api/v1/devices/dev-nobody/case-serials", params={"since": "2026-11-25"})
    assert (reply.status_code, reply.json()["code"]) == (403, "UNKNOWN_DEVICE")
    bad = client.get("/api/v1/devices/dev-nobody/case-serials", params={"since": "25.11.2026"})
    assert bad.status_code == 422


def test_case_serials_refuse_a_day_that_does_not_exist(client: TestClient, device: Chain) -> None:
    reply = client.get(f"/api/v1/devices/{device.device_id}/case-serials", params={"since": "2026-13-45"})
    assert (reply.status_code, reply.json()["code"]) == (422, "BAD_DAY")


def test_an_upgraded_server_binds_the_cases_it_already_held(client: TestClient, device: Chain) -> None:
    other, no = two_windows(client, device)
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:  # the database as the previous version left it
        conn.execute(case_holders.delete().where(case_holders.c.owner_device_id == device.device_id))
        conn.execute(schema_version.delete().where(schema_version.c.version >= HOLDERS_VERSION))
    assert migrate(engine) == LATEST
    reply = post(client, other, ("case.closed", {"project_no": no, "result_code": 2, "reason": "x"}))
    assert (reply.status_code, reply.json()["code"]) == (403, "CASE_NOT_HOLDER")
    serials = client.get(f"/api/v1/devices/{device.device_id}/case-serials", params={"since": "2026-11-25"})
    assert serials.json()["serials"] == [{"day": "2026-11-25", "last_serial": 1}]
