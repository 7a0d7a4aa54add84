"""The events table: appending signed events inside a unit of work, reading them back, acks.

The events table is the outbox: the sync pusher reads what is not yet acknowledged from here,
and an acknowledgement is a new row in ``acks``, written only from the server's signed reply.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from counter_app.ledger import GENESIS_HASH, AckReceipt, DeviceKey, Envelope, SignedEvent, seal_canonical
from counter_app.store import prepared, schema
from counter_app.store.case_snapshot import iso_ms
from counter_app.store.prepared import Executor

_INSERT_EVENT = prepared.insert(schema.events)
_HEAD = prepared.Prepared(
    select(schema.events.c.seq, schema.events.c.hash).order_by(schema.events.c.seq.desc()).limit(1)
)


class LedgerWriter:
    """Appends events for one device on one open connection (inside its transaction).

    The head is read once per transaction and then followed in memory: the unit of work holds
    the write lock (BEGIN IMMEDIATE) and this writer is the only code that inserts events.
    """

    def __init__(self, conn: Executor, key: DeviceKey, device_id: str, clock_offset_ms: int | None) -> None:
        self._conn = conn
        self._key = key
        self.device_id = device_id
        self._clock_offset_ms = clock_offset_ms
        self._head: tuple[int, str] | None = None

    def append(
        self,
        type_: str,
        payload: dict[str, Any],
        clerk_id: str,
        occurred_at: datetime,
        project_no: str | None = None,
    ) -> SignedEvent:
        """Seal and insert the next event; it commits or rolls back with the unit of work."""
        seq, prev_hash = self._head if self._head is not None else head(self._conn)
        envelope = Envelope(
            device_id=self.device_id,
            seq=seq + 1,
            prev_hash=prev_hash,
            event_id=str(uuid.uuid4()),
            type=type_,
            payload=payload,
            clerk_id=clerk_id,
            occurred_at=iso_ms(occurred_at),
            clock_offset_ms=self._clock_offset_ms,
        )
        event, body = seal_canonical(envelope, self._key)
        _INSERT_EVENT.run(
            self._conn,
            {
                "seq": envelope.seq,
                "event_id": envelope.event_id,
                "type": type_,
                "hash": event.hash,
                "prev_hash": prev_hash,
                "signature": event.signature,
                "envelope": body.decode("utf-8"),
                "project_no": project_no,
            },
        )
        self._head = (envelope.seq, event.hash)
        return event


def head(conn: Executor) -> tuple[int, str]:
    """The last event's seq and hash, (0, GENESIS_HASH) for an empty ledger."""
    row = _HEAD.first(conn)
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def row_to_event(row: Any) -> SignedEvent:
    """Rebuild a SignedEvent from an events row (the stored envelope, hash and signature)."""
    return SignedEvent(Envelope.from_dict(json.loads(row.envelope)), row.hash, row.signature)


def iter_events(conn: Connection, after_seq: int = 0, limit: int | None = None) -> Iterator[SignedEvent]:
    """Events with seq > ``after_seq`` in seq order (the stored order, not the envelope's)."""
    query = select(schema.events).where(schema.events.c.seq > after_seq).order_by(schema.events.c.seq)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query):
        yield row_to_event(row)


def acked_seq(conn: Connection) -> int:
    """The highest seq the server has acknowledged (0 if none)."""
    return int(conn.execute(select(func.coalesce(func.max(schema.acks.c.up_to_seq), 0))).scalar_one())


def record_ack(conn: Connection, receipt: AckReceipt, acked_at: datetime) -> bool:
    """Store a server receipt if it moves the acknowledged seq forward; returns whether it did."""
    if receipt.acked_seq <= acked_seq(conn):
        return False
    conn.execute(
        schema.acks.insert().values(
            up_to_seq=receipt.acked_seq,
            acked_hash=receipt.acked_hash,
            receipt=json.dumps(receipt.as_dict(), ensure_ascii=False),
            acked_at=acked_at.isoformat(timespec="milliseconds"),
        )
    )
    return True


def pending_stats(conn: Connection) -> tuple[int, str | None]:
    """How many events wait for an acknowledgement, and when the oldest of them occurred."""
    done = acked_seq(conn)
    count = conn.execute(select(func.count()).where(schema.events.c.seq > done)).scalar_one()
    first = conn.execute(select(schema.events.c.envelope).where(schema.events.c.seq == done + 1)).scalar()
    oldest = json.loads(first)["occurred_at"] if first else None
    return int(count), oldest
