"""Weak Ed25519 public keys: the ones no honest device can have, refused at enrollment.

A key made by ``DeviceKey.generate`` is ``a*B`` for a secret scalar ``a``: a point of the
prime-order subgroup. An encoding that is not a curve point, is not canonical (``y >= p``), is
one of the eight small-order points (all-zero, the identity, ...) or carries a small-order
component is never such a key, and with a small-order key signatures can be forged without any
private key. The check decodes the point (RFC 8032, 5.1.3) and multiplies it by 8 and by the
group order ``L``. Pure Python: it runs once per enrollment, in about a millisecond.
"""

from __future__ import annotations

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_IDENTITY = (0, 1, 1, 0)

_Point = tuple[int, int, int, int]  # extended coordinates X, Y, Z, T


def _decode(raw: bytes) -> _Point | None:
    if len(raw) != 32:
        return None
    value = int.from_bytes(raw, "little")
    sign, y = value >> 255, value & ((1 << 255) - 1)
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if (v * x * x - u) % _P != 0:
        if (v * x * x + u) % _P != 0:
            return None
        x = x * _SQRT_M1 % _P
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


def _add(p: _Point, q: _Point) -> _Point:
    # The unified formula is complete on Ed25519: it also doubles and adds the identity.
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _times(scalar: int, point: _Point) -> _Point:
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _is_identity(point: _Point) -> bool:
    return point[0] % _P == 0 and (point[1] - point[2]) % _P == 0


def is_weak_public_key(raw: bytes) -> bool:
    """Whether ``raw`` (32 bytes) is not a key an honest device can have; see the module docstring."""
    point = _decode(raw)
    if point is None:
        return True
    return _is_identity(_times(8, point)) or not _is_identity(_times(_L, point))
