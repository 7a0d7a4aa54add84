"""Login against the cached roster, without Qt: lockout survives a restart, inactive clerks and
other windows are refused, and nothing of the password reaches the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from counter_app.domain.clerks import RosterEntry
from counter_app.domain.errors import DomainError
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.login import Login
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync.roster import cache_roster

HASH = PasswordHasher().hash("right-pass")


@pytest.fixture
def folder(tmp_path: Path) -> DataDir:
    clock = FixedClock(datetime(2026, 12, 7, 9, 0, tzinfo=HALL_TZ))
    data = DataDir(tmp_path / "w")
    init_counter(data, "YX330781", 3, clock)
    store = Store(data)
    cache_roster(
        store,
        [
            RosterEntry("0307", "张丽", "clerk", HASH, "YX330781"),
            RosterEntry("0410", "李明", "clerk", HASH, "YX330781", windows=(4, 5)),
            RosterEntry("0520", "赵六", "clerk", HASH, "YX330781", active=False, version=2),
        ],
        "",
    )
    store.close()
    return data


def code_of(login: Login, number: str, password: str) -> str:
    with pytest.raises(DomainError) as caught:
        login.log_in(number, password)
    return caught.value.code


def test_a_lockout_outlives_a_restart_and_ends_after_two_minutes(folder: DataDir) -> None:
    clock = FixedClock(datetime(2026, 12, 7, 9, 0, tzinfo=HALL_TZ))
    store = Store(folder)
    login = Login(store, clock)
    assert [code_of(login, "0307", f"wrong-{n}") for n in range(5)] == ["LOGIN_FAILED"] * 5
    store.close()
    store = Store(folder)  # the window restarted
    login = Login(store, clock)
    assert code_of(login, "0307", "right-pass") == "LOGIN_LOCKED"
    assert code_of(login, "0410", "right-pass") == "LOGIN_WINDOW"  # another number: not locked
    clock.now += timedelta(minutes=2, seconds=1)
    assert login.log_in("0307", "right-pass").name == "张丽"
    assert code_of(login, "0307", "wrong-again") == "LOGIN_FAILED"  # the count started again
    store.close()


def test_other_windows_inactive_clerks_and_unknown_numbers_are_refused(folder: DataDir) -> None:
    clock = FixedClock(datetime(2026, 12, 7, 9, 0, tzinfo=HALL_TZ))
    store = Store(folder)
    login = Login(store, clock)
    assert code_of(login, "0410", "right-pass") == "LOGIN_WINDOW"
    assert code_of(login, "0520", "right-pass") == "LOGIN_INACTIVE"
    assert code_of(login, "9999", "right-pass") == "LOGIN_FAILED"
    text = folder.db_path.read_bytes()
    store.close()
    assert b"right-pass" not in text
