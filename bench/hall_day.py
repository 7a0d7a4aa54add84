"""A simulated hall day with planted misconduct, and whether the supervision rules catch it.

    .venv/bin/python bench/hall_day.py [--cases 300] [--windows 25] [--postgres URL] [--seed 7]

A real e-supervision server (uvicorn on loopback, SQLite in a temporary folder, or PostgreSQL
with ``--postgres``) runs on a simulated clock; 25 windows and a ticket kiosk are initialised,
enrolled and driven through the real client services (kiosk, window queue, intake, case
commands, the pusher with its self-check and heartbeats), each on its own clock. Citizens take
tickets from 08:45 to 17:00 and are served with realistic waits and service times. Planted:

* window 6 serves its tickets and records no case (it finishes them as 咨询; the matters are
  handled in the department's own system): expected NOT_IN_HALL, and REGISTER_MISSING for each
  of its citizens once the department's register is imported;
* window 5 serves its tickets and records their cases the next morning: LATE_ENTRY per case
  (and REGISTER_LATE, the department having finished them the day before);
* window 4 takes a case while its network is down and deletes the case's local rows before it
  syncs: LEDGER_HOLE (the administrator then accepts the hole, and the window goes on), with
  OFF_BOOK for the ticket that named the case and REGISTER_MISSING for its register record;
* window 8's clock is an hour ahead: CLOCK_SKEW (its queue operations are refused as stale, so
  it serves walk-ins);
* windows 12 and 13 (and 4) lose their network for part of the day: SILENT, which closes itself
  when they come back; they are honest otherwise.

The watcher's passes run every half hour of simulated time, and after closing; the next morning
the department SCJG's register is imported through the admin route. The confusion table lists
each planted behaviour with the alerts that caught it, and the alerts on honest windows (false
positives), which must be none. ``tests/integration/test_hall_day.py`` runs a smaller day.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import uvicorn  # noqa: E402

from counter_app.domain.case import ResultCode  # noqa: E402
from counter_app.domain.catalog import Catalog, ProjectType, ServiceItem, load_catalog_file  # noqa: E402
from counter_app.domain.device_role import DeviceRole  # noqa: E402
from counter_app.domain.queue import Outcome, window_categories  # noqa: E402
from counter_app.domain.validation import resident_id_check_char  # noqa: E402
from counter_app.services.case_commands import close_case  # noqa: E402
from counter_app.services.clock import HALL_TZ  # noqa: E402
from counter_app.services.intake import accept_case  # noqa: E402
from counter_app.services.intake_model import CaseIntake, MaterialIn, Party  # noqa: E402
from counter_app.services.kiosk import Kiosk  # noqa: E402
from counter_app.services.queue import QueueRefused, WindowQueue  # noqa: E402
from counter_app.services.setup import init_counter  # noqa: E402
from counter_app.store.datadir import DataDir  # noqa: E402
from counter_app.store.uow import Store  # noqa: E402
from counter_app.sync import Backoff, Pusher, enroll  # noqa: E402
from counter_app.sync.config import SyncConfig  # noqa: E402
from counter_app.sync.queue_client import QueueOps  # noqa: E402
from counter_app.sync.reference import pull_reference_data  # noqa: E402
from supervision_server.app import create_app, run_periodic_checks  # noqa: E402
from supervision_server.distribution import DEMO_CATALOG  # noqa: E402
from supervision_server.settings import Settings  # noqa: E402

DAY = date(2026, 11, 25)  # a Wednesday
NEXT = date(2026, 11, 26)
TOKEN = "hall-day-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
KIOSK_NO = 1  # the hall's ticket kiosk (a kiosk, not a window)
OFF_BOOK, LATE, DELETER, SKEWED = 6, 5, 4, 8
OUTAGES = {12: ("10:30", "12:00"), 13: ("14:00", "15:30"), DELETER: ("13:00", "14:30")}
SKEW = timedelta(hours=1)
DEPT = "SCJG"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "丽娟", "海燕", "明", "静", "磊", "芳", "伟", "晓东", "玉兰", "子涵", "浩然"]
MAPPING = """
[columns]
record_no = "受理编号"
task_code = "事项编码"
item_name = "事项名称"
cert_no = "证件号码"
applicant_name = "申请人"
accepted_on = "受理日期"
finished_at = "办结时间"
[match]
days = 1
"""


def hall_time(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HALL_TZ)


class SimClock:
    """The simulated hall time; every device clock and the server's read it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, moment: datetime) -> None:
        self.now = max(self.now, moment)  # time never goes back

    def device(self, offset: timedelta = timedelta(0)) -> Callable[[], datetime]:
        return lambda: self.now + offset

    def server(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class Window:
    """One counter: its store, clock, clerk, pusher and what the simulation planted there."""

    no: int
    store: Store
    clock: Callable[[], datetime]
    clerk: str
    pusher: Pusher
    items: list[ServiceItem]
    categories: list[str]
    busy: bool = False
    later: list[tuple[str, CaseIntake, datetime]] = field(default_factory=list)  # window 5's backlog
    deleted: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    hole_accepted: bool = False

    def online(self, at: datetime) -> bool:
        span = OUTAGES.get(self.no)
        return span is None or not hall_time(DAY, span[0]) <= at < hall_time(DAY, span[1])

    def queue(self, at: datetime) -> WindowQueue:
        if self.no == SKEWED or not self.online(at):
            return WindowQueue(self.store, self.clock, self.clerk, None)
        config = SyncConfig.load(self.store)
        return WindowQueue(
            self.store, self.clock, self.clerk, QueueOps(self.store, config, config.client(), self.clock)
        )


@dataclass
class Day:
    """What happened, for the confusion table."""

    windows: dict[int, Window]
    register_missing: set[str] = field(default_factory=set)  # record numbers with no hall case
    register_late: set[str] = field(default_factory=set)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    register: dict[str, Any] = field(default_factory=dict)
    device_windows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(root: Path, clock: SimClock, database_url: str | None) -> Iterator[tuple[str, Any]]:
    """The e-supervision server on loopback, on the simulated clock; yields (url, app)."""
    settings = Settings(
        data_dir=root / "server",
        database_url=database_url or "",
        admin_token=TOKEN,
        demo=True,  # publishes the demo catalog
        withholding_check_interval_s=86_400,  # the simulation runs the watcher at simulated times
        heartbeat_max_skew_s=7200,  # window 8's heartbeats (an hour off) are accepted and flagged
    )
    app = create_app(settings, clock=clock.server)
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        uv.should_exit = True
        thread.join(timeout=30)


def enroll_counter(
    root: Path,
    url: str,
    hall: str,
    no: int,
    clock: Callable[[], datetime],
    role: DeviceRole = DeviceRole.WINDOW,
) -> Store:
    data = DataDir(root / f"{role.value}-{no:02d}")
    init_counter(data, hall, no, clock, role)
    store = Store(data)
    reply = requests.post(
        f"{url}/api/v1/admin/enroll-codes",
        json={"hall_code": hall, "window_no": no, "role": role.value, "ttl_hours": 48},
        headers=ADMIN,
        timeout=30,
    )
    reply.raise_for_status()
    enroll(store, url, reply.json()["code"])
    pull_reference_data(store, clock=clock)
    return store


def person(rng: random.Random) -> Party:
    body = f"330785{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return Party(
        name, "111", body + resident_id_check_char(body), phone=f"138{rng.randint(0, 99_999_999):08d}"
    )


