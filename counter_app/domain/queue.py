"""The hall queue (排队叫号): tickets, their life, which ticket a window calls next, and numbers.

Pure rules, no clock and no storage: the server (the queue's authority while reachable), the
kiosk and the windows (when they are not) all decide with these functions, and the server's
read model folds ticket events in the order :data:`TICKET_EVENTS` gives them.

A ticket's life::

    WAITING 等候 ─call→ CALLED 已叫号 ─start→ SERVING 办理中 ─finish(outcome)→ FINISHED 已完成
       │                 │  ↺ recall (capped)      │
       │                 ├─no_show→ NO_SHOW 过号   ├─park→ PARKED 挂起 ─call_back (same day)→ CALLED
       │                 ├─park→ PARKED            └─transfer→ TRANSFERRED 已转移 (+ a new WAITING
       │                 └─transfer→ TRANSFERRED        ticket in the target category, same number)
       └─cancel→ CANCELLED 已取消

Every ticket ends with a recorded outcome (办件 with case numbers, 咨询, 过号, 转移, 取消): a
ticket served with no case is how off-book handling (体外循环) first shows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from counter_app.domain.catalog import Catalog
from counter_app.domain.errors import DomainError


class TicketState(StrEnum):
    """Where a ticket stands; the value is the stable code stored and sent."""

    WAITING = "WAITING"
    CALLED = "CALLED"
    SERVING = "SERVING"
    PARKED = "PARKED"
    FINISHED = "FINISHED"
    NO_SHOW = "NO_SHOW"
    TRANSFERRED = "TRANSFERRED"
    CANCELLED = "CANCELLED"

    @property
    def label(self) -> str:
        """The state as the hall says it."""
        return _STATE_LABELS[self]

    @property
    def active(self) -> bool:
        """Whether a window holds the ticket (a window holds at most one)."""
        return self in (TicketState.CALLED, TicketState.SERVING)

    @property
    def ended(self) -> bool:
        """Whether nothing more can happen to the ticket."""
        return self in ENDED_STATES


_STATE_LABELS = {
    TicketState.WAITING: "等候中",
    TicketState.CALLED: "已叫号",
    TicketState.SERVING: "办理中",
    TicketState.PARKED: "挂起",
    TicketState.FINISHED: "已完成",
    TicketState.NO_SHOW: "过号",
    TicketState.TRANSFERRED: "已转移",
    TicketState.CANCELLED: "已取消",
}
ENDED_STATES = frozenset(
    {TicketState.FINISHED, TicketState.NO_SHOW, TicketState.TRANSFERRED, TicketState.CANCELLED}
)


class Outcome(StrEnum):
    """How a ticket ended (办理结果)."""

    CASE = "CASE"  # 办件: one or more case numbers
    CONSULT = "CONSULT"  # 咨询
    NO_SHOW = "NO_SHOW"  # 过号
    TRANSFER = "TRANSFER"  # 转移
    CANCELLED = "CANCELLED"  # 取消 (the citizen left before the call)

    @property
    def label(self) -> str:
        """The outcome as the hall says it."""
        return {
            "CASE": "办件",
            "CONSULT": "咨询",
            "NO_SHOW": "过号",
            "TRANSFER": "转移",
            "CANCELLED": "取消",
        }[self.value]


# Outcomes a clerk chooses when finishing a served ticket; the others come from their own action.
FINISH_OUTCOMES = frozenset({Outcome.CASE, Outcome.CONSULT})


class Priority(StrEnum):
    """绿色通道: who is served ahead of the ordinary queue."""

    NORMAL = "NORMAL"
    ELDERLY = "ELDERLY"  # 老年人
    DISABLED = "DISABLED"  # 残疾人
    MILITARY = "MILITARY"  # 军人
    APPOINTMENT = "APPOINTMENT"  # 预约

    @property
    def label(self) -> str:
        """The priority as printed on the slip."""
        return {
            "NORMAL": "普通",
            "ELDERLY": "老年人优先",
            "DISABLED": "残疾人优先",
            "MILITARY": "军人优先",
            "APPOINTMENT": "预约",
        }[self.value]


class QueueError(DomainError):
    """A queue action that the rules do not allow."""

    code = "TICKET_ILLEGAL_TRANSITION"


RECALL_CAP = 3  # calls after the first; past this the clerk marks 过号


# event type -> (states it may follow, state it leads to). The server's read model applies a
# ticket's events in this progression whatever order they arrive in (a kiosk may sync late).
TICKET_EVENTS: dict[str, tuple[frozenset[TicketState], TicketState]] = {
    "ticket.issued": (frozenset(), TicketState.WAITING),
    "ticket.called": (frozenset({TicketState.WAITING}), TicketState.CALLED),
    "ticket.recalled": (frozenset({TicketState.CALLED}), TicketState.CALLED),
    "ticket.started": (frozenset({TicketState.CALLED}), TicketState.SERVING),
    "ticket.parked": (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.PARKED),
    "ticket.called_back": (frozenset({TicketState.PARKED}), TicketState.CALLED),
    "ticket.finished": (frozenset({TicketState.SERVING}), TicketState.FINISHED),
    "ticket.no_show": (frozenset({TicketState.CALLED}), TicketState.NO_SHOW),
    "ticket.transferred": (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.TRANSFERRED),
    "ticket.cancelled": (frozenset({TicketState.WAITING}), TicketState.CANCELLED),
}


@dataclass(frozen=True)
class Ticket:
    """One queue ticket of one business date (营业日)."""

    number: str  # A001; offline kiosk tickets A1001 (see offline_number)
    category: str  # the queue category's letter prefix
    business_date: date
    issued_at: datetime
    priority: Priority = Priority.NORMAL
    state: TicketState = TicketState.WAITING
    window_no: int | None = None
    called_at: datetime | None = None  # the last call: waiting time counts to it
    first_called_at: datetime | None = None
    recalls: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: Outcome | None = None
    case_nos: tuple[str, ...] = ()
    transferred_from: str | None = None  # the category it came from, for a transferred ticket
    to_category: str | None = None
    to_window_no: int | None = None

    # -- calling ------------------------------------------------------------------------------
    def call(self, window_no: int, at: datetime) -> Ticket:
        """叫号: a window takes a waiting ticket."""
        self._require("叫号", TicketState.WAITING)
        return replace(
            self, state=TicketState.CALLED, window_no=window_no, called_at=at, first_called_at=at, recalls=0
        )

    def recall(self, at: datetime, cap: int = RECALL_CAP) -> Ticket:
        """重呼: call the same ticket again, at most ``cap`` times."""
        self._require("重呼", TicketState.CALLED)
        if self.recalls >= cap:
            raise QueueError(f"{self.number} 号已重呼 {cap} 次，请按过号处理", "TICKET_RECALL_LIMIT")
        return replace(self, recalls=self.recalls + 1, called_at=at)

    def start(self, at: datetime) -> Ticket:
        """The citizen is at the window: service starts."""
        self._require("开始办理", TicketState.CALLED)
        return replace(self, state=TicketState.SERVING, started_at=at)

    # -- endings ------------------------------------------------------------------------------
    def finish(self, outcome: Outcome | None, at: datetime, case_nos: Iterable[str] = ()) -> Ticket:
        """办结 with an outcome: 办件 (with its case numbers) or 咨询."""
        self._require("结束办理", TicketState.SERVING)
        if outcome is None:
            raise QueueError("结束办理时必须选择办理结果（办件或咨询）", "TICKET_OUTCOME_REQUIRED")
        if outcome not in FINISH_OUTCOMES:
            raise QueueError(f"办理结果「{outcome.label}」请使用对应的操作", "TICKET_OUTCOME_NOT_ALLOWED")
        numbers = tuple(n.strip() for n in case_nos if n.strip())
        if outcome is Outcome.CASE and not numbers:
            raise QueueError("办理结果为办件时必须关联办件编号", "TICKET_CASE_REQUIRED")
        if outcome is Outcome.CONSULT and numbers:
            raise QueueError("咨询不应关联办件编号；已受理办件请选择「办件」", "TICKET_CONSULT_WITH_CASE")
        return replace(self, state=TicketState.FINISHED, outcome=outcome, case_nos=numbers, ended_at=at)

    def no_show(self, at: datetime) -> Ticket:
        """过号: called and did not come."""
        self._require("过号", TicketState.CALLED)
        return replace(self, state=TicketState.NO_SHOW, outcome=Outcome.NO_SHOW, ended_at=at)

    def cancel(self, at: datetime) -> Ticket:
        """取消: the citizen left (or the kiosk voided a misprint) before a call."""
        self._require("取消", TicketState.WAITING)
        return replace(self, state=TicketState.CANCELLED, outcome=Outcome.CANCELLED, ended_at=at)

    def transfer(
        self, at: datetime, to_category: str | None = None, to_window_no: int | None = None
    ) -> tuple[Ticket, Ticket]:
        """转移 to another category or window: this ticket ends, and the same number waits anew
        in the target category, ahead of tickets issued after it (it keeps its issue time)."""
        self._require("转移", TicketState.CALLED, TicketState.SERVING)
        if to_category is None and to_window_no is None:
            raise QueueError("转移须指定目标类别或窗口", "TICKET_TRANSFER_TARGET_REQUIRED")
        if (
            to_window_no is not None
            and to_window_no == self.window_no
            and to_category in (None, self.category)
        ):
            raise QueueError("不能转移到本窗口", "TICKET_TRANSFER_SAME_WINDOW")
        ended = replace(
            self,
            state=TicketState.TRANSFERRED,
            outcome=Outcome.TRANSFER,
            ended_at=at,
            to_category=to_category or self.category,
            to_window_no=to_window_no,
        )
        again = Ticket(
            number=self.number,
            category=to_category or self.category,
            business_date=self.business_date,
            issued_at=self.issued_at,
            priority=self.priority,
            transferred_from=self.category,
            to_window_no=to_window_no,
        )
        return ended, again

    # -- parking ------------------------------------------------------------------------------
    def park(self) -> Ticket:
        """挂起: the citizen steps away (a missing copy, a payment); the window calls back later."""
        self._require("挂起", TicketState.CALLED, TicketState.SERVING)
        return replace(self, state=TicketState.PARKED)

    def call_back(self, window_no: int, at: datetime, business_date: date) -> Ticket:
        """回呼 a parked ticket: the same business date only."""
        self._require("回呼", TicketState.PARKED)
        if business_date != self.business_date:
            raise QueueError(
                f"{self.number} 号是 {self.business_date} 的挂起号，只能当日回呼", "TICKET_PARK_EXPIRED"
            )
        return replace(self, state=TicketState.CALLED, window_no=window_no, called_at=at, recalls=0)

    # -- times --------------------------------------------------------------------------------
    @property
    def wait_seconds(self) -> float | None:
        """Issue to the first call (等候时长)."""
        return _seconds(self.issued_at, self.first_called_at)

    @property
    def walk_seconds(self) -> float | None:
        """Last call to the start of service (到窗时长)."""
        return _seconds(self.called_at, self.started_at)

    @property
    def service_seconds(self) -> float | None:
        """Start of service to its end (办理时长)."""
        return _seconds(self.started_at, self.ended_at)

    def _require(self, action: str, *states: TicketState) -> None:
        if self.state not in states:
            allowed = "、".join(s.label for s in states)
            raise QueueError(f"{self.number} 号当前为「{self.state.label}」，不能{action}（仅限：{allowed}）")


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


# -- which ticket next --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityPolicy:
    """How priority tickets (绿色通道) are served.

    ``every`` = 0: a waiting priority ticket is always called first. ``every`` = N > 0: after N
    ordinary calls in a row the next call goes to a priority ticket if one waits, and priority
    tickets otherwise wait their turn by issue time too, so neither line starves.
    """

    every: int = 0

    def __post_init__(self) -> None:
        if self.every < 0:
            raise DomainError("优先策略的间隔不能为负数", "QUEUE_POLICY_INVALID")


def pick_next(
    waiting: Iterable[Ticket],
    categories: Collection[str],
    policy: PriorityPolicy = PriorityPolicy(),
    ordinary_in_a_row: int = 0,
    window_no: int | None = None,
) -> Ticket | None:
    """The ticket a window serving ``categories`` calls next, or None.

    Tickets transferred to this very window come first; then, per the policy, priority tickets;
    then by issue time (a transferred ticket keeps its original issue time); the number breaks ties.
    """
    eligible = [
        t
        for t in waiting
        if t.state is TicketState.WAITING
        and t.category in categories
        and (t.to_window_no is None or t.to_window_no == window_no)
    ]
    if not eligible:
        return None
    mine = [t for t in eligible if window_no is not None and t.to_window_no == window_no]
    if mine:
        return min(mine, key=_arrival)
    priority = [t for t in eligible if t.priority is not Priority.NORMAL]
    if priority and (policy.every == 0 or ordinary_in_a_row >= policy.every):
        return min(priority, key=_arrival)
    return min(eligible, key=_arrival)


def _arrival(ticket: Ticket) -> tuple[datetime, int, str]:
    return (ticket.issued_at, len(ticket.number), ticket.number)


# -- numbers and business dates ---------------------------------------------------------------

DEFAULT_ROLLOVER = time(4, 0)  # numbering restarts at 04:00, not at midnight
HALL_TZ = timezone(timedelta(hours=8), "CST")  # China Standard Time, the hall's civil time


def business_date(at: datetime, rollover: time = DEFAULT_ROLLOVER) -> date:
    """The business date (营业日) a moment belongs to: before ``rollover`` it is still yesterday's."""
    day = at.date()
    return day - timedelta(days=1) if at.time() < rollover else day


