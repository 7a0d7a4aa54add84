"""Every figure of the README's performance table, each beside its target and beside a ceiling
measured in the same run, repeated, with the machine's load and the CPU time spent.

    .venv/bin/python bench/run.py [--quick] [--only NAME ...] [--repeats N] [--markdown]

``--quick`` uses smaller sizes (a few minutes on the 2-core machine) so it can be run often;
``--only`` runs some groups (cases, verify, search, receipts, ingest, small, backlog, queue, rules,
assessment, window), and keeps
the other groups' figures of the previous ``latest.json``. Prints one table
(median and min-max over the repeats, target, ratio, ceiling, ratio, CPU, load) and writes
``bench/results/latest.json``; ``--markdown`` prints the README rows from that file instead.
A target fixed for one size of work is a rate here (10,000 events in 1.2 s: >= 8,333 events/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import groups  # noqa: E402
from bench.figures import Figure, markdown_rows, table  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.json"
GROUPS: dict[str, Callable[[bool, int], list[Figure]]] = {
    "cases": groups.cases,
    "verify": groups.verify,
    "search": groups.search,
    "receipts": groups.receipts,
    "ingest": groups.ingest,
    "small": groups.small,
    "backlog": groups.backlog,
    "queue": groups.queue,
    "rules": groups.rules,
    "assessment": groups.assessment,
    "window": groups.window,
}


def main() -> None:
    """Run the chosen groups, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    parser.add_argument("--only", action="append", choices=sorted(GROUPS), help="run only this group")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--markdown", action="store_true", help=f"print README rows from {RESULTS.name}")
    args = parser.parse_args()
    if args.markdown:
        print("\n".join(markdown_rows(json.loads(RESULTS.read_text(encoding="utf-8")))))
        return
    started = datetime.now(UTC)
    load_start = os.getloadavg()
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    for name in args.only or list(GROUPS):
        print(f"== {name} ({'quick' if args.quick else 'full'}, {args.repeats} runs)", flush=True)
        t0 = time.perf_counter()
        figures += GROUPS[name](args.quick, args.repeats)
        timings[name] = time.perf_counter() - t0
        print(f"== {name}: {timings[name]:.0f} s", flush=True)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "started": started.isoformat(timespec="seconds"),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "quick": args.quick,
        "repeats": args.repeats,
    }
    print()
    print(
        f"{machine['cpus']} CPUs, Python {machine['python']}, load average at start "
        f"{' '.join(f'{x:.2f}' for x in load_start)}, at end {' '.join(f'{x:.2f}' for x in machine['load_end'])}"
    )
    print(table(figures))
    rows = [f.as_dict() for f in figures]
    if args.only and RESULTS.exists():  # the other groups' figures stay, from their own run
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        kept = [f for f in previous["figures"] if f["group"] not in args.only]
        machine["kept_from_previous"] = previous["machine"] | {"groups": sorted({f["group"] for f in kept})}
        rows = kept + rows
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": machine, "figures": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"\nwritten {RESULTS.relative_to(ROOT)}; group seconds {machine['seconds']}")


if __name__ == "__main__":
    main()
