"""Event ingest: every validly signed event a counter sends is kept, and tampering shows.

A batch is checked whole: every envelope must name the device in the path, seqs must
increase, and every hash and Ed25519 signature must verify against the enrolled key. One bad
event rejects the batch (400, naming the lowest bad seq) and nothing is stored. Hashes are
checked first; signatures are checked on worker threads while the batch is placed in its
transaction, which commits only once every signature has verified. In that ONE transaction,
holding the device row's lock, each event is placed:

* **duplicate** - the server already holds this exact event (same seq and hash, on the main
  chain or in ``fork_events``): acknowledged again, nothing written.
* **main** - its ``prev_hash`` is the main chain's head and its seq is the next one: stored in
  ``events``.
* **FORK** - the server holds a *different* event with the same seq and the same parent. Two
  signed events at one position are proof that the device re-wrote its ledger (restored from an
  old backup, edited and re-signed, or a cloned key). Both are kept: the new one goes to
  ``fork_events``; FORK and, when the rival is on the main chain, ROLLBACK alerts are raised.
* **BRANCH** - it links to an event in ``fork_events`` (it continues a forked branch, even at
  seqs the main chain already has): stored in ``fork_events``, chain-checked like any other,
  no new alert (the fork point already raised one).
* **BROKEN_LINK** - it links to nothing the server holds, at the position the device is at:
  stored in ``fork_events`` with a BROKEN_LINK alert (and FORK if the seq was already taken).
* **gap** - it links to nothing and its seq is beyond the next expected one: the batch stops
  there (unless an administrator accepted exactly that hole, see ``reports.py``: then the event
  continues the main chain). Events before it in the same batch are stored and committed, and the reply is 409
  SEQ_GAP with ``expected_seq`` plus the acknowledgement of what was stored, so the counter
  resends from ``expected_seq`` without repeating work.

**Case authority** (``case_authority.py``): a case number is bound to the device that received
it, and only that device, or the device it handed the case to, may record events about it.
Before anything is stored, the batch's new case events are checked in ledger order; the first
one the device may not record refuses the WHOLE batch with 403 and a stable code, and raises a
red alert naming the device that tried (once per refused event; the alert keeps the event,
signed, since it is not stored):

* CASE_NOT_HOLDER - an event about a case another device holds (or, for a device the case was
  handed to, an event other than delivery or a further handover);
* CASE_NO_FOREIGN - a case number whose hall, window or device tag is not the device's own
  (pre-registering another window's future number);
* CASE_NO_TAKEN - a second ``case.received`` for a number the server holds (the first stays;
  alert DUPLICATE_PROJECT_NO).

The event cannot simply be skipped: every later event links to its hash, so storing them
without it would break the chain, and storing it would let one window rewrite another's case.
An honest window never writes such an event (its services refuse, and it learns the server's
highest serial before issuing numbers), so a refusal means a forged or corrupted ledger: the
window's pusher stops and shows the code, and the device stays at that seq until an
administrator deals with it (re-enrolling the window under a new device id starts a new chain;
the refused events remain in the window's own ledger as evidence). Signatures are confirmed
before a refusal, so a forged batch is BAD_SIGNATURE and never an alert blaming the device.

A device with anything in ``fork_events`` is marked ``forked`` (kept for good; resolving it is
an administrator's job, e.g. re-enrolling the counter under a new device id). The device's
*head* is the last new event it delivered, on whichever chain: the next event is expected to
follow it. The acknowledgement names the last event of the batch that the server now holds
(stored or duplicate), never an event the counter did not send, so its ``acked_hash`` always
equals the counter's own hash at ``acked_seq``. A counter restored from an old backup therefore
converges: its re-sent old events are duplicates, its new events at taken seqs are a FORK
branch, and the events beyond the old head continue that branch; each batch is acknowledged
and nothing is dropped or looped on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from counter_app.ledger import GENESIS_HASH, AckReceipt, LedgerError, SignedEvent, sign_receipt
from supervision_server.alerts import AlertDraft, list_alerts, record_alerts
from supervision_server.case_authority import CaseAuthority, CaseRefused
from supervision_server.case_projection import cases_read
from supervision_server.context import ServerContext
from supervision_server.db import (
    Prepared,
    bulk_insert,
    deferred_writes,
    first_row,
    prefetch,
    read_connection,
    run_write,
    write,
)
from supervision_server.errors import ApiError, unknown_device
from supervision_server.projections import ProjectedEvent, project
from supervision_server.reports import accepted_bridge
from supervision_server.schema import devices, events, fork_events
from supervision_server.ticket_projection import tickets_read
from supervision_server.timeutil import iso
from supervision_server.verify import first_problem


@dataclass(frozen=True)
class IngestResult:
    """What a batch did; ``expected_seq`` is set when it stopped at a gap (HTTP 409)."""

    device_id: str
    acked_seq: int
    acked_hash: str
    receipt: AckReceipt
    stored: int
    duplicates: int
    forks: int
    forked: bool
    expected_seq: int | None = None


@dataclass
class _Known:
    """What the server holds for a device around the batch.

    ``slots`` maps seq -> [(hash, prev_hash, where)], ``where`` maps (seq, hash) -> "main"/"fork".
    """

    slots: dict[int, list[tuple[str, str | None, str]]] = field(default_factory=lambda: defaultdict(list))
    where: dict[tuple[int, str], str] = field(default_factory=dict)

    def add(self, seq: int, hash_: str, prev: str | None, where: str) -> None:
        self.slots[seq].append((hash_, prev, where))
        self.where[(seq, hash_)] = where

    def holds(self, seq: int, hash_: str) -> bool:
        return (seq, hash_) in self.where

    def parent(self, seq: int, prev_hash: str) -> str | None:
        """'main' or 'fork' if an event with hash ``prev_hash`` is held at ``seq - 1``."""
        return self.where.get((seq - 1, prev_hash))

    def rivals(self, seq: int) -> list[tuple[str, str | None, str]]:
        return list(self.slots.get(seq, ()))


def parse_batch(body: Any, max_events: int) -> list[SignedEvent]:
    """The events of a request body ``{"events": [...]}``; ApiError if it is not well formed."""
    if not isinstance(body, dict) or set(body) != {"events"} or not isinstance(body["events"], list):
        raise ApiError(422, "INVALID_REQUEST", '请求体必须是 {"events": [...]}，事件按序号从小到大排列')
    items = body["events"]
    if len(items) > max_events:
        raise ApiError(
            413, "BATCH_TOO_LARGE", f"每批最多 {max_events} 个事件，请分批上报", max_events=max_events
        )
    parsed: list[SignedEvent] = []
    for index, item in enumerate(items):
        try:
            event = SignedEvent.from_wire(item)
        except LedgerError as exc:
            raise ApiError(
                400,
                exc.code,
                f"第 {index + 1} 个事件格式错误，整批未保存",
                index=index,
                seq=exc.seq,
                detail=exc.message,
            ) from exc
        parsed.append(event)
    return parsed


def check_order(batch: list[SignedEvent], device_id: str) -> None:
    """ApiError 400 unless every event is ``device_id``'s and seqs strictly increase."""
    previous = 0
    for event in batch:
        if event.envelope.device_id != device_id:
            raise ApiError(
                400, "WRONG_DEVICE", f"序号 {event.seq} 的事件属于其他设备，整批未保存", seq=event.seq
            )
        if event.seq <= previous:
            raise ApiError(
                400, "BATCH_NOT_ORDERED", "事件必须按序号从小到大排列且不重复，整批未保存", seq=event.seq
            )
        previous = event.seq


