"""What the window asks the server before numbering a case, handing one over, or delivering a
case another window handed it (统一出件)."""

from __future__ import annotations

import logging

from counter_app.domain.errors import DomainError
from counter_app.services.clock import system_clock
from counter_app.store.uow import Store
from counter_app.sync.config import SyncConfig
from counter_app.sync.errors import NOT_ENROLLED, SyncError
from counter_app.sync.numbers import FLOOR_TIMEOUT_S, learn_number_floor

_log = logging.getLogger(__name__)


def learn_floor_before_numbering(store: Store) -> str:
    """Raise today's serial counter to the server's before a number is issued.

    Returns a warning for the clerk when the server could not be asked (the case is still
    taken in offline), or "" when the floor is learned or the window is not enrolled.
    """
    try:
        learn_number_floor(store, system_clock().date())
    except SyncError as exc:
        if exc.code == NOT_ENROLLED:
            return ""
        _log.warning("case number floor not learned: %s", exc)
        return "未能向电子监察服务器核对办件编号（离线接件），联网后请尽快同步"
    return ""


def confirm_enrolled_device(store: Store, device_id: str) -> None:
    """DomainError unless the server knows ``device_id`` (a typo would strand the case).

    A window that is not enrolled (a stand-alone test install) has no server to ask.
    """
    try:
        config = SyncConfig.load(store)
    except SyncError as exc:
        if exc.code == NOT_ENROLLED:
            return
        raise
    client = config.client(timeout=FLOOR_TIMEOUT_S)
    try:
        client.head(device_id)
    except SyncError as exc:
        if exc.code == "UNKNOWN_DEVICE":
            raise DomainError(
                f"电子监察服务器上没有登记设备 {device_id}，请核对设备编号", "HANDOVER_TARGET_UNKNOWN"
            ) from exc
        raise DomainError("无法向电子监察服务器核对接收设备，请联网后再移交", "HANDOVER_OFFLINE") from exc
    finally:
        client.close()


def confirm_held_case(store: Store, project_no: str) -> str:
    """The device that received ``project_no`` if the server says this device holds it now.

    DomainError CASE_NOT_FOUND when the window is not enrolled (it can hold only its own cases),
    CASE_NOT_HELD when the handover has not reached the server, HANDOVER_OFFLINE without network.
    """
    try:
        config = SyncConfig.load(store)
    except SyncError as exc:
        raise DomainError(f"未找到办件：{project_no}", "CASE_NOT_FOUND") from exc
    client = config.client(timeout=FLOOR_TIMEOUT_S)
    try:
        held = client.held_case(config.device_id, project_no)
    except SyncError as exc:
        if exc.code == "CASE_NOT_HELD":
            raise DomainError(
                f"办件 {project_no} 不是本窗口受理的，服务器上也没有移交本窗口的记录（受理窗口可能尚未同步）",
                "CASE_NOT_HELD",
            ) from exc
        raise DomainError("无法向电子监察服务器核对办件移交，请联网后再送达", "HANDOVER_OFFLINE") from exc
    finally:
        client.close()
    return str(held["owner_device_id"])
