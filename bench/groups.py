"""The groups of ``bench/run.py``: each runs one bench module's functions ``repeats`` times beside
its ceilings and returns its figures. Sizes: (quick, full)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from bench import (
    bench_assessment,
    bench_backlog,
    bench_cases,
    bench_ingest,
    bench_queue,
    bench_receipts,
    bench_rules,
    bench_verify,
    bench_window,
    ceilings,
)
from bench.figures import Figure
from bench.measure import span
from counter_app.store.datadir import DataDir
from tests.pg import fresh_database, postgres_reachable

RUN = ".venv/bin/python bench/run.py --only "


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        yield Path(tmp)


def cases(quick: bool, repeats: int) -> list[Figure]:
    """Accepting cases, beside the same rows through plain sqlite3 and a one-row transaction."""
    n, with_receipt = (100, 20) if quick else (500, 100)
    cpu = Figure("cases", f"accept a case, CPU (x{n})", "ms", [], cpu_per="case", command=RUN + "cases")
    cpu.ceiling_what, cpu.max_ceiling_ratio = "same rows + 2 signatures, plain sqlite3, CPU", 2.0
    rate = Figure("cases", f"accept a case, rate (x{n})", "cases/s", [], True, command=RUN + "cases")
    rate.ceiling_what = "same rows + 2 signatures, plain sqlite3"
    p50 = Figure("cases", "accept a case, p50", "ms", [], command=RUN + "cases")
    p50.ceiling_what = "one-row transaction + 2 signatures"
    receipt = Figure(
        "cases", f"accept + receipt PDF + print event, p95 (x{with_receipt})", "ms", [], target=100.0
    )
    receipt.cpu_per, receipt.command = "case", RUN + "cases"
    for _ in range(repeats):
        with scratch() as root:
            with span() as s:
                accepted = bench_cases.bench_accept(root, n)
            same = ceilings.same_case_rows(DataDir(root / "accept").db_path, root)
            one = ceilings.one_row_signed(root, n)
            with span() as r:
                both = bench_cases.bench_accept_with_receipt(root, with_receipt)
        cpu.values.append(accepted["cpu_ms_per_case"])
        cpu.ceiling.append(same["cpu_ms"])
        rate.values.append(accepted["cases_per_s"])
        rate.ceiling.append(same["per_s"])
        p50.values.append(accepted["p50_ms"])
        p50.ceiling.append(one["p50_ms"])
        receipt.values.append(both["p95_ms"])
        receipt.cpu.append(both["cpu_ms"])
        rate.cpu.append(accepted["cpu_ms_per_case"])
        for figure in (cpu, rate, p50):
            figure.load.append(s.load)
        receipt.load.append(r.load)
    rate.cpu_per = "case"
    return [cpu, rate, p50, receipt]


def verify(quick: bool, repeats: int) -> list[Figure]:
    """The window's self-check before sync: full, once acknowledged, and per push cycle."""
    cases = 200 if quick else 1000
    with span() as s:
        found = bench_verify.measure(cases, runs=repeats)
    labels = {
        "full": f"self-check: full verify of {cases:,} cases",
        "acknowledged": f"self-check: full verify of {cases:,} cases, all acknowledged",
        "incremental": "self-check: incremental, per push cycle",
    }
    return [
        Figure("verify", labels[k], "ms", v, load=[s.load], command=RUN + "verify") for k, v in found.items()
    ]


def search(quick: bool, repeats: int) -> list[Figure]:
    """Each kind of search among many cases (one fill, the queries repeated)."""
    rows = 50_000 if quick else 1_000_000
    figures: dict[str, Figure] = {}
    with scratch() as root:
        store, samples = bench_cases.search_store(root, rows)
        try:
            for _ in range(repeats):
                with span() as s:
                    found = bench_cases.search_figures(store, samples, rows, rounds=2)
                for kind, values in found.items():
                    figure = figures.setdefault(
                        kind,
                        Figure(
                            "search",
                            f"search {rows:,} cases by {kind}, median",
                            "ms",
                            [],
                            target=20.0,
                            cpu_per="query",
                            command=RUN + "search",
                        ),
                    )
                    figure.values.append(values["median_ms"])
                    figure.cpu.append(values["cpu_median_ms"])
                    figure.load.append(s.load)
        finally:
            store.close()
    return list(figures.values())


