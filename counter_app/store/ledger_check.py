"""``verify``: the window checks itself wholly and names the first thing that is not right.

Three witnesses are compared:

* the **chain**: every event's hash, signature, seq and link (BAD_HASH, BAD_SIGNATURE, GAP, ...);
* the server's **receipts**: each stored acknowledgement must carry the server's signature
  (ACK_BAD_SIGNATURE), agree with its own row (ACK_ROW_MISMATCH) and name the hash this window
  still holds at that seq (TRUNCATED, ACK_MISMATCH);
* the **case tables**: ``cases`` and ``case_transitions`` are rebuilt from the signed events and
  compared field by field (CASE_ROW_MISSING, CASE_ROW_MISMATCH, CASE_ROW_UNBACKED,
  TRANSITION_MISMATCH, CASE_REPLAY).

A gap the server's administrator accepted as lost (a hole, see ``counter_app.ledger.report``)
is bridged only with the server's signed acceptance, and shown in the verdict.

``since`` makes the check incremental for the sync loop: only events after a checkpoint this
process verified itself, the receipts stored after it, and the cases those events touch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from counter_app.ledger import (
    GENESIS_HASH,
    AckReceipt,
    LedgerError,
    SignedEvent,
    public_key_from_b64,
    verify_chain,
    verify_event,
    verify_receipt,
)
from counter_app.ledger.envelope import EVENT_TAG
from counter_app.ledger.report import HoleAcceptance, verify_hole_acceptance
from counter_app.store import schema
from counter_app.store.case_tables import compare_case_tables
from counter_app.store.ledger_problem import LedgerProblem
from counter_app.store.ledger_store import row_to_event
from counter_app.store.uow import Store

ACCEPTED_HOLES_SETTING = "accepted_holes"


@dataclass(frozen=True)
class Checkpoint:
    """A position this process has verified: head seq and hash, and the receipts checked."""

    seq: int
    hash: str
    acked_seq: int


@dataclass(frozen=True)
class LedgerVerdict:
    """The outcome of ``verify``: what was checked, the head, and the first problem if any."""

    checked: int
    head_seq: int
    head_hash: str
    stored_rows: int
    problem: LedgerProblem | None
    acks_checked: int = 0
    cases_checked: int = 0
    holes: tuple[HoleAcceptance, ...] = field(default=())
    acked_seq: int = 0

    @property
    def ok(self) -> bool:
        """True when everything verified."""
        return self.problem is None

    def checkpoint(self) -> Checkpoint:
        """Where an incremental check may start next time (only meaningful when ``ok``)."""
        return Checkpoint(self.head_seq, self.head_hash, self.acked_seq)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "stored_rows": self.stored_rows,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "acks_checked": self.acks_checked,
            "cases_checked": self.cases_checked,
            "accepted_holes": [{"from_seq": h.from_seq, "to_seq": h.to_seq} for h in self.holes],
            "problem": None if self.problem is None else self.problem.as_dict(),
        }


def verify_ledger(store: Store, since: Checkpoint | None = None) -> LedgerVerdict:
    """Verify the ledger against this device's key, the server's receipts and the case tables."""
    device_id = store.device_id()
    settings = store.settings()
    server_key = settings.get("server_public_key", "")
    start = since or Checkpoint(0, "", 0)
    with store.read() as conn:
        holes, problem = _accepted_holes(settings, device_id, server_key)
        rows = conn.execute(
            select(schema.events).where(schema.events.c.seq > start.seq).order_by(schema.events.c.seq)
        ).all()
        events, early = _parse(rows)
        if since is not None and problem is None:
            problem = _checkpoint_problem(conn, since)
        acks_checked, acked, ack_problem = _against_acks(conn, device_id, server_key, start.acked_seq)
        # Events up to a receipt that verified are bound to the server's signed word by the
        # hash chain: their own signatures were checked by the server and add nothing here.
        witnessed = acked if ack_problem is None else 0
        texts = {row.seq: row.envelope for row in rows}
        chain = _walk(events, store, device_id, start, holes, texts, witnessed)
        head_seq, head_hash = chain.head_seq, chain.head_hash
        problem = problem or chain.problem or early or ack_problem
        cases_checked = 0
        if problem is None:
            cases_checked, problem = compare_case_tables(
                conn, events, full=since is None, lenient=bool(holes)
            )
        conn.rollback()
    return LedgerVerdict(
        chain.checked,
        head_seq,
        head_hash,
        len(rows),
        problem,
        acks_checked,
        cases_checked,
        tuple(holes.values()),
        max(acked, start.acked_seq),
    )


def verify_case(store: Store, project_no: str) -> LedgerProblem | None:
    """Whether one case's rows still agree with its signed events (before printing it).

    Reprints and documents are built from the tables; a row edited by hand would otherwise be
    printed as if it were on the books. The events of the case are checked one by one.
    """
    with store.read() as conn:
        rows = conn.execute(
            select(schema.events)
            .where(schema.events.c.project_no == project_no)
            .order_by(schema.events.c.seq)
        ).all()
        events, early = _parse(rows)
        problem: LedgerProblem | None = early
        if problem is None:
            for event in events:
                try:
                    verify_event(event, store.key.public_key)
                except LedgerError as exc:
                    problem = LedgerProblem(exc.code, event.seq, "事件内容与哈希或签名不符（内容被改动）")
                    break
        if problem is None:
            _, problem = compare_case_tables(conn, events, full=False, lenient=False, only={project_no})
        conn.rollback()
    return problem


# -- the chain ---------------------------------------------------------------------------------


def _parse(rows: Sequence[Any]) -> tuple[list[SignedEvent], LedgerProblem | None]:
    """Rows to events; a row whose ``seq`` column disagrees with its envelope is ROW_MISMATCH."""
    events: list[SignedEvent] = []
    for row in rows:
        try:
            event = row_to_event(row)
        except (LedgerError, json.JSONDecodeError, TypeError) as exc:
            return events, LedgerProblem("MALFORMED", row.seq, f"事件无法解析：{exc}")
        if event.seq != row.seq:
            return events, LedgerProblem(
                "ROW_MISMATCH", row.seq, f"第 {row.seq} 行保存的是序号 {event.seq} 的事件"
            )
        events.append(event)
    return events, None


@dataclass(frozen=True)
class _Walk:
    checked: int
    head_seq: int
    head_hash: str
    problem: LedgerProblem | None


def _check_stored(event: SignedEvent, public_key: Ed25519PublicKey, text: str | None, witnessed: int) -> None:
    """Check an event by the bytes stored for it, falling back to :func:`verify_event`.

    The events table keeps each envelope's canonical JSON. If those bytes hash to the signed
    hash they are exactly what was signed, and the envelope parsed from them is authentic:
    re-serialising it (pure-Python RFC 8785, most of the cost of a full check) adds nothing.
    Up to ``witnessed`` (a verified server receipt whose hash this chain holds) the chain links
    alone tie each event to the receipt, so only later events have their signature checked.
    """
    if text is None or hashlib.sha256(EVENT_TAG + text.encode("utf-8")).hexdigest() != event.hash:
        verify_event(event, public_key)  # names BAD_HASH exactly as the reference walk does
        return
    if event.seq <= witnessed:
        return
    try:
        public_key.verify(base64.b64decode(event.signature, validate=True), bytes.fromhex(event.hash))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LedgerError("BAD_SIGNATURE", "event signature is not valid", event.seq) from exc


def _walk(
    events: list[SignedEvent],
    store: Store,
    device_id: str,
    start: Checkpoint,
    holes: dict[int, HoleAcceptance],
    texts: dict[int, str],
    witnessed: int,
) -> _Walk:
    """Verify the chain in segments, bridging only the holes the server accepted."""
    seq, digest = start.seq, start.hash or GENESIS_HASH
    checked = 0
    segment: list[SignedEvent] = []
    segments: list[tuple[int, str, list[SignedEvent]]] = []
    seg_start = (seq + 1, digest)
    for event in events:
        expected = segment[-1].seq + 1 if segment else seg_start[0]
        hole = holes.get(expected)
        if event.seq != expected and hole is not None and hole.to_seq + 1 == event.seq:
            segments.append((*seg_start, segment))
            seg_start, segment = (event.seq, hole.bridge_hash), []
        segment.append(event)
    segments.append((*seg_start, segment))
    for first_seq, prev_hash, part in segments:
        if not part:
            continue
        report = verify_chain(
            part,
            store.key.public_key,
            device_id=device_id,
            start_seq=first_seq,
            start_prev_hash=prev_hash,
            check_event=lambda event, key: _check_stored(event, key, texts.get(event.seq), witnessed),
        )
        checked += report.checked
        if report.checked:
            seq, digest = report.head_seq, report.head_hash
        if report.problem is not None:
            p = report.problem
            return _Walk(checked, seq, digest, LedgerProblem(p.code, p.seq, p.message))
    return _Walk(checked, seq, digest, None)


def _checkpoint_problem(conn: Connection, since: Checkpoint) -> LedgerProblem | None:
    """The event at an earlier checkpoint must still be there, unchanged."""
    if since.seq == 0:
        return None
    held = conn.execute(select(schema.events.c.hash).where(schema.events.c.seq == since.seq)).scalar()
    if held is None:
        return LedgerProblem("TRUNCATED", since.seq, f"已校验过的序号 {since.seq} 的事件已被删除")
    if held != since.hash:
        return LedgerProblem("BAD_HASH", since.seq, f"已校验过的序号 {since.seq} 的事件已被改动")
    return None


def _accepted_holes(
    settings: dict[str, str], device_id: str, server_key: str
) -> tuple[dict[int, HoleAcceptance], LedgerProblem | None]:
    """The holes the server accepted, by first missing seq; each acceptance re-verified."""
    text = settings.get(ACCEPTED_HOLES_SETTING, "")
    if not text:
        return {}, None
    holes: dict[int, HoleAcceptance] = {}
    try:
        key = public_key_from_b64(server_key)
        for item in json.loads(text):
            acceptance = HoleAcceptance.from_dict(item)
            verify_hole_acceptance(acceptance, key)
            if acceptance.device_id != device_id:
                raise LedgerError("BAD_SIGNATURE", "acceptance for another device")
            holes[acceptance.from_seq] = acceptance
    except (LedgerError, ValueError, TypeError) as exc:
        return {}, LedgerProblem(
            "HOLE_ACCEPTANCE_INVALID", 0, f"保存的缺口确认书无效（不是服务器签发的）：{exc}"
        )
    return holes, None


# -- the server's receipts ---------------------------------------------------------------------


def _against_acks(
    conn: Connection, device_id: str, server_key: str, after: int
) -> tuple[int, int, LedgerProblem | None]:
    """The server's receipts are a witness: each must be the server's word about this chain.

    A chain whose newest rows were deleted still verifies on its own; only this comparison shows
    it. Returns (receipts checked, highest acknowledged seq, first problem).
    """
    rows = conn.execute(
        select(schema.acks, schema.events.c.hash.label("held"))
        .select_from(schema.acks.outerjoin(schema.events, schema.events.c.seq == schema.acks.c.up_to_seq))
        .where(schema.acks.c.up_to_seq > after)
        .order_by(schema.acks.c.up_to_seq)
    ).all()
    if not rows:
        return 0, after, None
    try:
        key = public_key_from_b64(server_key)
    except ValueError:
        seq = rows[0].up_to_seq
        return (
            0,
            after,
            LedgerProblem("ACK_BAD_SIGNATURE", seq, "本机保存有服务器回执，却没有可用于核验的服务器公钥"),
        )
    for checked, row in enumerate(rows):
        seq = row.up_to_seq
        try:
            receipt = AckReceipt.from_dict(json.loads(row.receipt))
            verify_receipt(receipt, key)
        except (LedgerError, ValueError, TypeError):
            return (
                checked,
                after,
                LedgerProblem(
                    "ACK_BAD_SIGNATURE", seq, f"序号 {seq} 的服务器回执签名无效（不是服务器签发的）"
                ),
            )
        if (receipt.device_id, receipt.acked_seq, receipt.acked_hash) != (device_id, seq, row.acked_hash):
            return (
                checked,
                after,
                LedgerProblem("ACK_ROW_MISMATCH", seq, f"序号 {seq} 的确认记录与服务器回执内容不一致"),
            )
        if row.held is None:
            text = f"服务器已确认收到至序号 {seq} 的事件，本机事件链却已缺失（被删除）"
            return checked, after, LedgerProblem("TRUNCATED", seq, text)
        if row.held != row.acked_hash:
            return (
                checked,
                after,
                LedgerProblem("ACK_MISMATCH", seq, "本机事件与服务器确认回执中的哈希不一致"),
            )
    return len(rows), int(rows[-1].up_to_seq), None