_REFUSALS = {
    "BAD_SIGNATURE": "序号 {seq} 的事件签名无效，整批未保存",
    "BAD_HASH": "序号 {seq} 的事件内容与哈希不符（内容被改动），整批未保存",
    "EVENT_MALFORMED": "序号 {seq} 的事件含有不允许的数据（如小数或超大整数），整批未保存",
}


_LOCK_DEVICE = Prepared(
    select(devices).where(devices.c.device_id == bindparam("device_id")).with_for_update()
)
_DEVICE_AFTER = Prepared(devices.update().where(devices.c.device_id == bindparam("id")))


def device_public_key(ctx: ServerContext, device_id: str) -> str:
    """The enrolled key of ``device_id``; ApiError 403 UNKNOWN_DEVICE if there is none."""
    with read_connection(ctx.engine) as conn:
        public_key = conn.execute(
            select(devices.c.public_key).where(devices.c.device_id == device_id)
        ).scalar()
    if public_key is None:
        raise unknown_device(device_id)
    return str(public_key)


def ingest_body(ctx: ServerContext, device_id: str, body: Any) -> IngestResult:
    """Ingest a decoded request body: the device is checked first, then the batch's form."""
    return _ingest(ctx, device_id, lambda: parse_batch(body, ctx.settings.max_batch_events))


