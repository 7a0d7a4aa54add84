"""Queue rules that depend on the server's clock: numbers restart on the business date (04:00
hall time, not midnight), and a waiting ticket can be cancelled. In-process, with a step clock."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from counter_app.ledger import DeviceKey
from supervision_server.routes_queue import sign_queue_op
from tests.server.conftest import issue
from tests.server.helpers import ADMIN, StepClock, enroll_body
from tests.support import DEMO_CATALOG


class Device:
    def __init__(self, client: TestClient, window: int) -> None:
        self.client = client
        self.key = DeviceKey.generate()
        self.device_id = f"dev-{uuid.uuid4().hex[:8]}"
        reply = client.post(
            "/api/v1/enroll", json=enroll_body(issue(client, window=window), self.device_id, self.key)
        )
        assert reply.status_code == 201, reply.text

    def op(self, clock: StepClock, action: str, **args: Any) -> Any:
        body = json.dumps(
            {"op_id": uuid.uuid4().hex, "action": action, "args": args, "device_time": clock().isoformat()}
        ).encode()
        return self.client.post(
            f"/api/v1/queue/devices/{self.device_id}/ops",
            content=body,
            headers={"X-Signature": sign_queue_op(self.key, body)},
        )


def test_numbers_restart_on_the_business_date_not_at_midnight(make_app: Any, clock: StepClock) -> None:
    client = TestClient(make_app())
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN).status_code in (200, 201)
    clock.now = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 hall time on 11-30
    kiosk = Device(client, 99)
    numbers = [kiosk.op(clock, "issue", category="A").json()["ticket"]["number"]]
    clock.now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 12-01: still the 11-30 business day
    late = kiosk.op(clock, "issue", category="A").json()["ticket"]
    numbers.append(late["number"])
    assert late["business_date"] == "2026-11-30"
    clock.now = datetime(2026, 11, 30, 19, 59, tzinfo=UTC)  # 03:59
    numbers.append(kiosk.op(clock, "issue", category="A").json()["ticket"]["number"])
    clock.now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 04:00 on 12-01: a new business day
    morning = kiosk.op(clock, "issue", category="A").json()["ticket"]
    numbers.append(morning["number"])
    assert numbers == ["A001", "A002", "A003", "A001"]
    assert morning["business_date"] == "2026-12-01"
    board = client.get("/api/v1/queue/halls/H1/board").json()
    assert board["business_date"] == "2026-12-01" and board["waiting"][0]["count"] == 1


def test_a_waiting_ticket_can_be_cancelled_once(make_app: Any, clock: StepClock) -> None:
    client = TestClient(make_app())
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN)
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    kiosk = Device(client, 99)
    kiosk.op(clock, "issue", category="A")
    cancelled = kiosk.op(clock, "cancel", number="a001").json()["ticket"]
    assert (cancelled["state"], cancelled["outcome"]) == ("CANCELLED", "CANCELLED")
    again = kiosk.op(clock, "cancel", number="A001")
    assert again.status_code == 409 and again.json()["code"] == "TICKET_ILLEGAL_TRANSITION"
    unknown = kiosk.op(clock, "cancel", number="A777")
    assert unknown.status_code == 404 and unknown.json()["code"] == "TICKET_UNKNOWN"
    window = Device(client, 3)
    assert window.op(clock, "call_next").json()["ticket"] is None  # a cancelled ticket is never called
