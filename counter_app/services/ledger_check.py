"""``verify``: walk the local ledger and report the first broken link, gap or bad signature."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from counter_app.ledger import ChainProblem, LedgerError, SignedEvent, verify_chain
from counter_app.store import schema
from counter_app.store.ledger_store import row_to_event
from counter_app.store.uow import Store


@dataclass(frozen=True)
class LedgerVerdict:
    """The outcome of ``verify``: events checked, head, and the first problem if any."""

    checked: int
    head_seq: int
    head_hash: str
    stored_rows: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """True when the whole chain verified."""
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        problem = None
        if self.problem is not None:
            problem = {"code": self.problem.code, "seq": self.problem.seq, "message": self.problem.message}
        return {
            "ok": self.ok,
            "checked": self.checked,
            "stored_rows": self.stored_rows,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problem": problem,
        }


def verify_ledger(store: Store) -> LedgerVerdict:
    """Verify every stored event against this device's key, in stored order.

    A row whose ``seq`` column disagrees with its signed envelope (rows swapped by hand) is
    reported as ROW_MISMATCH; an envelope that no longer parses as MALFORMED.
    """
    device_id = store.device_id()
    with store.read() as conn:
        rows = conn.execute(select(schema.events).order_by(schema.events.c.seq)).all()
    events: list[SignedEvent] = []
    early: ChainProblem | None = None
    for row in rows:
        try:
            event = row_to_event(row)
        except (LedgerError, json.JSONDecodeError) as exc:
            early = ChainProblem("MALFORMED", row.seq, f"事件无法解析：{exc}")
            break
        if event.seq != row.seq:
            early = ChainProblem("ROW_MISMATCH", row.seq, f"第 {row.seq} 行保存的是序号 {event.seq} 的事件")
            break
        events.append(event)
    report = verify_chain(events, store.key.public_key, device_id=device_id)
    problem = report.problem or early or _against_acks(store, events)
    return LedgerVerdict(report.checked, report.head_seq, report.head_hash, len(rows), problem)


def _against_acks(store: Store, events: list[SignedEvent]) -> ChainProblem | None:
    """The server's receipts are a witness: the chain must still hold what the server acknowledged.

    A chain whose newest rows were deleted still verifies on its own; only this comparison shows it.
    """
    with store.read() as conn:
        last = conn.execute(select(schema.acks).order_by(schema.acks.c.up_to_seq.desc()).limit(1)).first()
    if last is None:
        return None
    held = {e.seq: e.hash for e in events}
    if last.up_to_seq not in held:
        return ChainProblem(
            "TRUNCATED",
            last.up_to_seq,
            f"服务器已确认收到至序号 {last.up_to_seq} 的事件，本机事件链却已缺失（被删除）",
        )
    if held[last.up_to_seq] != last.acked_hash:
        return ChainProblem("ACK_MISMATCH", last.up_to_seq, "本机事件与服务器确认回执中的哈希不一致")
    return None
