"""Queue operations of this device at the server: signed, idempotent, answered or refused.

Each operation gets an id before it is sent; a retry of the same operation (after a timeout,
when the reply may have been lost) reuses it, and the server answers it again without doing it
twice. A refusal by the rules (WINDOW_BUSY, TICKET_RECALL_LIMIT, ...) comes back as a
:class:`~counter_app.sync.errors.SyncError` with the server's code and message; an unreachable
server as a retryable NETWORK error, on which the caller falls back to working offline.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from counter_app.ledger.signed_request import queue_op_message
from counter_app.store.uow import Store
from counter_app.sync.client import API, ServerClient
from counter_app.sync.config import Clock, SyncConfig, system_clock
from counter_app.sync.errors import NETWORK, SyncError

ATTEMPTS = 2  # one retry of the same operation id after a network failure
QUEUE_TIMEOUT = (2.0, 5.0)  # a window does not wait long for the server before working offline
log = logging.getLogger(__name__)


class QueueOps:
    """Sends this device's queue operations to the server."""

    def __init__(self, store: Store, config: SyncConfig, client: ServerClient, clock: Clock) -> None:
        self.store = store
        self.config = config
        self.client = client
        self.clock = clock

    def send(self, action: str, op_id: str | None = None, **args: Any) -> dict[str, Any]:
        """Do ``action`` at the server; its answer (``replayed`` tells a repeated operation)."""
        op_id = op_id or uuid.uuid4().hex
        last: SyncError | None = None
        for _ in range(ATTEMPTS):
            body = json.dumps(
                {
                    "op_id": op_id,
                    "action": action,
                    "args": args,
                    "device_time": self.clock().isoformat(timespec="milliseconds"),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode("utf-8")
            signature = self.store.key.sign(queue_op_message(body))
            try:
                reply = self.client.session.post(
                    f"{self.client.base_url}{API}/queue/devices/{self.config.device_id}/ops",
                    data=body,
                    headers={"Content-Type": "application/json", "X-Signature": signature},
                    timeout=self.client.timeout,
                    verify=self.client.verify,
                )
            except Exception as exc:  # requests' connection errors and timeouts
                self.client.online = False
                last = SyncError(NETWORK, f"queue {action}: {type(exc).__name__}: {exc}", retryable=True)
                continue
            self.client.online = True
            return _answer(action, reply.status_code, reply)
        assert last is not None
        raise last


def _answer(action: str, status: int, reply: Any) -> dict[str, Any]:
    try:
        body = reply.json()
    except ValueError:
        body = None
    if 200 <= status < 300 and isinstance(body, dict):
        return body
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    raise SyncError(
        str(code or f"HTTP_{status}"),
        f"queue {action}: HTTP {status} {code or ''}".strip(),
        retryable=status >= 500 or status == 429,
        http_status=status,
        message=str(message) if message else None,
    )


def queue_ops(store: Store) -> tuple[QueueOps | None, ServerClient | None, SyncConfig | None]:
    """The queue's requests to the server, with their client and config; all None when not enrolled."""
    try:
        config = SyncConfig.load(store)
    except SyncError:
        log.warning("this folder is not enrolled: the queue works offline only")
        return None, None, None
    client = config.client(timeout=QUEUE_TIMEOUT)
    return QueueOps(store, config, client, system_clock), client, config
