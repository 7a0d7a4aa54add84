"""What kind of device an enrolled counter is: a window (窗口) or the hall's ticket kiosk (取号机).

The role is part of the device's identity: it is set at ``counter init``, named on the
enrollment code, signed in the enrollment message and stored by the server. A kiosk issues
tickets and nothing else; only a window calls, serves and finishes them, and only windows are
counted, judged and shown as windows.
"""

from __future__ import annotations

from enum import StrEnum

from counter_app.domain.errors import DomainError


class DeviceRole(StrEnum):
    """The kinds of enrolled device."""

    WINDOW = "window"
    KIOSK = "kiosk"


ROLE_LABELS = {DeviceRole.WINDOW: "窗口", DeviceRole.KIOSK: "取号机"}

# The queue operations a kiosk may send; every other one is a window's.
KIOSK_QUEUE_ACTIONS = frozenset({"issue", "cancel"})

NOT_A_WINDOW = "QUEUE_NOT_A_WINDOW"
NOT_A_WINDOW_MESSAGE = "该设备是取号机，不是窗口：只能取号，不能叫号、办理或暂停"
NOT_A_KIOSK = "DEVICE_NOT_A_KIOSK"
NOT_A_KIOSK_MESSAGE = "该设备是窗口，不是取号机：请在取号机的数据目录上运行取号模式"


def parse_role(text: str | None) -> DeviceRole:
    """The role named by ``text``; empty or None is a window (devices set up before roles existed)."""
    value = (text or DeviceRole.WINDOW.value).strip().lower()
    try:
        return DeviceRole(value)
    except ValueError:
        raise DomainError("设备类型应为 window（窗口）或 kiosk（取号机）", "DEVICE_ROLE_INVALID") from None


def device_label(role: DeviceRole | str, number: int | str) -> str:
    """How a device is named to people: ``3号窗口`` or ``1号取号机``."""
    return f"{number}号{ROLE_LABELS[parse_role(str(role))]}"
