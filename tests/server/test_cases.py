"""Read models (cases, tickets, ratings, clerks), business-rule alerts and the public receipt check."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from counter_app.domain.rating import RATED_EVENT, Level, NoRating, Rating
from supervision_server.ingest import ingest_batch
from supervision_server.schema import clerks, ratings, tickets
from tests.server.conftest import enroll
from tests.server.helpers import ADMIN, Chain, accepted_payload, case_payload, unique, wire


def send(client: TestClient, chain: Chain, *items: tuple[str, dict[str, Any]]) -> Any:
    batch = [chain.append(type_, payload) for type_, payload in items]
    reply = client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(batch))
    assert reply.status_code == 200, reply.text
    return reply.json()


def alerts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/alerts", params=params, headers=ADMIN).json()["alerts"])


def case(client: TestClient, project_no: str) -> dict[str, Any]:
    found = client.get("/api/v1/cases", params={"project_no": project_no}, headers=ADMIN).json()["cases"]
    assert len(found) == 1
    return dict(found[0])


def test_case_lifecycle_and_public_check(client: TestClient, device: Chain) -> None:
    no = unique("P")
    send(
        client, device, ("case.received", case_payload(no)), ("case.accepted", accepted_payload(no, "7K3Q9"))
    )
    seen = case(client, no)
    assert (seen["state"], seen["item_name"], seen["window_no"], seen["device_id"]) == (
        "ACCEPTED",
        "食品经营许可证核发",
        3,
        device.device_id,
    )
    assert seen["applicant_cert_no"] == "110105********002X" and "check_code" not in seen
    reply = client.get(f"/api/v1/check/{no}", params={"code": "7K3Q9"})
    assert reply.status_code == 200
    assert reply.json() == {
        "found": True,
        "project_no": no,
        "state": "ACCEPTED",
        "state_label": "已受理",
        "item_name": "食品经营许可证核发",
        "accepted_at": "2026-11-25T09:12:00.000+08:00",
        "promise_due": "2026-12-09T23:59:59+08:00",
        "promise_estimated": False,
        "applicant_name": "张*三",
    }
    wrong = client.get(f"/api/v1/check/{no}", params={"code": "AAAAA"})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "RECEIPT_NOT_FOUND")
    assert not alerts(client, project_no=no)
    send(
        client,
        device,
        ("case.process_started", {"project_no": no}),
        ("case.process_recorded", {"project_no": no}),
        ("case.closed", {"project_no": no, "result_code": 0}),
    )
    send(client, device, ("case.delivered", {"project_no": no}))
    assert client.get(f"/api/v1/check/{no}", params={"code": "7K3Q9"}).json()["state_label"] == "已送达"
    assert not alerts(client, project_no=no)


def test_business_rule_breaches_are_alerts_never_refusals(client: TestClient, device: Chain) -> None:
    no, orphan = unique("P"), unique("P")
    body = send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.correction_requested", {"project_no": no, "missing": ["营业执照"]}),
        ("case.correction_requested", {"project_no": no, "missing": ["身份证"]}),
        ("case.voided", {"project_no": no, "result_code": 2, "reason": ""}),
        ("case.accepted", accepted_payload(orphan)),
        ("case.delivered", {"project_no": no}),
        ("case.received", {"no_project_no": True}),
        ("weather.reported", {"sky": "晴"}),
    )
    assert body["stored"] == 8
    found = {a["rule_id"] for a in alerts(client, device_id=device.device_id)}
    assert {
        "MULTIPLE_CORRECTIONS",
        "CLOSURE_WITHOUT_REASON",
        "CASE_UNKNOWN",
        "ILLEGAL_TRANSITION",
        "PAYLOAD_INVALID",
    } <= found
    assert case(client, no)["state"] == "DELIVERED" and case(client, orphan)["state"] == "ACCEPTED"


def test_the_same_case_number_from_another_window_is_flagged(client: TestClient, device: Chain) -> None:
    no = unique("P")
    send(client, device, ("case.received", case_payload(no)))
    other = Chain(unique("dev"))
    enroll(client, other, window=5)
    batch = [other.append("case.received", case_payload(no, name="李四"))]
    reply = client.post(f"/api/v1/devices/{other.device_id}/events", json=wire(batch))
    assert (reply.status_code, reply.json()["code"]) == (403, "CASE_NO_TAKEN")  # refused whole
    dup = alerts(client, project_no=no)
    assert [a["rule_id"] for a in dup] == ["DUPLICATE_PROJECT_NO"] and dup[0]["device_id"] == other.device_id
    assert dup[0]["details"]["first_device_id"] == device.device_id
    assert case(client, no)["device_id"] == device.device_id  # the first registration stays


def test_tickets_ratings_and_clerks(client: TestClient, device: Chain) -> None:
    ticket = unique("A")[:12]
    send(
        client,
        device,
        ("ticket.issued", {"ticket_no": ticket, "category": "A"}),
        ("ticket.called", {"ticket_no": ticket, "category": "A", "window_no": 3}),
        ("ticket.called", {"ticket_no": ticket, "category": "A", "window_no": 3}),
        ("ticket.started", {"ticket_no": ticket, "category": "A", "window_no": 3}),
        ("ticket.finished", {"ticket_no": ticket, "category": "A", "window_no": 3}),
        (
            RATED_EVENT,
            Rating(ticket, "2026-11-25", ("P-1",), Level.VERY_UNSATISFIED).payload(),
        ),
        (RATED_EVENT, Rating(ticket, "2026-11-25", no_rating=NoRating.DECLINED).payload()),
        (RATED_EVENT, {"ticket_no": ticket, "business_date": "2026-11-25", "level": 9}),
    )
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.ticket_no == ticket)).one()
        scores = conn.execute(
            select(ratings.c.satisfaction)
            .where(ratings.c.device_id == device.device_id)
            .order_by(ratings.c.seq)
        ).scalars()
        clerk = conn.execute(select(clerks).where(clerks.c.device_id == device.device_id)).one()
    assert (row.state, row.call_count, row.window_no, row.day) == ("FINISHED", 2, 3, "2026-11-25")
    assert row.issued_at and row.finished_at
    assert list(scores) == [1, None, None]
    assert (clerk.clerk_id, clerk.window_no, clerk.event_count) == ("clerk-1", 3, 8)
    invalid = [a for a in alerts(client, device_id=device.device_id) if a["rule_id"] == "PAYLOAD_INVALID"]
    assert [a["details"] for a in invalid] == [{"level": 9}]


def test_the_check_code_on_a_correction_or_refusal_notice_works_too(
    client: TestClient, device: Chain
) -> None:
    corrected, refused = unique("P"), unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(corrected)),
        (
            "case.correction_requested",
            {"project_no": corrected, "missing": ["营业执照"], "check_code": "C0DE1"},
        ),
        ("case.received", case_payload(refused, name="李四")),
        ("case.not_accepted", {"project_no": refused, "reason": "不属于受理范围", "check_code": "C0DE2"}),
    )
    first = client.get(f"/api/v1/check/{corrected}", params={"code": "C0DE1"}).json()
    assert (first["state"], first["state_label"], first["accepted_at"]) == ("CORRECTION", "待补正", None)
    second = client.get(f"/api/v1/check/{refused}", params={"code": "C0DE2"}).json()
    assert (second["state_label"], second["applicant_name"]) == ("不予受理", "李*")
    assert client.get(f"/api/v1/check/{refused}", params={"code": "C0DE1"}).status_code == 404


def test_two_windows_calling_one_ticket_at_once_both_count(client: TestClient, device: Chain) -> None:
    other = Chain(unique("dev"))
    enroll(client, other, window=5)
    ticket = unique("B")[:12]
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    batches = {
        chain.device_id: [
            chain.append("ticket.called", {"ticket_no": ticket, "category": "B"}) for _ in range(80)
        ]
        for chain in (device, other)
    }
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def send(device_id: str) -> None:
        barrier.wait()
        try:
            ingest_batch(ctx, device_id, batches[device_id])
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(d,)) for d in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(tickets).where(tickets.c.ticket_no == ticket)).all()
    assert len(rows) == 1 and rows[0].call_count == 160


def test_citizen_check_page_from_the_receipt_qr(client: TestClient, device: Chain) -> None:
    no = unique("QR")
    send(
        client, device, ("case.received", case_payload(no)), ("case.accepted", accepted_payload(no, "7K3Q9"))
    )
    empty = client.get("/check")
    assert empty.status_code == 200 and "核验码" in empty.text and "<form" in empty.text
    page = client.get("/check", params={"no": f" {no} ", "code": "7K3Q9"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "已在电子监察系统登记" in page.text and "食品经营许可证核发" in page.text and "张*三" in page.text
    assert "110105" not in page.text
    assert "2026年11月25日 09:12" in page.text and "2026年12月9日" in page.text
    wrong = client.get("/check", params={"no": no, "code": "<script>"})
    assert wrong.status_code == 404 and "未查到该办件" in wrong.text and "<script>" not in wrong.text
