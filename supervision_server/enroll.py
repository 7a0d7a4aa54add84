"""Device enrollment (设备登记): one-time codes issued by an administrator, redeemed by a counter.

An administrator issues a short code for a hall and window; the counter sends it with its
device id, its Ed25519 public key, the hall and window it is configured for, and a signature
over all of these with its private key (:func:`counter_app.ledger.device_messages.enroll_message`).
The signature proves the device holds the key it enrolls; keys no honest device can have
(all-zero, the identity, small-order or mixed-order points) are refused outright. A code for
another hall or window than the counter's own is refused before it is spent, so the clerk can
still use it at the right window.

Every code and device has a role (:mod:`counter_app.domain.device_role`): a window, or the
hall's ticket kiosk, whose number counts kiosks, not windows. The role is signed in the
enrollment message; a code for a kiosk enrolls only a counter set up as a kiosk and the other
way round (409 ENROLL_ROLE_MISMATCH, the code stays unused). A request without a role comes
from an older client: it is a window, and its signature may be over the version 1 message.

The server keeps only a SHA-256 of each code, so a database dump does not hand out working
codes. A code works once and until it expires. Redeeming the same code again for the same
device and key answers as the first time did (the first reply may have been lost), and an
enrolled device may redeem a fresh code for the window it already has. A device that is
already enrolled moves to another window only with a re-enrollment code an administrator
issued for that very device (``device_id`` on the code row, which records who may
move where and when it was used); a device id already enrolled with another key is refused,
because the key is what every later event is checked against.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, select

from counter_app.domain.device_role import DeviceRole, device_label
from counter_app.ledger import GENESIS_HASH, public_key_from_b64
from counter_app.ledger.device_messages import enroll_message, normalise_enroll_code
from counter_app.ledger.key_check import is_weak_public_key
from supervision_server.errors import ApiError
from supervision_server.schema import devices, enroll_codes
from supervision_server.timeutil import iso

# Crockford-style: no I, L, O, U, so that a code read aloud or typed is hard to get wrong.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP_LEN = 3, 4
DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_DEVICE_ID_RE = re.compile(DEVICE_ID_PATTERN)


@dataclass(frozen=True)
class IssuedCode:
    """A fresh enrollment code and what it is for."""

    code: str
    hall_code: str
    window_no: int
    expires_at: str
    device_id: str | None = None
    role: DeviceRole = DeviceRole.WINDOW


@dataclass(frozen=True)
class Enrollment:
    """The outcome of a successful enrollment."""

    device_id: str
    hall_code: str
    window_no: int
    created: bool
    role: DeviceRole = DeviceRole.WINDOW


def code_hash(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(
        b"service-counter/enroll-code/v1\n" + normalise_enroll_code(code).encode()
    ).hexdigest()


def valid_device_id(device_id: str) -> bool:
    """Whether ``device_id`` has the allowed form (letters, digits, ``.``, ``_``, ``:``, ``-``)."""
    return bool(_DEVICE_ID_RE.match(device_id))


def issue_code(
    conn: Connection,
    hall_code: str,
    window_no: int,
    ttl: timedelta,
    now: datetime,
    *,
    device_id: str | None = None,
    role: DeviceRole = DeviceRole.WINDOW,
) -> IssuedCode:
    """Create and store a one-time code for ``hall_code``/``window_no`` valid for ``ttl``.

    With ``device_id`` the code is a re-enrollment code: only that enrolled device may use it,
    and using it moves the device to ``hall_code``/``window_no``. With ``role`` KIOSK the code
    enrolls kiosk number ``window_no``.
    """
    if not hall_code.strip():
        raise ApiError(422, "HALL_CODE_REQUIRED", "请填写大厅编码")
    if window_no < 1:
        raise ApiError(422, "WINDOW_NO_INVALID", "窗口号必须是正整数")
    if device_id is not None and (
        not valid_device_id(device_id)
        or conn.execute(select(devices.c.device_id).where(devices.c.device_id == device_id)).first() is None
    ):
        raise ApiError(404, "UNKNOWN_DEVICE", f"设备 {device_id} 未登记，无需改登记码", device_id=device_id)
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LEN))
    code = "-".join(raw[i : i + _GROUP_LEN] for i in range(0, len(raw), _GROUP_LEN))
    expires_at = iso(now + ttl)
    conn.execute(
        enroll_codes.insert().values(
            code_hash=code_hash(code),
            hall_code=hall_code.strip(),
            window_no=window_no,
            created_at=iso(now),
            expires_at=expires_at,
            device_id=device_id,
            role=role.value,
        )
    )
    return IssuedCode(code, hall_code.strip(), window_no, expires_at, device_id, role)


def check_enroll_proof(
    code: str,
    device_id: str,
    public_key: str,
    signature: str,
    hall_code: str | None,
    window_no: int | None,
    role: DeviceRole | None = DeviceRole.WINDOW,
) -> None:
    """Refuse a malformed device id, a weak or malformed key, or a signature the key did not make.

    ``role`` None: the request named no role (an older client), so the signature may be over the
    version 1 message, or over version 2 as a window.

    Raises ApiError 422 DEVICE_ID_INVALID / BAD_PUBLIC_KEY / WEAK_PUBLIC_KEY, 400 BAD_SIGNATURE.
    """
    if not valid_device_id(device_id):
        raise ApiError(422, "DEVICE_ID_INVALID", "设备编号只能包含字母、数字和 . _ : -，最长 64 个字符")
    try:
        key = public_key_from_b64(public_key)
    except ValueError as exc:
        raise ApiError(
            422, "BAD_PUBLIC_KEY", "设备公钥不是有效的 Ed25519 公钥（32 字节，Base64 编码）"
        ) from exc
    if is_weak_public_key(base64.b64decode(public_key)):
        raise ApiError(422, "WEAK_PUBLIC_KEY", "设备公钥是弱密钥（无需私钥即可伪造签名），不予登记")
    roles = [role.value] if role is not None else [DeviceRole.WINDOW.value, None]
    for signed_role in roles:
        message = enroll_message(code, device_id, public_key, hall_code, window_no, signed_role)
        try:
            key.verify(base64.b64decode(signature, validate=True), message)
            return
        except (binascii.Error, ValueError, InvalidSignature):
            continue
    raise ApiError(400, "BAD_SIGNATURE", "登记请求的签名无效：须由本设备的私钥签名")


def enroll_device(
    conn: Connection,
    *,
    code: str,
    device_id: str,
    public_key: str,
    signature: str,
    hall_code: str | None = None,
    window_no: int | None = None,
    role: DeviceRole | None = None,
    device_info: dict[str, Any],
    now: datetime,
) -> Enrollment:
    """Redeem ``code`` for ``device_id`` with ``public_key`` (base64 raw Ed25519), proven by ``signature``.

    ``hall_code``/``window_no`` are what the counter is configured as (None if not yet). Raises
    the errors of :func:`check_enroll_proof`, and ApiError 403 ENROLL_CODE_UNKNOWN / EXPIRED /
    USED / OTHER_DEVICE, 409 ENROLL_MISMATCH / ENROLL_ROLE_MISMATCH (the code stays unused),
    DEVICE_ENROLLED, DEVICE_EXISTS. ``role`` None is a window (a client older than roles).
    """
    check_enroll_proof(code, device_id, public_key, signature, hall_code, window_no, role)
    role = role or DeviceRole.WINDOW
    row = conn.execute(
        select(enroll_codes).where(enroll_codes.c.code_hash == code_hash(code)).with_for_update()
    ).first()
    if row is None:
        raise ApiError(403, "ENROLL_CODE_UNKNOWN", "登记码无效，请向管理员重新申请")
    existing = conn.execute(select(devices).where(devices.c.device_id == device_id).with_for_update()).first()
    if existing is not None and existing.public_key != public_key:
        raise ApiError(409, "DEVICE_EXISTS", f"设备编号 {device_id} 已用另一把密钥登记", device_id=device_id)
    if row.used_at is not None:
        if row.used_by == device_id and existing is not None:
            # The same device retrying after a lost reply: answer as before.
            return Enrollment(
                device_id, existing.hall_code, existing.window_no, False, DeviceRole(existing.role)
            )
        raise ApiError(403, "ENROLL_CODE_USED", "该登记码已被使用，请向管理员重新申请")
    if row.expires_at <= iso(now):
        raise ApiError(403, "ENROLL_CODE_EXPIRED", "登记码已过期，请向管理员重新申请")
    if row.device_id is not None and row.device_id != device_id:
        raise ApiError(403, "ENROLL_CODE_OTHER_DEVICE", "该登记码是为另一台设备改登记发放的，本设备不能使用")
    code_role = DeviceRole(row.role)
    if role != code_role:
        raise ApiError(
            409,
            "ENROLL_ROLE_MISMATCH",
            f"登记码用于{device_label(code_role, row.window_no)}，而本机设置为"
            f"{'取号机' if role is DeviceRole.KIOSK else '窗口'}；登记码未被使用，"
            f"请索取{'取号机' if role is DeviceRole.KIOSK else '窗口'}的登记码",
            code_role=code_role.value,
            device_role=role.value,
        )
    if (hall_code is not None and hall_code != row.hall_code) or (
        window_no is not None and window_no != row.window_no
    ):
        raise ApiError(
            409,
            "ENROLL_MISMATCH",
            f"登记码属于 {row.hall_code} 大厅 {row.window_no} 号窗口，而本机为 {hall_code} 大厅 "
            f"{window_no} 号窗口；登记码未被使用，请在正确的窗口使用或索取本窗口的登记码",
            code_hall_code=row.hall_code,
            code_window_no=row.window_no,
        )
    moving = existing is not None and (existing.hall_code, existing.window_no, existing.role) != (
        row.hall_code,
        row.window_no,
        row.role,
    )
    if existing is not None and moving and row.device_id != device_id:
        raise ApiError(
            409,
            "DEVICE_ENROLLED",
            f"设备 {device_id} 已登记在 {existing.hall_code} 大厅 {existing.window_no} 号窗口；"
            "如需改到其他窗口，请管理员为本设备发放改登记码",
            device_id=device_id,
        )
    conn.execute(
        enroll_codes.update()
        .where(enroll_codes.c.code_hash == row.code_hash)
        .values(used_at=iso(now), used_by=device_id)
    )
    info = json.dumps(device_info, ensure_ascii=False, sort_keys=True)
    if existing is None:
        conn.execute(
            devices.insert().values(
                device_id=device_id,
                public_key=public_key,
                hall_code=row.hall_code,
                window_no=row.window_no,
                role=code_role.value,
                device_info=info,
                enrolled_at=iso(now),
                main_seq=0,
                main_hash=GENESIS_HASH,
                head_seq=0,
                head_hash=GENESIS_HASH,
                forked=False,
                withholding_alerted=False,
            )
        )
    else:  # an administrator's re-enrollment code moves the device to another window
        conn.execute(
            devices.update()
            .where(devices.c.device_id == device_id)
            .values(hall_code=row.hall_code, window_no=row.window_no, role=code_role.value, device_info=info)
        )
    return Enrollment(device_id, row.hall_code, row.window_no, True, code_role)
