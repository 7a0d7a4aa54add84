"""The event envelope: what one state change on a window looks like in the ledger.

``hash = SHA-256(b"service-counter/event/v1\\n" || JCS(envelope))`` and the device signs the
32 raw hash bytes with Ed25519. ``prev_hash`` links each event to the one before it, so an
event cannot be removed, reordered or changed without breaking the chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from counter_app.ledger.canonical import canonical_json
from counter_app.ledger.keys import DeviceKey

ENVELOPE_VERSION = 1
EVENT_TAG = b"service-counter/event/v1\n"
GENESIS_HASH = "0" * 64

_FIELDS = (
    "v",
    "device_id",
    "seq",
    "prev_hash",
    "event_id",
    "type",
    "payload",
    "clerk_id",
    "occurred_at",
    "clock_offset_ms",
)


class LedgerError(Exception):
    """A malformed, mis-hashed or mis-signed event; ``code`` is stable for logs and HTTP."""

    def __init__(self, code: str, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.seq = seq

    def __str__(self) -> str:
        where = f" (seq {self.seq})" if self.seq is not None else ""
        return f"[{self.code}] {self.message}{where}"


@dataclass(frozen=True)
class Envelope:
    """One ledger event before signing.

    ``occurred_at`` is the device clock's ISO 8601 time with offset; ``clock_offset_ms`` is the
    last measured difference server minus device (None until the device has met the server),
    so a reader can always tell what the device's clock was believed to be worth.
    """

    device_id: str
    seq: int
    prev_hash: str
    event_id: str
    type: str
    payload: dict[str, Any]
    clerk_id: str
    occurred_at: str
    clock_offset_ms: int | None = None
    v: int = ENVELOPE_VERSION

    def as_dict(self) -> dict[str, Any]:
        """The envelope as the plain mapping that is canonicalised and hashed."""
        return {name: getattr(self, name) for name in _FIELDS}

    def canonical(self) -> bytes:
        """The RFC 8785 canonical JSON of the envelope: what is hashed, and what is stored."""
        return canonical_json(self.as_dict())

    def digest(self) -> bytes:
        """The 32-byte SHA-256 over the domain tag and the canonical envelope."""
        return hashlib.sha256(EVENT_TAG + self.canonical()).digest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        """Parse an envelope mapping, refusing missing, extra or mistyped fields."""
        if not isinstance(data, dict):
            raise LedgerError("ENVELOPE_MALFORMED", "envelope is not an object")
        missing = [f for f in _FIELDS if f not in data]
        extra = [f for f in data if f not in _FIELDS]
        seq = data.get("seq") if isinstance(data.get("seq"), int) else None
        if missing or extra:
            raise LedgerError(
                "ENVELOPE_MALFORMED", f"envelope fields missing {missing} or unknown {extra}", seq
            )
        checks: list[tuple[str, type | tuple[type, ...]]] = [
            ("v", int),
            ("device_id", str),
            ("seq", int),
            ("prev_hash", str),
            ("event_id", str),
            ("type", str),
            ("payload", dict),
            ("clerk_id", str),
            ("occurred_at", str),
            ("clock_offset_ms", (int, type(None))),
        ]
        for name, kind in checks:
            value = data[name]
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
                raise LedgerError("ENVELOPE_MALFORMED", f"envelope field {name} has the wrong type", seq)
        if data["v"] != ENVELOPE_VERSION:
            raise LedgerError("ENVELOPE_VERSION", f"unsupported envelope version {data['v']}", seq)
        if data["seq"] < 1 or len(data["prev_hash"]) != 64:
            raise LedgerError("ENVELOPE_MALFORMED", "seq must be >= 1 and prev_hash 64 hex digits", seq)
        return cls(**{name: data[name] for name in _FIELDS})


@dataclass(frozen=True)
class SignedEvent:
    """An envelope with its hex hash and base64 Ed25519 signature over the raw hash."""

    envelope: Envelope
    hash: str
    signature: str
    _checked: bool = field(default=False, compare=False, repr=False)

    @property
    def seq(self) -> int:
        """The envelope's sequence number on its device."""
        return self.envelope.seq

    def as_wire(self) -> dict[str, Any]:
        """The JSON form sent to the server and stored in the events table."""
        return {"envelope": self.envelope.as_dict(), "hash": self.hash, "signature": self.signature}

    @classmethod
    def from_wire(cls, data: Any) -> SignedEvent:
        """Parse the wire form; LedgerError if malformed (signature is not checked here)."""
        if not isinstance(data, dict) or set(data) != {"envelope", "hash", "signature"}:
            raise LedgerError("EVENT_MALFORMED", "an event has exactly envelope, hash and signature")
        if not isinstance(data["hash"], str) or not isinstance(data["signature"], str):
            raise LedgerError("EVENT_MALFORMED", "hash and signature are strings")
        return cls(Envelope.from_dict(data["envelope"]), data["hash"], data["signature"])


def seal(envelope: Envelope, key: DeviceKey) -> SignedEvent:
    """Hash and sign an envelope with the device key."""
    return seal_canonical(envelope, key)[0]


def seal_canonical(envelope: Envelope, key: DeviceKey) -> tuple[SignedEvent, bytes]:
    """Hash and sign an envelope; also the canonical bytes that were hashed, to store as they are
    (the envelope is canonicalised once)."""
    body = envelope.canonical()
    digest = hashlib.sha256(EVENT_TAG + body).digest()
    return SignedEvent(envelope, digest.hex(), key.sign(digest)), body


def verify_event(event: SignedEvent, public_key: Ed25519PublicKey) -> None:
    """Check that the stored hash matches the envelope and the signature matches the hash.

    Raises LedgerError with code BAD_HASH or BAD_SIGNATURE.
    """
    digest = event.envelope.digest()
    if digest.hex() != event.hash:
        raise LedgerError("BAD_HASH", "event hash does not match its contents", event.seq)
    try:
        signature = base64.b64decode(event.signature, validate=True)
        public_key.verify(signature, digest)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LedgerError("BAD_SIGNATURE", "event signature is not valid", event.seq) from exc
