"""Machine-side measurements every bench shares: load average and CPU time of this process, of
its waited-for children and of a running server process, so a figure taken on a busy 2-core
machine can be read beside what the machine was doing at the time."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (Linux ``/proc``); 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a running process and of its running descendants (a server and its
    worker processes), as :func:`process_cpu_s`."""
    total = process_cpu_s(pid)
    children: list[int] = []
    try:  # every thread's children (a server starts its rules process again from a thread)
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                children += [int(c) for c in listed.read().split()]
    except OSError:
        return total
    return total + sum(tree_cpu_s(child) for child in children)


def wait_until_idle(pid: int, busy_ms: float = 20.0, limit_s: float = 30.0) -> None:
    """Wait until the process tree of ``pid`` spends under ``busy_ms`` of CPU in half a second:
    a server just started is still importing and connecting (its rules process too), and a CPU
    figure taken then would count its start as the work's."""
    deadline = time.monotonic() + limit_s
    last = tree_cpu_s(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = tree_cpu_s(pid)
        if (now - last) * 1000 < busy_ms:
            return
        last = now


def postgres_backends(url: str) -> list[int]:
    """The process ids of the PostgreSQL backends connected to the database of ``url`` now."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def backends_cpu_s(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each of ``pids`` still running (see :func:`process_cpu_s`)."""
    return {pid: cpu for pid in pids if (cpu := process_cpu_s(pid)) > 0 or os.path.exists(f"/proc/{pid}")}


def children_cpu_s() -> float:
    """CPU seconds of the children this process has waited for (servers after they stop)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Span:
    """Wall time, CPU time (own and children's) and load average around one measured run."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    children_cpu_s: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    extra_cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def load(self) -> float:
        """The 1-minute load average, mean of before and after."""
        return (self.load_before + self.load_after) / 2


@contextmanager
def span() -> Iterator[Span]:
    """Measure the block: ``with span() as s: ...`` then read ``s.wall_s`` and friends."""
    out = Span(load_before=os.getloadavg()[0])
    wall, cpu, children = time.perf_counter(), time.process_time(), children_cpu_s()
    try:
        yield out
    finally:
        out.wall_s = time.perf_counter() - wall
        out.cpu_s = time.process_time() - cpu
        out.children_cpu_s = children_cpu_s() - children
        out.load_after = os.getloadavg()[0]
