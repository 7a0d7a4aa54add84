"""Setting up a counter: device identity, hall, role and number, calendar, catalog import.

A folder is set up as a window (窗口, numbers 1-99) or as the hall's ticket kiosk (取号机, numbers
1-9: the first digit of the tickets it issues offline). The role is stored in the ``role``
setting (absent on folders set up before roles: a window) and recorded in ``device.initialised``.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from counter_app.domain.case_numbers import device_tag
from counter_app.domain.catalog import load_catalog_file
from counter_app.domain.clerks import SYSTEM_CLERK
from counter_app.domain.device_role import (
    NOT_A_KIOSK,
    NOT_A_KIOSK_MESSAGE,
    NOT_A_WINDOW,
    DeviceRole,
    device_label,
    parse_role,
)
from counter_app.domain.errors import DomainError
from counter_app.services.clock import Clock
from counter_app.services.reference import seed_calendar, store_catalog
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store

__all__ = ["SYSTEM_CLERK", "DeviceInfo", "import_catalog", "init_counter"]
ROLE_KEY = "role"
KIOSK_INDEX_KEY = "kiosk_index"  # the first digit of a kiosk's offline ticket numbers


@dataclass(frozen=True)
class DeviceInfo:
    """Who this window is."""

    device_id: str
    hall_code: str
    window_no: int
    device_tag: str
    public_key: str
    data_dir: str
    role: str = DeviceRole.WINDOW.value


def device_role(settings: dict[str, str]) -> DeviceRole:
    """The role a data folder was set up as (a window when set up before roles existed)."""
    return parse_role(settings.get(ROLE_KEY))


def require_role(store: Store, wanted: DeviceRole) -> None:
    """Refuse to run a window's screen on a kiosk folder or the kiosk on a window's folder.

    Raises DomainError QUEUE_NOT_A_WINDOW or DEVICE_NOT_A_KIOSK with a message for the clerk.
    """
    settings = store.settings()
    role = device_role(settings)
    if role is wanted:
        return
    here = device_label(role, settings.get("window_no", "?"))
    if wanted is DeviceRole.WINDOW:
        raise DomainError(
            f"本数据目录是{here}，不是窗口：不能打开叫号面板或窗口程序，请使用取号模式", NOT_A_WINDOW
        )
    raise DomainError(f"本数据目录是{here}。{NOT_A_KIOSK_MESSAGE}", NOT_A_KIOSK)


def init_counter(
    data_dir: DataDir,
    hall_code: str,
    window_no: int,
    clock: Clock,
    role: DeviceRole = DeviceRole.WINDOW,
) -> DeviceInfo:
    """Create the data folder, database and device key, and record who this counter is.

    ``window_no`` is the window's number, or with ``role`` KIOSK the kiosk's (1-9). Running it
    again on an initialised folder changes nothing and returns the existing identity; asking for
    a different hall, role or number there is refused (re-enrol a new folder instead).
    """
    hall_code = hall_code.strip().upper()
    if not (2 <= len(hall_code) <= 12 and hall_code.isascii() and hall_code.isalnum()):
        raise DomainError("大厅代码应为2–12位字母或数字", "SETUP_HALL_CODE")
    if role is DeviceRole.KIOSK and not 1 <= window_no <= 9:
        raise DomainError("取号机编号应在 1–9 之间（离线号码的首位）", "SETUP_KIOSK_NO")
    if not 1 <= window_no <= 99:
        raise DomainError("窗口号应在 1–99 之间", "SETUP_WINDOW_NO")
    store = Store(data_dir)
    try:
        existing = store.settings()
        if existing.get("device_id"):
            asked = (hall_code, str(window_no), role)
            if (existing.get("hall_code"), existing.get("window_no"), device_role(existing)) != asked:
                where = f"{existing.get('hall_code')} 大厅 {device_label(device_role(existing), existing.get('window_no', '?'))}"
                raise DomainError(
                    f"该数据目录已初始化为 {where}",
                    "SETUP_ALREADY_INITIALISED",
                )
            return _info(store)
        now = clock()
        raw = base64.b64decode(store.key.public_b64)
        with store.unit_of_work() as uow:
            uow.put_setting("device_id", str(uuid.uuid4()))
            uow.put_setting("hall_code", hall_code)
            uow.put_setting("window_no", str(window_no))
            uow.put_setting(ROLE_KEY, role.value)
            if role is DeviceRole.KIOSK:
                uow.put_setting(KIOSK_INDEX_KEY, str(window_no))
            uow.put_setting("device_tag", device_tag(raw))
            seed_calendar(uow, now.year - 1, now.year + 2, now)
            uow.ledger.append(
                "device.initialised",
                {
                    "hall_code": hall_code,
                    "window_no": window_no,
                    "role": role.value,
                    "device_tag": uow.settings["device_tag"],
                    "public_key": store.key.public_b64,
                },
                SYSTEM_CLERK,
                now,
            )
            uow.commit()
        return _info(store)
    finally:
        store.close()


def import_catalog(store: Store, path: Path, clock: Clock, clerk_id: str = SYSTEM_CLERK) -> dict[str, object]:
    """Validate a catalog file and make it the window's catalog; the import is a ledger event."""
    catalog = load_catalog_file(path)
    now = clock()
    with store.unit_of_work() as uow:
        digest = store_catalog(uow, catalog, now)
        stats = asdict(catalog.stats())
        uow.ledger.append(
            "catalog.imported",
            {"version": str(catalog.version), "sha256": digest, "items": len(catalog.items)},
            clerk_id,
            now,
        )
        uow.commit()
    return {"version": str(catalog.version), "sha256": digest, **stats}


def _info(store: Store) -> DeviceInfo:
    s = store.settings()
    return DeviceInfo(
        device_id=s["device_id"],
        hall_code=s["hall_code"],
        window_no=int(s["window_no"]),
        device_tag=s["device_tag"],
        public_key=store.key.public_b64,
        data_dir=str(store.data_dir.root),
        role=device_role(s).value,
    )
