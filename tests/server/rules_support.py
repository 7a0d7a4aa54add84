"""A hall for the rule tests: a server with the rules on and the demo catalog, windows that
write signed events at given hall times, and the watcher run at a given moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from supervision_server.app import run_periodic_checks
from supervision_server.rule_runner import run_rules_now
from tests.server.conftest import enroll
from tests.server.helpers import ADMIN, Chain, StepClock, unique, wire

FOOD = "1133078500254137X64010010110000"  # 食品经营许可证核发: 承诺件, promise 5, statutory 10 working days
FOOD_NAME = "食品经营许可证核发"
COMPANY = "1133078500254137X64010010010000"  # 有限责任公司设立登记: 即办件
CERT = "11010519491231002X"
DAY = "2026-11-25"  # a Wednesday


def at(hhmm: str, day: str = DAY) -> str:
    """A hall time as a window writes it."""
    return f"{day}T{hhmm}:00.000+08:00"


def utc(hhmm: str, day: str = DAY) -> datetime:
    """The same hall time as an aware datetime (for the watcher)."""
    return datetime.fromisoformat(at(hhmm, day)).astimezone(UTC)


def received(
    no: str,
    window_no: int,
    *,
    ticket_no: str | None = None,
    cert_no: str = CERT,
    task_code: str = FOOD,
    item_name: str = FOOD_NAME,
    project_type: int = 2,
) -> dict[str, Any]:
    """A ``case.received`` payload."""
    return {
        "project_no": no,
        "task_code": task_code,
        "item_name": item_name,
        "dept_code": "SCJG",
        "project_type": project_type,
        "applicant": {"name": "张小三", "cert_type": "111", "cert_no": cert_no},
        "window_no": window_no,
        "ticket_no": ticket_no,
    }


def accepted(no: str, accepted_at: str, due: str) -> dict[str, Any]:
    """A ``case.accepted`` payload."""
    return {"project_no": no, "accepted_at": accepted_at, "promise_due": due, "check_code": "7K3Q9"}


def ticket(number: str, window_no: int, state: str, **extra: Any) -> dict[str, Any]:
    """A ticket event payload as a window writes it."""
    return {
        "ticket_no": number,
        "category": number[0],
        "business_date": DAY,
        "window_no": window_no,
        "state": state,
        "outcome": None,
        "case_nos": [],
        **extra,
    }


@dataclass
class Window:
    """An enrolled window: its chain and number."""

    chain: Chain
    window_no: int


@dataclass
class Hall:
    """The server and its windows."""

    app: FastAPI
    client: TestClient
    clock: StepClock
    windows: dict[int, Window] = field(default_factory=dict)

    def window(self, window_no: int) -> Window:
        if window_no not in self.windows:
            chain = Chain(unique("dev"))
            enroll(self.client, chain, window=window_no)
            self.windows[window_no] = Window(chain, window_no)
        return self.windows[window_no]

    def send(
        self,
        window_no: int,
        *items: tuple[str, dict[str, Any], str],
        clerk: str = "clerk-1",
        settle: bool = True,
    ) -> None:
        """Write ``(type, payload, occurred_at)`` events at the window and deliver them (then
        run the rules over them, unless ``settle`` is false)."""
        chain = self.window(window_no).chain
        batch = [
            chain.append(kind, payload, clerk_id=clerk, occurred_at=when) for kind, payload, when in items
        ]
        reply = self.client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(batch))
        assert reply.status_code == 200, reply.text
        if settle:
            self.settle()

    def settle(self) -> int:
        """What the rule runner does after each batch (no runner thread without the app's
        lifespan): the ingest rules over every stored event they have not looked at."""
        return run_rules_now(self.app.state.ctx)

    def serve(
        self,
        window_no: int,
        number: str,
        start: str,
        end: str,
        outcome: str | None,
        case_nos: tuple[str, ...] | list[str] = (),
        clerk: str = "clerk-1",
    ) -> None:
        """A ticket called, started and finished at the window."""
        self.send(
            window_no,
            ("ticket.called", ticket(number, window_no, "CALLED"), at(start)),
            ("ticket.started", ticket(number, window_no, "SERVING"), at(start)),
            (
                "ticket.finished",
                ticket(
                    number, window_no, "FINISHED", outcome=outcome, case_nos=list(case_nos), ended_at=at(end)
                ),
                at(end),
            ),
            clerk=clerk,
        )

    def watch(self, hhmm: str, day: str = DAY) -> int:
        """One pass of the watcher at that hall time."""
        return run_periodic_checks(self.app.state.ctx, utc(hhmm, day))

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        reply = self.client.get("/api/v1/alerts", params=params, headers=ADMIN)
        assert reply.status_code == 200, reply.text
        return list(reply.json()["alerts"])

    def rules(self, *rule_ids: str) -> list[tuple[str, Any]]:
        """(rule, project or ticket) of the alerts of ``rule_ids``, in order."""
        found = []
        for alert in self.alerts():
            if alert["rule_id"] in rule_ids:
                subject = alert["project_no"] or alert["details"].get("ticket_no") or alert["window_no"]
                found.append((alert["rule_id"], subject))
        return found


def make_hall(make_app: Callable[..., FastAPI], clock: StepClock, **overrides: Any) -> Hall:
    app = make_app(demo=True, rules_on_ingest=True, rules_on_schedule=True, **overrides)
    return Hall(app, TestClient(app), clock)
