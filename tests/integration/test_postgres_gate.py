"""An unreachable PostgreSQL skips its tests with the reason shown, except in CI, where it fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEAD = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"
PG_TEST = "tests/server/test_real_server.py::test_the_same_batch_twice_at_once_is_stored_once_on_postgres[1]"


def run_pytest(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["SC_TEST_POSTGRES_URL"] = DEAD
    if ci is not None:
        env["CI"] = ci
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", PG_TEST]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_in_ci_an_unreachable_postgres_fails_the_run() -> None:
    done = run_pytest("true")
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout
    assert "CI is set: the PostgreSQL tests must run" in done.stdout
    assert "127.0.0.1:1" in done.stdout


def test_outside_ci_an_unreachable_postgres_skips_and_says_why() -> None:
    done = run_pytest(None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "SKIPPED [1]" in done.stdout and "no PostgreSQL reachable at" in done.stdout