def intake(item: ServiceItem, rng: random.Random, ticket_no: str) -> CaseIntake:
    materials = tuple(MaterialIn(m.name, m.form, m.copies) for m in item.materials if m.required)
    return CaseIntake(item.task_code, person(rng), materials, ticket_no=ticket_no)


def suitable(catalog: Catalog, no: int) -> list[ServiceItem]:
    """The matters a window takes in: its departments' hall matters, 即办 or promised in 3+ days."""
    departments = {d.code for d in catalog.departments if no in d.windows}
    return [
        i
        for i in catalog.items
        if i.in_hall
        and i.dept_code in departments
        and (i.project_type is ProjectType.INSTANT or i.promise_limit.value >= 3)
    ]


def delete_case_rows(store: Store, project_no: str) -> None:
    """What a clerk with a SQL shell does to make a case disappear before it syncs."""
    conn = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN IMMEDIATE")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
            "('events', 'cases', 'case_transitions')"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM events WHERE project_no = ?", (project_no,))
        conn.execute("DELETE FROM case_transitions WHERE project_no = ?", (project_no,))
        conn.execute("DELETE FROM cases WHERE project_no = ?", (project_no,))
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        conn.close()


class Simulation:
    """The discrete-event loop: tickets arrive, windows call, serve and record, devices sync."""

    def __init__(
        self, root: Path, url: str, app: Any, clock: SimClock, cases: int, windows: int, seed: int
    ) -> None:
        self.root, self.url, self.app, self.clock = root, url, app, clock
        self.rng = random.Random(seed)
        self.target = cases
        self.catalog = load_catalog_file(DEMO_CATALOG)
        hall = self.catalog.hall_code
        self.windows: dict[int, Window] = {}
        for no in range(1, windows + 1):
            offset = SKEW if no == SKEWED else timedelta(0)
            device = clock.device(offset)
            store = enroll_counter(root, url, hall, no, device)
            pusher = Pusher(
                store, clock=device, heartbeat_every_s=None, backoff=Backoff(base_s=0.01, cap_s=0.05)
            )
            self.windows[no] = Window(
                no,
                store,
                device,
                f"c{no:02d}",
                pusher,
                suitable(self.catalog, no),
                window_categories(self.catalog, no),
            )
        kiosk_clock = clock.device()
        self.kiosk_store = enroll_counter(root, url, hall, KIOSK_NO, kiosk_clock, DeviceRole.KIOSK)
        config = SyncConfig.load(self.kiosk_store)
        self.kiosk = Kiosk(
            self.kiosk_store, kiosk_clock, QueueOps(self.kiosk_store, config, config.client(), kiosk_clock)
        )
        self.kiosk_pusher = Pusher(self.kiosk_store, clock=kiosk_clock, heartbeat_every_s=None)
        self.events: list[tuple[datetime, int, str, int]] = []
        self.serial = 0
        self.recorded = 0
        self.offbook_records: list[dict[str, str]] = []
        self.deleted_records: list[dict[str, str]] = []

    def at(self, moment: datetime, kind: str, who: int = 0) -> None:
        self.serial += 1
        heapq.heappush(self.events, (moment, self.serial, kind, who))

    # -- the day ------------------------------------------------------------------------------
    def run(self) -> None:
        served = [w for w in self.windows.values() if w.no != SKEWED and w.categories]
        weights: dict[str, float] = defaultdict(float)  # each window draws the same number of citizens
        for window in served:
            for category in window.categories:
                weights[category] += 1 / len(window.categories)
        categories = sorted(weights)
        tickets = int(self.target * 1.25)
        opening, last = hall_time(DAY, "08:45"), hall_time(DAY, "17:00")
        span = (last - opening).total_seconds()
        for _ in range(tickets):
            category = self.rng.choices(categories, [weights[c] for c in categories])[0]
            self.at(opening + timedelta(seconds=self.rng.uniform(0, span)), "issue:" + category)
        for window in self.windows.values():
            self.at(hall_time(DAY, "08:50") + timedelta(minutes=self.rng.uniform(0, 10)), "free", window.no)
        tick = hall_time(DAY, "08:40")
        while tick <= hall_time(DAY, "18:00"):
            self.at(tick, "sync")
            if tick.minute in (5, 35):
                self.at(tick, "watch")
            tick += timedelta(minutes=5)
        self.at(hall_time(DAY, "18:05"), "watch")
        self.at(hall_time(DAY, "18:40"), "watch")
        while self.events:
            moment, _, kind, who = heapq.heappop(self.events)
            self.clock.set(moment)
            self.step(kind, who, moment)
        self.next_morning()

    def step(self, kind: str, who: int, now: datetime) -> None:
        if kind.startswith("issue:"):
            if self.recorded < self.target:
                self.kiosk.issue(kind.split(":", 1)[1])
        elif kind == "free":
            self.free(self.windows[who], now)
        elif kind.startswith("serve:"):
            self.serve(self.windows[who], kind.split(":", 1)[1], now)
        elif kind == "sync":
            self.sync(now)
        elif kind == "watch":
            run_periodic_checks(self.app.state.ctx, self.clock.server())

    def free(self, window: Window, now: datetime) -> None:
        if now > hall_time(DAY, "17:40") or window.busy:
            return
        if self.recorded >= self.target and window.no not in (OFF_BOOK, LATE):
            return
        queue = window.queue(now)
        walk_in = window.no == SKEWED or not window.online(now)
        if walk_in:
            if not window.items or self.rng.random() > 0.5:
                self.at(now + timedelta(minutes=10), "free", window.no)
                return
            held = queue.walk_in().ticket
        else:
            try:
                held = queue.call_next().ticket
            except QueueRefused:
                held = None
            if held is None:
                self.at(now + timedelta(minutes=3), "free", window.no)
                return
        assert held is not None
        window.busy = True
        self.at(now + timedelta(minutes=self.rng.uniform(0.5, 2)), "serve:" + held.number, window.no)

    def serve(self, window: Window, number: str, now: datetime) -> None:
        queue = window.queue(now)
        queue.start()
        # A consultation is short; the off-book window "consults" quickly and calls the next.
        minutes = self.rng.uniform(4, 9) if window.no == OFF_BOOK else self.rng.uniform(6, 16)
        self.clock.set(now + timedelta(minutes=minutes))
        item = self.rng.choice(window.items) if window.items else None
        if window.no == OFF_BOOK or item is None:
            queue.finish(Outcome.CONSULT)
            if item is not None:
                citizen = intake(item, self.rng, number)
                self.offbook_records.append(
                    self.record(f"OB{len(self.offbook_records) + 1:03d}", item, citizen, self.clock.now)
                )
        elif window.no == LATE:
            queue.finish(Outcome.CONSULT)
            window.later.append((number, intake(item, self.rng, number), self.clock.now))
            self.recorded += 1
        else:
            citizen = intake(item, self.rng, number)
            result = accept_case(window.store, window.clock, window.clerk, citizen)
            if item.project_type is ProjectType.INSTANT:
                close_case(window.store, window.clock, window.clerk, result.project_no, ResultCode.ISSUED)
            queue.finish(Outcome.CASE, [result.project_no])
            window.cases.append(result.project_no)
            self.recorded += 1
            if window.no == DELETER and not window.online(now) and not window.deleted:
                delete_case_rows(window.store, result.project_no)
                window.deleted.append(result.project_no)
                # The department's system kept what it was told about the case.
                self.deleted_records.append(self.record(f"R-{result.project_no}", item, citizen, None))
        window.busy = False
        self.at(self.clock.now + timedelta(minutes=self.rng.uniform(0.5, 3)), "free", window.no)

    def sync(self, now: datetime) -> None:
        self.kiosk_pusher.push_once()
        for window in self.windows.values():
            if not window.online(now):
                continue
            status = window.pusher.push_once()
            if (
                status.last_error is not None
                and status.last_error.code == "LEDGER_HOLE"
                and not window.hole_accepted
            ):
                self.accept_hole(window)
                window.pusher.push_once()

    def accept_hole(self, window: Window) -> None:
        """The supervision office accepts the reported hole (after talking to the window)."""
        device_id = window.store.device_id()
        holes = f"{self.url}/api/v1/admin/devices/{device_id}/holes"
        for hole in requests.get(holes, headers=ADMIN, timeout=30).json()["holes"]:
            requests.post(
                f"{holes}/{hole['from_seq']}/accept",
                json={"note": "窗口记录被删除，已书面说明"},
                headers=ADMIN,
                timeout=30,
            ).raise_for_status()
        window.hole_accepted = True

    def next_morning(self) -> None:
        late = self.windows.get(LATE)
        start = hall_time(NEXT, "08:40")
        self.clock.set(start)
        if late is not None:
            for n, (_, citizen, _) in enumerate(late.later):
                self.clock.set(start + timedelta(minutes=3 * n))
                result = accept_case(late.store, late.clock, late.clerk, citizen)
                if self.catalog.item(citizen.task_code).project_type is ProjectType.INSTANT:  # on the spot
                    close_case(late.store, late.clock, late.clerk, result.project_no, ResultCode.ISSUED)
                late.cases.append(result.project_no)
        self.clock.set(hall_time(NEXT, "09:25"))
        self.sync(self.clock.now)
        run_periodic_checks(self.app.state.ctx, self.clock.server())

    # -- the department's register ------------------------------------------------------------
    def record(
        self, record_no: str, item: ServiceItem, citizen: CaseIntake, finished: datetime | None
    ) -> dict[str, str]:
        return {
            "受理编号": record_no,
            "事项编码": item.task_code,
            "事项名称": item.name,
            "证件号码": citizen.applicant.cert_no,
            "申请人": citizen.applicant.name,
            "受理日期": DAY.isoformat(),
            "办结时间": finished.strftime("%Y-%m-%d %H:%M") if finished else "",
        }

    def register(self, day: Day) -> None:
        """SCJG's own register of the day: every matter it handled, wherever it was entered."""
        rows: list[dict[str, str]] = []
        by_task = {i.task_code: i for i in self.catalog.items}
        for window in self.windows.values():
            if window.no in (OFF_BOOK, LATE) or not any(i.dept_code == DEPT for i in window.items):
                continue
            with window.store.read() as conn:
                found = conn.exec_driver_sql(
                    "SELECT project_no, task_code, cert_no, applicant_name FROM cases"
                ).all()
            for no, task, cert, name in found:
                rows.append(self.record(f"R-{no}", by_task[task], _citizen(task, cert, name), None))
        for n, (_number, citizen, ended) in enumerate(
            self.windows[LATE].later if LATE in self.windows else []
        ):
            record = self.record(f"LATE{n + 1:03d}", by_task[citizen.task_code], citizen, ended)
            rows.append(record)
            day.register_late.add(record["受理编号"])
        for record in self.offbook_records:
            rows.append(record)
            day.register_missing.add(record["受理编号"])
        for record in self.deleted_records:  # handled, and in the department's register only
            rows.append(record)
            day.register_missing.add(record["受理编号"])
        header = list(rows[0]) if rows else []
        text = ",".join(header) + "\n" + "".join(",".join(r[h] for h in header) + "\n" for r in rows)
        reply = requests.post(
            f"{self.url}/api/v1/admin/registers/{DEPT}",
            params={"mapping": MAPPING, "file_name": "scjg-2026-11-25.csv", "by": "督查科"},
            data=text.encode("gbk"),
            headers=ADMIN,
            timeout=60,
        )
        reply.raise_for_status()
        day.register = reply.json()


