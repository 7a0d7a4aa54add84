"""The pusher: a background thread that keeps the server's copy of the ledger up to date.

It tries at start, immediately after every new event (:meth:`Pusher.notify`), and on a timer.
Retryable failures (network, 5xx, 429) wait a full-jitter exponential backoff; any other refusal
stops it with a visible error until :meth:`Pusher.resume`. Heartbeats run on a thread and timer
of their own, whatever the pushes do: a window whose pushes fail, hang or were stopped still
announces its head, so the server can see events it holds back (WITHHOLDING) and notices when
it goes silent. A watchdog flags a sync that makes no progress while events are waiting. Nothing
is ever dropped: unacknowledged events simply stay in the local ledger until the server's signed
receipt covers them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from counter_app.store.ledger_store import acked_seq, head, pending_stats
from counter_app.store.uow import Store
from counter_app.sync.backoff import Backoff
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig, parse_time, system_clock
from counter_app.sync.errors import FORK, INTERNAL, NOT_ENROLLED, ROLLBACK, SyncError
from counter_app.sync.heartbeat import send_heartbeat
from counter_app.sync.pushing import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, PushResult, push_pending
from counter_app.sync.selfcheck import LEDGER_PROBLEMS, LedgerGate
from counter_app.sync.status import Listener, StatusBoard, SyncStatus

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 60.0
DEFAULT_STALL_AFTER_S = 30.0
DEFAULT_HEARTBEAT_EVERY_S = 60.0


class Pusher:
    """Pushes the local ledger to the server; see the module docstring.

    ``clock`` gives aware datetimes (event ages, ack times), ``monotonic`` seconds for scheduling
    and the watchdog, ``rng`` the jitter; all three are injectable for tests.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        backoff: Backoff | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
        stall_after_s: float = DEFAULT_STALL_AFTER_S,
        heartbeat_every_s: float | None = DEFAULT_HEARTBEAT_EVERY_S,
        max_batch_events: int = MAX_BATCH_EVENTS,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        listener: Listener | None = None,
        client_factory: Callable[[str], ServerClient] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.monotonic = monotonic
        self.backoff = backoff or Backoff(rng=rng)
        self.interval_s = interval_s
        self.stall_after_s = stall_after_s
        self.heartbeat_every_s = heartbeat_every_s
        self.max_batch_events = max_batch_events
        self.max_batch_bytes = max_batch_bytes
        self._client_factory = client_factory
        self._client: ServerClient | None = None
        self._heartbeat_client: ServerClient | None = None
        self._heartbeat_lock = threading.Lock()
        self._board = StatusBoard(listener)
        self._cycle_lock = threading.Lock()
        self._local_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._check_head = True
        self._server_forked = False
        self._gate = LedgerGate()  # the ledger verifies before anything is pushed from it
        self._next_due: float | None = None
        self._last_progress = monotonic()
        self._last_refresh = monotonic()
        self._refresh_local()

    # -- public API ------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        """The current status snapshot, with ages and the countdown brought up to date."""
        self._refresh_ages()
        return self._board.get()

    def set_listener(self, listener: Listener | None) -> None:
        """Call ``listener(status)`` from the sync thread whenever the status changes."""
        self._board.set_listener(listener)

    def notify(self) -> None:
        """A new event was committed: try to push it now (unless stopped)."""
        self._wake.set()

    def resume(self) -> None:
        """Leave the stopped state (after a person dealt with the error) and try again now."""
        self.backoff.reset()
        self._check_head = True
        self._gate.reset()
        self._board.update(state="idle")
        self._wake.set()

    def push_once(self) -> SyncStatus:
        """One full cycle on the calling thread (scripts, tests): push, heartbeat, status."""
        self._cycle(force_heartbeat=True)
        return self.status()

    def start(self) -> None:
        """Start the sync thread, the watchdog thread and (unless disabled) the heartbeat thread."""
        if self._threads:
            return
        self._stopping.clear()
        self._wake.set()
        targets = [("sync-pusher", self._run), ("sync-watchdog", self._watch)]
        if self.heartbeat_every_s is not None:
            targets.append(("sync-heartbeat", self._run_heartbeats))
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 40.0) -> None:
        """Stop the threads (an in-flight request may take until its timeout) and close sockets."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        for client in (self._client, self._heartbeat_client):
            if client is not None:
                client.close()
        self._client = self._heartbeat_client = None

    # -- the cycle -------------------------------------------------------------------------------

    def _cycle(self, force_heartbeat: bool = False) -> None:
        with self._cycle_lock:
            self._board.update(state="syncing", next_retry_in_s=None)
            try:
                config = SyncConfig.load(self.store)
                client = self._client_for(config)
                self._gate.check(self.store, client, config, self.clock)
                result = push_pending(
                    self.store,
                    client,
                    config,
                    self.clock,
                    check_head=self._check_head,
                    server_forked=self._server_forked,
                    max_events=self.max_batch_events,
                    max_bytes=self.max_batch_bytes,
                    on_ack=self._on_ack,
                )
                self._check_head = False
                self._server_forked = result.server_forked
                if force_heartbeat:
                    self._heartbeat(client, config)
            except SyncError as exc:
                # A refusal stops the pushes: announce the head anyway, so the server still sees
                # what this window holds (a retryable failure is retried, heartbeats and all).
                stopped = not exc.retryable and exc.code != NOT_ENROLLED
                if exc.code in (ROLLBACK, FORK, *LEDGER_PROBLEMS) or (force_heartbeat and stopped):
                    self._announce_head()
                self._failed(exc)
            except Exception as exc:  # a bug must not kill the thread or lose the reason
                log.exception("sync cycle failed")
                self._failed(SyncError(INTERNAL, f"{type(exc).__name__}: {exc}", retryable=True))
            else:
                self._succeeded(result)

    def _client_for(self, config: SyncConfig) -> ServerClient:
        self._client = self._renewed(self._client, config)
        return self._client

    def _renewed(self, current: ServerClient | None, config: SyncConfig) -> ServerClient:
        """``current`` if it still talks to the configured server with the configured CA, else a new one."""
        if current is None or (current.base_url, current.verify) != (
            config.server_url.rstrip("/"),
            config.ca_file or True,
        ):
            if current is not None:
                current.close()
            factory = self._client_factory
            current = factory(config.server_url) if factory else config.client()
        return current

    def _heartbeat(self, client: ServerClient, config: SyncConfig) -> None:
        # One at a time: each heartbeat takes the next counter, and the server refuses a counter
        # that arrives after a higher one.
        with self._heartbeat_lock:
            result = send_heartbeat(self.store, client, config, self.clock)
        self._board.update(clock_offset_ms=result.clock_offset_ms)

    def _announce_head(self) -> None:
        # Let the server compare this window's head with what it holds, so it raises its own
        # alert even when nothing new was sent.
        try:
            config = SyncConfig.load(self.store)
            self._heartbeat(self._client_for(config), config)
        except SyncError as exc:
            log.info("heartbeat after a failed cycle failed: %s", exc)

    def _run_heartbeats(self) -> None:
        interval = self.heartbeat_every_s or DEFAULT_HEARTBEAT_EVERY_S
        delay = 0.0
        while not self._stopping.wait(delay):
            delay = interval
            try:
                config = SyncConfig.load(self.store)
                self._heartbeat_client = self._renewed(self._heartbeat_client, config)
                self._heartbeat(self._heartbeat_client, config)
            except SyncError as exc:
                if exc.code != NOT_ENROLLED:
                    log.warning("heartbeat failed: %s", exc)
            except Exception:  # the thread must survive a bug or a busy database
                log.exception("heartbeat failed")

    def _on_ack(self, acked: int) -> None:
        now = self.monotonic()
        self._last_progress = now
        # A long backlog acknowledges many batches a second; the bar needs a few updates only.
        if now - self._last_refresh >= 0.25:
            self._refresh_local()

    def _succeeded(self, result: PushResult) -> None:
        self.backoff.reset()
        self._next_due = self.monotonic() + self.interval_s
        online = self._client.online if self._client else None
        self._board.update(state="idle", online=online, last_success_at=self.clock(), last_error=None)
        self._refresh_local()

    def _failed(self, error: SyncError) -> None:
        log.warning("sync failed: %s", error)
        self._check_head = True
        online = self._client.online if self._client else None
        if error.retryable:
            delay = self.backoff.next_delay()
            if error.retry_after_s is not None:  # the server said when; never beyond the cap
                delay = max(delay, min(error.retry_after_s, self.backoff.cap_s))
            self._next_due = self.monotonic() + delay
            self._board.update(
                state="backing_off", online=online, last_error=error.info(), next_retry_in_s=delay
            )
        else:
            # Enrollment may happen while the window runs: keep checking (locally) for it.
            self._next_due = self.monotonic() + self.interval_s if error.code == NOT_ENROLLED else None
            self._board.update(state="stopped", online=online, last_error=error.info(), next_retry_in_s=None)
        self._refresh_local()

    # -- threads ---------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            due = self._next_due
            timeout = None if due is None else max(0.0, due - self.monotonic())
            woken = self._wake.wait(timeout)
            if self._stopping.is_set():
                break
            self._wake.clear()
            self._refresh_local()
            status = self._board.get()
            if status.state == "stopped" and not (
                status.last_error and status.last_error.code == NOT_ENROLLED
            ):
                continue
            if woken or (self._next_due is not None and self.monotonic() >= self._next_due):
                self._cycle()

    def _watch(self) -> None:
        tick = max(0.05, min(1.0, self.stall_after_s / 4))
        while not self._stopping.wait(tick):
            try:
                self._refresh_local()
            except Exception:  # the database may be busy; the next tick tries again
                log.debug("watchdog refresh failed", exc_info=True)

    # -- local figures ---------------------------------------------------------------------------

    def _refresh_local(self) -> None:
        with self._local_lock:
            self._last_refresh = self.monotonic()
            with self.store.read() as conn:
                waiting, oldest = pending_stats(conn)
                head_seq, _ = head(conn)
                acked = acked_seq(conn)
                conn.rollback()
            settings = self.store.settings()
            offset = settings.get("clock_offset_ms")
            if waiting == 0 or self._board.get().waiting == 0:
                self._last_progress = self.monotonic()
            self._board.update(
                waiting=waiting,
                oldest_waiting_at=parse_time(oldest) if oldest else None,
                head_seq=head_seq,
                acked_seq=acked,
                clock_offset_ms=int(offset) if offset not in (None, "") else None,
                server_url=settings.get("server_url", ""),
            )
            self._refresh_ages()

    def _refresh_ages(self) -> None:
        status = self._board.get()
        now = self.clock()
        mono = self.monotonic()
        age = (now - status.oldest_waiting_at).total_seconds() if status.oldest_waiting_at else None
        stalled = status.waiting > 0 and mono - self._last_progress > self.stall_after_s
        countdown = None
        if status.state == "backing_off" and self._next_due is not None:
            countdown = max(0.0, self._next_due - mono)
        self._board.update(oldest_waiting_age_s=age, stalled=stalled, next_retry_in_s=countdown, as_of=now)
