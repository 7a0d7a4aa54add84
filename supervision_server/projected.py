"""The newly stored events handed to the read models, and defensive readers for their payloads.

Payloads come from counters and are only as good as the counter that wrote them: the readers
below never raise, they return None for anything missing or of the wrong kind, and strip NUL
characters that PostgreSQL text columns cannot hold.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam

from counter_app.ledger import SignedEvent
from supervision_server.db import Prepared, bulk_insert, write

PROJECT_NO_MAX = 50
_INT_MAX = 2**31 - 1
_CHUNK = 500


@dataclass(frozen=True)
class ProjectedEvent:
    """One newly stored event, with the enrolled hall and window of its device."""

    device_id: str
    seq: int
    hash: str
    type: str
    payload: dict[str, Any]
    clerk_id: str
    occurred_at: str
    received_at: str
    from_fork: bool
    hall_code: str
    window_no: int

    @classmethod
    def of(
        cls, event: SignedEvent, received_at: str, from_fork: bool, hall_code: str, window_no: int
    ) -> ProjectedEvent:
        """Wrap a stored event for projection."""
        env = event.envelope
        return cls(
            device_id=env.device_id,
            seq=env.seq,
            hash=event.hash,
            type=env.type,
            payload=env.payload,
            clerk_id=text(env.clerk_id) or "",
            occurred_at=text(env.occurred_at) or "",
            received_at=received_at,
            from_fork=from_fork,
            hall_code=hall_code,
            window_no=window_no,
        )

    def text(self, key: str) -> str | None:
        """Payload field ``key`` as text, or None."""
        return text(self.payload.get(key))

    def number(self, key: str) -> int | None:
        """Payload field ``key`` as a database-safe integer, or None."""
        return number(self.payload.get(key))

    @property
    def day(self) -> str:
        """The device's local date of the event (``occurred_at`` carries the hall's offset)."""
        stamp = self.occurred_at
        if len(stamp) >= 10 and stamp[4] == "-" and stamp[7] == "-":
            return stamp[:10]
        return self.received_at[:10]

    def project_no(self) -> str | None:
        """The payload's ``project_no`` if it is a usable case number (1 to 50 characters)."""
        value = self.text("project_no")
        if value is None or not value.strip() or len(value) > PROJECT_NO_MAX:
            return None
        return value


def text(value: Any) -> str | None:
    """``value`` if it is a string (NUL removed), else None."""
    return value.replace("\x00", "") if isinstance(value, str) else None


def number(value: Any) -> int | None:
    """``value`` if it is an integer that fits a 32-bit column, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _INT_MAX:
        return None
    return value


def chunks(values: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    """``values`` in slices of at most ``size`` (keeps IN lists within driver limits)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def changed_rows(
    conn: Connection, table: Table, new: dict[Any, dict[str, Any]], dirty: dict[Any, dict[str, Any]]
) -> None:
    """Insert the rows in ``new`` and write back the rows in ``dirty`` by primary key."""
    bulk_insert(conn, table, list(new.values()))
    if dirty:
        keys = [c.name for c in table.primary_key.columns]
        rows = [{**{f"pk_{k}": row[k] for k in keys}, **row} for row in dirty.values()]
        write(conn, _update_by_key(table), rows)


@functools.cache
def _update_by_key(table: Table) -> Prepared:
    """``table``'s UPDATE of one row named by its primary key (``pk_<column>`` parameters)."""
    keys = [c.name for c in table.primary_key.columns]
    return Prepared(table.update().where(*(table.c[k] == bindparam(f"pk_{k}") for k in keys)))
