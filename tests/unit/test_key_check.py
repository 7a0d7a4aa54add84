"""The weak-key check agrees with libsodium's point validation, point for point."""

from __future__ import annotations

import base64
import random

from nacl.bindings import crypto_core_ed25519_add, crypto_core_ed25519_is_valid_point

from counter_app.ledger import DeviceKey
from counter_app.ledger.key_check import is_weak_public_key
from tests.server.helpers import NON_CANONICAL_POINTS, SMALL_ORDER_POINTS


def test_honest_keys_pass() -> None:
    for _ in range(50):
        raw = base64.b64decode(DeviceKey.generate().public_b64)
        assert not is_weak_public_key(raw)


def test_small_order_non_canonical_and_mixed_points_are_weak() -> None:
    for encoding in SMALL_ORDER_POINTS + NON_CANONICAL_POINTS:
        assert is_weak_public_key(bytes.fromhex(encoding)), encoding
    honest = base64.b64decode(DeviceKey.generate().public_b64)
    for torsion in SMALL_ORDER_POINTS[1:]:  # every one but the identity
        mixed = crypto_core_ed25519_add(honest, bytes.fromhex(torsion))
        assert is_weak_public_key(mixed) and not crypto_core_ed25519_is_valid_point(mixed)


def test_random_encodings_agree_with_libsodium() -> None:
    rng = random.Random(20261125)
    for _ in range(1000):
        raw = rng.randbytes(32)
        assert is_weak_public_key(raw) == (not crypto_core_ed25519_is_valid_point(raw)), raw.hex()
    assert is_weak_public_key(b"\x01" * 31)  # not 32 bytes
