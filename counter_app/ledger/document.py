"""Server-signed reference documents: the catalog (事项目录) and the hall calendar.

The server signs each published version with the same Ed25519 key that signs acknowledgement
receipts, and a window verifies it against the key it pinned at enrollment before it uses a
single day or item of it. The signature is detached, so the body stays the exact bytes served:
it covers a domain tag and the canonical JSON of the document's name, publication version and
the SHA-256 of those bytes. The name stops a calendar being passed off as a catalog; the version
lets a window refuse an older signed document replayed in place of a newer one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from counter_app.ledger.canonical import canonical_json
from counter_app.ledger.envelope import LedgerError
from counter_app.ledger.keys import DeviceKey

DOCUMENT_TAG = b"service-counter/document/v1\n"

# HTTP headers that carry the signature beside the unchanged body.
SIGNATURE_HEADER = "X-Document-Signature"
KEY_ID_HEADER = "X-Document-Key-Id"
VERSION_HEADER = "X-Document-Version"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a server key, so a refusal can say which key signed."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class DocumentSignature:
    """The server's signature on version ``version`` of document ``name`` whose bytes hash to
    ``sha256``; ``key_id`` names the signing key."""

    name: str
    version: int
    sha256: str
    key_id: str
    signature: str

    def statement(self) -> bytes:
        """The bytes that are signed."""
        body = {"name": self.name, "version": self.version, "sha256": self.sha256}
        return DOCUMENT_TAG + canonical_json(body)

    def headers(self) -> dict[str, str]:
        """The signature as HTTP headers (the body travels as it is)."""
        return {
            SIGNATURE_HEADER: self.signature,
            KEY_ID_HEADER: self.key_id,
            VERSION_HEADER: str(self.version),
        }


def sign_document(name: str, version: int, body: bytes, server_key: DeviceKey) -> DocumentSignature:
    """Sign version ``version`` of ``name`` whose exact bytes are ``body``."""
    unsigned = DocumentSignature(
        name, version, hashlib.sha256(body).hexdigest(), key_id(server_key.public_key), ""
    )
    return replace(unsigned, signature=server_key.sign(unsigned.statement()))


def verify_document(
    name: str,
    body: bytes,
    version: str | int | None,
    signature: str | None,
    server_public_key: Ed25519PublicKey,
) -> DocumentSignature:
    """Check that ``body`` is version ``version`` of ``name`` as signed by the server.

    Raises LedgerError DOCUMENT_UNSIGNED when no signature came with it, and
    DOCUMENT_SIGNATURE_INVALID when it does not verify (altered bytes, another version, another
    document, or a key other than the pinned one).
    """
    if not signature or version is None or str(version).strip() == "":
        raise LedgerError("DOCUMENT_UNSIGNED", f"{name} arrived without a signature or version")
    try:
        number = int(str(version).strip())
    except ValueError as exc:
        raise LedgerError(
            "DOCUMENT_SIGNATURE_INVALID", f"{name} version {version!r} is not a number"
        ) from exc
    signed = DocumentSignature(
        name, number, hashlib.sha256(body).hexdigest(), key_id(server_public_key), signature
    )
    try:
        server_public_key.verify(base64.b64decode(signature, validate=True), signed.statement())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LedgerError(
            "DOCUMENT_SIGNATURE_INVALID", f"{name} version {number}: signature does not verify"
        ) from exc
    return signed
