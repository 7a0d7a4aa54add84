"""The life of an alert: steps with who and when, the state they lead to, history, filters,
self-closing (RECEIPT_UNKNOWN), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.server.helpers import ADMIN, StepClock, unique
from tests.server.rules_support import Hall, at, received


@pytest.fixture
def hall(make_app: Callable[..., FastAPI], clock: StepClock, database_url: str) -> Hall:
    app = make_app(database_url=database_url, demo=True, rules_on_ingest=True, rules_on_schedule=True)
    return Hall(app, TestClient(app), clock)


def step(hall: Hall, alert_id: int, name: str, **body: Any) -> Any:
    return hall.client.post(f"/api/v1/alerts/{alert_id}/{name}", json=body, headers=ADMIN)


def outside_hours_alert(hall: Hall) -> dict[str, Any]:
    no = unique("P")
    hall.send(7, ("case.received", received(no, 7), at("20:00")), clerk="c-17")
    (found,) = hall.alerts(project_no=no)
    return found


def test_an_alert_goes_through_its_life_and_every_step_is_in_its_history(hall: Hall) -> None:
    alert = outside_hours_alert(hall)
    assert (alert["state"], alert["window_no"], alert["clerk_id"], alert["dept_code"]) == (
        "RAISED",
        7,
        "c-17",
        "SCJG",
    )
    aid = alert["id"]
    assert step(hall, aid, "notify", actor="督查科王").json() == {"alert_id": aid, "state": "NOTIFIED"}
    hall.clock.advance(minutes=30)
    assert step(hall, aid, "ack", actor="窗口7", note="加班为企业办理").json()["state"] == "ACKNOWLEDGED"
    assert (
        step(hall, aid, "escalate", actor="督查科王", note="请说明审批依据").json()["state"] == "ACKNOWLEDGED"
    )
    assert step(hall, aid, "appeal", actor="窗口7", note="有预约单").json()["state"] == "APPEALED"
    assert step(hall, aid, "decide", actor="主任", note="预约属实", upheld=True).json()["state"] == "UPHELD"
    assert step(hall, aid, "close", actor="督查科王").json()["state"] == "CLOSED"
    history = hall.client.get(f"/api/v1/alerts/{aid}/history", headers=ADMIN).json()
    assert (history["state"], history["state_label"]) == ("CLOSED", "已关闭")
    assert [(s["action"], s["state"], s["actor"]) for s in history["steps"]] == [
        ("raise", "RAISED", "system"),
        ("notify", "NOTIFIED", "督查科王"),
        ("acknowledge", "ACKNOWLEDGED", "窗口7"),
        ("escalate", "ACKNOWLEDGED", "督查科王"),
        ("appeal", "APPEALED", "窗口7"),
        ("uphold", "UPHELD", "主任"),
        ("close", "CLOSED", "督查科王"),
    ]
    assert history["steps"][2]["at"] == "2026-11-25T01:30:00.000000+00:00"
    assert history["alert"]["closed_at"] == "2026-11-25T01:30:00.000000+00:00"


def test_steps_the_state_forbids_or_without_their_text_are_refused(hall: Hall) -> None:
    aid = outside_hours_alert(hall)["id"]
    reply = step(hall, aid, "decide", actor="主任", note="x", upheld=False)
    assert (reply.status_code, reply.json()["code"]) == (409, "ALERT_STEP_NOT_ALLOWED")
    reply = step(hall, aid, "ack", actor="窗口7", note=" ")
    assert (reply.status_code, reply.json()["code"]) == (422, "ALERT_NOTE_REQUIRED")
    assert step(hall, 10**9, "notify", actor="x").json()["code"] == "ALERT_NOT_FOUND"
    assert step(hall, aid, "appeal", actor="窗口7", note="有预约单").status_code == 200
    assert (
        step(hall, aid, "decide", actor="主任", note="无预约记录", upheld=False).json()["state"]
        == "CONFIRMED"
    )
    assert step(hall, aid, "appeal", actor="窗口7", note="再申诉").status_code == 409


def test_the_list_filters_by_level_rule_window_clerk_department_and_state(hall: Hall) -> None:
    first = outside_hours_alert(hall)
    second = outside_hours_alert(hall)
    step(hall, second["id"], "notify", actor="督查科王")
    mine = {first["id"], second["id"]}

    def ids(**params: Any) -> set[int]:
        return {a["id"] for a in hall.alerts(**params)} & mine

    assert ids(level="预警", rule_id="OUTSIDE_HOURS", window_no=7, clerk_id="c-17", dept_code="SCJG") == mine
    assert ids(state="NOTIFIED") == {second["id"]}
    assert ids(state="RAISED") == {first["id"]}
    assert ids(level="红牌") == ids(window_no=8) == ids(clerk_id="c-18") == ids(dept_code="GA") == set()


def test_receipt_unknown_closes_itself_when_the_case_arrives(hall: Hall) -> None:
    window = hall.window(3)
    from supervision_server.alerts import AlertDraft, record_alerts
    from supervision_server.db import run_write

    no = unique("P")
    draft = AlertDraft("RECEIPT_UNKNOWN", "回执查无此件", device_id=window.chain.device_id, project_no=no)
    run_write(hall.app.state.ctx.engine, lambda conn: record_alerts(conn, [draft], hall.clock()))
    assert [a["state"] for a in hall.alerts(project_no=no)] == ["RAISED"]
    hall.send(3, ("case.received", received(no, 3), at("09:30")))
    (found,) = [a for a in hall.alerts(project_no=no) if a["rule_id"] == "RECEIPT_UNKNOWN"]
    history = hall.client.get(f"/api/v1/alerts/{found['id']}/history", headers=ADMIN).json()
    assert (found["state"], history["steps"][-1]["actor"], history["steps"][-1]["note"]) == (
        "CLOSED",
        "system",
        "群众查询的办件已上报，预警自动关闭",
    )
