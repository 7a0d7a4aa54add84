"""Checking a batch of signed events fast: hash recomputation and Ed25519 in parallel.

Two costs dominate ingest, and each has a faster road that never accepts more than the
reference code in :mod:`counter_app.ledger` does:

* **Hash.** RFC 8785 output equals ``json.dumps(sort_keys=True, ensure_ascii=False,
  separators=(",", ":"))`` for the values a ledger envelope may hold (strings, integers within
  ±(2**53 - 1), booleans, null, lists, objects) as long as no object key lies outside the Basic
  Multilingual Plane (JCS orders keys by UTF-16 code units, Python by code points). The values
  are checked first (:func:`~counter_app.ledger.canonical.jcs_compatible`, the same test the
  counter's own ``canonical_json`` uses); anything else, and any digest that does not match the
  claimed hash, is recomputed with the reference ``Envelope.digest()`` before the event is
  refused. A match means the device signed exactly these bytes.
* **Signature.** libsodium (PyNaCl) verifies about 1.8 times as fast as OpenSSL through
  ``cryptography`` here. Both release the GIL while they verify (``bench/bench_ingest.py``
  checks this), so worker threads check signatures while the calling thread hashes the next
  chunk and both cores are used. Without PyNaCl the ``cryptography`` verifier is used the same
  way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from counter_app.ledger import LedgerError, SignedEvent, public_key_from_b64
from counter_app.ledger.canonical import compact_sorted_json, jcs_compatible
from counter_app.ledger.envelope import EVENT_TAG

try:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey
except ImportError:  # pragma: no cover - PyNaCl is part of the server extra
    VerifyKey = None  # type: ignore[assignment,misc]
    BadSignatureError = Exception  # type: ignore[assignment,misc]

# Below this many events the thread hand-off costs more than it saves.
_PARALLEL_MIN = 64
# Signatures per task handed to a worker.
_CHUNK = 50


def envelope_json(envelope: dict[str, Any]) -> str:
    """Sorted, compact JSON of an envelope: the stored form, and RFC 8785 when :func:`jcs_compatible`."""
    return compact_sorted_json(envelope)


def check_hash(event: SignedEvent) -> str:
    """The envelope's stored JSON form; LedgerError(BAD_HASH or EVENT_MALFORMED) unless the
    envelope hashes to ``event.hash``."""
    data = event.envelope.as_dict()
    text = ""
    if jcs_compatible(data):
        try:
            text = envelope_json(data)
            raw = text.encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            raw = b""
        if raw and hashlib.sha256(EVENT_TAG + raw).hexdigest() == event.hash:
            return text
    try:
        digest = event.envelope.digest()
    except (TypeError, ValueError) as exc:  # floats, huge integers, lone surrogates
        raise LedgerError("EVENT_MALFORMED", "event data cannot be canonicalised", event.seq) from exc
    if digest.hex() != event.hash:
        raise LedgerError("BAD_HASH", "event hash does not match its contents", event.seq)
    return text or envelope_json(data)


def _signature_checker(public_key_b64: str) -> Callable[[bytes, bytes], bool]:
    """A function (signature, digest) -> valid, for one device key."""
    raw_key = base64.b64decode(public_key_b64, validate=True)
    if VerifyKey is not None:
        nacl_key = VerifyKey(raw_key)

        def check_nacl(signature: bytes, digest: bytes) -> bool:
            try:
                nacl_key.verify(digest, signature)
            except (BadSignatureError, ValueError):
                return False
            return True

        return check_nacl
    key = public_key_from_b64(public_key_b64)

    def check_openssl(signature: bytes, digest: bytes) -> bool:
        try:
            key.verify(signature, digest)
        except Exception:
            return False
        return True

    return check_openssl


def _check_signatures(
    events: Sequence[SignedEvent], check: Callable[[bytes, bytes], bool]
) -> LedgerError | None:
    """The first event in ``events`` whose signature does not verify, as a LedgerError, or None."""
    for event in events:
        try:
            signature = base64.b64decode(event.signature, validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        if len(signature) != 64 or not check(signature, bytes.fromhex(event.hash)):
            return LedgerError("BAD_SIGNATURE", "event signature is not valid", event.seq)
    return None


class SignatureCheck:
    """The signature checks of one batch, running on the workers or already done."""

    def __init__(self, futures: list[Future[LedgerError | None]], found: list[LedgerError]) -> None:
        self._futures = futures
        self._found = found

    def wait(self) -> None:
        """Block until every signature is checked; raise the lowest-seq problem, if any."""
        problems = self._found + [p for p in (f.result() for f in self._futures) if p is not None]
        if problems:
            raise min(problems, key=lambda p: p.seq or 0)


class BatchVerifier:
    """Checks signatures on ``threads`` worker threads and hashes on the calling thread.

    Hashing is Python work (it holds the GIL); signature checks run in libsodium without it.
    :meth:`start` hands a batch's signatures to the workers and returns at once, so the caller
    can hash the batch and even write it in its (uncommitted) transaction meanwhile, and call
    :meth:`SignatureCheck.wait` before it commits. Both cores stay busy.
    """

    def __init__(self, threads: int = 2) -> None:
        self.threads = max(1, threads)
        self.parallel = self.threads > 1
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="verify") if self.parallel else None

    def start(self, events: Sequence[SignedEvent], public_key_b64: str) -> SignatureCheck:
        """Begin checking the signatures of ``events``; small batches are checked right here."""
        check = _signature_checker(public_key_b64)
        if self._pool is None or len(events) < _PARALLEL_MIN:
            problem = _check_signatures(events, check)
            return SignatureCheck([], [problem] if problem else [])
        parts = [events[i : i + _CHUNK] for i in range(0, len(events), _CHUNK)]
        return SignatureCheck([self._pool.submit(_check_signatures, part, check) for part in parts], [])

    @staticmethod
    def hashes(events: Sequence[SignedEvent]) -> list[str]:
        """The stored JSON form of each event; LedgerError for the first whose hash is wrong."""
        return [check_hash(event) for event in events]

    def verify(self, events: Sequence[SignedEvent], public_key_b64: str) -> list[str]:
        """Hashes and signatures both checked; LedgerError for the lowest-seq event that is wrong."""
        signatures = self.start(events, public_key_b64)
        try:
            texts = self.hashes(events)
        except LedgerError as exc:
            raise first_problem(exc, signatures) from None
        signatures.wait()
        return texts

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def first_problem(hash_problem: LedgerError, signatures: SignatureCheck) -> LedgerError:
    """Of a hash problem and the batch's signature problems, the one at the lowest seq."""
    try:
        signatures.wait()
    except LedgerError as signature_problem:
        if (signature_problem.seq or 0) < (hash_problem.seq or 0):
            return signature_problem
    return hash_problem
