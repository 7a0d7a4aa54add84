"""Token buckets per client address, for the routes anyone may call as often as they like.

A client may make ``burst`` requests at once, then one more every ``60 / per_minute`` seconds.
The buckets live in memory (a restart forgets them, which only forgives) and at most
``max_clients`` are kept: the least recently seen address is dropped first, and a dropped
address simply starts again with a full bucket. A server run as several worker processes gives
each its share (:meth:`RateLimiter.shared`).

Behind a reverse proxy every request comes from the proxy's address; uvicorn takes the client's
from ``X-Forwarded-For`` when the proxy is trusted (127.0.0.1 by default, ``FORWARDED_ALLOW_IPS``
for one elsewhere), so the buckets are the citizens' and not one for the whole hall.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict


class RateLimiter:
    """``acquire(client, now)`` takes a token or says how long to wait; thread-safe."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, per_minute: float, burst: int, workers: int) -> RateLimiter:
        """One process's buckets when ``workers`` server processes answer the same clients: each
        takes ``1 / workers`` of the rate and of the burst (at least one), so whichever processes
        a client's requests reach, together they never allow more than ``per_minute``."""
        return cls(per_minute / workers, max(1, burst // workers))

    def acquire(self, client: str, now: float) -> int:
        """Take one token for ``client`` at ``now`` (seconds); 0 if allowed, else whole seconds to wait."""
        with self._lock:
            tokens, at = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0
            else:
                self._buckets[client] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait
