"""The case number floor: never issue a serial the server already holds for this window.

A window restored from an old copy of its database would otherwise count its serials from the
copy and issue numbers again that citizens already hold on receipts. Before issuing numbers,
the window asks the server for the highest serial it holds per day for this device and raises
its own counters to them. Offline, the window keeps working from its own counters; the server
then refuses a number issued twice (CASE_NO_TAKEN) and keeps the first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import SyncConfig
from counter_app.sync.errors import BAD_RESPONSE, SyncError

_log = logging.getLogger(__name__)

# Connecting must not hold up a clerk for long when the hall network is down.
FLOOR_TIMEOUT_S = (2.0, 5.0)


@dataclass(frozen=True)
class NumberFloor:
    """What the server holds per day (``held``) and the days whose counter was raised."""

    held: dict[str, int]
    raised: dict[str, tuple[int, int]]  # day -> (local serial before, serial now)


def learn_number_floor(store: Store, since: date, client: ServerClient | None = None) -> NumberFloor:
    """Raise the local serial counters from ``since`` to what the server holds for this device.

    Raises :class:`SyncError` (NOT_ENROLLED, NETWORK, ...) and changes nothing if the server
    cannot be asked.
    """
    config = SyncConfig.load(store)
    own = client is None
    client = client or config.client(timeout=FLOOR_TIMEOUT_S)
    try:
        reply = client.case_serials(config.device_id, since.isoformat())
    finally:
        if own:
            client.close()
    held = _parse(reply)
    raised: dict[str, tuple[int, int]] = {}
    serials = schema.case_serials
    with store.unit_of_work() as uow:
        for day, last in sorted(held.items()):
            local = uow.conn.execute(select(serials.c.last_serial).where(serials.c.day == day)).scalar()
            if local is None:
                uow.conn.execute(serials.insert().values(day=day, last_serial=last))
            elif local < last:
                uow.conn.execute(serials.update().where(serials.c.day == day).values(last_serial=last))
            else:
                continue
            raised[day] = (int(local or 0), last)
        uow.commit()
    if raised:
        _log.warning("case number serials raised to the server's: %s", raised)
    return NumberFloor(held, raised)


def _parse(reply: object) -> dict[str, int]:
    try:
        rows = reply["serials"]  # type: ignore[index]
        held = {date.fromisoformat(str(r["day"])).isoformat(): int(r["last_serial"]) for r in rows}
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError(BAD_RESPONSE, f"case-serials reply malformed: {exc!r}", retryable=False) from exc
    if any(v < 0 for v in held.values()):
        raise SyncError(BAD_RESPONSE, "case-serials reply has a negative serial", retryable=False)
    return held