def receipts(quick: bool, repeats: int) -> list[Figure]:
    """A warm receipt PDF beside a bare reportlab page with the same font, text and codes."""
    n = 30 if quick else 150
    wall = Figure(
        "receipts", f"receipt PDF once warm, p95 (x{n})", "ms", [], target=50.0, command=RUN + "receipts"
    )
    wall.ceiling_what, wall.cpu_per = "bare reportlab page, p95", "receipt"
    cpu = Figure("receipts", "receipt PDF once warm, CPU p50", "ms", [], command=RUN + "receipts")
    cpu.ceiling_what, cpu.max_ceiling_ratio, cpu.cpu_per = "bare reportlab page, CPU p50", 1.0, "receipt"
    for _ in range(repeats):
        with span() as s:
            receipt = bench_receipts.bench_receipt(n)
        bare = ceilings.bare_page(n)
        wall.values.append(receipt["p95_ms"])
        wall.ceiling.append(bare["p95_ms"])
        wall.cpu.append(receipt["cpu_p50_ms"])
        cpu.values.append(receipt["cpu_p50_ms"])
        cpu.ceiling.append(bare["cpu_p50_ms"])
        cpu.cpu.append(receipt["cpu_p50_ms"])
        wall.load.append(s.load)
        cpu.load.append(s.load)
    return [wall, cpu]


def rules(quick: bool, repeats: int) -> list[Figure]:
    """The supervision rules' cost on ingest: events/s without and with them, same run, per backend."""
    events = 1_200 if quick else 6_000
    figures: list[Figure] = []
    backends_run = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    for database in backends_run:
        with_rules = Figure("rules", f"ingest with the rules, {database} (x{events:,})", "events/s", [], True)
        with_rules.ceiling_what, with_rules.command = "the same ingest without the rules", RUN + "rules"
        scheduled = Figure("rules", f"scheduled rules pass over {events // 6:,} cases, {database}", "ms", [])
        scheduled.command = RUN + "rules"
        for _ in range(repeats):
            with span() as s:
                found = bench_rules.measure(events, 3, 500, database)
            with_rules.values.append(found["with_rules"])
            with_rules.ceiling.append(found["without_rules"])
            scheduled.values.append(found["scheduled_pass_ms"])
            with_rules.load.append(s.load)
            scheduled.load.append(s.load)
        figures += [with_rules, scheduled]
    return figures


def ingest(quick: bool, repeats: int) -> list[Figure]:
    """Server ingest on PostgreSQL beside raw INSERT, COPY and bare verification of the same events."""
    events, windows = (4_000, 2) if quick else (20_000, 4)
    command = RUN + "ingest"
    checked = Figure(
        "ingest",
        f"ingest, every check, then the rules, PostgreSQL (x{events:,})",
        "events/s",
        [],
        True,
        5000.0,
    )
    checked.ceiling_what, checked.cpu_per, checked.command = (
        "raw INSERT of the same rows",
        "1k events",
        command,
    )
    copy = Figure("ingest", "ingest vs COPY of the same rows", "events/s", [], True, command=command)
    copy.ceiling_what = "COPY"
    cpu = Figure("ingest", "ingest CPU per 1,000 events, this process (PostgreSQL's not counted)", "ms", [])
    cpu.ceiling_what, cpu.cpu_per, cpu.command = "bare Ed25519 verification x1,000, CPU", "1k events", command
    http_one = Figure("ingest", "ingest over HTTP, 1 client", "events/s", [], True, command=command)
    http_two = Figure("ingest", "ingest over HTTP, 2 clients at once", "events/s", [], True, command=command)
    for _ in range(repeats):
        with span() as s:
            found = bench_ingest.measure(events, 500, windows)
        checked.values.append(found["checked"])
        checked.ceiling.append(found["raw_insert"])
        checked.cpu.append(found["checked_cpu_ms_per_1000"])
        copy.values.append(found["checked"])
        copy.ceiling.append(found["copy"])
        cpu.values.append(found["checked_cpu_ms_per_1000"])
        cpu.ceiling.append(found["verify cryptography (OpenSSL), CPU ms per 1000"])
        http_one.values.append(found["http_1_client"])
        http_two.values.append(found["http_2_clients"])
        for figure in (checked, copy, cpu, http_one, http_two):
            figure.load.append(s.load)
    return [checked, copy, cpu, http_one, http_two]


