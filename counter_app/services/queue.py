"""A window's side of the hall queue: ask the server, record every action in the ledger.

While the server is reachable it is the queue's authority: each action is asked of it (signed,
with an operation id) and, once it answers, written as a signed ledger event of this window
(``ticket.called``, ``ticket.finished`` ...), so the server can hold the queue against the cases.
When it is not reachable the window keeps serving: it calls a ticket by the number typed from the
citizen's slip (printed or hand-written) or serves a walk-in without one, applies the same rules
of :mod:`counter_app.domain.queue` locally, and marks those events ``offline``; the server
reconciles them when they arrive. The ticket a window holds is kept in its settings, so a restart
in the middle of a visit resumes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from counter_app.domain.device_role import DeviceRole
from counter_app.domain.errors import DomainError
from counter_app.domain.queue import (
    HALL_TZ,
    Outcome,
    Priority,
    QueueError,
    Ticket,
    TicketState,
    business_date,
    walk_in_number,
)
from counter_app.services.clock import Clock
from counter_app.services.setup import require_role
from counter_app.store.uow import Store, UnitOfWork
from counter_app.sync.errors import SyncError
from counter_app.sync.queue_client import QueueOps

CURRENT_KEY = "queue_current"
WALK_IN_KEY = "queue_walk_in_serial"

EVENT_OF = {
    "call_next": "ticket.called",
    "call_typed": "ticket.called",
    "recall": "ticket.recalled",
    "start": "ticket.started",
    "finish": "ticket.finished",
    "no_show": "ticket.no_show",
    "transfer": "ticket.transferred",
    "park": "ticket.parked",
    "call_back": "ticket.called_back",
    "pause": "window.paused",
    "resume": "window.resumed",
}


class QueueRefused(DomainError):
    """The queue's rules (at the server or here) refused the action; code and message say why."""

    code = "QUEUE_REFUSED"


@dataclass(frozen=True)
class QueueResult:
    """What the clerk sees after an action: the ticket now held (if any) and whether offline."""

    ticket: Ticket | None
    offline: bool
    transferred: Ticket | None = None
    paused: bool | None = None


