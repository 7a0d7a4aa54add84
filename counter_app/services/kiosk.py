"""The ticket kiosk (取号机): issue a ticket, online from the server, offline from its own block.

Online the server numbers the ticket (A005) and says how many wait ahead. When the server cannot
be reached the kiosk keeps issuing from numbers no one else can give out (A1005: four digits, the
first being this kiosk's index; see :func:`counter_app.domain.queue.offline_number`), counts those
ahead from what it issued itself, and records each ticket as a signed ``ticket.issued`` event
marked ``offline``; the server adds them to the live queue, at their own issue time, when the
kiosk's ledger arrives. The slip is printed either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from counter_app.domain.errors import DomainError
from counter_app.domain.queue import HALL_TZ, Priority, Ticket, business_date, offline_number
from counter_app.receipts.model import TicketSlip
from counter_app.services.clock import Clock
from counter_app.services.queue import ticket_payload
from counter_app.services.reference import current_catalog
from counter_app.services.setup import KIOSK_INDEX_KEY
from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.errors import SyncError
from counter_app.sync.queue_client import QueueOps

_OFFLINE_KEY = "kiosk_offline_serials"


class TicketRefused(DomainError):
    """The ticket could not be issued (unknown category, the per-ID limit, numbers used up)."""

    code = "TICKET_REFUSED"


@dataclass(frozen=True)
class IssuedTicket:
    """What the citizen is told and the slip shows."""

    number: str
    category: str
    category_name: str
    people_ahead: int
    issued_at: datetime
    offline: bool
    priority: Priority = Priority.NORMAL

    @property
    def message(self) -> str:
        """``您已领取A005号，前方等待3人``."""
        return f"您已领取{self.number}号，前方等待{self.people_ahead}人"


class Kiosk:
    """Issues tickets for one hall; ``ops`` is None for a kiosk not (yet) enrolled."""

    def __init__(self, store: Store, clock: Clock, ops: QueueOps | None) -> None:
        self.store = store
        self.clock = clock
        self.ops = ops

    def categories(self) -> list[tuple[str, str, bool]]:
        """(prefix, name, priority allowed) of every category the catalog lists."""
        with self.store.read() as conn:
            catalog = current_catalog(conn)
        return [(c.prefix, c.name, c.priority_allowed) for c in catalog.categories]

    def issue(self, category: str, priority: Priority = Priority.NORMAL, id_no: str = "") -> IssuedTicket:
        """A ticket in ``category``: the server's, or this kiosk's offline one."""
        names = {prefix: name for prefix, name, _ in self.categories()}
        if category not in names:
            raise TicketRefused(f"没有「{category}」类业务，请重新选择", "QUEUE_CATEGORY_UNKNOWN")
        now = self.clock()
        answer = None
        if self.ops is not None:
            args: dict[str, str] = {"category": category, "priority": priority.value}
            if id_no.strip():
                args["id_no"] = id_no.strip()
            try:
                answer = self.ops.send("issue", **args)
            except SyncError as exc:
                if not exc.retryable:
                    raise TicketRefused(exc.message, exc.code) from exc
        if answer is not None:
            data = answer["ticket"]
            issued = IssuedTicket(
                data["number"], category, names[category], int(answer["waiting_ahead"]), now, False, priority
            )
            self._record(issued, now, server_ticket_id=data["id"])
            return issued
        day = business_date(now.astimezone(HALL_TZ))
        serial, ahead = self._next_offline(day, category)
        number = offline_number(category, int(self.store.settings().get(KIOSK_INDEX_KEY, "1")), serial)
        issued = IssuedTicket(number, category, names[category], ahead, now, True, priority)
        self._record(issued, now)
        return issued

    def slip(self, ticket: IssuedTicket, rating_url: str = "") -> TicketSlip:
        """The slip data for :func:`counter_app.receipts.slip.render_ticket_slip`."""
        with self.store.read() as conn:
            catalog = current_catalog(conn)
        footer = "网络中断期间取号，请留意叫号屏幕和语音提示。" if ticket.offline else TicketSlip.footer
        return TicketSlip(
            ticket_no=ticket.number,
            category_name=ticket.category_name,
            people_ahead=ticket.people_ahead,
            issued_at=ticket.issued_at,
            hall_name=catalog.hall_name,
            rating_url=rating_url
            or self.store.settings().get("check_url", "")
            or "https://hall.invalid/rate",
            footer=footer,
        )

    def issued(self, number: str) -> IssuedTicket:
        """The last ticket ``number`` this kiosk issued, from its own ledger (for a reprint)."""
        wanted = number.strip().upper()
        with self.store.read() as conn:
            rows = conn.execute(
                select(schema.events.c.envelope)
                .where(schema.events.c.type == "ticket.issued")
                .order_by(schema.events.c.seq.desc())
            ).scalars()
            for text in rows:
                envelope = json.loads(text)
                payload = envelope["payload"]
                if payload.get("ticket_no") == wanted:
                    names = {prefix: name for prefix, name, _ in self.categories()}
                    return IssuedTicket(
                        wanted,
                        payload["category"],
                        names.get(payload["category"], payload["category"]),
                        int(payload.get("people_ahead", 0)),
                        datetime.fromisoformat(envelope["occurred_at"]),
                        bool(payload.get("offline")),
                        Priority(payload.get("priority", "NORMAL")),
                    )
        raise TicketRefused(f"本机没有发出过 {wanted} 号", "TICKET_UNKNOWN")

    def _next_offline(self, day: date, category: str) -> tuple[int, int]:
        """This kiosk's next offline serial for ``category`` today, and how many it issued before."""
        with self.store.unit_of_work() as uow:
            serials = json.loads(uow.settings.get(_OFFLINE_KEY, "{}") or "{}")
            key = f"{day.isoformat()}:{category}"
            last = int(serials.get(key, 0))
            serials = {k: v for k, v in serials.items() if k.startswith(day.isoformat())}  # keep today only
            serials[key] = last + 1
            uow.put_setting(_OFFLINE_KEY, json.dumps(serials))
            uow.commit()
        return last + 1, last

    def _record(self, issued: IssuedTicket, now: datetime, server_ticket_id: int | None = None) -> None:
        ticket = Ticket(
            issued.number, issued.category, business_date(now.astimezone(HALL_TZ)), now, issued.priority
        )
        payload = {**ticket_payload(ticket), "offline": issued.offline, "people_ahead": issued.people_ahead}
        if server_ticket_id is not None:
            payload["server_ticket_id"] = server_ticket_id
        with self.store.unit_of_work() as uow:
            uow.ledger.append("ticket.issued", payload, "kiosk", now)
            uow.commit()