def small(quick: bool, repeats: int) -> list[Figure]:
    """6-event requests over HTTP on PostgreSQL from 1, 16 and 50 windows at once, and from 50
    windows at a pace, beside the raw insert of the same 6 rows with its commit (what windows
    online send) and beside what the machine's cores could carry at the CPU each request cost."""
    if not postgres_reachable():
        print("postgresql not reachable on 127.0.0.1:5432: skipped")
        return []
    each = 15 if quick else 40
    command = RUN + "small"
    raw = "raw INSERT of the same 6 rows + COMMIT, one connection"
    cores = "the machine's cores at the CPU per request (server + PostgreSQL + client)"

    def figure(label: str, unit: str, higher: bool = False, target: float | None = None) -> Figure:
        made = Figure("small", label, unit, [], higher, target, command=command)
        if unit == "events/s":
            made.cpu_per = "request (server)"
        return made

    one = figure("6-event requests, 1 window", "events/s", True)
    sixteen = figure("6-event requests, 16 windows at once", "events/s", True, 2500.0)
    fifty = figure("6-event requests, 50 windows at once", "events/s", True)
    p99 = figure("6-event requests, 50 windows at once (saturated), p99", "ms", target=100.0)
    paced = figure("6-event requests, 50 windows each sending one a second, p99", "ms", target=100.0)
    paced50 = figure("6-event requests, 50 windows each sending one a second, p50", "ms")
    sixteen2 = figure("6-event requests, 16 windows, serve --workers 2", "events/s", True, 2500.0)
    p99_2 = figure("6-event requests, 50 windows, serve --workers 2 (saturated), p99", "ms", target=100.0)
    one.ceiling_what = sixteen.ceiling_what = raw
    sixteen2.ceiling_what = fifty.ceiling_what = cores
    figures = [one, sixteen, fifty, p99, paced, paced50, sixteen2, p99_2]
    for _ in range(repeats):
        with fresh_database("bench_small") as url, span() as s:
            found = bench_ingest.small_requests(url, requests_each=each)
        with fresh_database("bench_small") as url, span() as s2:
            two = bench_ingest.small_requests(url, levels=(16, 50), requests_each=each, workers=2, paced=None)
        for made, key in ((one, "1"), (sixteen, "16"), (fifty, "50")):
            made.values.append(found[f"{key} windows events/s"])
            made.cpu.append(found[f"{key} windows server CPU ms per request"])
        one.ceiling.append(found["raw events/s"])
        sixteen.ceiling.append(found["raw events/s"])
        fifty.ceiling.append(found["50 windows machine events/s at most"])
        p99.values.append(found["50 windows p99 ms"])
        paced.values.append(found["50 windows paced 1 s p99 ms"])
        paced50.values.append(found["50 windows paced 1 s p50 ms"])
        sixteen2.values.append(two["16 windows events/s"])
        sixteen2.cpu.append(two["16 windows server CPU ms per request"])
        sixteen2.ceiling.append(two["16 windows machine events/s at most"])
        p99_2.values.append(two["50 windows p99 ms"])
        for made in figures[:6]:
            made.load.append(s.load)
        sixteen2.load.append(s2.load)
        p99_2.load.append(s2.load)
    return figures


