"""Tables of the e-supervision server.

``events`` holds each device's main chain, one row per ``(device_id, seq)``; ``fork_events``
holds every other validly signed event a device sent (forks, branches, broken links), one row
per ``(device_id, seq, hash)``. Both, with ``alerts``, ``alert_closings``, ``server_keys`` and
``documents``, are insert-only: triggers refuse UPDATE and DELETE. ``devices`` and the read models (cases, tickets, ratings,
clerks) are rebuilt from events and may change.

Server timestamps are ISO 8601 strings in UTC with microseconds (``...+00:00``), so that they
sort as text on both databases; device times are kept exactly as the device wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# An autoincrementing 64-bit key on PostgreSQL; SQLite only autoincrements INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String, nullable=False),
    Column("applied_at", String, nullable=False),
)

enroll_codes = Table(
    "enroll_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the normalised code
    Column("hall_code", String, nullable=False),
    Column("window_no", Integer, nullable=False),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("used_at", String, nullable=True),
    Column("used_by", String, nullable=True),
    # Set on a re-enrollment code: only this (already enrolled) device may use it, to move.
    Column("device_id", String(64), nullable=True),
    # What the code enrolls: a window or a kiosk (counter_app.domain.device_role).
    Column("role", String(16), nullable=False, server_default="window"),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("public_key", String, nullable=False),
    Column("hall_code", String, nullable=False),
    Column("window_no", Integer, nullable=False),
    Column("device_info", Text, nullable=False),
    Column("enrolled_at", String, nullable=False),
    # The main chain: events table, contiguous from seq 1.
    Column("main_seq", BigInteger, nullable=False),
    Column("main_hash", String(64), nullable=False),
    # The device's position: the last new event it delivered (main chain or a branch).
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("forked", Boolean, nullable=False),
    Column("last_seen", String, nullable=True),
    Column("announced_seq", BigInteger, nullable=True),
    Column("announced_hash", String(64), nullable=True),
    Column("announced_at", String, nullable=True),
    Column("device_time", String, nullable=True),
    Column("clock_offset_ms", BigInteger, nullable=True),
    Column("ahead_since", String, nullable=True),  # announced head first seen ahead of delivery
    Column("withholding_alerted", Boolean, nullable=False),
    Column("heartbeat_counter", BigInteger, nullable=True),  # highest heartbeat counter accepted
    Column("silent_alert_id", BigInteger, nullable=True),  # the open SILENT alert, if any
    # A window, or a kiosk that only issues tickets (counter_app.domain.device_role); a kiosk's
    # window_no is its kiosk number, never a window's.
    Column("role", String(16), nullable=False, server_default="window"),
)


def _event_columns() -> list[Column[Any]]:
    """The columns every stored event has, main chain or fork (fresh objects for each table)."""
    return [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("device_id", String(64), nullable=False),
        Column("seq", BigInteger, nullable=False),
        Column("hash", String(64), nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("event_id", String, nullable=False),
        Column("type", String, nullable=False),
        Column("clerk_id", String, nullable=False),
        Column("occurred_at", String, nullable=False),
        Column("clock_offset_ms", BigInteger, nullable=True),
        Column("received_at", String, nullable=False),
        Column("project_no", String, nullable=True),
        Column("envelope", Text, nullable=False),  # JSON of the envelope as received
        Column("signature", String, nullable=False),
    ]


events = Table(
    "events",
    metadata,
    *_event_columns(),
    UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),
    Index("ix_events_project_no", "project_no"),
)
# The assessment's reads (supervision_server.assessment_rows); created by migration 8.
events_type_occurred = Index("ix_events_type_occurred", events.c.type, events.c.occurred_at)

FORK_KINDS = ("FORK", "BRANCH", "BROKEN_LINK")

fork_events = Table(
    "fork_events",
    metadata,
    *_event_columns(),
    Column("kind", String(16), nullable=False),  # one of FORK_KINDS
    UniqueConstraint("device_id", "seq", "hash", name="uq_fork_events_device_seq_hash"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("rule_id", String, nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("level", String, nullable=False),  # 预警 / 黄牌 / 红牌
    Column("device_id", String(64), nullable=True),
    Column("seq", BigInteger, nullable=True),
    Column("project_no", String, nullable=True),
    Column("detected_at", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON object
    # Whom the alert is about, for the supervisors' filters (migration 7; empty on older rows).
    Column("window_no", Integer, nullable=True),
    Column("clerk_id", String, nullable=True),
    Column("dept_code", String, nullable=True),
    Index("ix_alerts_rule_device", "rule_id", "device_id"),
    Index("ix_alerts_project_no", "project_no"),
)

# An alert whose condition ended (a silent window came back): the alert row itself never changes.
alert_closings = Table(
    "alert_closings",
    metadata,
    Column("alert_id", BigInteger, primary_key=True, autoincrement=False),
    Column("closed_at", String, nullable=False),
    Column("note", Text, nullable=False),
)

# Every server signing key the database has known, oldest first; the last one is current.
server_keys = Table(
    "server_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_key", String, nullable=False),
    Column("recorded_at", String, nullable=False),
    Column("reason", Text, nullable=False),
)

# Versioned JSON documents handed to the counters: "catalog" and "calendar".
documents = Table(
    "documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("etag", String, nullable=False),  # SHA-256 of the body
    Column("body", Text, nullable=False),  # canonical JSON of the published representation
    Column("published_at", String, nullable=False),
    Column("published_by", String, nullable=False),
    UniqueConstraint("name", "version", name="uq_documents_name_version"),
)

cases = Table(
    "cases",
    metadata,
    Column("project_no", String, primary_key=True),
    Column("device_id", String(64), nullable=False),  # the device and event that took it in
    Column("seq", BigInteger, nullable=False),
    Column("from_fork", Boolean, nullable=False),
    Column("task_code", String, nullable=False),
    Column("item_name", String, nullable=False),
    Column("dept_code", String, nullable=False),
    Column("project_type", Integer, nullable=True),
    Column("applicant_name", String, nullable=False),
    Column("applicant_cert_type", String, nullable=False),
    Column("applicant_cert_no", String, nullable=False),
    Column("window_no", Integer, nullable=True),
    Column("ticket_no", String, nullable=True),
    Column("clerk_id", String, nullable=False),
    Column("state", String, nullable=False),
    Column("received_at", String, nullable=True),
    Column("accepted_at", String, nullable=True),
    Column("promise_due", String, nullable=True),
    Column("promise_estimated", Boolean, nullable=True),
    Column("check_code", String, nullable=True),
    Column("result_code", Integer, nullable=True),
    Column("reason", Text, nullable=False),
    Column("correction_count", Integer, nullable=False),
    Column("closed_at", String, nullable=True),
    Column("delivered_at", String, nullable=True),
    Column("last_event_type", String, nullable=False),
    Column("last_event_at", String, nullable=False),
    Column("last_device_id", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("updated_at", String, nullable=False),
    Index("ix_cases_window_no", "window_no"),
    Index("ix_cases_cert_no", "applicant_cert_no"),
)

# Who may speak about a case: the device that received it and the one holding it now (the same
# until the holder hands it over). Kept beside ``cases`` so that ingest can check a batch before
# storing it; the read model of case_authority.py.
case_holders = Table(
    "case_holders",
    metadata,
    Column("project_no", String, primary_key=True),
    Column("owner_device_id", String(64), nullable=False),
    Column("holder_device_id", String(64), nullable=False),
    Column("handed_over_seq", BigInteger, nullable=True),  # the holder-changing event, if any
    # For a number in the hall's format issued by its owner: the number's day and serial, so
    # that the highest serial per device and day is one index read (never reissued, gaps seen).
    Column("serial_day", String(10), nullable=True),  # YYYY-MM-DD
    Column("serial", Integer, nullable=True),
    Column("updated_at", String, nullable=False),
    Index("ix_case_holders_serials", "owner_device_id", "serial_day", "serial"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("hall_code", String, primary_key=True),
    Column("day", String(10), primary_key=True),  # the device's local date of the event
    Column("ticket_no", String, primary_key=True),
    Column("category", String, nullable=False),
    Column("state", String, nullable=False),
    Column("window_no", Integer, nullable=True),
    Column("issued_at", String, nullable=True),
    Column("called_at", String, nullable=True),
    Column("started_at", String, nullable=True),
    Column("finished_at", String, nullable=True),
    Column("call_count", Integer, nullable=False),
    Column("transferred_to", Integer, nullable=True),
    Column("last_device_id", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("updated_at", String, nullable=False),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event_hash", String(64), nullable=False, unique=True),
    Column("project_no", String, nullable=True),
    Column("ticket_no", String, nullable=True),
    Column("satisfaction", Integer, nullable=True),
    Column("channel", String, nullable=False),
    Column("occurred_at", String, nullable=False),
    Column("received_at", String, nullable=False),
    Index("ix_ratings_project_no", "project_no"),
)

clerks = Table(
    "clerks",
    metadata,
    Column("clerk_id", String, primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("window_no", Integer, nullable=False),
    Column("first_seen", String, nullable=False),  # occurred_at of the first event seen
    Column("last_seen", String, nullable=False),
    Column("event_count", BigInteger, nullable=False),
)

# The clerk roster (窗口人员名册): one row per version of a clerk, never changed; the latest version
# of each (hall_code, clerk_no) is the clerk's current entry. Windows receive the argon2 hash only.
clerk_roster = Table(
    "clerk_roster",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("hall_code", String(12), nullable=False),
    Column("clerk_no", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String, nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String, nullable=False),
    Column("windows", String, nullable=False),  # JSON list of window numbers, [] for any
    Column("active", Boolean, nullable=False),
    Column("recorded_at", String, nullable=False),
    Column("recorded_by", String, nullable=False),
    UniqueConstraint("hall_code", "clerk_no", "version", name="uq_clerk_roster_version"),
)

# Seqs a device reported lost before delivery (rows deleted at the window). An administrator's
# acceptance lets the event after the hole join the main chain, linking to ``bridge_hash``.
ledger_holes = Table(
    "ledger_holes",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("from_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("to_seq", BigInteger, nullable=False),
    Column("bridge_hash", String(64), nullable=False),  # prev_hash of the event at to_seq + 1
    Column("reported_at", String, nullable=False),
    Column("report", Text, nullable=False),  # the signed report as received (JSON)
    Column("accepted_at", String, nullable=True),
    Column("accepted_by", String, nullable=True),
    Column("note", Text, nullable=False, default=""),
)

INSERT_ONLY_TABLES = (
    "events",
    "fork_events",
    "alerts",
    "documents",
    "alert_closings",
    "server_keys",
    "clerk_roster",
)
