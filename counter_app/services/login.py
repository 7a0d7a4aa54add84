"""Clerk login at a window (登录), against the cached roster, so that it works offline.

Passwords are checked with argon2 against the hash the server sent; the password itself is
never stored or recorded. Each login, logout, wrong password, screen lock and unlock is a
ledger event of the window, so e-supervision knows who was at which window when. A number with
too many wrong passwords in a short time is locked for a while (:mod:`counter_app.domain.clerks`),
counted from the window's own ledger so that a restart does not reset it.
"""

from __future__ import annotations

import json
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from counter_app.domain.clerks import ADMIN, SUPERVISOR, SYSTEM_CLERK, RosterEntry, locked_until
from counter_app.domain.errors import DomainError
from counter_app.services.clock import Clock
from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.roster import cached_roster

LOGGED_IN = "clerk.logged_in"
LOGGED_OUT = "clerk.logged_out"
LOGIN_FAILED = "clerk.login_failed"
SCREEN_LOCKED = "clerk.screen_locked"
SCREEN_UNLOCKED = "clerk.screen_unlocked"
_hasher = PasswordHasher()
_SCAN = 200  # recent login events looked at for the lockout


class Login:
    """Logs clerks in and out at this window; every call writes its ledger event."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def roster(self) -> dict[str, RosterEntry]:
        """The cached roster by number."""
        return cached_roster(self.store.settings())

    def log_in(self, number: str, password: str) -> RosterEntry:
        """The clerk, logged in; DomainError LOGIN_NO_ROSTER, LOGIN_LOCKED, LOGIN_FAILED,
        LOGIN_INACTIVE or LOGIN_WINDOW otherwise (each failure recorded)."""
        number = number.strip()
        settings = self.store.settings()
        roster = cached_roster(settings)
        if not roster:
            raise DomainError("本机还没有人员名册：请连接电子监察服务器后重试", "LOGIN_NO_ROSTER")
        entry = self._checked(roster, number, password, "login")
        window_no = int(settings.get("window_no", "0") or 0)
        if not entry.active:
            self._fail(number, "inactive")
            raise DomainError(f"工号 {number} 已停用，请联系管理员", "LOGIN_INACTIVE")
        if not entry.may_use_window(window_no):
            self._fail(number, "window")
            raise DomainError(f"工号 {number} 不能在 {window_no} 号窗口登录", "LOGIN_WINDOW")
        self._record(LOGGED_IN, {"number": number, "role": entry.role, "window_no": window_no}, number)
        return entry

    def log_out(self, clerk: RosterEntry, reason: str = "logout") -> None:
        """Record the clerk leaving the window (``reason``: logout, quit)."""
        self._record(LOGGED_OUT, {"number": clerk.number, "reason": reason}, clerk.number)

    def lock(self, clerk: RosterEntry, reason: str) -> None:
        """Record the screen locked (``reason``: idle, manual)."""
        self._record(SCREEN_LOCKED, {"number": clerk.number, "reason": reason}, clerk.number)

    def unlock(self, clerk: RosterEntry, number: str, password: str) -> RosterEntry:
        """Unlock the screen of ``clerk`` by the same clerk or a supervisor; returns who unlocked."""
        number = number.strip()
        entry = self._checked(cached_roster(self.store.settings()), number, password, "unlock")
        if entry.number != clerk.number and entry.role not in (SUPERVISOR, ADMIN):
            self._fail(number, "not_allowed")
            raise DomainError("只有本人或现场管理人员可以解锁", "UNLOCK_NOT_ALLOWED")
        if not entry.active:
            self._fail(number, "inactive")
            raise DomainError(f"工号 {number} 已停用，请联系管理员", "LOGIN_INACTIVE")
        self._record(SCREEN_UNLOCKED, {"number": clerk.number, "by": entry.number}, clerk.number)
        return entry

    # -- plumbing -------------------------------------------------------------------------------

    def _checked(self, roster: dict[str, RosterEntry], number: str, password: str, kind: str) -> RosterEntry:
        now = self.clock()
        until = locked_until(self._failures(number), now)
        if until is not None:
            raise DomainError(
                f"密码错误次数过多，工号 {number} 已锁定，请于 {until.astimezone(now.tzinfo):%H:%M:%S} 后再试",
                "LOGIN_LOCKED",
            )
        entry = roster.get(number)
        if entry is None or not _matches(entry.password_hash, password):
            self._fail(number, "password" if entry else "unknown_number", kind)
            raise DomainError("工号或密码错误", "LOGIN_FAILED")
        return entry

    def _fail(self, number: str, reason: str, kind: str = "login") -> None:
        self._record(LOGIN_FAILED, {"number": number[:32], "reason": reason, "during": kind}, SYSTEM_CLERK)

    def _record(self, type_: str, payload: dict[str, object], clerk_id: str) -> None:
        with self.store.unit_of_work() as uow:
            uow.ledger.append(type_, payload, clerk_id, self.clock())
            uow.commit()

    def _failures(self, number: str) -> list[datetime]:
        """Times of wrong passwords for ``number`` since its last successful login or unlock."""
        ev = schema.events.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(ev.type, ev.envelope)
                .where(ev.type.in_((LOGIN_FAILED, LOGGED_IN, SCREEN_UNLOCKED)))
                .order_by(ev.seq.desc())
                .limit(_SCAN)
            ).all()
            conn.rollback()
        failures: list[datetime] = []
        for row in rows:
            envelope = json.loads(row.envelope)
            payload = envelope["payload"]
            if row.type == LOGIN_FAILED and payload.get("number") == number:
                if payload.get("reason") in ("password", "unknown_number"):
                    failures.append(datetime.fromisoformat(envelope["occurred_at"]))
            elif (row.type == LOGGED_IN and payload.get("number") == number) or (
                row.type == SCREEN_UNLOCKED and payload.get("by") == number
            ):
                break
        return failures


def _matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