@contextmanager
def backends() -> Iterator[list[tuple[str, str | None]]]:
    """("sqlite", None), and ("postgresql", url) of a fresh database when one is reachable."""
    if not postgres_reachable():
        print("postgresql not reachable on 127.0.0.1:5432: skipped")
        yield [("sqlite", None)]
        return
    with fresh_database("bench_run") as url:
        yield [("sqlite", None), ("postgresql", url)]


def backlog(quick: bool, repeats: int) -> list[Figure]:
    """An offline backlog drained to a real server on loopback, as a rate (fresh database each run)."""
    count = 2_000 if quick else 10_000
    figures = []
    for label in ["sqlite", "postgresql"] if postgres_reachable() else ["sqlite"]:
        figure = Figure(
            "backlog",
            f"{count:,}-event backlog drains, {label} server",
            "events/s",
            [],
            True,
            bench_backlog.TARGET_EVENTS_PER_S,
            cpu_per="1k events",
            command=RUN + "backlog",
        )
        lag = Figure(
            "backlog",
            f"the rules caught up after the last receipt, {label} server",
            "ms",
            [],
            command=RUN + "backlog",
        )
        for _ in range(repeats):
            database = bench_backlog.postgres_database() if label == "postgresql" else nullcontext(None)
            with database as url, span() as s:
                found = bench_backlog.run(label, count, url)
            figure.values.append(found["events_per_s"])
            figure.cpu.append((found["cpu_s"] + found["server_cpu_s"]) / count * 1e6)  # with the rules'
            figure.load.append(s.load)
            lag.values.append(found["rules_lag_s"] * 1000)
            lag.load.append(s.load)
        figures += [figure, lag]
    return figures


def queue(quick: bool, repeats: int) -> list[Figure]:
    """Call-next from 200 windows at a busy hall's pace on a real server (the headline), the
    burst of 200 at once (stress), and a call's way to the board stream."""
    rounds, samples, hall_s = (2, 5, 10.0) if quick else (repeats, 20, bench_queue.HALL_SECONDS)
    n, rate = bench_queue.CONCURRENT, bench_queue.HALL_RATE
    figures: list[Figure] = []
    with backends() as found_backends:
        for label, url in found_backends:
            with span() as s:
                found = bench_queue.measure(url, rounds, samples, hall_s=hall_s)
            burst_cpu = found["server_cpu_ms_per_call"]  # the clients' 200 threads share the machine too

            def figure(
                what: str, unit: str, values: list[float], cpu: list[float], higher: bool = False
            ) -> Figure:
                return Figure("queue", what, unit, values, higher, cpu=cpu, cpu_per="call")

            pace = f"{n} windows at a hall's pace (Poisson, {rate:g} calls/s in all)"
            hall_cpu = found["hall_server_cpu_ms_per_call"]
            hall_p99 = figure(f"call-next, {pace}, p99, {label}", "ms", found["hall_p99_ms"], hall_cpu)
            hall_p99.target = bench_queue.TARGET_P99_MS
            hall_p99.ceiling, hall_p99.ceiling_what = (
                found["bare_p99_ms"],
                "signed conditional UPDATE alone, p99",
            )
            hall_p50 = figure(f"call-next, {pace}, p50, {label}", "ms", found["hall_p50_ms"], hall_cpu)
            hall_p50.ceiling, hall_p50.ceiling_what = (
                found["bare_p50_ms"],
                "signed conditional UPDATE alone, p50",
            )
            burst_p99 = figure(
                f"stress: call-next, {n} windows at once, p99, {label}", "ms", found["p99_ms"], burst_cpu
            )
            burst_p99.ceiling = found["burst_cpu_bound_ms"]
            burst_p99.ceiling_what = "the burst's serial CPU (server's, or all / cores)"
            burst_p50 = figure(
                f"stress: call-next, {n} windows at once, p50, {label}", "ms", found["p50_ms"], burst_cpu
            )
            rate_figure = figure(
                f"stress: call-next throughput, {n} at once, {label}",
                "calls/s",
                found["calls_per_s"],
                burst_cpu,
                True,
            )
            rate_figure.ceiling, rate_figure.ceiling_what = (
                found["bare_per_s"],
                "signed conditional UPDATEs, one at a time",
            )
            board = figure(f"call to hall board stream (SSE), {label}", "ms", found["board_ms"], [])
            added = [hall_p99, hall_p50, burst_p99, burst_p50, rate_figure, board]
            for f in added:
                f.load.append(s.load)
            figures += added
    for f in figures:
        f.command = RUN + "queue"
    return figures


