"""The live hall as the supervisor sees it: window states, sync lag, waiting and longest wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from supervision_server.db import make_engine, read_connection, write_transaction
from supervision_server.migrations import migrate
from supervision_server.queue_schema import queue_tickets, queue_windows
from supervision_server.schema import devices
from supervision_server.supervision_hall import live_hall

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in the hall


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def test_window_states_lag_and_waiting(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    migrate(engine)
    seen = {
        3: NOW - timedelta(seconds=30),
        4: NOW - timedelta(seconds=60),
        5: NOW - timedelta(hours=1),
        6: None,
    }
    with write_transaction(engine) as conn:
        for window, last_seen in seen.items():
            conn.execute(
                devices.insert().values(
                    device_id=f"dev-{window}", public_key="-", hall_code="H1", window_no=window, device_info="{}",
                    enrolled_at=iso(NOW - timedelta(days=1)), main_seq=40, main_hash="0" * 64, head_seq=40,
                    head_hash="0" * 64, forked=False, withholding_alerted=False,
                    last_seen=iso(last_seen) if last_seen else None, announced_seq=47 if window == 4 else 40,
                )
            )  # fmt: skip

        def ticket(
            number: str, category: str, state: str, issued: timedelta, window: int | None = None
        ) -> int:
            return int(
                conn.execute(
                    queue_tickets.insert().values(
                        hall_code="H1", business_date="2026-11-25", number=number, leg=0, category=category,
                        priority="NORMAL", state=state, origin="SERVER", issued_by="kiosk", window_no=window,
                        issued_at=iso(NOW - issued), recalls=0, case_nos="[]", updated_at=iso(NOW),
                    )
                ).inserted_primary_key[0]
            )  # fmt: skip

        serving = ticket("A001", "A", "SERVING", timedelta(minutes=30), 3)
        ticket("A002", "A", "WAITING", timedelta(minutes=25))
        ticket("A003", "A", "WAITING", timedelta(minutes=5))
        ticket("B001", "B", "WAITING", timedelta(minutes=2))
        for window, active, paused in ((3, serving, False), (4, None, True), (5, None, False)):
            conn.execute(
                queue_windows.insert().values(
                    hall_code="H1", window_no=window, active_ticket_id=active, paused=paused,
                    pause_reason="午休" if paused else "", ordinary_in_a_row=0, calls=0, updated_at=iso(NOW),
                )
            )  # fmt: skip
    with read_connection(engine) as conn:
        hall = live_hall(conn, NOW, timedelta(minutes=15))
    engine.dispose()
    assert hall["hall_code"] == "H1" and hall["business_date"] == "2026-11-25"
    states = [
        (w["window_no"], w["state"], w["ticket"], w["pause_reason"], w["sync_lag"]) for w in hall["windows"]
    ]
    assert states == [
        (3, "serving", "A001", "", 0),
        (4, "paused", None, "午休", 7),
        (5, "offline", None, "", 0),
        (6, "offline", None, "", 0),
    ]
    assert [(w["category"], w["count"], w["longest_wait_s"]) for w in hall["waiting"]] == [
        ("A", 2, 1500.0),
        ("B", 1, 120.0),
    ]
