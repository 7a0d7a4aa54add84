"""Case intake and local search figures (issue targets: see DESIGN.md "Performance targets").

    .venv/bin/python bench/bench_cases.py [--cases 10000] [--search-rows 1000000]

1. accepts N cases through the real service (validation, case row, transitions, two signed
   ledger events, one BEGIN IMMEDIATE transaction with synchronous=FULL each) and prints cases/s
   and the latency percentiles of one acceptance;
2. fills a second database with 1,000,000 cases in bulk and times the window's search by case
   number, ID number and applicant name.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from counter_app.services.clock import HALL_TZ, FixedClock  # noqa: E402
from counter_app.services.documents import issue_document  # noqa: E402
from counter_app.services.intake import accept_case  # noqa: E402
from counter_app.services.queries import search_cases  # noqa: E402
from counter_app.services.reference import current_catalog  # noqa: E402
from counter_app.services.setup import import_catalog, init_counter  # noqa: E402
from counter_app.store import search_index  # noqa: E402
from counter_app.store.datadir import DataDir  # noqa: E402
from counter_app.store.uow import Store  # noqa: E402
from tests.support import DEMO_CATALOG, intake_for, promise_item  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕鹏飞晓东雪梅"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def bench_accept(root: Path, n: int) -> dict[str, float]:
    """Accept ``n`` cases; returns rate, latency percentiles, CPU per case and the database path."""
    clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ))
    data = DataDir(root / "accept")
    init_counter(data, "YX330781", 3, clock)
    store = Store(data)
    import_catalog(store, DEMO_CATALOG, clock)
    item = promise_item(store)
    intake = intake_for(item)
    # One acceptance first, not counted: the process's one-time work (the font the name check
    # reads, the calendar built once) is not a cost of each case; the ceiling's setup is not
    # timed either. It takes serial 0001, so the ceiling copies n + 1 cases.
    accept_case(store, clock, "clerk-07", intake)
    times: list[float] = []
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        if i and i % 9000 == 0:
            clock.advance(days=1)  # serials are per day (0001-9999)
        t0 = time.perf_counter()
        accept_case(store, clock, "clerk-07", intake)
        times.append((time.perf_counter() - t0) * 1000)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.close()
    print(
        f"accept_case x{n}: {n / total:,.0f} cases/s; latency ms p50 {pct(times, 0.5):.2f} "
        f"p95 {pct(times, 0.95):.2f} p99 {pct(times, 0.99):.2f} max {max(times):.2f}; "
        f"CPU {cpu / n * 1000:.2f} ms/case"
    )
    return {
        "cases_per_s": n / total,
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "cpu_ms_per_case": cpu / n * 1000,
    }


def bench_accept_with_receipt(root: Path, n: int) -> dict[str, float]:
    """The DESIGN target: accept a case and hand out its receipt (PDF with barcode and QR,
    archived with fsync, a second ledger event for the print)."""
    clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ))
    data = DataDir(root / "receipt")
    init_counter(data, "YX330785", 6, clock)
    store = Store(data)
    import_catalog(store, DEMO_CATALOG, clock)
    with store.unit_of_work() as uow:  # as enrollment sets it: the QR codes' check address
        uow.put_setting("check_base_url", "https://zwfw.example.gov.cn/check")
        uow.commit()
    intake = intake_for(promise_item(store))
    issue_document(store, clock, "clerk-07", accept_case(store, clock, "clerk-07", intake).project_no)  # warm
    times: list[float] = []
    cpu = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        result = accept_case(store, clock, "clerk-07", intake)
        issue_document(store, clock, "clerk-07", result.project_no)
        times.append((time.perf_counter() - t0) * 1000)
    cpu = time.process_time() - cpu
    store.close()
    print(
        f"accept_case + receipt PDF x{n}: latency ms p50 {pct(times, 0.5):.1f} p95 {pct(times, 0.95):.1f} "
        f"max {max(times):.1f}; CPU {cpu / n * 1000:.1f} ms each"
    )
    return {"p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95), "cpu_ms": cpu / n * 1000}


COMPANY_WORDS = [
    "云溪",
    "味之源",
    "鸿运",
    "金桥",
    "新希望",
    "绿野",
    "恒信",
    "华泰",
    "东方",
    "明珠",
    "天成",
    "瑞丰",
]
COMPANY_TRADES = ["餐饮", "商贸", "建材", "科技", "物流", "食品", "文化", "医药"]


def fill(store: Store, rows: int) -> list[tuple[str, str, str]]:
    """Bulk rows for the search benchmark (events are placeholders: this database is not verified).

    Every tenth applicant is a company; matters are spread over the demo catalog's items."""
    rng = random.Random(7)
    samples: list[tuple[str, str, str]] = []
    with store.read() as read:
        items = [(i.task_code, i.name) for i in current_catalog(read).items]
    day0 = datetime(2023, 1, 1, tzinfo=HALL_TZ)
    chunk = 50_000
    conn = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    for base in range(0, rows, chunk):
        events, cases, steps, search = [], [], [], []
        for i in range(base, min(rows, base + chunk)):
            seq = i + 1_000
            day = day0 + timedelta(days=i // 900)
            no = f"YX330785-{day:%Y%m%d}-{1 + i % 25:02d}ABC-{1 + i % 900:04d}"
            cert = f"{330781 + i % 97:06d}{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}X"
            if i % 10 == 9:
                name = f"云溪市{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司"
            else:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            task_code, item_name = items[i % len(items)]
            at = day.isoformat()
            events.append((seq, f"e{seq}", f"{seq:064x}"))
            cases.append((i + 1, no, task_code, item_name, name, cert, at, seq))
            search.append((i + 1, *search_index.tokens([name])))
            steps.append((no, seq, at))
            if i % 100_003 == 0:
                samples.append((no, cert, name))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (seq, event_id, type, hash, prev_hash, signature, envelope)"
            " VALUES (?, ?, 'case.received', ?, '', '', '{}')",
            events,
        )
        conn.executemany(
            "INSERT INTO cases (rowid, project_no, task_code, item_name, dept_code, project_type,"
            " applicant_kind, applicant_name, cert_type, cert_no, phone, window_no, clerk_id, ticket_no,"
            " received_at, seq) VALUES (?, ?, ?, ?, 'SCJG', 2, 'person', ?, '111', ?,"
            " '', 3, 'c', NULL, ?, ?)",
            cases,
        )
        conn.executemany(
            f"INSERT INTO {search_index.TABLE} (rowid, grams, singles) VALUES (?, ?, ?)",
            search,
        )
        conn.executemany(
            "INSERT INTO case_transitions (project_no, seq, action, state, at, snapshot) VALUES"
            " (?, ?, 'accept', 'ACCEPTED', ?, '{\"case\": {\"result\": null}, \"promise_due\": null}')",
            steps,
        )
        conn.execute("COMMIT")
    conn.close()
    return samples