def _citizen(task_code: str, cert_no: str, name: str) -> CaseIntake:
    return CaseIntake(task_code, Party(name, "111", cert_no), ())


def simulate(
    root: Path, cases: int = 300, windows: int = 25, database_url: str | None = None, seed: int = 7
) -> Day:
    """Run the day in ``root``; returns what was planted and every alert raised."""
    started = time.perf_counter()
    clock = SimClock(hall_time(DAY, "08:00"))
    with server(root, clock, database_url) as (url, app):
        sim = Simulation(root, url, app, clock, cases, windows, seed)
        sim.run()
        day = Day(sim.windows, device_windows={w.store.device_id(): w.no for w in sim.windows.values()})
        sim.register(day)
        day.alerts = requests.get(
            f"{url}/api/v1/alerts", params={"limit": 1000}, headers=ADMIN, timeout=60
        ).json()["alerts"]
        for window in sim.windows.values():
            window.store.close()
        sim.kiosk_store.close()
    day.seconds = time.perf_counter() - started
    return day


# -- the confusion table --------------------------------------------------------------------------

PLANTED = {
    OFF_BOOK: ("不录办件（明进暗不进）", {"NOT_IN_HALL"}),
    LATE: ("次日补录办件", {"LATE_ENTRY"}),
    DELETER: ("同步前删除本机办件记录", {"LEDGER_HOLE"}),
    SKEWED: ("窗口时钟快一小时", {"CLOCK_SKEW"}),
}
NETWORK = {"SILENT"}  # an outage window's expected alert: not misconduct, closes itself


