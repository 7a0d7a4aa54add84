"""Canonical JSON (RFC 8785, JCS): the exact bytes that are hashed and signed.

RFC 8785 output equals ``json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))``
for the values a ledger record may hold (strings, integers within ±(2**53 - 1), booleans, null,
lists, objects with string keys) as long as no object key lies outside the Basic Multilingual
Plane (JCS orders keys by UTF-16 code units, Python by code points) and no string holds a lone
surrogate; orjson with sorted keys writes the same bytes again, 8 to 11 times as fast as the
standard library's C encoder. :func:`canonical_json` takes that road when :func:`jcs_compatible`
says the value is of that kind, and the reference ``rfc8785`` code for anything else, which also
refuses what JCS cannot represent. ``tests/unit/test_canonical.py`` compares the roads on
generated values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import rfc8785

_INT_LIMIT = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON.

    Floats are refused on purpose: amounts and times travel as integers or strings so that
    every implementation produces the same bytes.
    """
    if jcs_compatible(value):
        try:
            return orjson.dumps(value, option=_ORJSON)
        except TypeError:
            pass  # a lone surrogate: the reference below refuses it with its own error
    _refuse_floats(value)
    return rfc8785.dumps(value)


# Sorted keys; anything but plain JSON types (a str or int subclass, a date) is refused rather
# than written in orjson's own way, and goes to the standard library's encoder below.
_ORJSON = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def compact_sorted_json(value: Any) -> str:
    """Sorted, compact JSON text: RFC 8785 for a value :func:`jcs_compatible` accepts."""
    try:
        return orjson.dumps(value, option=_ORJSON).decode("utf-8")
    except TypeError:  # lone surrogates, integers beyond 64 bits, other types: as json writes them
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def jcs_compatible(value: Any) -> bool:
    """Whether ``value`` serialises to RFC 8785 bytes through :func:`compact_sorted_json` unchanged
    (lone surrogates aside: those fail to encode as UTF-8 on either road)."""
    # Containers go on a stack (no recursion limit); the scalars in one, most of a ledger record,
    # are checked where they are found.
    stack: list[Any] = [[value]]
    while stack:
        container = stack.pop()
        if type(container) is dict:
            for key in container:
                if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                    return False
            children = container.values()
        else:
            children = container
        for item in children:
            kind = type(item)
            if kind is str or item is None or kind is bool:
                continue
            if kind is int:
                if -_INT_LIMIT <= item <= _INT_LIMIT:
                    continue
                return False
            if kind is dict or kind is list or kind is tuple:
                stack.append(item)
                continue
            return False
    return True


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
