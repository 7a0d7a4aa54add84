"""Canonical JSON (RFC 8785, JCS): the exact bytes that are hashed and signed."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON.

    Floats are refused on purpose: amounts and times travel as integers or strings so that
    every implementation produces the same bytes.
    """
    _refuse_floats(value)
    return rfc8785.dumps(value)


def tagged_sha256(tag: bytes, value: Any) -> str:
    """Hex SHA-256 of ``tag || JCS(value)``; the tag keeps hashes of different kinds apart."""
    return hashlib.sha256(tag + canonical_json(value)).hexdigest()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not allowed in ledger data; use integers or strings")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
