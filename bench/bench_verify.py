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


def timed(work: object, runs: int = 5) -> tuple[float, float]:
    """Median and spread (max - min) in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples) - min(samples)


def main() -> None:
    """Build the ledger, then time both checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ))
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        data = DataDir(Path(tmp) / "counter")
        init_counter(data, "YX330781", 3, clock)
        store = Store(data)
        try:
            import_catalog(store, DEMO_CATALOG, clock)
            item = promise_item(store)
            for _ in range(args.cases):
                clock.advance(seconds=20)
                accept_case(store, clock, "clerk-07", intake_for(item))
            full = verify_ledger(store)
            assert full.ok, full.problem
            median, spread = timed(lambda: verify_ledger(store))
            print(
                f"full verify: {full.checked} events, {full.cases_checked} cases: {median:.0f} ms (spread {spread:.0f})"
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
            median, spread = timed(lambda: verify_ledger(store))
            print(f"full verify, all acknowledged: {median:.0f} ms (spread {spread:.0f})")
            checkpoint = verify_ledger(store).checkpoint()
            accept_case(store, clock, "clerk-07", intake_for(item))
            median, spread = timed(lambda: verify_ledger(store, since=checkpoint))
            print(f"incremental verify after one case: {median:.1f} ms (spread {spread:.1f})")
        finally:
            store.close()


if __name__ == "__main__":
    main()
