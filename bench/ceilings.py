"""Ceilings measured in the same run as the figures they bound: what the bare tools do with the
same work and nothing else, so a figure taken on a busy machine is read as a ratio to them.

* a one-row SQLite transaction with two Ed25519 signatures (WAL, ``synchronous=FULL``, as the
  counter's store sets it);
* the very rows one accepted case writes (two events, the case, its transitions, its serial, its
  search row), copied from a database the real service filled, through plain ``sqlite3`` with
  the same two signatures, one transaction per case: the same bytes, so a smaller row on the
  real path (the intake is no longer copied into ``cases``) is a smaller row here too, and the
  search row holds every name the real path indexes (applicant, legal representative, agent);
* a bare reportlab A4 page with the receipt's font, text, Code128 and QR code.

(PostgreSQL INSERT and COPY of the same event rows, and bare Ed25519 verification, live in
``bench_ingest.py`` beside the ingest they bound.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import sqlite3
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from counter_app.ledger import DeviceKey
from counter_app.store import search_index

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def _figures(times: list[float], cpu_s: float, wall_s: float) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "per_s": len(times) / wall_s,
        "p50_ms": statistics.median(times),
        "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "cpu_ms": cpu_s / len(times) * 1000,
    }


def one_row_signed(root: Path, n: int) -> dict[str, float]:
    """``n`` transactions of one row each, with two Ed25519 signatures made per transaction."""
    key = DeviceKey.generate()
    conn = _connect(root / "one-row.sqlite")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, digest TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL)"
    )
    times: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        start = time.perf_counter()
        digest = hashlib.sha256(str(i).encode()).digest()
        first, second = key.sign(digest), key.sign(digest[::-1])
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (digest, a, b) VALUES (?, ?, ?)", (digest.hex(), first, second))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    figures = _figures(times, time.process_time() - cpu, time.perf_counter() - wall)
    conn.close()
    return figures


CASE_TABLES = ("events", "cases", "case_transitions", "case_serials")


def same_case_rows(source: Path, root: Path) -> dict[str, float]:
    """Copy every accepted case of ``source`` into a fresh database with the same tables and
    indexes (append-only triggers left out: they fire on UPDATE and DELETE only), one transaction
    per case with two signatures, as the real service writes them."""
    src = sqlite3.connect(source)
    src.row_factory = sqlite3.Row
    target = root / "same-rows.sqlite"
    conn = _connect(target)
    schema = src.execute(
        "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
        " AND (tbl_name IN (?, ?, ?, ?) OR name = ?)",
        (*CASE_TABLES, search_index.TABLE),
    ).fetchall()
    for row in sorted(schema, key=lambda r: r["type"] != "table"):
        conn.execute(row["sql"])
    events: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in src.execute("SELECT * FROM events WHERE project_no IS NOT NULL ORDER BY seq"):
        events[row["project_no"]].append(row)
    steps: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in src.execute("SELECT * FROM case_transitions ORDER BY id"):
        steps[row["project_no"]].append(row)
    cases = src.execute("SELECT rowid AS rid, * FROM cases ORDER BY rowid").fetchall()
    src.close()
    work: list[tuple[Any, ...]] = []
    for case in cases:
        row = dict(case)
        rowid = row.pop("rid")
        case_events = events[row["project_no"]]
        received = next(e for e in case_events if e["type"] == "case.received")
        names = search_index.names_in(json.loads(received["envelope"])["payload"])
        work.append((rowid, row, case_events, steps[row["project_no"]], search_index.tokens(names)))
    key = DeviceKey.generate()

    def insert(table: str, row: dict[str, Any]) -> None:
        names = list(row)
        conn.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [row[n] for n in names],
        )

    times: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for rowid, case, case_events, case_steps, (grams, singles) in work:
        start = time.perf_counter()
        for event in case_events:
            key.sign(bytes.fromhex(event["hash"]))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO case_serials (day, last_serial) VALUES (?, 1)"
            " ON CONFLICT (day) DO UPDATE SET last_serial = last_serial + 1",
            (case["received_at"][:10],),
        )
        for event in case_events:
            insert("events", dict(event))
        insert("cases", case)
        for step in case_steps:
            insert("case_transitions", dict(step))
        conn.execute(
            f"INSERT INTO {search_index.TABLE} (rowid, grams, singles) VALUES (?, ?, ?)",
            (rowid, grams, singles),
        )
        conn.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    figures = _figures(times, time.process_time() - cpu, time.perf_counter() - wall)
    conn.close()
    return figures


def bare_page(n: int) -> dict[str, float]:
    """``n`` bare reportlab A4 pages: the receipt's strings in its font, its Code128 and QR code."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from counter_app.receipts import samples
    from counter_app.receipts.codes import code128_rects, fill_rects, qr_rects
    from counter_app.receipts.fonts import register_fonts

    font = register_fonts()
    data = samples.acceptance_receipt()
    strings: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in dataclasses.fields(value):
                collect(getattr(value, item.name))
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    collect(data)

    def page(serial: int) -> bytes:
        out = io.BytesIO()
        canv = Canvas(out, pagesize=A4)
        canv.setFont(font, 10)
        y = A4[1] - 60
        for text in strings:
            canv.drawString(50, y, text[:60])
            y = max(40.0, y - 14)
        canv.saveState()
        canv.translate(50, 60)
        fill_rects(canv, code128_rects(f"K01-W03-20261125-{serial:04d}", 1.0, 36))
        canv.restoreState()
        canv.saveState()
        canv.translate(A4[0] - 150, 60)
        fill_rects(canv, qr_rects(f"https://zwfw.example.gov.cn/check?no={serial}&code=C{serial:07d}", 100))
        canv.restoreState()
        canv.showPage()
        canv.save()
        return out.getvalue()

    for serial in range(20):
        page(serial)
    times: list[float] = []
    cpu_each: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for serial in range(1, n + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        page(serial)
        times.append((time.perf_counter() - start) * 1000)
        cpu_each.append((time.process_time() - start_cpu) * 1000)
    figures = _figures(times, time.process_time() - cpu, time.perf_counter() - wall)
    figures["cpu_p50_ms"] = statistics.median(cpu_each)
    return figures