def confusion(day: Day) -> dict[str, Any]:
    """Planted vs caught per behaviour, and alerts on honest windows (false positives)."""
    device_window = day.device_windows
    per_window: dict[int, list[dict[str, Any]]] = defaultdict(list)
    unattached: list[dict[str, Any]] = []
    for alert in day.alerts:
        window_no = device_window.get(alert["device_id"] or "", alert["window_no"])
        if window_no is None:
            unattached.append(alert)
        else:
            per_window[window_no].append(alert)
    rows: list[dict[str, Any]] = []
    for no, (what, expected) in PLANTED.items():
        if no not in day.windows:
            continue
        found = Counter(a["rule_id"] for a in per_window.get(no, []))
        planted = len(day.windows[LATE].later) if no == LATE else 1
        caught = sum(found[r] for r in expected) if no == LATE else int(any(found[r] for r in expected))
        rows.append(
            {
                "window": no,
                "planted": what,
                "count": planted,
                "caught": caught,
                "rules": dict(sorted(found.items())),
            }
        )
    register_missing = {
        a["details"].get("record_no") for a in unattached if a["rule_id"] == "REGISTER_MISSING"
    }
    register_late = {a["details"].get("record_no") for a in day.alerts if a["rule_id"] == "REGISTER_LATE"}
    rows.append(
        {
            "window": None,
            "planted": "部门台账有、大厅无办件",
            "count": len(day.register_missing),
            "caught": len(day.register_missing & register_missing),
            "rules": {"REGISTER_MISSING": len(register_missing)},
        }
    )
    rows.append(
        {
            "window": LATE,
            "planted": "部门办结后才在大厅登记",
            "count": len(day.register_late),
            "caught": len(day.register_late & register_late),
            "rules": {"REGISTER_LATE": len(register_late)},
        }
    )
    outage = {no for no in OUTAGES if no in day.windows}
    for no in sorted(outage - set(PLANTED)):
        found = Counter(a["rule_id"] for a in per_window.get(no, []))
        rows.append(
            {
                "window": no,
                "planted": "断网（诚实窗口）",
                "count": 1,
                "caught": int(found["SILENT"] > 0),
                "rules": dict(sorted(found.items())),
            }
        )
    honest = sorted(set(day.windows) - set(PLANTED) - outage)
    false_positives = [a for no in honest for a in per_window.get(no, [])]
    false_positives += [
        a for no in outage - set(PLANTED) for a in per_window.get(no, []) if a["rule_id"] not in NETWORK
    ]
    false_positives += [
        a
        for a in unattached
        if not (a["rule_id"] == "REGISTER_MISSING" and a["details"].get("record_no") in day.register_missing)
    ]
    silent_open = [a for a in day.alerts if a["rule_id"] == "SILENT" and a["closed_at"] is None]
    return {
        "rows": rows,
        "honest_windows": honest,
        "false_positives": [(a["rule_id"], a["window_no"], a["message"]) for a in false_positives],
        "silent_still_open": len(silent_open),
        "alerts": len(day.alerts),
        "register": day.register,
    }


