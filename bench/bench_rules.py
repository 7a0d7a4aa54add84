"""The supervision rules' cost: events/s ingested without them, and with the rule runner's passes
over the same events, same run.

Run: ``.venv/bin/python bench/bench_rules.py [--events 6000] [--windows 3] [--batch 500]``

The same chains (tickets called and served, cases received and accepted, ratings; see
``bench_ingest.day_of_events``) are ingested through ``ingest_batch`` into two fresh databases,
one server without the rules and one whose rule runner's pass (``run_rules_now``, what the runner
thread does after each batch, off the request's path) follows each round of batches, alternately
so that both see the same load; on SQLite, and on PostgreSQL when one is reachable on 127.0.0.1:5432.
The second figure is then the CPU the server spends on ingest and rules together.
The scheduled pass (``run_scheduled_rules``) over everything ingested is timed once at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import day_of_events, enroll_direct  # noqa: E402
from counter_app.domain.validation import resident_id_check_char  # noqa: E402
from counter_app.ledger import DeviceKey, Envelope, SignedEvent, seal  # noqa: E402
from supervision_server.context import ServerContext  # noqa: E402
from supervision_server.db import run_write  # noqa: E402
from supervision_server.ingest import ingest_batch  # noqa: E402
from supervision_server.rule_runner import run_rules_now  # noqa: E402
from supervision_server.rules import run_scheduled_rules  # noqa: E402
from supervision_server.settings import Settings  # noqa: E402
from tests.pg import fresh_database, postgres_reachable  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdef"
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 18:00 in the hall: after closing


def varied(chain: list[SignedEvent], key: DeviceKey, window_no: int) -> list[SignedEvent]:
    """``chain`` re-sealed with one applicant per case (bench_ingest's day has a single applicant,
    which would make every case a 两头受理 of every other) and times spread over the day."""
    out: list[SignedEvent] = []
    prev = chain[0].envelope.prev_hash
    case_no = ""
    for n, event in enumerate(chain):
        env = event.envelope
        payload = dict(env.payload)
        visit = n // 6
        minute = 9 * 60 + (visit * 7) % (8 * 60)
        stamp = f"2026-11-25T{minute // 60:02d}:{minute % 60:02d}:{n % 6:02d}.000+08:00"
        if "applicant" in payload:
            body = f"3307851980{window_no:02d}{visit % 28 + 1:02d}{visit % 1000:03d}"
            payload["applicant"] = {**payload["applicant"], "cert_no": body + resident_id_check_char(body)}
        if "accepted_at" in payload:
            payload["accepted_at"] = stamp
        if env.type == "case.received":
            case_no = payload["project_no"]
        if env.type == "ticket.finished":  # as the window's queue writes it: 办件 with its number
            payload.update(outcome="CASE", case_nos=[case_no])
        fields = {**env.as_dict(), "payload": payload, "prev_hash": prev, "occurred_at": stamp}
        sealed = seal(Envelope(**fields), key)
        out.append(sealed)
        prev = sealed.hash
    return out


def measure(events: int, windows: int, batch: int, database: str) -> dict[str, float]:
    """events/s without and with the ingest rules, and the scheduled pass in ms, on ``database``."""
    per_window = events // windows
    chains = []
    for window_no in range(1, windows + 1):
        key = DeviceKey.generate()
        device_id = f"bench-rules-{window_no}"
        chain = varied(day_of_events(device_id, key, per_window, window_no), key, window_no)
        chains.append((device_id, key, chain))
    with tempfile.TemporaryDirectory() as folder:
        contexts = {}
        guards = []
        for label in ("without", "with"):
            if database == "postgresql":
                guard = fresh_database(f"bench_rules_{label}")
                url = guard.__enter__()
                guards.append(guard)
            else:
                url = ""
            settings = Settings(
                database_url=url,
                data_dir=Path(folder) / label,
                admin_token=TOKEN,
                rules_on_ingest=label == "with",
            )
            ctx = ServerContext.open(settings, lambda: AT)
            for window_no, (device_id, key, _) in enumerate(chains, start=1):
                enroll_direct(ctx, device_id, key, window_no)
            contexts[label] = ctx
        spent = {"without": 0.0, "with": 0.0}
        try:
            for offset in range(0, per_window, batch):
                for label, ctx in contexts.items():
                    start = time.perf_counter()
                    for device_id, _, chain in chains:
                        part = chain[offset : offset + batch]
                        if part:
                            assert ingest_batch(ctx, device_id, part).stored == len(part)
                    if label == "with":
                        run_rules_now(ctx)
                    spent[label] += time.perf_counter() - start
            ctx = contexts["with"]
            start = time.perf_counter()
            run_write(ctx.engine, lambda conn: run_scheduled_rules(conn, AT, ctx.settings))
            scheduled = time.perf_counter() - start
        finally:
            for ctx in contexts.values():
                ctx.close()
            for guard in guards:
                guard.__exit__(None, None, None)
    total = per_window * windows
    return {
        "without_rules": total / spent["without"],
        "with_rules": total / spent["with"],
        "scheduled_pass_ms": scheduled * 1000,
        "cases": total / 6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="the rules' cost on ingest")
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    for database in backends:
        found = measure(args.events, args.windows, args.batch, database)
        ratio = found["with_rules"] / found["without_rules"]
        print(
            f"{database:<10} ingest without rules {found['without_rules']:7.0f} events/s, with rules "
            f"{found['with_rules']:7.0f} events/s ({ratio:.2f}x); scheduled pass over "
            f"{found['cases']:.0f} cases {found['scheduled_pass_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
