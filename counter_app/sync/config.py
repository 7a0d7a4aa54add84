"""What sync needs to know about this device, read from the store's settings.

Settings written here: ``server_url``, ``server_public_key``, ``enrolled_at`` and
``clock_offset_ms`` (the ledger writer stamps the latter on every new event). Read here as well:
``server_ca_file`` (the CA bundle that signed the server's certificate, from
``sync enroll --ca-file``) and ``allow_plain_http`` (``yes`` only when an administrator allowed
plain http:// to a server that is not on this machine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from counter_app.ledger import public_key_from_b64
from counter_app.store.uow import Store
from counter_app.sync.client import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, ServerClient, check_server_url
from counter_app.sync.errors import NOT_ENROLLED, SyncError

HALL_TZ = timezone(timedelta(hours=8), "CST")

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime; injected so tests can drive it."""


def system_clock() -> datetime:
    """The machine's clock in hall time (UTC+8)."""
    return datetime.now(HALL_TZ)


@dataclass(frozen=True)
class SyncConfig:
    """An enrolled device: its id, the server and the key that signs the server's receipts."""

    device_id: str
    server_url: str
    server_public_key: Ed25519PublicKey
    ca_file: str | None = None
    allow_plain_http: bool = False

    def client(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) -> ServerClient:
        """A client for the server with this window's TLS settings."""
        return ServerClient(
            self.server_url, timeout=timeout, ca_file=self.ca_file, allow_plain_http=self.allow_plain_http
        )

    @classmethod
    def load(cls, store: Store) -> SyncConfig:
        """Read the settings; ``SyncError(NOT_ENROLLED)`` when enrollment has not happened and
        ``SyncError(PLAIN_HTTP_REFUSED)`` when the server address may not be used."""
        settings = store.settings()
        device_id = settings.get("device_id", "")
        url = settings.get("server_url", "")
        key_b64 = settings.get("server_public_key", "")
        if not (device_id and url and key_b64):
            raise SyncError(
                NOT_ENROLLED, "device_id, server_url or server_public_key missing", retryable=False
            )
        try:
            key = public_key_from_b64(key_b64)
        except ValueError as exc:
            raise SyncError(NOT_ENROLLED, f"stored server key is invalid: {exc}", retryable=False) from exc
        allow = plain_http_allowed(settings)
        check_server_url(url, allow)
        return cls(device_id, url, key, settings.get("server_ca_file") or None, allow)


def plain_http_allowed(settings: dict[str, str]) -> bool:
    """Whether an administrator allowed plain http:// to a server on another machine."""
    return settings.get("allow_plain_http", "no") == "yes"


def parse_time(value: str) -> datetime:
    """An ISO 8601 time from the server or the ledger; naive values are taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
