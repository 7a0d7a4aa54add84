"""The batch rules in a process of their own: how ``serve`` runs them on PostgreSQL.

On a thread of the server process, a rule pass (a few hundred milliseconds of Python under a
busy hour) holds the interpreter's lock in slices, and every request waiting for it waits that
long again: windows saw their replies come late in bursts, once a pass. In a process of its own
the pass shares only the cores, and at a lower priority (:data:`RULES_NICE`), so the operating
system gives a window's request the core first and the rules the time left over.

Nothing else changes: what the rules owe is in the database (``rule_progress``), a pass holds
the rules' advisory lock, a crash anywhere re-runs it. The process looks every :data:`POLL_S`
seconds (it is not woken by each batch, as the thread is), so alerts come at most that much
later.

``serve`` starts it (:class:`RulesProcess`) after the database is prepared, starts it again if
it ends, and stops it when serving ends. The process ends by itself when the process that
started it is gone, even killed: a server killed with SIGKILL leaves no rules process behind.
A SQLite server keeps the thread: its one writer's lock would make the two processes take
turns anyway.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

from supervision_server.settings import Settings

log = logging.getLogger("supervision_server")

SETTINGS_ENV = "SERVICE_COUNTER_RULES_SETTINGS"  # the checked settings, as JSON
PARENT_ENV = "SERVICE_COUNTER_RULES_PARENT"  # the pid of the process that started it
RULES_NICE = 5  # how much lower the rules process's priority is than the server's
POLL_S = 0.25  # how often it looks for batches the rules have not seen
RESTART_PAUSE_S = 1.0  # the first pause before starting an ended rules process again
MAX_RESTART_PAUSE_S = 30.0


def runs_apart(settings: Settings) -> bool:
    """Whether ``serve`` runs the batch rules in a process of their own with these settings."""
    return settings.rules_on_ingest and settings.rules_process and not settings.on_sqlite


class RulesProcess:
    """The parent's side: starts the rules process, starts it again when it ends, stops it."""

    def __init__(self, settings: Settings) -> None:
        self._env = {**os.environ, SETTINGS_ENV: settings.model_dump_json(), PARENT_ENV: str(os.getpid())}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._keeper = threading.Thread(target=self._keep, name="rules-process", daemon=True)

    @property
    def pid(self) -> int | None:
        """The running rules process's pid (None before the start)."""
        with self._lock:
            return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        with self._lock:
            self._proc = self._spawn()
        self._keeper.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "supervision_server.rules_process"], env=self._env)
        log.info("supervision rules run in process %d (priority +%d)", proc.pid, RULES_NICE)
        return proc

    def _keep(self) -> None:
        pause = RESTART_PAUSE_S
        while True:
            with self._lock:
                proc = self._proc
            assert proc is not None
            code = proc.wait()
            if self._stopping.is_set():
                return
            log.error("the supervision rules process ended (%s); started again in %.0f s", code, pause)
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, MAX_RESTART_PAUSE_S)
            with self._lock:
                if self._stopping.is_set():
                    return
                self._proc = self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop it after the pass under way (what is left stays owed in the database)."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _end_with_parent(parent: int) -> None:
    """Ask Linux to send SIGTERM when the parent dies; polling getppid() covers the rest."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # gone before the request was made
        raise SystemExit(0)


def main() -> int:
    from supervision_server.context import ServerContext
    from supervision_server.rule_runner import RuleRunner

    os.nice(RULES_NICE)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    parent = int(os.environ[PARENT_ENV])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _end_with_parent(parent)
    ctx = ServerContext.open(Settings.model_validate_json(os.environ[SETTINGS_ENV]))
    runner = RuleRunner(ctx, poll_s=POLL_S)
    runner.start()
    try:
        while not stop.wait(POLL_S) and os.getppid() == parent:
            pass
    finally:
        runner.stop()
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
