"""Tables of the supervision rules, the alert life and the departments' registers.

* ``alert_occurrences`` - one row per occurrence a rule raised an alert for (rule, subject,
  period: ``OFF_BOOK:H1:2026-11-25:A001``), so a rule that runs on every ingest and every
  watcher pass raises its alert once.
* ``alert_steps`` - each step of an alert's handling (notify, acknowledge, appeal, decide,
  close ...) with who took it and when; the state is the fold of its steps
  (:mod:`counter_app.domain.alert_life`).
* ``register_imports`` / ``register_records`` - a department's own register export as imported,
  each record with the hall case it matched (or why it did not).

All are insert-only: triggers refuse UPDATE and DELETE, except

* ``rule_progress`` - per device, the last main-chain seq the ingest rules have looked at: the
  rules run after the request, off its path (:mod:`supervision_server.rule_runner`), and this is
  what they still owe, kept across restarts.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from supervision_server.schema import Id, metadata

alert_occurrences = Table(
    "alert_occurrences",
    metadata,
    Column("occurrence_key", String, primary_key=True),
    Column("alert_id", BigInteger, nullable=False),
)

alert_steps = Table(
    "alert_steps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),  # counter_app.domain.alert_life.AlertAction
    Column("state", String(16), nullable=False),  # the state after the step
    Column("actor", String, nullable=False),  # who: a supervisor's name, or "system"
    Column("note", Text, nullable=False),
    Column("at", String, nullable=False),
    Index("ix_alert_steps_alert", "alert_id", "id"),
)

register_imports = Table(
    "register_imports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dept_code", String, nullable=False),
    Column("file_name", String, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("encoding", String(16), nullable=False),
    Column("mapping", Text, nullable=False),  # JSON of the column mapping used
    Column("record_count", Integer, nullable=False),
    Column("matched_count", Integer, nullable=False),
    Column("imported_at", String, nullable=False),
    Column("imported_by", String, nullable=False),
)

register_records = Table(
    "register_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("import_id", BigInteger, nullable=False),
    Column("dept_code", String, nullable=False),
    Column("row_no", Integer, nullable=False),  # line in the file, header = 1
    Column("record_no", String, nullable=False),  # the department's own number
    Column("task_code", String, nullable=False),
    Column("item_name", String, nullable=False),
    Column("cert_no", String, nullable=False),
    Column("applicant_name", String, nullable=False),
    Column("accepted_on", String(10), nullable=False),  # YYYY-MM-DD
    Column("finished_at", String, nullable=True),
    Column("match", String(16), nullable=False),  # MATCHED | MISSING | LATE
    Column("project_no", String, nullable=True),
    Index("ix_register_records_dept_day", "dept_code", "accepted_on"),
)

rule_progress = Table(
    "rule_progress",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("checked_seq", BigInteger, nullable=False),
)

RULES_TABLES = (alert_occurrences, alert_steps, register_imports, register_records)
RULES_INSERT_ONLY = tuple(t.name for t in RULES_TABLES)
