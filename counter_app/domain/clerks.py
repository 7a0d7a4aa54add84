"""The clerk roster (窗口人员名册): who may log in at a window, and the login lockout rule.

One definition for the server, which keeps the roster, and the window, which caches it and
checks passwords offline. A roster entry is never edited: a change of name, role, password or
an entry switched off is a new version of the clerk's row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app.domain.errors import DomainError

CLERK = "clerk"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (CLERK, SUPERVISOR, ADMIN)
SYSTEM_CLERK = "system"  # the clerk_id of events no person did (set-up, a failed login)
ROLE_LABELS = {CLERK: "窗口人员", SUPERVISOR: "现场管理", ADMIN: "管理员"}

MAX_FAILURES = 5  # wrong passwords in a row for one number ...
FAILURE_WINDOW = timedelta(minutes=10)  # ... within this time ...
LOCKOUT = timedelta(minutes=2)  # ... lock that number for this long

_NUMBER = re.compile(r"^[0-9A-Za-z]{2,12}$")


@dataclass(frozen=True)
class RosterEntry:
    """One clerk's latest roster version as a window holds it."""

    number: str  # 工号
    name: str
    role: str
    password_hash: str  # argon2id, never the password
    hall_code: str
    windows: tuple[int, ...] = ()  # empty: any window of the hall
    active: bool = True
    version: int = 1

    def may_use_window(self, window_no: int) -> bool:
        """Whether this clerk may log in at ``window_no``."""
        return not self.windows or window_no in self.windows

    def as_json(self) -> dict[str, object]:
        """The cached and transmitted form."""
        return {
            "number": self.number,
            "name": self.name,
            "role": self.role,
            "password_hash": self.password_hash,
            "hall_code": self.hall_code,
            "windows": list(self.windows),
            "active": self.active,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RosterEntry:
        """Read :meth:`as_json` output (as sent by the server)."""
        windows = data.get("windows") or []
        assert isinstance(windows, list)
        return cls(
            number=str(data["number"]),
            name=str(data["name"]),
            role=str(data["role"]),
            password_hash=str(data["password_hash"]),
            hall_code=str(data["hall_code"]),
            windows=tuple(int(w) for w in windows),
            active=bool(data.get("active", True)),
            version=int(str(data.get("version", 1))),
        )


def check_clerk_number(number: str) -> str:
    """The personal number, stripped; DomainError CLERK_NUMBER when it is not 2–12 letters or digits."""
    number = number.strip()
    if not _NUMBER.match(number):
        raise DomainError("工号应为2–12位数字或字母", "CLERK_NUMBER")
    return number


def check_role(role: str) -> str:
    """The role; DomainError CLERK_ROLE when it is not one of :data:`ROLES`."""
    if role not in ROLES:
        raise DomainError(f"角色应为 {'、'.join(ROLES)} 之一", "CLERK_ROLE")
    return role


def check_clerk_name(name: str) -> str:
    """The clerk's name, stripped; DomainError CLERK_NAME when empty or too long."""
    name = name.strip()
    if not 1 <= len(name) <= 40:
        raise DomainError("姓名不能为空，且不超过40个字", "CLERK_NAME")
    return name


def locked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """When a number locked by its recent wrong passwords may try again; None if it may now.

    ``failures`` are the times of the wrong passwords since the last successful login.
    """
    recent = sorted(t for t in failures if now - t <= FAILURE_WINDOW)
    if len(recent) < MAX_FAILURES:
        return None
    until = recent[-1] + LOCKOUT
    return until if until > now else None
