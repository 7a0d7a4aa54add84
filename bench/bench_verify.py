"""The window's self-check: a full ``verify`` and the incremental one the pusher runs per cycle.

Takes in ``--cases`` cases through the real services (two signed events each), then times a full
verify (chain, receipts, case tables rebuilt from the events) before and after a server receipt
covers them, and the incremental check after one more case, which is what every push cycle
pays. Prints median and spread of 5 runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_app.ledger import AckReceipt, DeviceKey, sign_receipt
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.ledger_store import head, record_ack
from counter_app.store.uow import Store
from tests.support import DEMO_CATALOG, intake_for, promise_item


def timed(work: object, runs: int = 5) -> list[float]:
    """``runs`` wall times of ``work()`` in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def spread(samples: list[float]) -> float:
    return max(samples) - min(samples)


def measure(cases: int, runs: int = 5) -> dict[str, list[float]]:
    """Build a ledger of ``cases`` cases, then time each check ``runs`` times (ms per run)."""
    clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ))
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        data = DataDir(Path(tmp) / "counter")
        init_counter(data, "YX330781", 3, clock)
        store = Store(data)
        try:
            import_catalog(store, DEMO_CATALOG, clock)
            item = promise_item(store)
            for _ in range(cases):
                clock.advance(seconds=20)
                accept_case(store, clock, "clerk-07", intake_for(item))
            full = verify_ledger(store)
            assert full.ok, full.problem
            found = {"full": timed(lambda: verify_ledger(store), runs)}
            print(
                f"full verify: {full.checked} events, {full.cases_checked} cases: "
                f"{statistics.median(found['full']):.0f} ms (spread {spread(found['full']):.0f})"
            )
            # The same ledger once the server acknowledged it all (a receipt signed by a stand-in
            # server key): signatures up to the receipt are then bound to it by the chain.
            server = DeviceKey.generate()
            with store.unit_of_work() as uow:
                uow.put_setting("server_public_key", server.public_b64)
                seq, digest = head(uow.conn)
                receipt = AckReceipt(store.device_id(), seq, digest, clock().isoformat())
                record_ack(uow.conn, sign_receipt(receipt, server), clock())
                uow.commit()
            assert verify_ledger(store).ok
            found["acknowledged"] = timed(lambda: verify_ledger(store), runs)
            print(
                f"full verify, all acknowledged: {statistics.median(found['acknowledged']):.0f} ms "
                f"(spread {spread(found['acknowledged']):.0f})"
            )
            checkpoint = verify_ledger(store).checkpoint()
            accept_case(store, clock, "clerk-07", intake_for(item))
            found["incremental"] = timed(lambda: verify_ledger(store, since=checkpoint), runs)
            print(
                f"incremental verify after one case: {statistics.median(found['incremental']):.1f} ms "
                f"(spread {spread(found['incremental']):.1f})"
            )
        finally:
            store.close()
    return found


def main() -> None:
    """Build the ledger, then time both checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    measure(args.cases)


if __name__ == "__main__":
    main()
