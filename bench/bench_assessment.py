"""The time to compute a month's assessment for a hall of 300 cases a day.

Run: ``.venv/bin/python bench/bench_assessment.py [--days 30] [--repeats 3]``

A server database (SQLite file, then PostgreSQL when one accepts ``postgres`` on 127.0.0.1:5432)
is filled directly with a month of a 25-window hall on the demo catalog: per day 300 cases
(received, accepted, most closed) and 400 tickets (300 served with a case, 60 consultations, 40
no-shows), a rating or a refusal to rate for every served ticket, two pauses per window and a
few alerts: about 9,000 cases and 33,000 events a month. The timed step is the whole report the
``/api/v1/assessment`` route returns for the month (figures per window, clerk, department and
category, the hall's, scores and indicators). Its ceiling is reading the same rows alone (the
events' JSON decoded, the cases selected), the part no assessment can skip.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select  # noqa: E402

from counter_app.domain.queue import HALL_TZ  # noqa: E402
from supervision_server.assessment import ScoreSheet  # noqa: E402
from supervision_server.assessment_report import report  # noqa: E402
from supervision_server.assessment_rows import ENDING_EVENTS, Period  # noqa: E402
from supervision_server.db import bulk_insert, make_engine, read_connection, write_transaction  # noqa: E402
from supervision_server.distribution import publish_demo_catalog, published_catalog  # noqa: E402
from supervision_server.migrations import migrate  # noqa: E402
from supervision_server.schema import alerts, cases, devices, events  # noqa: E402
from tests.pg import fresh_database, postgres_reachable  # noqa: E402

WINDOWS = 25
CASES_PER_DAY = 300
CONSULTS_PER_DAY = 60
NO_SHOWS_PER_DAY = 40
FIRST_DAY = date(2026, 11, 1)
TARGET_S = 5.0  # the month's page and report while the supervisor waits


def _at(day: date, minutes: float) -> str:
    moment = datetime(day.year, day.month, day.day, 8, 30, tzinfo=HALL_TZ) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds")


class Filler:
    """Rows of one month, built in memory and written in bulk."""

    def __init__(self, engine: Engine, days: int) -> None:
        self.engine = engine
        self.days = days
        self.rng = random.Random(7)
        self.seq: dict[str, int] = {}
        self.events: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []

    def event(self, device: str, type_: str, clerk: str, at: str, payload: dict[str, Any]) -> None:
        seq = self.seq[device] = self.seq.get(device, 0) + 1
        envelope = {"device_id": device, "seq": seq, "type": type_, "clerk_id": clerk, "occurred_at": at,
                    "payload": payload}  # fmt: skip
        self.events.append(
            {
                "device_id": device, "seq": seq, "hash": f"{seq:064x}", "prev_hash": f"{seq - 1:064x}",
                "event_id": f"{device}-{seq}", "type": type_, "clerk_id": clerk, "occurred_at": at,
                "clock_offset_ms": 0, "received_at": at, "project_no": payload.get("project_no"),
                "envelope": json.dumps(envelope, ensure_ascii=False), "signature": "-",
            }
        )  # fmt: skip

    def fill(self) -> int:
        with write_transaction(self.engine) as conn:
            publish_demo_catalog(conn, datetime.now(UTC))
            catalog = published_catalog(conn)
            assert catalog is not None
            window_items = {
                w: [i for i in catalog.items if i.dept_code == d.code and i.in_hall]
                for d in catalog.departments
                for w in d.windows
                if w <= WINDOWS
            }
            for w in range(1, WINDOWS + 1):
                conn.execute(
                    devices.insert().values(
                        device_id=f"dev-{w:02d}",
                        public_key="-",
                        hall_code=catalog.hall_code,
                        window_no=w,
                        device_info="{}",
                        enrolled_at="2026-10-01T00:00:00+00:00",
                        main_seq=0,
                        main_hash="0" * 64,
                        head_seq=0,
                        head_hash="0" * 64,
                        forked=False,
                        withholding_alerted=False,
                    )
                )
        for offset in range(self.days):
            self._day(FIRST_DAY + timedelta(days=offset), window_items)
        with write_transaction(self.engine) as conn:
            bulk_insert(conn, events, self.events)
            bulk_insert(conn, cases, self.cases)
            now = datetime.now(UTC).isoformat()
            bulk_insert(
                conn,
                alerts,
                [
                    {
                        "rule_id": "SILENT",
                        "rule_version": 1,
                        "level": "黄牌",
                        "device_id": f"dev-{1 + n % WINDOWS:02d}",
                        "seq": None,
                        "project_no": None,
                        "detected_at": now,
                        "message": "-",
                        "details": "{}",
                    }
                    for n in range(50)
                ],
            )
        return len(self.events)

    def _day(self, day: date, window_items: dict[int, list[Any]]) -> None:
        rng = self.rng
        per_window = (CASES_PER_DAY + CONSULTS_PER_DAY + NO_SHOWS_PER_DAY) // WINDOWS
        serial = 0
        for w in range(1, WINDOWS + 1):
            device, clerk = f"dev-{w:02d}", f"clerk-{w:02d}"
            minute = 0.0
            items = window_items.get(w) or window_items[1]
            for k in range(per_window):
                kind = "CASE" if k % 16 < 12 else ("CONSULT" if k % 16 < 14 else "NO_SHOW")
                issued = minute
                called = issued + rng.uniform(1, 25)
                started = None if kind == "NO_SHOW" else called + 1
                ended = called + 3 if kind == "NO_SHOW" else called + rng.uniform(4, 20)
                minute = ended + rng.uniform(0, 4)
                number = f"A{w:02d}{k:03d}"
                ticket = {"ticket_no": number, "category": items[0].queue_category.prefix, "business_date": day.isoformat(),
                          "window_no": w, "issued_at": _at(day, issued), "first_called_at": _at(day, called),
                          "called_at": _at(day, called), "started_at": _at(day, started) if started else None,
                          "ended_at": _at(day, ended), "outcome": kind}  # fmt: skip
                types = {"CASE": "ticket.finished", "CONSULT": "ticket.finished", "NO_SHOW": "ticket.no_show"}
                self.event(device, types[kind], clerk, _at(day, ended), ticket)
                if kind == "CASE":
                    serial += 1
                    item = items[serial % len(items)]
                    no = f"YX-{day:%Y%m%d}-{w:02d}-{serial:04d}"
                    self.event(device, "case.received", clerk, _at(day, called + 2), {"project_no": no})
                    closed = _at(day + timedelta(days=rng.randint(0, 12)), 60) if rng.random() < 0.8 else None
                    self.cases.append(
                        {
                            "project_no": no, "device_id": device, "seq": self.seq[device], "from_fork": False,
                            "task_code": item.task_code, "item_name": item.name, "dept_code": item.dept_code,
                            "project_type": int(item.project_type), "applicant_name": "-", "applicant_cert_type": "111",
                            "applicant_cert_no": "-", "window_no": w, "ticket_no": number, "clerk_id": clerk,
                            "state": "CLOSED" if closed else "IN_PROCESS", "received_at": _at(day, called + 2),
                            "accepted_at": _at(day, called + 3), "promise_due": _at(day + timedelta(days=7), 540),
                            "promise_estimated": False, "check_code": None, "result_code": 0 if closed else None,
                            "reason": "", "correction_count": 1 if rng.random() < 0.1 else 0, "closed_at": closed,
                            "delivered_at": None, "last_event_type": "case.received", "last_event_at": _at(day, called),
                            "last_device_id": device, "last_seq": self.seq[device], "updated_at": "-",
                        }
                    )  # fmt: skip
                if started is not None:
                    level = rng.choice([5, 5, 5, 4, 4, 3, 2, 1, None])
                    rating: dict[str, Any] = {"ticket_no": number, "business_date": day.isoformat(), "case_nos": [], "level": level,
                              "no_rating": None if level else "declined", "comment": ""}  # fmt: skip
                    self.event(device, "service.rated", clerk, _at(day, ended + 0.5), rating)
            for start in (150.0, 360.0):
                self.event(device, "window.paused", clerk, _at(day, start), {"window_no": w})
                self.event(device, "window.resumed", clerk, _at(day, start + 15), {"window_no": w})


def _read_only(engine: Engine, period: Period) -> float:
    """The ceiling: the same rows read and their JSON decoded, nothing computed."""
    t0 = time.perf_counter()
    with read_connection(engine) as conn:
        kinds = (*ENDING_EVENTS, "service.rated", "window.paused", "window.resumed")
        for row in conn.execute(
            select(events.c.envelope).where(
                events.c.type.in_(kinds),
                events.c.occurred_at >= period.first_text,
                events.c.occurred_at < period.after_text,
            )
        ):
            json.loads(row.envelope)
        list(conn.execute(select(cases).where(cases.c.received_at >= period.first_text)).mappings())
    return time.perf_counter() - t0


def measure(url: str | None, days: int, repeats: int) -> dict[str, Any]:
    """Fill a database with ``days`` of the hall, then time the month's report ``repeats`` times."""
    with tempfile.TemporaryDirectory(prefix="bench-assessment-") as tmp:
        engine = make_engine(url or f"sqlite+pysqlite:///{Path(tmp) / 'server.db'}")
        try:
            migrate(engine)
            count = Filler(engine, days).fill()
            period = Period(FIRST_DAY, FIRST_DAY + timedelta(days=days - 1))
            now = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), HALL_TZ)
            seconds, ceiling = [], []
            result: dict[str, Any] = {}
            for _ in range(repeats):
                t0 = time.perf_counter()
                with read_connection(engine) as conn:
                    result = report(conn, period, now, ScoreSheet())
                seconds.append(time.perf_counter() - t0)
                ceiling.append(_read_only(engine, period))
        finally:
            engine.dispose()
    return {
        "events": count,
        "cases": result["hall"]["cases_received"],
        "tickets": result["hall"]["tickets_called"],
        "windows": len(result["by"]["window"]),
        "seconds": seconds,
        "ceiling_s": ceiling,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    with fresh_database("bench_assess") if postgres_reachable() else _none() as url:
        if url:
            backends.append(("postgresql", url))
        for label, backend in backends:
            found = measure(backend, args.days, args.repeats)
            print(
                f"{label}: {found['cases']} cases, {found['tickets']} tickets, {found['events']} events, "
                f"{found['windows']} windows: month report median {statistics.median(found['seconds']):.2f} s "
                f"(reading the rows alone {statistics.median(found['ceiling_s']):.2f} s)"
            )


class _none:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


if __name__ == "__main__":
    main()
