"""Case numbers (办件编号): unique across every window of a hall, even when all are offline.

Format (at most 32 characters, well inside GB/T 39046's an..50)::

    {hall_code}-{yyyymmdd}-{window:02d}{device_tag}-{serial:04d}
    YX330781-20261125-03K7Q-0007

- ``hall_code``: 2–12 uppercase letters/digits, configured at installation.
- ``yyyymmdd``: the acceptance day in hall time (UTC+8).
- ``window``: the window number (1–99) and ``device_tag``: 3 characters derived from the
  device's public key. Together they keep two devices at one window (say, after a reinstall,
  whose serials restart) from issuing the same number.
- ``serial``: 0001–9999 per device per day, kept in the device's database.

Only the device that owns a (window, tag) pair issues numbers with it, so no coordination is
needed. The server refuses a number whose hall, window or tag is not the posting device's
(:func:`issued_by`), and refuses a second ``case.received`` for a number it already holds; a
window learns the highest serial the server holds for it before issuing more, so a window
restored from an old copy never issues a number again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter_app.domain.errors import DomainError

TAG_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud without doubt
_PATTERN = re.compile(r"^([A-Z0-9]{2,12})-(\d{8})-(\d{2})([A-Z2-9]{3})-(\d{4})$")
MAX_SERIAL = 9999


class CaseNumberError(DomainError):
    """A case number that cannot be made or read."""

    code = "CASE_NO_INVALID"


@dataclass(frozen=True)
class CaseNumber:
    """The parts of a case number."""

    hall_code: str
    day: date
    window_no: int
    device_tag: str
    serial: int

    def __str__(self) -> str:
        d = self.day  # formatted field by field: strftime costs more than the rest of the number
        ymd = f"{d.year:04d}{d.month:02d}{d.day:02d}"
        return f"{self.hall_code}-{ymd}-{self.window_no:02d}{self.device_tag}-{self.serial:04d}"


def device_tag(public_key_raw: bytes) -> str:
    """Three characters from the device's public key, in an alphabet safe to read aloud."""
    value = int.from_bytes(public_key_raw[:4], "big")
    chars = []
    for _ in range(3):
        value, index = divmod(value, len(TAG_ALPHABET))
        chars.append(TAG_ALPHABET[index])
    return "".join(chars)


def make_case_number(hall_code: str, day: date, window_no: int, tag: str, serial: int) -> str:
    """Build a case number; CaseNumberError if a part is out of range."""
    if not 1 <= serial <= MAX_SERIAL:
        raise CaseNumberError(f"本窗口今日办件流水号已用尽（{serial}）", "CASE_NO_SERIAL_EXHAUSTED")
    if not 1 <= window_no <= 99:
        raise CaseNumberError(f"窗口号应在 1–99 之间：{window_no}")
    number = str(CaseNumber(hall_code, day, window_no, tag, serial))
    parse_case_number(number)
    return number


def parse_case_number(text: str) -> CaseNumber:
    """Read a case number made by :func:`make_case_number`; CaseNumberError otherwise."""
    match = _PATTERN.match(text.strip().upper())
    if not match:
        raise CaseNumberError(f"办件编号格式不正确：{text}")
    hall, ymd, window, tag, serial = match.groups()
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError as exc:
        raise CaseNumberError(f"办件编号中的日期不存在：{ymd}") from exc
    return CaseNumber(hall, day, int(window), tag, int(serial))


def issued_by(project_no: str, hall_code: str, window_no: int, tag: str) -> bool | None:
    """Whether the device with this hall, window and tag issued ``project_no``.

    None when the text is not a case number at all (it names no issuer, so it can only be bound
    to whoever registered it first).
    """
    try:
        number = parse_case_number(project_no)
    except CaseNumberError:
        return None
    # Numbers are read in upper case, so a hall configured in lower case still owns its numbers.
    return (number.hall_code, number.window_no, number.device_tag) == (hall_code.upper(), window_no, tag)
