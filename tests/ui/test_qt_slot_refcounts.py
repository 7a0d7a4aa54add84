"""The Qt binding keeps Python's reference counts: a window runs all day on slot calls.

PySide6 6.12.0 dropped a reference to None (or True) on every call of a Python slot, so that a clerk's
window on Python 3.11 aborted with ``none_dealloc`` after some ten thousand clicks and timer
ticks (pyproject.toml pins below it). Here the count of None (and of True and False) after a
hundred and after two hundred calls must not depend on the number of calls.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QPushButton


class _Source(QObject):
    flag = Signal(bool)
    data = Signal(dict)


def _drift(calls: int) -> tuple[int, int, int]:
    button = QPushButton()
    source = _Source()
    seen: list[object] = []
    button.clicked.connect(lambda _checked=False: None)
    source.flag.connect(lambda value: seen.append(value) or seen.clear())
    source.data.connect(lambda payload: None)
    gc.collect()
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for n in range(calls):
        button.click()
        source.flag.emit(n % 2 == 0)
        source.data.emit({"level": None})
    gc.collect()
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    button.deleteLater()
    return (after[0] - before[0], after[1] - before[1], after[2] - before[2])


def test_slot_calls_leave_none_true_and_false_counted(qapp: QApplication) -> None:
    assert _drift(100) == _drift(200)
