"""Tables of the live hall queue, which the server keeps while it is reachable (the authority).

``queue_tickets`` has one row per ticket and leg: a transfer ends one leg and starts the next
with the same number. ``queue_windows`` holds each window's active ticket: its UNIQUE
``active_ticket_id`` means that no ticket is ever active at two windows, and the single column
that a window holds at most one. ``queue_ops`` remembers every operation id with its answer, so
a retried request is answered again and never applied twice.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from supervision_server.schema import Id, metadata

queue_tickets = Table(
    "queue_tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("hall_code", String, nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("number", String(16), nullable=False),
    Column("leg", Integer, nullable=False),
    Column("category", String(8), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("origin", String(16), nullable=False),  # SERVER | OFFLINE | TYPED | WALK_IN
    Column("issued_by", String(64), nullable=False),
    Column("id_digest", String(64), nullable=True),  # for the per-ID waiting limit; never the number
    Column("window_no", Integer, nullable=True),
    Column("to_window_no", Integer, nullable=True),
    Column("transferred_from", String(8), nullable=True),
    Column("issued_at", String, nullable=False),
    Column("first_called_at", String, nullable=True),
    Column("called_at", String, nullable=True),
    Column("recalls", Integer, nullable=False),
    Column("started_at", String, nullable=True),
    Column("ended_at", String, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("case_nos", Text, nullable=False),  # JSON list
    Column("updated_at", String, nullable=False),
    UniqueConstraint("hall_code", "business_date", "number", "leg", name="uq_queue_ticket_leg"),
    Index("ix_queue_waiting", "hall_code", "business_date", "state", "category", "issued_at"),
)

queue_windows = Table(
    "queue_windows",
    metadata,
    Column("hall_code", String, primary_key=True),
    Column("window_no", Integer, primary_key=True),
    Column("active_ticket_id", BigInteger, nullable=True, unique=True),
    Column("paused", Boolean, nullable=False),
    Column("pause_reason", String, nullable=False),
    Column("ordinary_in_a_row", Integer, nullable=False),
    Column("calls", BigInteger, nullable=False),
    Column("updated_at", String, nullable=False),
)

queue_serials = Table(
    "queue_serials",
    metadata,
    Column("hall_code", String, primary_key=True),
    Column("business_date", String(10), primary_key=True),
    Column("category", String(8), primary_key=True),
    Column("last_serial", Integer, nullable=False),
)

queue_ops = Table(
    "queue_ops",
    metadata,
    Column("op_id", String(64), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", String, nullable=False),
)

QUEUE_TABLES = (queue_tickets, queue_windows, queue_serials, queue_ops)
