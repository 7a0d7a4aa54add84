"""Enrollment (设备登记): register this window's public key with the server using a one-time code.

The request is signed with the device key (proof that this window holds it) and names the hall
and window this counter was set up for, and its role (a window or a ticket kiosk), so that the
server refuses a code for another window, or a kiosk's code on a window, before spending it.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from counter_app.domain.device_role import DeviceRole, device_label, parse_role
from counter_app.domain.errors import DomainError
from counter_app.ledger import public_key_from_b64
from counter_app.ledger.device_messages import enroll_message
from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, parse_time, system_clock
from counter_app.sync.errors import BAD_RESPONSE, SyncError


@dataclass(frozen=True)
class Enrollment:
    """What the server assigned: the device id, hall and window, and its receipt key."""

    device_id: str
    hall_code: str
    window_no: int
    server_public_key: str
    server_url: str
    clock_offset_ms: int | None
    role: DeviceRole = DeviceRole.WINDOW


def default_device_id(store: Store) -> str:
    """The stored device id, or one derived from the device's public key."""
    existing = store.settings().get("device_id")
    if existing:
        return existing
    return "dev-" + hashlib.sha256(store.key.public_b64.encode("ascii")).hexdigest()[:16]


def enroll(
    store: Store,
    server_url: str,
    code: str,
    *,
    device_info: dict[str, Any] | None = None,
    client: ServerClient | None = None,
    clock: Clock = system_clock,
) -> Enrollment:
    """Send the device public key with ``code``; store server_url, server key, hall and window.

    Raises :class:`SyncError` with the server's code (ENROLL_CODE_UNKNOWN, ENROLL_CODE_EXPIRED,
    ENROLL_CODE_USED, DEVICE_EXISTS) or NETWORK; nothing is stored unless the server agreed.
    """
    own_client = client is None
    client = client or ServerClient(server_url)
    device_id = default_device_id(store)
    info = {"hostname": platform.node(), "platform": platform.platform(), "app": "service-counter"}
    info.update(device_info or {})
    hall_code, window_no = _configured_window(store)
    role = parse_role(store.settings().get("role"))
    public_key = store.key.public_b64
    body = {
        "code": code.strip(),
        "device_id": device_id,
        "public_key": public_key,
        "hall_code": hall_code,
        "window_no": window_no,
        "role": role.value,
        "signature": store.key.sign(
            enroll_message(code, device_id, public_key, hall_code, window_no, role.value)
        ),
        "device_info": info,
    }
    try:
        sent_at = clock()
        reply = client.enroll(body)
        received_at = clock()
    finally:
        if own_client:
            client.close()
    enrollment = _parse_reply(reply, server_url, sent_at, received_at)
    _check_device_id(store, device_id, enrollment.device_id)
    _check_identity(store, enrollment)
    with store.unit_of_work() as uow:
        uow.put_setting("device_id", enrollment.device_id)
        uow.put_setting("role", enrollment.role.value)
        uow.put_setting("hall_code", enrollment.hall_code)
        uow.put_setting("window_no", str(enrollment.window_no))
        uow.put_setting("server_url", enrollment.server_url)
        uow.put_setting("server_public_key", enrollment.server_public_key)
        uow.put_setting("enrolled_at", received_at.isoformat(timespec="seconds"))
        if enrollment.clock_offset_ms is not None:
            uow.put_setting("clock_offset_ms", str(enrollment.clock_offset_ms))
        uow.commit()
    return enrollment


def _configured_window(store: Store) -> tuple[str | None, int | None]:
    """The hall and window set at init (None before), which the server checks the code against."""
    settings = store.settings()
    window = settings.get("window_no") or ""
    return settings.get("hall_code") or None, int(window) if window.isdigit() else None


def _parse_reply(reply: Any, server_url: str, sent_at: datetime, received_at: datetime) -> Enrollment:
    try:
        key = str(reply["server_public_key"])
        public_key_from_b64(key)
        offset = None
        if reply.get("server_time"):
            midpoint = sent_at + (received_at - sent_at) / 2
            offset = round((parse_time(str(reply["server_time"])) - midpoint).total_seconds() * 1000)
        return Enrollment(
            device_id=str(reply["device_id"]),
            hall_code=str(reply["hall_code"]),
            window_no=int(reply["window_no"]),
            server_public_key=key,
            server_url=server_url.rstrip("/"),
            clock_offset_ms=offset,
            role=parse_role(str(reply.get("role") or "window")),
        )
    except (KeyError, TypeError, ValueError, AttributeError, DomainError) as exc:
        raise SyncError(BAD_RESPONSE, f"enroll reply malformed: {exc!r}", retryable=False) from exc


def _check_device_id(store: Store, sent: str, assigned: str) -> None:
    # Events already signed under one id cannot be re-labelled; refuse rather than fork them.
    if sent == assigned:
        return
    with store.read() as conn:
        count = conn.execute(select(func.count()).select_from(schema.events)).scalar_one()
        conn.rollback()
    if count:
        raise SyncError(
            "DEVICE_ID_MISMATCH",
            f"server assigned {assigned!r} but {count} events are signed as {sent!r}",
            retryable=False,
        )


def _check_identity(store: Store, enrollment: Enrollment) -> None:
    # Case numbers carry the hall and window set at init: a code issued for another window
    # must not silently renumber this one.
    settings = store.settings()
    role = parse_role(settings.get("role"))
    if role is not enrollment.role:
        there, here = (
            device_label(enrollment.role, enrollment.window_no),
            device_label(role, settings.get("window_no", "?")),
        )
        raise SyncError(
            "ENROLL_ROLE_MISMATCH",
            f"server enrolled this device as {enrollment.role.value}, it is set up as {role.value}",
            retryable=False,
            message=f"服务器将本机登记为{there}，而本机设置为{here}，请向管理员索取正确的登记码",
        )
    local = (settings.get("hall_code"), settings.get("window_no"))
    if local[0] and local != (enrollment.hall_code, str(enrollment.window_no)):
        raise SyncError(
            "ENROLL_MISMATCH",
            f"code is for {enrollment.hall_code} window {enrollment.window_no}, this is {local[0]} window {local[1]}",
            retryable=False,
            message=(
                f"登记码属于 {enrollment.hall_code} 大厅 {enrollment.window_no} 号窗口，"
                f"而本机为 {local[0]} 大厅 {local[1]} 号窗口，请向管理员索取本窗口的登记码"
            ),
        )
