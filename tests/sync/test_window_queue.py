"""A window working the queue against the REAL server, then with the server gone.

Online, every action is the server's decision and a signed event of the window; offline, the
window calls the number typed from a slip or serves a walk-in, under the same rules, and those
events reach the server once it is back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.domain.device_role import DeviceRole
from counter_app.domain.queue import Outcome, TicketState
from counter_app.receipts.slip import render_ticket_slip
from counter_app.services.clock import HALL_TZ, FixedClock, system_clock
from counter_app.services.kiosk import Kiosk, TicketRefused
from counter_app.services.queue import QueueRefused, WindowQueue
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store
from counter_app.sync import Pusher, enroll
from counter_app.sync.board_feed import BoardFeed, parse_events
from counter_app.sync.client import ServerClient
from counter_app.sync.config import SyncConfig
from counter_app.sync.errors import SyncError
from counter_app.sync.queue_client import QueueOps
from tests.server.helpers import unique
from tests.support import DEMO_CATALOG
from tests.sync.sync_helpers import wait_until
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


class Desk:
    """One enrolled device of a hall with its queue client."""

    def __init__(
        self,
        server: ServerProcess,
        root: Path,
        hall: str,
        window_no: int,
        role: DeviceRole = DeviceRole.WINDOW,
    ) -> None:
        self.clock = FixedClock(datetime.now(HALL_TZ))
        data = DataDir(root / f"{hall}-{role.value}-{window_no}")
        init_counter(data, hall, window_no, self.clock, role)
        self.store = Store(data)
        import_catalog(self.store, DEMO_CATALOG, self.clock)
        enroll(self.store, server.url, server.issue_code(hall, window_no, kiosk=role is DeviceRole.KIOSK))
        self.client = ServerClient(server.url, timeout=(1.0, 5.0))
        self.ops = QueueOps(self.store, SyncConfig.load(self.store), self.client, self.clock)
        # A kiosk has no window queue: WindowQueue refuses its folder (QUEUE_NOT_A_WINDOW).
        self.queue: WindowQueue = (
            WindowQueue(self.store, self.clock, "clerk-07", self.ops) if role is DeviceRole.WINDOW else None  # type: ignore[assignment]
        )

    def events(self) -> list[tuple[str, dict[str, object]]]:
        with self.store.read() as conn:
            return [
                (e.envelope.type, e.envelope.payload)
                for e in iter_events(conn)
                if e.envelope.type.startswith(("ticket.", "window."))
            ]

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def desks(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    hall = unique("HQ")[:12].replace("-", "").upper()
    kiosk, window = Desk(server, tmp_path, hall, 1, DeviceRole.KIOSK), Desk(server, tmp_path, hall, 3)
    yield kiosk, window
    kiosk.close()
    window.close()
    if server.proc is not None and server.proc.poll() is not None:
        server.start()


def test_online_every_action_is_the_servers_and_a_ledger_event(desks: tuple[Desk, Desk]) -> None:
    kiosk, desk = desks
    for _ in range(2):
        kiosk.ops.send("issue", category="A")
    called = desk.queue.call_next()
    assert called.offline is False and called.ticket is not None
    assert (called.ticket.number, called.ticket.state, called.ticket.window_no) == (
        "A001",
        TicketState.CALLED,
        3,
    )
    with pytest.raises(QueueRefused) as busy:
        desk.queue.call_next()
    assert busy.value.code == "WINDOW_BUSY"
    desk.queue.recall()
    desk.queue.start()
    with pytest.raises(QueueRefused) as no_outcome:
        desk.queue.finish(None)
    assert no_outcome.value.code == "TICKET_OUTCOME_REQUIRED"
    done = desk.queue.finish(Outcome.CASE, ["HQ-20261130-03ABC-0001"])
    assert done.ticket is not None and done.ticket.state is TicketState.FINISHED
    assert desk.queue.current() is None
    types = [t for t, _ in desk.events()]
    assert types == ["ticket.called", "ticket.recalled", "ticket.started", "ticket.finished"]
    finished = desk.events()[-1][1]
    assert finished["ticket_no"] == "A001" and finished["outcome"] == "CASE"
    assert finished["case_nos"] == ["HQ-20261130-03ABC-0001"] and finished["offline"] is False
    assert finished["window_no"] == 3 and isinstance(finished["server_ticket_id"], int)
    nxt = desk.queue.call_next()
    assert nxt.ticket is not None and nxt.ticket.number == "A002"
    parked = desk.queue.park()
    assert parked.ticket is not None and parked.ticket.state is TicketState.PARKED
    back = desk.queue.call_back("A002")
    assert back.ticket is not None and back.ticket.state is TicketState.CALLED
    assert desk.queue.no_show().ticket.state is TicketState.NO_SHOW  # type: ignore[union-attr]
    assert desk.queue.call_next().ticket is None  # nobody waits
    with pytest.raises(QueueRefused) as reason:
        desk.queue.pause("  ")
    assert reason.value.code == "PAUSE_REASON_REQUIRED"
    assert desk.queue.pause("午休").paused is True
    kiosk.ops.send("issue", category="A")
    with pytest.raises(QueueRefused) as paused:
        desk.queue.call_next()
    assert paused.value.code == "WINDOW_PAUSED"
    assert desk.queue.resume().paused is False
    assert desk.queue.call_next().ticket.number == "A003"  # type: ignore[union-attr]


def test_offline_the_window_keeps_serving_and_the_server_gets_it_all(
    server: ServerProcess, desks: tuple[Desk, Desk]
) -> None:
    kiosk, desk = desks
    kiosk.ops.send("issue", category="A")
    server.kill()
    with pytest.raises(QueueRefused) as offline:
        desk.queue.call_next()
    assert offline.value.code == "QUEUE_OFFLINE" and "手工叫号" in offline.value.message
    typed = desk.queue.call_typed(" a001 ")
    assert typed.offline is True and typed.ticket is not None and typed.ticket.number == "A001"
    with pytest.raises(QueueRefused) as busy:
        desk.queue.walk_in()
    assert busy.value.code == "WINDOW_BUSY"
    desk.queue.start()
    with pytest.raises(QueueRefused) as consult:
        desk.queue.finish(Outcome.CONSULT, ["X-1"])
    assert consult.value.code == "TICKET_CONSULT_WITH_CASE"
    desk.queue.finish(Outcome.CONSULT)
    walk = desk.queue.walk_in()
    assert walk.ticket is not None and walk.ticket.number == "W03-01"
    desk.queue.start()
    desk.queue.finish(Outcome.CASE, ["HQ-20261130-03ABC-0002"])
    assert desk.queue.walk_in().ticket.number == "W03-02"  # type: ignore[union-attr]
    offline_events = desk.events()
    assert [t for t, _ in offline_events] == [
        "ticket.called",
        "ticket.started",
        "ticket.finished",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
        "ticket.called",
    ]
    assert all(p["offline"] is True for _, p in offline_events)
    assert offline_events[0][1]["typed"] is True and offline_events[3][1]["walk_in"] is True
    # The visit begun offline stays offline even with the server back: it is reconciled from the ledger.
    server.start()
    assert desk.queue.current_is_offline() is True
    desk.queue.start()
    desk.queue.finish(Outcome.CONSULT)
    assert desk.events()[-1][1]["offline"] is True
    status = Pusher(desk.store, heartbeat_every_s=None).push_once()
    assert status.waiting == 0 and status.last_error is None, status
    # back online, the next call is the server's again
    kiosk.ops.send("issue", category="A")
    again = desk.queue.call_next()
    assert again.offline is False and again.ticket is not None and again.ticket.number == "A002"


def test_refusals_carry_the_servers_code_and_message(desks: tuple[Desk, Desk]) -> None:
    _kiosk, desk = desks
    with pytest.raises(QueueRefused) as idle:
        desk.queue.recall()
    assert idle.value.code == "WINDOW_IDLE"
    with pytest.raises(QueueRefused) as bad:
        desk.queue.call_typed("A-1")
    assert bad.value.code == "TICKET_NUMBER_INVALID"
    with pytest.raises(SyncError) as unknown:
        desk.ops.send("issue", category="Z")
    assert unknown.value.code == "QUEUE_CATEGORY_UNKNOWN" and "排队类别" in unknown.value.message
    held = json.loads(desk.store.settings().get("queue_current") or "null")
    assert held is None


def test_a_ticket_called_online_and_finished_offline_frees_the_window(
    server: ServerProcess, desks: tuple[Desk, Desk]
) -> None:
    kiosk, desk = desks
    kiosk.ops.send("issue", category="A")
    kiosk.ops.send("issue", category="A")
    assert desk.queue.call_next().ticket.number == "A001"  # type: ignore[union-attr]
    server.kill()
    started = desk.queue.start()
    assert started.offline is True
    desk.queue.finish(Outcome.CONSULT)
    server.start()
    with pytest.raises(QueueRefused) as still_busy:  # the server has not heard yet
        desk.queue.call_next()
    assert still_busy.value.code == "WINDOW_BUSY"
    assert Pusher(desk.store, heartbeat_every_s=None).push_once().waiting == 0
    assert desk.queue.call_next().ticket.number == "A002"  # type: ignore[union-attr]


def test_two_windows_serving_one_number_raise_an_alert(
    server: ServerProcess, desks: tuple[Desk, Desk], tmp_path: Path
) -> None:
    kiosk, online = desks
    kiosk.ops.send("issue", category="A")
    assert online.queue.call_next().ticket.number == "A001"  # type: ignore[union-attr]
    cut_off = Desk(server, tmp_path / "cut", kiosk.store.settings()["hall_code"], 4)
    try:
        cut_off.client.base_url = "http://127.0.0.1:9"  # this window's network is down
        with pytest.raises(QueueRefused):
            cut_off.queue.call_next()
        cut_off.queue.call_typed("A001")
        assert Pusher(cut_off.store, heartbeat_every_s=None).push_once().waiting == 0
        token = (server.data_dir / "admin_token").read_text().strip()
        alerts = requests.get(
            f"{server.url}/api/v1/alerts",
            params={"rule_id": "TICKET_SERVED_TWICE"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        mine = [a for a in alerts["alerts"] if a["device_id"] == cut_off.ops.config.device_id]
        assert len(mine) == 1 and "A001" in mine[0]["message"]
    finally:
        cut_off.close()


def test_an_offline_kiosk_issues_its_own_numbers_and_the_queue_takes_them_in(
    server: ServerProcess, desks: tuple[Desk, Desk]
) -> None:
    kiosk_desk, desk = desks
    kiosk = Kiosk(kiosk_desk.store, system_clock, kiosk_desk.ops)  # issue times as they happen
    first = kiosk.issue("A")
    assert (first.number, first.people_ahead, first.offline) == ("A001", 0, False)
    assert first.message == "您已领取A001号，前方等待0人"
    with pytest.raises(TicketRefused) as unknown:
        kiosk.issue("Z")
    assert unknown.value.code == "QUEUE_CATEGORY_UNKNOWN"
    server.kill()
    offline = [kiosk.issue("A") for _ in range(3)]
    assert [(t.number, t.people_ahead, t.offline) for t in offline] == [
        ("A1001", 0, True),
        ("A1002", 1, True),
        ("A1003", 2, True),
    ]
    slip = render_ticket_slip(kiosk.slip(offline[1]))
    assert slip.startswith(b"%PDF")
    server.start()
    # the server's own numbering goes on; the offline tickets join the queue when the kiosk syncs
    assert kiosk.issue("A").number == "A002"
    assert Pusher(kiosk_desk.store, heartbeat_every_s=None).push_once().waiting == 0
    called = [desk.queue.call_next().ticket.number for _ in range(1)]  # type: ignore[union-attr]
    assert called == ["A001"]
    order = []
    for _ in range(4):
        desk.queue.start()
        desk.queue.finish(Outcome.CONSULT)
        nxt = desk.queue.call_next().ticket
        order.append(nxt.number if nxt else None)
    # by issue time: A1001..A1003 were issued after A001 and before A002
    assert order == ["A1001", "A1002", "A1003", "A002"]


def test_the_board_is_pushed_and_resynced_after_the_server_returns(
    server: ServerProcess, desks: tuple[Desk, Desk]
) -> None:
    kiosk, desk = desks
    hall = desk.store.settings()["hall_code"]
    boards: list[dict[str, Any]] = []
    states: list[str] = []
    feed = BoardFeed(server.url, hall, boards.append, states.append, poll_every_s=0.2)
    feed.start()
    try:
        wait_until(lambda: boards, what="the first board")
        assert boards[0]["windows"] == [] and boards[0]["waiting"] == []
        kiosk.ops.send("issue", category="A")
        wait_until(
            lambda: boards[-1]["waiting"] and boards[-1]["waiting"][0]["count"] == 1, what="the waiting count"
        )
        desk.queue.call_next()
        wait_until(
            lambda: any(w["number"] == "A001" for w in boards[-1]["windows"]), what="the call on the board"
        )
        shown = next(w for w in boards[-1]["windows"] if w["number"] == "A001")
        assert (shown["window_no"], shown["text"]) == (3, "请A001号到3号窗口办理")
        assert states[0] == "live"
        server.kill()
        wait_until(lambda: states[-1] == "offline", what="the feed noticing the server is gone")
        server.start()
        kiosk.ops.send("issue", category="A")
        wait_until(lambda: states[-1] == "live" and waiting(boards[-1]) == {"A": 1}, what="resync")
        assert "polling" in states or "offline" in states
    finally:
        feed.stop()


def waiting(board: dict[str, Any]) -> dict[str, int]:
    return {w["category"]: w["count"] for w in board["waiting"]}


def test_event_stream_parsing() -> None:
    lines = ["retry: 2000", "", ": keepalive", "event: board", 'data: {"a":', "data: 1}", "", "data: x", ""]
    assert list(parse_events(iter(lines))) == [("board", '{"a":\n1}'), ("message", "x")]