def assessment(quick: bool, repeats: int) -> list[Figure]:
    """A month's assessment of a 300-cases-a-day hall, beside reading the same rows alone."""
    days = 7 if quick else 30
    figures = []
    with backends() as found_backends:
        for label, url in found_backends:
            with span() as s:
                found = bench_assessment.measure(url, days, repeats)
            figure = Figure(
                "assessment",
                f"assessment of {days} days x {bench_assessment.CASES_PER_DAY} cases, {label}",
                "s",
                found["seconds"],
                target=bench_assessment.TARGET_S,
                command=RUN + "assessment",
            )
            figure.ceiling = found["ceiling_s"]
            figure.ceiling_what = "the same rows read and decoded"
            figure.load.append(s.load)
            figures.append(figure)
    return figures


def window(quick: bool, repeats: int) -> list[Figure]:
    """Cold start of the clerk's window in its own process (warm file cache): to the login window
    and to a usable main window (logged in, today's cases loaded); the longest GUI stalls; the
    window process's memory after login and after a day of 300 cases."""
    runs = max(repeats, 3) if quick else max(repeats, 5)
    with span() as s:
        found = bench_window.measure(runs)
    login = Figure(
        "window", "cold start to the login window", "s", found["login_s"], target=bench_window.TARGET_S
    )
    main = Figure(
        "window", "cold start to a usable main window", "s", found["main_s"], target=bench_window.TARGET_S
    )
    with span() as t:
        stalls = bench_window.measure_stalls(max(2, runs // 2))
    idle = Figure("window", "longest GUI stall, idle (the load alone, 2 s)", "ms", stalls["idle_ms"])
    sync = Figure("window", "longest GUI stall while 1,000 events sync", "ms", stalls["sync_ms"])
    receipt = Figure("window", "longest GUI stall while a receipt is built", "ms", stalls["receipt_ms"])
    for f in (sync, receipt):
        f.target = bench_window.STALL_TARGET_MS
        f.ceiling, f.ceiling_what = list(stalls["idle_ms"]), "same watch, nothing to do"
    for f in (login, main):
        f.load.append(s.load)
    for f in (idle, sync, receipt):
        f.load.append(t.load)
    with span() as m:
        memory = bench_window.measure_memory(1 if quick else 2)
    day = f"a day of {bench_window.DAY_CASES} cases ({bench_window.DAY_CASES // bench_window.RECEIPT_EVERY} receipts)"
    rss_start = Figure("window", "window process memory (RSS) after login", "MB", memory["rss_start_mb"])
    rss_end = Figure("window", f"window process memory (RSS) after {day}", "MB", memory["rss_end_mb"])
    hwm = Figure("window", f"window process peak memory (VmHWM) over {day}", "MB", memory["hwm_mb"])
    for f in (rss_start, rss_end, hwm):
        f.load.append(m.load)
    figures = [login, main, idle, sync, receipt, rss_start, rss_end, hwm]
    for f in figures:
        f.command = RUN + "window"
    return figures
