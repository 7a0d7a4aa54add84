"""Tables of the counter's local database.

Cases are never edited or deleted in place: ``cases`` holds what was taken in, and every later
change is a new row in ``case_transitions`` and a new event in ``events``. The whole intake (the
materials, the agent, the note) is not copied into ``cases``: it is the payload of the case's
signed ``case.received`` event, the row at ``cases.seq``. Triggers make those
tables refuse UPDATE and DELETE, so even a bug (or a hand with a SQL shell) cannot rewrite them
without dropping the trigger first, which ``verify`` then catches through the hash chain.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", String, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

# Versioned reference documents fetched from the server or imported: catalog, calendar.
documents = Table(
    "documents",
    metadata,
    Column("name", String, primary_key=True),
    Column("version", String, nullable=False),
    Column("etag", String, nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("stored_at", String, nullable=False),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", String, primary_key=True),  # YYYY-MM-DD
    Column("kind", String, nullable=False),
    Column("name", String, nullable=False, default=""),
    Column("source", String, nullable=False),
    Column("updated_at", String, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String, nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("hash", String, nullable=False, unique=True),
    Column("prev_hash", String, nullable=False),
    Column("signature", String, nullable=False),
    Column("envelope", Text, nullable=False),  # canonical JSON of the envelope
    Column("project_no", String, nullable=True, index=True),
)

# One row per acknowledgement from the server; unacknowledged = seq > max(up_to_seq).
acks = Table(
    "acks",
    metadata,
    Column("up_to_seq", Integer, primary_key=True, autoincrement=False),
    Column("acked_hash", String, nullable=False),
    Column("receipt", Text, nullable=False),
    Column("acked_at", String, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("project_no", String(50), primary_key=True),
    Column("task_code", String, nullable=False),
    Column("item_name", String, nullable=False),
    Column("dept_code", String, nullable=False),
    Column("project_type", Integer, nullable=False),
    Column("applicant_kind", String, nullable=False),  # person | entity
    Column("applicant_name", String, nullable=False),
    Column("cert_type", String, nullable=False),
    Column("cert_no", String, nullable=False),
    Column("phone", String, nullable=False, default=""),
    Column("window_no", Integer, nullable=False),
    Column("clerk_id", String, nullable=False),
    Column("ticket_no", String, nullable=True),
    Column("received_at", String, nullable=False),
    Column("seq", Integer, ForeignKey("events.seq"), nullable=False),
    Index("ix_cases_cert_no", "cert_no"),
    Index("ix_cases_applicant_name", "applicant_name"),
    Index("ix_cases_received_at", "received_at"),
)

case_transitions = Table(
    "case_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_no", String(50), ForeignKey("cases.project_no"), nullable=False),
    Column("seq", Integer, ForeignKey("events.seq"), nullable=False),
    Column("action", String, nullable=False),
    Column("state", String, nullable=False),
    Column("at", String, nullable=False),
    Column("snapshot", Text, nullable=False),  # the domain Case after the transition, as JSON
    Index("ix_case_transitions_project", "project_no", "id"),
)

case_serials = Table(
    "case_serials",
    metadata,
    Column("day", String, primary_key=True),
    Column("last_serial", Integer, nullable=False),
)

APPEND_ONLY_TABLES = ("events", "acks", "cases", "case_transitions")
