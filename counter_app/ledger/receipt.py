"""Server-signed acknowledgement receipts: a window's proof of what the server received."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from counter_app.ledger.canonical import canonical_json
from counter_app.ledger.envelope import LedgerError
from counter_app.ledger.keys import DeviceKey

RECEIPT_TAG = b"service-counter/ack/v1\n"


@dataclass(frozen=True)
class AckReceipt:
    """The server's statement that it durably holds ``device_id``'s events up to ``acked_seq``,
    whose last hash is ``acked_hash``, as of ``server_time``."""

    device_id: str
    acked_seq: int
    acked_hash: str
    server_time: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """The signed fields."""
        return {
            "device_id": self.device_id,
            "acked_seq": self.acked_seq,
            "acked_hash": self.acked_hash,
            "server_time": self.server_time,
        }

    def as_dict(self) -> dict[str, Any]:
        """The receipt with its signature, as sent on the wire."""
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Any) -> AckReceipt:
        """Parse a receipt mapping; LedgerError if it is malformed."""
        try:
            return cls(
                device_id=str(data["device_id"]),
                acked_seq=int(data["acked_seq"]),
                acked_hash=str(data["acked_hash"]),
                server_time=str(data["server_time"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerError("RECEIPT_MALFORMED", "receipt is malformed") from exc


def sign_receipt(receipt: AckReceipt, server_key: DeviceKey) -> AckReceipt:
    """Return ``receipt`` signed with the server's key."""
    signature = server_key.sign(RECEIPT_TAG + canonical_json(receipt.body()))
    return AckReceipt(**receipt.body(), signature=signature)


def verify_receipt(receipt: AckReceipt, server_public_key: Ed25519PublicKey) -> None:
    """Raise LedgerError(BAD_RECEIPT) unless the server's signature on the receipt is valid."""
    try:
        server_public_key.verify(
            base64.b64decode(receipt.signature, validate=True),
            RECEIPT_TAG + canonical_json(receipt.body()),
        )
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LedgerError("BAD_RECEIPT", "acknowledgement receipt signature is not valid") from exc
