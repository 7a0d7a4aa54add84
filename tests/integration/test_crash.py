"""SIGKILL in the middle of accepting cases: every case reported accepted survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from counter_app.services.case_rows import load_case
from counter_app.store.datadir import DataDir
from counter_app.store.db import integrity_check
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.uow import Store
from tests.support import REPO

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from counter_app.services.clock import system_clock
    from counter_app.services.intake import accept_case
    from counter_app.store.datadir import DataDir
    from counter_app.store.uow import Store
    from tests.support import intake_for, promise_item

    store = Store(DataDir(Path(sys.argv[1])))
    item = promise_item(store)
    print("ready", flush=True)
    while True:
        result = accept_case(store, system_clock, "clerk-07", intake_for(item))
        # reported to the clerk only after COMMIT returned
        print(result.project_no, flush=True)
    """
)


@pytest.mark.parametrize("round_", range(3))
def test_sigkill_loses_no_reported_case(store, tmp_path: Path, round_: int) -> None:  # type: ignore[no-untyped-def]
    root = store.data_dir.root
    store.close()
    reported: list[str] = []
    for kill_after in (5 + round_ * 7, 13 + round_ * 3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        seen = 0
        deadline = time.monotonic() + 60
        while seen < kill_after and time.monotonic() < deadline:
            line = proc.stdout.readline().strip()
            if line:
                reported.append(line)
                seen += 1
        # kill at an unknown point inside the next transaction
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reported.extend(line.strip() for line in proc.stdout.readlines() if line.strip())
        assert seen == kill_after
    reopened = Store(DataDir(root))
    try:
        assert integrity_check(reopened.engine) == "ok"
        verdict = verify_ledger(reopened)
        assert verdict.ok, verdict.problem
        with reopened.read() as conn:
            for number in reported:
                assert load_case(conn, number).case.project_no == number
        assert len(set(reported)) == len(reported)
    finally:
        reopened.close()
