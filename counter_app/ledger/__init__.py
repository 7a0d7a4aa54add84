"""The signed, hash-chained event ledger shared by the counter and the e-supervision server.

Every state change on a window becomes an :class:`~counter_app.ledger.envelope.Envelope`, hashed
over its RFC 8785 canonical JSON and signed with the device's Ed25519 key. The server imports
this package (and nothing else of the client) to check what it receives.
"""

from counter_app.ledger.chain import ChainProblem, ChainReport, verify_chain
from counter_app.ledger.document import DocumentSignature, sign_document, verify_document
from counter_app.ledger.envelope import (
    ENVELOPE_VERSION,
    GENESIS_HASH,
    Envelope,
    LedgerError,
    SignedEvent,
    seal,
    seal_canonical,
    verify_event,
)
from counter_app.ledger.keys import DeviceKey, public_key_from_b64
from counter_app.ledger.receipt import AckReceipt, sign_receipt, verify_receipt

__all__ = [
    "ENVELOPE_VERSION",
    "GENESIS_HASH",
    "AckReceipt",
    "ChainProblem",
    "ChainReport",
    "DeviceKey",
    "DocumentSignature",
    "Envelope",
    "LedgerError",
    "SignedEvent",
    "public_key_from_b64",
    "seal",
    "seal_canonical",
    "sign_document",
    "sign_receipt",
    "verify_chain",
    "verify_document",
    "verify_event",
    "verify_receipt",
]