def print_table(table: dict[str, Any], day: Day) -> None:
    cases = sum(len(w.cases) for w in day.windows.values())
    print(
        f"模拟大厅一天：{len(day.windows)} 个窗口，办件 {cases} 件，告警 {table['alerts']} 条，用时 {day.seconds:.0f} 秒"
    )
    print(f"{'窗口':>4}  {'植入行为':<22}{'植入':>4}{'发现':>6}  告警")
    for row in table["rows"]:
        window = "—" if row["window"] is None else str(row["window"])
        rules = "，".join(f"{k}×{v}" for k, v in row["rules"].items()) or "无"
        print(f"{window:>4}  {row['planted']:<22}{row['count']:>4}{row['caught']:>6}  {rules}")
    print(
        f"诚实窗口 {len(table['honest_windows'])} 个，误报（false positives）：{len(table['false_positives'])}"
    )
    for rule_id, window_no, message in table["false_positives"]:
        print(f"    误报 {rule_id} {window_no}: {message}")
    print(f"断网窗口的 SILENT 在恢复后仍未关闭：{table['silent_still_open']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="模拟大厅一天并打印告警混淆表")
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--windows", type=int, default=25)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to use instead of SQLite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hall-day-") as folder:
        day = simulate(Path(folder), args.cases, args.windows, args.postgres, args.seed)
    table = confusion(day)
    if args.json:
        print(json.dumps(table, ensure_ascii=False, indent=2))
    else:
        print_table(table, day)
    missed = [r for r in table["rows"] if r["caught"] != r["count"]]
    return 1 if missed or table["false_positives"] else 0


if __name__ == "__main__":
    sys.exit(main())