def search_store(root: Path, rows: int) -> tuple[Store, list[tuple[str, str, str]]]:
    """A counter database holding ``rows`` cases, and sample (case number, ID number, name) rows."""
    clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ))
    data = DataDir(root / "search")
    init_counter(data, "YX330781", 4, clock)
    store = Store(data)
    import_catalog(store, DEMO_CATALOG, clock)
    t0 = time.perf_counter()
    samples = fill(store, rows)
    print(
        f"filled {rows:,} cases in {time.perf_counter() - t0:.1f} s "
        f"({data.db_path.stat().st_size / 2**20:,.0f} MiB)"
    )
    search_cases(store, "spjy")  # loads the pinyin dictionary and the catalog once
    return store, samples


def search_figures(
    store: Store, samples: list[tuple[str, str, str]], rows: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Each kind of query ``rounds`` times: wall median and p95, CPU median, in ms."""
    queries = {
        "case number": [s[0] for s in samples],
        "ID number": [s[1] for s in samples],
        "whole name": [s[2] for s in samples],
        "part of a name": ["建国", "秀英", "王", "海燕", "志红"],
        "part of a company": ["味之源", "鸿运物流", "金桥", "新希望食品有限"],
        "matter initials": ["spjy", "jmsfz", "jdcjsz", "gtgsh"],
        "part of a matter": ["食品经营", "身份证", "驾驶证换证"],
        "no match": ["鑫鑫鑫", "zzzq", "990000"],
    }
    figures: dict[str, dict[str, float]] = {}
    for label, texts in queries.items():
        times = []
        cpu = []
        hits = []
        for text in texts * rounds:
            t, c = time.perf_counter(), time.process_time()
            hits.append(len(search_cases(store, text, limit=50)))
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        print(
            f"search by {label:<17} among {rows:,}: median {statistics.median(times):.2f} ms, "
            f"p95 {pct(times, 0.95):.2f} ms, max {max(times):.2f} ms; CPU median "
            f"{statistics.median(cpu):.2f} ms (hits/query median {statistics.median(hits):.0f})"
        )
        figures[label] = {
            "median_ms": statistics.median(times),
            "p95_ms": pct(times, 0.95),
            "cpu_median_ms": statistics.median(cpu),
        }
    return figures


def bench_search(root: Path, rows: int, rounds: int = 5) -> dict[str, dict[str, float]]:
    """Fill ``rows`` cases, then run each kind of query ``rounds`` times; figures per kind."""
    store, samples = search_store(root, rows)
    try:
        return search_figures(store, samples, rows, rounds)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--search-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.cases:
            bench_accept(Path(tmp), args.cases)
            bench_accept_with_receipt(Path(tmp), min(500, args.cases))
        bench_search(Path(tmp), args.search_rows)


if __name__ == "__main__":
    main()
