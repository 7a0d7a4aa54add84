"""``serve`` on PostgreSQL runs the batch rules in a process of their own, at a lower priority:
started after the database is prepared, started again when it ends, gone with the server."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supervision_server.app import create_app
from supervision_server.rules_process import RULES_NICE, runs_apart
from supervision_server.settings import Settings
from tests.pg import fresh_database, require_postgres
from tests.server.conftest import ADMIN_TOKEN
from tests.server.test_real_server import Server
from tests.server.test_rule_runner import _send_time_order, _wait_for_alerts

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/x"


def rules_children(pid: int) -> list[int]:
    """The rules processes the process ``pid`` started and that run now."""
    children = []
    try:  # each thread's children: the server starts the rules process again from a thread
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                children += [int(c) for c in listed.read().split()]
    except OSError:
        return []
    found = []
    for child in children:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                if b"supervision_server.rules_process" in cmdline.read():
                    found.append(child)
        except OSError:
            continue
    return found


def wait_for(what: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not what():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize(
    ("url", "on_ingest", "apart_setting", "apart"),
    [
        (PG, True, True, True),
        (PG, True, False, False),  # asked for threads
        (PG, False, True, False),  # no batch rules at all
        ("", True, True, False),  # SQLite: the writer's lock would make them take turns anyway
        ("sqlite+pysqlite:////tmp/x.db", True, True, False),
    ],
)
def test_the_rules_run_apart_only_on_postgres_with_the_batch_rules_on(
    url: str, on_ingest: bool, apart_setting: bool, apart: bool, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=url, data_dir=tmp_path, rules_on_ingest=on_ingest, rules_process=apart_setting
    )
    assert runs_apart(settings) is apart


@pytest.mark.parametrize("apart", [False, True])
def test_an_app_whose_rules_run_apart_starts_no_rule_thread(apart: bool, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", admin_token=ADMIN_TOKEN, rules_on_ingest=True)
    app = create_app(settings, rules_apart=apart)
    with TestClient(app):
        names = {thread.name for thread in threading.enumerate()}
        assert ("supervision-rules" in names) is not apart


def test_a_sqlite_server_runs_its_rules_on_a_thread(tmp_path: Path) -> None:
    server = Server(tmp_path / "data")
    try:
        assert rules_children(server.proc.pid) == []
        _send_time_order(server, "P-SQLITE-1")
        assert _wait_for_alerts(server, "TIME_ORDER") == [("TIME_ORDER", "P-SQLITE-1")]
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("workers", [1, 2])
def test_a_postgres_server_runs_its_rules_apart_and_keeps_them_running(workers: int, tmp_path: Path) -> None:
    require_postgres()
    with fresh_database("sc_rulesproc") as url:
        server = Server(tmp_path / "data", url, workers=workers)
        try:
            assert wait_for(lambda: len(rules_children(server.proc.pid)) == 1)
            [first] = rules_children(server.proc.pid)
            assert f"监察规则在独立进程中运行（进程号 {first}，较低优先级）" in server.log.read_text()
            # Lower priority than the server's processes, by RULES_NICE.
            base = os.getpriority(os.PRIO_PROCESS, server.proc.pid)
            assert RULES_NICE == 5
            assert wait_for(lambda: os.getpriority(os.PRIO_PROCESS, first) == base + 5, seconds=10)
            _send_time_order(server, "P-APART-1")
            assert _wait_for_alerts(server, "TIME_ORDER") == [("TIME_ORDER", "P-APART-1")]

            os.kill(first, signal.SIGKILL)  # it ends: the server starts another
            assert wait_for(lambda: rules_children(server.proc.pid) not in ([], [first]))
            [second] = rules_children(server.proc.pid)
            assert second != first
            _send_time_order(server, "P-APART-2", window=4)
            assert wait_for(lambda: len(_wait_for_alerts(server, "TIME_ORDER")) == 2)
            assert sorted(_wait_for_alerts(server, "TIME_ORDER")) == [
                ("TIME_ORDER", "P-APART-1"),
                ("TIME_ORDER", "P-APART-2"),
            ]

            server.proc.kill()  # the server killed: its rules process does not stay behind
            server.proc.wait(10)
            assert wait_for(lambda: not alive(second), seconds=10)
        finally:
            server.stop()


@pytest.mark.postgres
def test_a_stopped_server_stops_its_rules_process(tmp_path: Path) -> None:
    require_postgres()
    with fresh_database("sc_rulesproc") as url:
        server = Server(tmp_path / "data", url)
        try:
            assert wait_for(lambda: len(rules_children(server.proc.pid)) == 1)
            [rules] = rules_children(server.proc.pid)
        finally:
            assert server.stop() in (0, -signal.SIGTERM)  # uvicorn ends by the signal it was sent
        assert wait_for(lambda: not alive(rules), seconds=10)
        assert "the supervision rules process ended" not in server.log.read_text()