def ingest_batch(ctx: ServerContext, device_id: str, batch: list[SignedEvent]) -> IngestResult:
    """Verify ``batch`` (events of ``device_id`` in seq order) and store it in one transaction."""
    return _ingest(ctx, device_id, lambda: batch)


def _ingest(ctx: ServerContext, device_id: str, read_batch: Callable[[], list[SignedEvent]]) -> IngestResult:
    now = ctx.clock()

    def work(conn: Connection) -> _Placed:
        # The device row, locked, gives the enrolled key: one transaction from the first read.
        device = first_row(conn, _LOCK_DEVICE, {"device_id": device_id})
        if device is None:
            raise unknown_device(device_id)
        batch = read_batch()
        check_order(batch, device_id)
        # Signatures are checked on worker threads while this thread hashes and places the
        # batch; the transaction commits only after every signature has verified.
        signatures = ctx.verifier.start(batch, device.public_key)
        try:
            texts = ctx.verifier.hashes(batch)
        except LedgerError as exc:
            raise _refusal(first_problem(exc, signatures)) from exc
        return _place(conn, device, batch, texts, now, signatures.wait)

    try:
        placed = run_write(ctx.engine, work)
    except LedgerError as exc:
        raise _refusal(exc) from exc
    except CaseRefused as exc:
        refused = exc
        run_write(ctx.engine, lambda conn: _record_refusal(conn, refused, now))
        raise refused.api_error() from exc
    if placed.stored:
        ctx.rules_due.set()  # the rules for what was stored run next, off this request's path
    receipt = sign_receipt(
        AckReceipt(device_id, placed.acked_seq, placed.acked_hash, iso(now)), ctx.server_key
    )
    return IngestResult(
        device_id=device_id,
        acked_seq=placed.acked_seq,
        acked_hash=placed.acked_hash,
        receipt=receipt,
        stored=placed.stored,
        duplicates=placed.duplicates,
        forks=placed.forks,
        forked=placed.forked,
        expected_seq=placed.expected_seq,
    )


def _record_refusal(conn: Connection, refused: CaseRefused, now: datetime) -> None:
    # Once per refused event: a window that resends the same batch raises no new alert.
    draft = refused.draft
    held = list_alerts(conn, rule_id=draft.rule_id, device_id=draft.device_id, project_no=draft.project_no)
    if not any(a["seq"] == draft.seq and a["details"].get("event") == draft.details["event"] for a in held):
        record_alerts(conn, [draft], now)


def _refusal(problem: LedgerError) -> ApiError:
    template = _REFUSALS.get(problem.code, "序号 {seq} 的事件无效，整批未保存")
    return ApiError(400, problem.code, template.format(seq=problem.seq), seq=problem.seq)


@dataclass
class _Placed:
    acked_seq: int = 0
    acked_hash: str = GENESIS_HASH
    stored: int = 0
    duplicates: int = 0
    forks: int = 0
    forked: bool = False
    expected_seq: int | None = None