class WindowQueue:
    """The queue as one window works it; ``ops`` is None for a window never enrolled.

    A kiosk's folder is refused (DomainError QUEUE_NOT_A_WINDOW): a kiosk issues tickets only.
    """

    def __init__(self, store: Store, clock: Clock, clerk_id: str, ops: QueueOps | None) -> None:
        require_role(store, DeviceRole.WINDOW)
        self.store = store
        self.clock = clock
        self.clerk_id = clerk_id
        self.ops = ops
        self.window_no = int(store.settings()["window_no"])

    # -- reading ------------------------------------------------------------------------------
    def current(self) -> Ticket | None:
        """The ticket this window holds (called, serving or parked), if any."""
        raw = self.store.settings().get(CURRENT_KEY)
        return ticket_from_json(json.loads(raw)) if raw else None

    def current_is_offline(self) -> bool:
        """Whether the held ticket was called without the server: its whole visit stays local,
        and the server learns it from this window's ledger."""
        raw = self.store.settings().get(CURRENT_KEY)
        return bool(raw and json.loads(raw).get("offline_visit"))

    # -- actions ------------------------------------------------------------------------------
    def call_next(self) -> QueueResult:
        """叫号 (F1): the server hands out the next ticket; offline, say so (type the number)."""
        answer = self._ask("call_next")
        if answer is None:
            raise QueueRefused(
                "无法连接电子监察服务器：请按取号单上的号码手工叫号，或无号办理", "QUEUE_OFFLINE"
            )
        ticket = _from_server(answer.get("ticket"))
        if ticket is None:
            return QueueResult(None, offline=False)
        return self._record("call_next", ticket, answer, offline=False)

    def call_typed(self, number: str) -> QueueResult:
        """Call a ticket by the number on the citizen's slip (the server is unreachable)."""
        number = number.strip().upper()
        if not number or len(number) > 16 or not number.isalnum():
            raise QueueRefused("请输入取号单上的号码，如 A005", "TICKET_NUMBER_INVALID")
        self._require_idle()
        now = self.clock()
        waiting = Ticket(number, number[0], self._business_date(now), now)
        return self._record("call_typed", waiting.call(self.window_no, now), {}, offline=True, typed=True)

    def walk_in(self) -> QueueResult:
        """无号办理: a citizen served without a ticket gets a window record number (W03-01)."""
        self._require_idle()
        now = self.clock()
        with self.store.unit_of_work() as uow:
            serial = int(uow.settings.get(WALK_IN_KEY + ":" + self._business_date(now).isoformat(), "0")) + 1
            uow.put_setting(WALK_IN_KEY + ":" + self._business_date(now).isoformat(), str(serial))
            uow.commit()
        number = walk_in_number(self.window_no, serial)
        waiting = Ticket(number, "W", self._business_date(now), now)
        return self._record("call_typed", waiting.call(self.window_no, now), {}, offline=True, walk_in=True)

    def recall(self) -> QueueResult:
        """重呼 (F2)."""
        return self._act("recall", lambda t, now: t.recall(now))

    def start(self) -> QueueResult:
        """The citizen is at the window."""
        return self._act("start", lambda t, now: t.start(now))

    def no_show(self) -> QueueResult:
        """过号 (F3)."""
        return self._act("no_show", lambda t, now: t.no_show(now))

    def park(self) -> QueueResult:
        """挂起."""
        return self._act("park", lambda t, _now: t.park())

    def finish(self, outcome: Outcome | None, case_nos: list[str] | None = None) -> QueueResult:
        """结束 with an outcome (办件 with its case numbers, or 咨询)."""
        numbers = list(case_nos or [])
        return self._act(
            "finish",
            lambda t, now: t.finish(outcome, now, numbers),
            outcome=outcome.value if outcome else None,
            case_nos=numbers,
        )

    def transfer(self, to_category: str | None = None, to_window_no: int | None = None) -> QueueResult:
        """转移 (F4) to another category or window."""
        return self._act(
            "transfer",
            lambda t, now: t.transfer(now, to_category, to_window_no)[0],
            to_category=to_category,
            to_window_no=to_window_no,
        )

    def call_back(self, number: str) -> QueueResult:
        """回呼 a ticket this window parked today."""
        held = self.current()
        if held is None or held.number != number.strip().upper() or held.state is not TicketState.PARKED:
            raise QueueRefused(f"本窗口没有挂起的 {number} 号", "TICKET_NOT_PARKED")
        return self._act(
            "call_back",
            lambda t, now: t.call_back(self.window_no, now, self._business_date(now)),
            number=held.number,
            held=held,
        )

    def pause(self, reason: str) -> QueueResult:
        """暂停服务 (F5) with a reason."""
        if not reason.strip():
            raise QueueRefused("暂停服务必须填写原因", "PAUSE_REASON_REQUIRED")
        self._require_idle()
        answer = self._ask("pause", reason=reason.strip())
        self._log("pause", {"reason": reason.strip()}, offline=answer is None)
        return QueueResult(None, offline=answer is None, paused=True)

    def resume(self) -> QueueResult:
        """恢复服务."""
        answer = self._ask("resume")
        self._log("resume", {}, offline=answer is None)
        return QueueResult(None, offline=answer is None, paused=False)

    # -- plumbing -----------------------------------------------------------------------------
    def _act(self, action: str, rule: Any, held: Ticket | None = None, **args: Any) -> QueueResult:
        ticket = held or self.current()
        if ticket is None or (action != "call_back" and not ticket.state.active):
            raise QueueRefused("本窗口当前没有正在办理的号", "WINDOW_IDLE")
        try:
            local = rule(ticket, self.clock())  # the rules decide here too, before asking
        except QueueError as exc:
            raise QueueRefused(exc.message, exc.code) from exc
        server_args = {k: v for k, v in args.items() if v is not None}
        answer = None if self.current_is_offline() else self._ask(action, **server_args)
        changed = _from_server(answer.get("ticket")) if answer else None
        return self._record(action, changed or local, answer or {}, offline=answer is None)

    def _ask(self, action: str, **args: Any) -> dict[str, Any] | None:
        """The server's answer, or None when it cannot be reached (work goes on offline)."""
        if self.ops is None:
            return None
        try:
            return self.ops.send(action, **args)
        except SyncError as exc:
            if exc.retryable:
                return None
            raise QueueRefused(exc.message, exc.code) from exc

    def _require_idle(self) -> None:
        held = self.current()
        if held is not None and held.state.active:
            raise QueueRefused(f"本窗口正在办理 {held.number} 号，请先结束后再叫号", "WINDOW_BUSY")

    def _business_date(self, now: datetime) -> date:
        return business_date(now.astimezone(HALL_TZ))

    def _record(
        self, action: str, ticket: Ticket, answer: dict[str, Any], offline: bool, **extra: Any
    ) -> QueueResult:
        transferred = _from_server(answer.get("transferred"))
        payload = {
            **ticket_payload(ticket),
            **({"op_replayed": True} if answer.get("replayed") else {}),
            **(
                {"server_ticket_id": answer["ticket"]["id"]} if isinstance(answer.get("ticket"), dict) else {}
            ),
            **extra,
        }
        now = self.clock()
        offline_visit = action == "call_typed" or (action != "call_next" and self.current_is_offline())
        with self.store.unit_of_work() as uow:
            uow.ledger.append(EVENT_OF[action], {**payload, "offline": offline}, self.clerk_id, now)
            keep = ticket.state.active or ticket.state is TicketState.PARKED
            _put_current(uow, ticket if keep else None, offline_visit)
            uow.commit()
        return QueueResult(ticket, offline, transferred)

    def _log(self, action: str, payload: dict[str, Any], offline: bool) -> None:
        with self.store.unit_of_work() as uow:
            uow.ledger.append(
                EVENT_OF[action],
                {**payload, "window_no": self.window_no, "offline": offline},
                self.clerk_id,
                self.clock(),
            )
            uow.commit()


