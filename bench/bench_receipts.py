"""Time receipt rendering once warm: 200 acceptance receipts with barcode and QR code.

Run: ``.venv/bin/python bench/bench_receipts.py [--n 200]``. Prints p50/p95/max in ms (wall clock,
and CPU time, which other processes on a busy machine do not inflate) and the size of each document
type in KB. Target: p95 under 50 ms for a receipt once warm.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from counter_app.receipts import (
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
    render_ticket_slip,
    samples,
)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def bench_receipt(n: int) -> dict[str, float]:
    """Warm up, time ``n`` receipts (each with its own case number and check code); wall and CPU ms."""
    base = samples.acceptance_receipt()
    t0 = time.perf_counter()
    render_acceptance_receipt(base)  # registers the font, builds the styles
    cold = (time.perf_counter() - t0) * 1000
    print(f"first receipt (cold, font registration included): {cold:.0f} ms")
    for _ in range(20):
        render_acceptance_receipt(base)

    timings: list[float] = []
    cpu: list[float] = []
    size = 0
    for serial in range(1, n + 1):
        data = replace(base, project_no=f"K01-W03-20261125-{serial:04d}", check_code=f"C{serial:07d}")
        start, start_cpu = time.perf_counter(), time.process_time()
        size = len(render_acceptance_receipt(data))
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print(
        f"acceptance receipt A4 x{n}: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms "
        f"(CPU time p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms)"
    )
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p95_ms": percentile(cpu, 0.95),
        "cold_ms": cold,
        "kb": size / 1024,
    }


def main() -> None:
    """Time ``--n`` receipts, then each document type once warm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    bench_receipt(args.n)
    base = samples.acceptance_receipt()

    documents: dict[str, Callable[[], bytes]] = {
        "受理回执 A4": lambda: render_acceptance_receipt(base),
        "受理回执 A5": lambda: render_acceptance_receipt(base, pagesize="A5"),
        "受理回执 A4, 30 materials, 2 pages": lambda: render_acceptance_receipt(samples.long_receipt()),
        "一次性告知书": lambda: render_correction_notice(samples.correction_notice()),
        "不予受理通知书": lambda: render_rejection_notice(samples.rejection_notice()),
        "领证通知书": lambda: render_completion_notice(samples.completion_notice()),
        "排队小票 80 mm": lambda: render_ticket_slip(samples.ticket_slip()),
    }
    for name, render in documents.items():
        runs = []
        for _ in range(10):
            start = time.perf_counter()
            pdf = render()
            runs.append((time.perf_counter() - start) * 1000)
        print(f"{name}: {len(pdf) / 1024:.1f} KB, median {statistics.median(runs):.1f} ms")


if __name__ == "__main__":
    main()