def _load_known(conn: Connection, device: Any, batch: list[SignedEvent]) -> _Known:
    known = _Known()
    known.add(0, GENESIS_HASH, None, "main")
    lo, hi = batch[0].seq, batch[-1].seq
    if lo <= device.main_seq:
        rows = conn.execute(
            select(events.c.seq, events.c.hash, events.c.prev_hash).where(
                events.c.device_id == device.device_id,
                events.c.seq.between(lo - 1, min(hi, device.main_seq)),
            )
        )
        for row in rows:
            known.add(row.seq, row.hash, row.prev_hash, "main")
    elif device.main_seq > 0:
        known.add(device.main_seq, device.main_hash, None, "main")
    if device.forked:
        rows = conn.execute(
            select(fork_events.c.seq, fork_events.c.hash, fork_events.c.prev_hash).where(
                fork_events.c.device_id == device.device_id, fork_events.c.seq.between(lo - 1, hi)
            )
        )
        for row in rows:
            known.add(row.seq, row.hash, row.prev_hash, "fork")
    return known


def _clean(text: str) -> str:
    """Column copy of device text: PostgreSQL text cannot hold NUL (the JSON copy keeps it)."""
    return text.replace("\x00", "")


def event_row(event: SignedEvent, received_at: str, envelope_text: str) -> dict[str, Any]:
    """The events/fork_events row of a verified event, received at ``received_at``."""
    env = event.envelope
    project_no = env.payload.get("project_no")
    return {
        "device_id": env.device_id,
        "seq": env.seq,
        "hash": event.hash,
        "prev_hash": env.prev_hash,
        "event_id": _clean(env.event_id),
        "type": _clean(env.type),
        "clerk_id": _clean(env.clerk_id),
        "occurred_at": _clean(env.occurred_at),
        "clock_offset_ms": env.clock_offset_ms,
        "received_at": received_at,
        "project_no": _clean(project_no) if isinstance(project_no, str) else None,
        "envelope": envelope_text,
        "signature": event.signature,
    }