def ticket_number(prefix: str, serial: int) -> str:
    """A server-issued number: the category prefix and three digits (A001 ... A999)."""
    if not 1 <= serial <= 999:
        raise QueueError(f"{prefix} 类当日号码已用完（最多 999 个）", "TICKET_NUMBERS_EXHAUSTED")
    return f"{prefix}{serial:03d}"


def offline_number(prefix: str, kiosk_index: int, serial: int) -> str:
    """A number a kiosk issues while the server is unreachable: four digits, the first being the
    kiosk's index (1-9), so that it can never equal a server number or another kiosk's."""
    if not 1 <= kiosk_index <= 9:
        raise QueueError("取号机序号须为 1–9", "KIOSK_INDEX_INVALID")
    if not 1 <= serial <= 999:
        raise QueueError(f"{prefix} 类离线号码已用完（每台取号机最多 999 个）", "TICKET_NUMBERS_EXHAUSTED")
    return f"{prefix}{kiosk_index}{serial:03d}"


def walk_in_number(window_no: int, serial: int) -> str:
    """The record number of a citizen served without a ticket (无号办理) at a window: W03-01."""
    return f"W{window_no:02d}-{serial:02d}"


_DIGITS = "零一二三四五六七八九"


def spoken_call(number: str, window_no: int) -> str:
    """The call as the hall display speaks it: digits one by one, so 005 is 零零五, not 五.

    ``请A005号到3号窗口办理`` is spoken as ``请 A 零零五 号 到 三 号窗口办理``; the window number is
    read as a number (十二, not 一二).
    """
    letters = "".join(ch for ch in number if ch.isalpha())
    digits = "".join(_DIGITS[int(ch)] for ch in number if ch.isdigit())
    return f"请 {' '.join(letters)} {digits} 号 到 {chinese_number(window_no)} 号窗口办理"


def display_call(number: str, window_no: int) -> str:
    """The call as the hall display shows it."""
    return f"请{number}号到{window_no}号窗口办理"


def chinese_number(n: int) -> str:
    """A window number (1-99) read as a number: 3 三, 10 十, 12 十二, 20 二十, 25 二十五."""
    if not 0 <= n <= 99:
        return "".join(_DIGITS[int(ch)] for ch in str(n))
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def window_categories(catalog: Catalog, window_no: int) -> list[str]:
    """The queue categories a window serves: those of the hall's matters whose department staffs it."""
    departments = {d.code for d in catalog.departments if window_no in d.windows}
    found = {i.queue_category.prefix for i in catalog.items if i.in_hall and i.dept_code in departments}
    return sorted(found)
