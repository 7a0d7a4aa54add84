"""The window verifies its own ledger before it pushes, and tells the server when it fails.

Pushing from a ledger that fails ``verify`` would put the server's receipt on edited history,
so each push cycle first runs :func:`counter_app.store.ledger_check.verify_ledger`:

* **in full** on the first cycle of a pusher (start, ``sync once``) and after ``resume``;
* **incrementally** on every later cycle: only the events after the position this process
  verified itself, the receipts stored since, and the cases those events touch. A full check
  of a year's ledger takes seconds; the incremental one costs a few queries, so it can run on
  every new event. Rows edited behind an already verified position are found by the next full
  check (restart, ``sync once``, ``counter verify``).

When the check fails the pusher stops with LEDGER_TAMPERED and a signed report goes to the
server (a red alert there). Events missing *before delivery* (a gap above what the server
acknowledged) are a LEDGER_HOLE instead: reported with the missing range, retried with backoff
(heartbeats go on), until an administrator accepts the hole on the server; the server's
signed acceptance is then stored and lets ``verify`` bridge the gap, and pushing resumes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from counter_app.ledger import LedgerError
from counter_app.ledger.report import (
    LEDGER_HOLE,
    LEDGER_TAMPERED,
    HoleAcceptance,
    sign_report,
    verify_hole_acceptance,
)
from counter_app.store import schema
from counter_app.store.ledger_check import ACCEPTED_HOLES_SETTING, Checkpoint, LedgerVerdict, verify_ledger
from counter_app.store.ledger_store import acked_seq, head
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig
from counter_app.sync.errors import BAD_RECEIPT, SyncError, clerk_message

log = logging.getLogger(__name__)

LEDGER_PROBLEMS = (LEDGER_TAMPERED, LEDGER_HOLE)
"""The stops after which the pusher still announces its head, so the server compares it too."""


@dataclass(frozen=True)
class Hole:
    """Seqs ``from_seq..to_seq`` missing locally, never delivered; the next event links to
    ``bridge_hash``."""

    from_seq: int
    to_seq: int
    bridge_hash: str


class LedgerGate:
    """Verifies the ledger before each push; see the module docstring."""

    def __init__(self) -> None:
        self._checkpoint: Checkpoint | None = None
        self._reported: set[tuple[str, int]] = set()

    def reset(self) -> None:
        """Make the next check a full one (after a person resumed the pusher)."""
        self._checkpoint = None

    def check(
        self, store: Store, client: ServerClient, config: SyncConfig, clock: Clock, *, again: bool = True
    ) -> None:
        """Return if the ledger verifies; otherwise report it and raise SyncError."""
        verdict = verify_ledger(store, since=self._checkpoint)
        if verdict.ok:
            self._checkpoint = verdict.checkpoint()
            return
        self._checkpoint = None
        problem = verdict.problem
        assert problem is not None
        hole = find_hole(store, verdict)
        if hole is not None:
            if self._ask_for_acceptance(store, client, config, clock, verdict, hole) and again:
                return self.check(store, client, config, clock, again=False)
            detail = f"seq {hole.from_seq}-{hole.to_seq} deleted before delivery; waiting for the admin"
            text = clerk_message(LEDGER_HOLE, retryable=True) + f"（错误代码：{LEDGER_HOLE}，缺失序号 "
            text += f"{hole.from_seq}–{hole.to_seq}）"
            raise SyncError(LEDGER_HOLE, detail, retryable=True, message=text)
        key = (problem.code, problem.seq)
        if key not in self._reported:
            try:
                client.report(config.device_id, report_body(store, config, clock, LEDGER_TAMPERED, verdict))
                self._reported.add(key)
            except SyncError as exc:  # the stop stands; the report is tried again next cycle
                log.warning("ledger report not delivered: %s", exc)
        where = f"，办件 {problem.project_no}，字段 {problem.field}" if problem.project_no else ""
        text = clerk_message(LEDGER_TAMPERED)[:-1] + f"，序号 {problem.seq} [{problem.code}]{where}）"
        raise SyncError(
            LEDGER_TAMPERED,
            f"{problem.code} at seq {problem.seq}: {problem.message}",
            retryable=False,
            message=text,
        )

    def _ask_for_acceptance(
        self,
        store: Store,
        client: ServerClient,
        config: SyncConfig,
        clock: Clock,
        verdict: LedgerVerdict,
        hole: Hole,
    ) -> bool:
        """Report the hole; store the server's acceptance if it has one. True once stored."""
        reply = client.report(config.device_id, report_body(store, config, clock, LEDGER_HOLE, verdict, hole))
        if reply.get("status") != "accepted":
            return False
        try:
            acceptance = HoleAcceptance.from_dict(reply.get("acceptance"))
            verify_hole_acceptance(acceptance, config.server_public_key)
        except LedgerError as exc:
            raise SyncError(BAD_RECEIPT, f"hole acceptance rejected: {exc}", retryable=False) from exc
        if (acceptance.device_id, acceptance.from_seq, acceptance.to_seq, acceptance.bridge_hash) != (
            config.device_id,
            hole.from_seq,
            hole.to_seq,
            hole.bridge_hash,
        ):
            raise SyncError(BAD_RECEIPT, "hole acceptance does not match the reported hole", retryable=False)
        store_acceptance(store, acceptance)
        log.warning(
            "hole %s-%s accepted by the server at %s", hole.from_seq, hole.to_seq, acceptance.accepted_at
        )
        return True


def find_hole(store: Store, verdict: LedgerVerdict) -> Hole | None:
    """The hole a GAP problem names, if it lies above everything the server acknowledged."""
    problem = verdict.problem
    if problem is None or problem.code != "GAP":
        return None
    with store.read() as conn:
        if problem.seq <= acked_seq(conn):
            conn.rollback()
            return None  # the server holds those events: this is tampering with delivered history
        ev = schema.events.c
        after = conn.execute(select(func.min(ev.seq)).where(ev.seq > problem.seq)).scalar()
        text = conn.execute(select(ev.envelope).where(ev.seq == after)).scalar() if after else None
        conn.rollback()
    if after is None or text is None:
        return None
    return Hole(problem.seq, int(after) - 1, str(json.loads(text)["prev_hash"]))


def store_acceptance(store: Store, acceptance: HoleAcceptance) -> None:
    """Keep the server's signed acceptance with the settings (checked again by every verify)."""
    with store.unit_of_work() as uow:
        held = json.loads(uow.settings.get(ACCEPTED_HOLES_SETTING) or "[]")
        held = [h for h in held if h.get("from_seq") != acceptance.from_seq] + [acceptance.as_dict()]
        uow.put_setting(ACCEPTED_HOLES_SETTING, json.dumps(held, ensure_ascii=False))
        uow.commit()


def report_body(
    store: Store,
    config: SyncConfig,
    clock: Clock,
    kind: str,
    verdict: LedgerVerdict,
    hole: Hole | None = None,
) -> dict[str, Any]:
    """The signed report: what failed, where, the local head, and for a hole its range."""
    problem = verdict.problem
    assert problem is not None
    with store.read() as conn:
        head_seq, head_hash = head(conn)
        conn.rollback()
    body: dict[str, Any] = {
        "kind": kind,
        "code": problem.code,
        "seq": problem.seq,
        "message": problem.message,
        "project_no": problem.project_no,
        "field": problem.field,
        "from_seq": hole.from_seq if hole else None,
        "to_seq": hole.to_seq if hole else None,
        "bridge_hash": hole.bridge_hash if hole else None,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "device_time": clock().isoformat(timespec="milliseconds"),
    }
    return sign_report(store.key, config.device_id, body)
