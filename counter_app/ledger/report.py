"""Signed statements about a ledger's own health, between a window and the server.

A window that finds its ledger broken tells the server in a *device report*, signed with its
device key under its own domain tag (so it can never be mistaken for an event, a heartbeat or a
receipt). When rows a window never delivered are gone for good (a *hole*), only an administrator
can let the window go on; the server's answer is a *hole acceptance*, signed with the server key,
which the window keeps and checks in ``verify`` like an acknowledgement receipt.
"""

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

REPORT_TAG = b"service-counter/device-report/v1\n"
HOLE_ACCEPTED_TAG = b"service-counter/hole-accepted/v1\n"

LEDGER_TAMPERED = "LEDGER_TAMPERED"
LEDGER_HOLE = "LEDGER_HOLE"
REPORT_KINDS = (LEDGER_TAMPERED, LEDGER_HOLE)


def report_message(device_id: str, report: dict[str, Any]) -> bytes:
    """The exact bytes a device signs for ``report`` (every field but ``signature``)."""
    body = {k: v for k, v in report.items() if k != "signature"}
    return REPORT_TAG + canonical_json({**body, "device_id": device_id})


def sign_report(key: DeviceKey, device_id: str, report: dict[str, Any]) -> dict[str, Any]:
    """``report`` with the device's signature added."""
    return {**report, "signature": key.sign(report_message(device_id, report))}


def verify_report(public_key: Ed25519PublicKey, device_id: str, report: dict[str, Any]) -> None:
    """LedgerError(BAD_SIGNATURE) unless ``report`` carries ``device_id``'s valid signature."""
    _verify(public_key, str(report.get("signature", "")), report_message(device_id, report))


@dataclass(frozen=True)
class HoleAcceptance:
    """The server's word that seqs ``from_seq..to_seq`` of a device are lost for good and that
    the event after them may link to ``bridge_hash``, a hash nobody can check any more."""

    device_id: str
    from_seq: int
    to_seq: int
    bridge_hash: str
    accepted_at: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """The signed fields."""
        return {
            "device_id": self.device_id,
            "from_seq": self.from_seq,
            "to_seq": self.to_seq,
            "bridge_hash": self.bridge_hash,
            "accepted_at": self.accepted_at,
        }

    def as_dict(self) -> dict[str, Any]:
        """The acceptance with its signature, as sent and stored."""
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Any) -> HoleAcceptance:
        """Parse a stored or received acceptance; LedgerError if malformed."""
        try:
            return cls(
                device_id=str(data["device_id"]),
                from_seq=int(data["from_seq"]),
                to_seq=int(data["to_seq"]),
                bridge_hash=str(data["bridge_hash"]),
                accepted_at=str(data["accepted_at"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerError("HOLE_ACCEPTANCE_MALFORMED", "hole acceptance is malformed") from exc


def sign_hole_acceptance(acceptance: HoleAcceptance, server_key: DeviceKey) -> HoleAcceptance:
    """``acceptance`` signed with the server's key."""
    signature = server_key.sign(HOLE_ACCEPTED_TAG + canonical_json(acceptance.body()))
    return HoleAcceptance(**acceptance.body(), signature=signature)


def verify_hole_acceptance(acceptance: HoleAcceptance, server_public_key: Ed25519PublicKey) -> None:
    """LedgerError(BAD_SIGNATURE) unless the server signed ``acceptance``."""
    _verify(server_public_key, acceptance.signature, HOLE_ACCEPTED_TAG + canonical_json(acceptance.body()))


def _verify(public_key: Ed25519PublicKey, signature: str, message: bytes) -> None:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LedgerError("BAD_SIGNATURE", "signature is not valid") from exc
