"""``serve --workers N``: several server processes on PostgreSQL, refused on SQLite; the periodic
watcher runs in exactly one of them; rate limits are shared out between them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from supervision_server.app import WatcherLease
from supervision_server.rate_limit import RateLimiter
from tests.server.test_real_server import ROOT, free_port, server_env


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "supervision_server", "serve", "--demo", "--port", str(free_port())]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "2"]
    done = subprocess.run(command, cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "错误：SQLite 数据库一次只允许一个进程写入，不能以 2 个进程运行（--workers）" in done.stderr


def test_one_process_always_runs_the_watcher(make_app: Callable[..., FastAPI]) -> None:
    lease = WatcherLease(make_app().state.ctx)
    assert (lease.held(), lease.held()) == (True, True)


@pytest.mark.postgres
def test_the_watcher_runs_in_exactly_one_of_several_workers(
    make_app: Callable[..., FastAPI], postgres_url: str, tmp_path: Path
) -> None:
    first = WatcherLease(make_app(database_url=postgres_url, workers=2).state.ctx)
    second = WatcherLease(make_app(database_url=postgres_url, workers=2, data_dir=tmp_path / "d2").state.ctx)
    try:
        assert [first.held(), second.held(), first.held(), second.held()] == [True, False, True, False]
        first.release()  # that worker ended: the next interval, another takes the watch over
        assert [second.held(), first.held()] == [True, False]
    finally:
        first.release()
        second.release()


def test_each_worker_takes_its_share_of_a_rate_limit() -> None:
    # 60 a minute with a burst of 5, over 2 processes: 30 a minute and a burst of 2 each.
    limiter = RateLimiter.shared(60, 5, 2)
    assert [limiter.acquire("10.0.0.1", 100.0) for _ in range(3)] == [0, 0, 2]
    assert limiter.acquire("10.0.0.1", 102.0) == 0
    alone = RateLimiter.shared(60, 5, 1)
    assert [alone.acquire("10.0.0.1", 100.0) for _ in range(6)] == [0, 0, 0, 0, 0, 1]
