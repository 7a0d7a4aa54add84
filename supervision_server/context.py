"""What every request handler shares: settings, the engine, the server key, the verifier, a clock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine

from counter_app.ledger import DeviceKey
from supervision_server.db import make_engine
from supervision_server.migrations import migrate
from supervision_server.server_key import load_server_key
from supervision_server.settings import Settings
from supervision_server.timeutil import Clock, system_clock
from supervision_server.verify import BatchVerifier


@dataclass
class ServerContext:
    """The server's long-lived objects; created by :meth:`open`, released by :meth:`close`."""

    settings: Settings
    engine: Engine
    server_key: DeviceKey
    verifier: BatchVerifier
    clock: Clock = field(default=system_clock)
    # Set after each stored batch: wakes this process's rule runner (supervision_server.rule_runner).
    rules_due: threading.Event = field(default_factory=threading.Event)
    _ingest_pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    @property
    def ingest_pool(self) -> ThreadPoolExecutor:
        """The threads that store batches of events (``routes_devices.events_reply``), at most
        ``ingest_concurrency``; made at first use (on the event loop), and again after
        :meth:`close`, as the engine connects again after it was disposed."""
        if self._ingest_pool is None:
            self._ingest_pool = ThreadPoolExecutor(
                self.settings.ingest_concurrency, thread_name_prefix="ingest"
            )
        return self._ingest_pool

    @classmethod
    def open(cls, settings: Settings, clock: Clock = system_clock) -> ServerContext:
        """Connect, bring the schema up to date and load the server key recorded in the database.

        Raises ServerKeyMismatch (see :mod:`supervision_server.server_key`) rather than start with
        a key the windows do not know.
        """
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Room in the pool for every batch stored at once, the rule runner and the watcher.
        engine = make_engine(
            settings.effective_database_url, pool_size=max(10, settings.ingest_concurrency + 2)
        )
        try:
            migrate(engine)
            key = load_server_key(engine, settings.server_key_path, clock())
        except Exception:
            engine.dispose()
            raise
        return cls(settings, engine, key, BatchVerifier(settings.verify_threads), clock)

    def close(self) -> None:
        """Stop the ingest and verifier threads and close every pooled connection."""
        pool, self._ingest_pool = self._ingest_pool, None
        if pool is not None:
            pool.shutdown()
        self.verifier.close()
        self.engine.dispose()
