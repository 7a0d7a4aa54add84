"""The supervision rules (电子监察规则): what catches off-book, late or careless handling.

Each rule is a function in this package whose docstring names the misconduct it targets; its
id, version and level are in :data:`supervision_server.alerts.RULES`, its thresholds in
:class:`supervision_server.settings.Settings` (``SUPERVISION_*``). Rules run

* after ingest (:func:`run_rules_on_events`, from :mod:`supervision_server.rule_runner`), for
  the cases and tickets the stored batches touched, and
* on the watcher's schedule (:func:`run_scheduled_rules`), for everything recent, which is
  where rules that need time to pass (a grace period, the hall's closing, a deadline) fire.

Every alert carries an occurrence key (rule, subject, period), so each occurrence is raised once
however often the rules run. Alerts whose cause clears itself are closed by
:func:`close_cleared`, recorded as closed by the system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from supervision_server.alert_life import close_by_itself, open_alerts
from supervision_server.alerts import AlertDraft, record_alerts
from supervision_server.rules import cases as case_rules
from supervision_server.rules import deadlines, tickets
from supervision_server.rules.base import Check, Scope, stored_events
from supervision_server.rules.register import register_match_rates
from supervision_server.schema import cases, events
from supervision_server.settings import Settings


@dataclass(frozen=True)
class RuleCheck:
    """A check and when it runs; ``thresholds`` name its settings."""

    rule_ids: tuple[str, ...]
    check: Check
    on_ingest: bool
    thresholds: tuple[str, ...] = ()


CHECKS: tuple[RuleCheck, ...] = (
    RuleCheck(("OFF_BOOK",), tickets.off_book, True, ("off_book_grace_s", "hall_hours")),
    RuleCheck(("LATE_ENTRY",), tickets.late_entry, True, ("late_entry_after_s",)),
    RuleCheck(
        ("NOT_IN_HALL",), tickets.not_in_hall, False, ("not_in_hall_min_tickets", "not_in_hall_hall_share")
    ),
    RuleCheck(("IDLE_WINDOW",), tickets.idle_window, False, ("idle_window_after_s",)),
    RuleCheck(("DOUBLE_ACCEPT",), case_rules.double_accept, True, ("double_accept_days",)),
    RuleCheck(("TIME_ORDER",), case_rules.time_order, True),
    RuleCheck(("HASTY_CLOSE",), case_rules.hasty_close, True, ("hasty_close_minutes",)),
    RuleCheck(("OUTSIDE_HOURS",), case_rules.outside_hours, True, ("hall_hours",)),
    RuleCheck(("NOT_LOGGED_IN",), case_rules.not_logged_in, True),
    RuleCheck(("LATE_SPECIAL",), case_rules.late_special, True, ("late_special_hours",)),
    RuleCheck(
        ("CLOSURE_RATE",),
        case_rules.closure_rate,
        False,
        ("closure_rate_min_cases", "closure_rate_factor", "closure_rate_days"),
    ),
    RuleCheck(("DEADLINE_NEAR", "OVERDUE_PROMISE", "OVERDUE_STATUTORY"), deadlines.deadline_cards, False),
)

# rule id -> why an open alert of it no longer holds (or None): the self-closing rules.
Cleared = Callable[[Connection, dict[str, Any]], str | None]


def _receipt_arrived(conn: Connection, alert: dict[str, Any]) -> str | None:
    found = conn.execute(select(cases.c.project_no).where(cases.c.project_no == alert["project_no"])).first()
    return "群众查询的办件已上报，预警自动关闭" if found is not None else None


CLEARS: dict[str, Cleared] = {
    "OFF_BOOK": tickets.off_book_cleared,
    "RECEIPT_UNKNOWN": _receipt_arrived,
    "DEADLINE_NEAR": deadlines.deadline_near_cleared,
}


def _run(conn: Connection, scope: Scope, checks: list[RuleCheck]) -> list[AlertDraft]:
    scope.load(conn)
    drafts: list[AlertDraft] = []
    for rule in checks:
        drafts.extend(rule.check(conn, scope))
    return drafts


def run_scheduled_rules(conn: Connection, now: datetime, settings: Settings) -> int:
    """One scheduled pass of every rule, then the self-closing check; returns alerts raised."""
    raised = record_alerts(conn, _run(conn, Scope(now, settings), list(CHECKS)), now)
    close_cleared(conn, now)
    return raised


def run_rules_on_events(conn: Connection, where: Any, now: datetime, settings: Settings) -> int:
    """The ingest rules for the stored events matching ``where`` (a condition on ``events``, in
    practice device and seq ranges just stored); returns the alerts raised.

    They run after the request that stored the events, from the rule runner
    (:mod:`supervision_server.rule_runner`), and again, with everything else recent, on the
    watcher's schedule.
    """
    batch = stored_events(conn, select(events).where(where).order_by(events.c.device_id, events.c.seq))
    if not batch:
        return 0
    numbers = {e.text("project_no") for e in batch if e.type.startswith("case.")}
    scope = Scope(now, settings, project_nos={n for n in numbers if n}, batch=batch)
    raised = record_alerts(conn, _run(conn, scope, [c for c in CHECKS if c.on_ingest]), now)
    if scope.project_nos:
        close_cleared(conn, now, scope.project_nos)
    return raised


def close_cleared(conn: Connection, now: datetime, project_nos: set[str] | None = None) -> int:
    """Close the open alerts whose cause cleared itself; returns how many were closed.

    With ``project_nos`` only alerts about those cases (and OFF_BOOK alerts naming them) are
    looked at.
    """
    closed = 0
    # OFF_BOOK alerts are about tickets: they name their cases in the details. On ingest one
    # statement reads the open alerts of every rule naming the batch's cases.
    about = None
    if project_nos is not None:
        about = open_alerts(conn, list(CLEARS), project_nos, in_details=("OFF_BOOK",))
    for rule_id, cleared in CLEARS.items():
        held = open_alerts(conn, rule_id) if about is None else [a for a in about if a["rule_id"] == rule_id]
        for alert in held:
            if project_nos is not None:
                named = {alert["project_no"], *(alert["details"].get("missing_case_nos") or [])}
                if not named & project_nos:
                    continue
            note = cleared(conn, alert)
            if note is not None and close_by_itself(conn, alert["id"], note, now):
                closed += 1
    return closed


__all__ = [
    "CHECKS",
    "CLEARS",
    "RuleCheck",
    "close_cleared",
    "register_match_rates",
    "run_rules_on_events",
    "run_scheduled_rules",
]