def _place(
    conn: Connection,
    device: Any,
    batch: list[SignedEvent],
    texts: list[str],
    now: datetime,
    confirm: Callable[[], None],
) -> _Placed:
    """Classify and store each event of ``batch``; runs inside the write transaction.

    ``confirm`` runs last, before the commit: it raises (rolling everything back) if a
    signature of the batch turned out bad.
    """
    received_at = iso(now)
    device_id = device.device_id
    out = _Placed(forked=device.forked)
    if not batch:
        out.acked_seq, out.acked_hash = device.head_seq, device.head_hash
        confirm()
        return out
    known = _load_known(conn, device, batch)
    main_seq, main_hash = device.main_seq, device.main_hash
    head: tuple[int, str] = (device.head_seq, device.head_hash)
    cursor = head
    acked: tuple[int, str] | None = None
    main_rows: list[dict[str, Any]] = []
    fork_rows: list[dict[str, Any]] = []
    drafts: list[AlertDraft] = []
    projected: list[ProjectedEvent] = []
    for event, envelope_text in zip(batch, texts, strict=True):
        env = event.envelope
        if known.holds(env.seq, event.hash):
            out.duplicates += 1
            cursor = acked = (env.seq, event.hash)
            continue
        parent = known.parent(env.seq, env.prev_hash)
        rivals = known.rivals(env.seq)
        gap = parent is None and env.seq > cursor[0] + 1 and cursor[0] == main_seq
        # A hole an administrator accepted: the event after it continues the main chain.
        if gap and accepted_bridge(conn, device_id, main_seq + 1) == (env.seq - 1, env.prev_hash):
            main_seq, main_hash = env.seq - 1, env.prev_hash
            known.add(main_seq, main_hash, None, "main")
            parent = "main"
        if parent is None:
            if env.seq > cursor[0] + 1:
                out.expected_seq = cursor[0] + 1
                break
            kind = "BROKEN_LINK"
            drafts.append(_broken_link(event))
            if rivals:
                drafts.append(_fork(event, rivals))
        elif parent == "main" and env.seq == main_seq + 1:
            kind = "MAIN"
        elif any(prev == env.prev_hash for _, prev, _ in rivals):
            kind = "FORK"
            drafts.append(_fork(event, rivals))
            if any(where == "main" for _, _, where in rivals):
                drafts.append(_rollback(event))
        else:
            kind = "BRANCH"
        row = event_row(event, received_at, envelope_text)
        if kind == "MAIN":
            main_rows.append(row)
            main_seq, main_hash = env.seq, event.hash
        else:
            fork_rows.append({**row, "kind": kind})
        known.add(env.seq, event.hash, env.prev_hash, "main" if kind == "MAIN" else "fork")
        head = cursor = acked = (env.seq, event.hash)
        projected.append(
            ProjectedEvent.of(event, received_at, kind != "MAIN", device.hall_code, device.window_no)
        )
    authority = CaseAuthority(
        conn, device_id, device.hall_code, device.window_no, device.public_key, received_at
    )
    # The three reads of the checks and projections below, in one round trip.
    prefetch(conn, [authority.read(projected), cases_read(projected), tickets_read(projected)])
    try:
        authority.check(projected)
    except CaseRefused as refused:
        confirm()  # a batch with a bad signature is BAD_SIGNATURE, never an alert naming the device
        # The refused event is not stored, so the alert keeps it, signed, as evidence.
        wire = next(e.as_wire() for e in batch if e.seq == refused.draft.seq)
        refused.draft.details["event"] = wire
        raise
    # The writes below and the COMMIT reach the database together at the end of this block (one
    # round trip on PostgreSQL); nothing in it reads back what it writes (see db.deferred_writes).
    with deferred_writes(conn, commit=True):
        bulk_insert(conn, events, main_rows)
        bulk_insert(conn, fork_events, fork_rows)
        drafts.extend(project(conn, projected, received_at))
        drafts.extend(authority.write())
        record_alerts(conn, drafts, now)
        out.stored, out.forks = len(main_rows) + len(fork_rows), len(fork_rows)
        out.forked = device.forked or bool(fork_rows)
        caught_up = device.announced_seq is None or head[0] >= device.announced_seq
        write(
            conn,
            _DEVICE_AFTER,
            {
                "id": device_id,
                "main_seq": main_seq,
                "main_hash": main_hash,
                "head_seq": head[0],
                "head_hash": head[1],
                "forked": out.forked,
                "last_seen": received_at,
                "ahead_since": None if caught_up else device.ahead_since,
                "withholding_alerted": False if caught_up else device.withholding_alerted,
            },
        )
        confirm()  # every signature verified, or nothing is committed
    out.acked_seq, out.acked_hash = acked if acked is not None else head
    return out


def _fork(event: SignedEvent, rivals: list[tuple[str, str | None, str]]) -> AlertDraft:
    env = event.envelope
    return AlertDraft(
        "FORK",
        f"设备 {env.device_id} 在序号 {env.seq} 上出现两个不同的已签名事件，两者均已保留",
        device_id=env.device_id,
        seq=env.seq,
        details={"hash": event.hash, "prev_hash": env.prev_hash, "held": [h for h, _, _ in rivals]},
    )


def _rollback(event: SignedEvent) -> AlertDraft:
    env = event.envelope
    return AlertDraft(
        "ROLLBACK",
        f"设备 {env.device_id} 从序号 {env.seq} 起重新记账，已确认的事件被另一版本取代（疑似从旧备份恢复或改写账本）",
        device_id=env.device_id,
        seq=env.seq,
        details={"restarted_after_seq": env.seq - 1, "hash": event.hash},
    )


def _broken_link(event: SignedEvent) -> AlertDraft:
    env = event.envelope
    return AlertDraft(
        "BROKEN_LINK",
        f"设备 {env.device_id} 序号 {env.seq} 的事件与已上报的前一事件哈希链接不上，已单独保留",
        device_id=env.device_id,
        seq=env.seq,
        details={"hash": event.hash, "prev_hash": env.prev_hash},
    )