def _put_current(uow: UnitOfWork, ticket: Ticket | None, offline_visit: bool) -> None:
    held = {**ticket_payload(ticket), "offline_visit": offline_visit} if ticket else None
    uow.put_setting(CURRENT_KEY, json.dumps(held, ensure_ascii=False) if held else "")


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """A ticket as event payload and settings JSON (``ticket_no`` as the server's read model names it)."""

    def at(moment: datetime | None) -> str | None:
        return moment.isoformat(timespec="milliseconds") if moment else None

    return {
        "ticket_no": ticket.number,
        "category": ticket.category,
        "business_date": ticket.business_date.isoformat(),
        "priority": ticket.priority.value,
        "state": ticket.state.value,
        "window_no": ticket.window_no,
        "issued_at": at(ticket.issued_at),
        "called_at": at(ticket.called_at),
        "first_called_at": at(ticket.first_called_at),
        "recalls": ticket.recalls,
        "started_at": at(ticket.started_at),
        "ended_at": at(ticket.ended_at),
        "outcome": ticket.outcome.value if ticket.outcome else None,
        "case_nos": list(ticket.case_nos),
        "to_category": ticket.to_category,
        "to_window_no": ticket.to_window_no,
    }


def ticket_from_json(data: dict[str, Any]) -> Ticket:
    """The inverse of :func:`ticket_payload`."""

    def at(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(value) if value else None

    issued = at("issued_at")
    assert issued is not None
    return Ticket(
        number=data["ticket_no"],
        category=data["category"],
        business_date=date.fromisoformat(data["business_date"]),
        issued_at=issued,
        priority=Priority(data.get("priority", "NORMAL")),
        state=TicketState(data["state"]),
        window_no=data.get("window_no"),
        called_at=at("called_at"),
        first_called_at=at("first_called_at"),
        recalls=int(data.get("recalls", 0)),
        started_at=at("started_at"),
        ended_at=at("ended_at"),
        outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
        case_nos=tuple(data.get("case_nos", [])),
        to_category=data.get("to_category"),
        to_window_no=data.get("to_window_no"),
    )


def _from_server(data: Any) -> Ticket | None:
    """A ticket as the server's answer gives it (times in the hall's zone)."""
    if not isinstance(data, dict):
        return None
    local = {
        "ticket_no": data["number"],
        **{
            k: data.get(k) for k in ("category", "business_date", "priority", "state", "window_no", "recalls")
        },
        **{k: data.get(k) for k in ("outcome", "case_nos", "to_category", "to_window_no")},
    }
    for key in ("issued_at", "called_at", "first_called_at", "started_at", "ended_at"):
        value = data.get(key)
        local[key] = datetime.fromisoformat(value).astimezone(HALL_TZ).isoformat() if value else None
    return ticket_from_json({k: v for k, v in local.items() if v is not None or k == "window_no"})
