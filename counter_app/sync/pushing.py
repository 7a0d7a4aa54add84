"""One push cycle: send unacknowledged events in seq order and record the server's receipts.

An event counts as delivered only when the server's signed receipt verifies with the stored
server key and names the very hash this window holds at that seq; the receipt is then stored
in one local transaction. When the server and the window disagree about history (a database
restored from an old backup, an edited event, a server restored from a backup) every pending
event is still offered, so that the server keeps both versions and raises its alerts, and the
cycle then ends with a ROLLBACK or FORK error that stops the pusher until a person resumes it.
Nothing local is ever deleted or overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from counter_app.ledger import GENESIS_HASH, AckReceipt, LedgerError, verify_receipt
from counter_app.store import schema
from counter_app.store.ledger_store import acked_seq, head, record_ack
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig
from counter_app.sync.errors import BAD_RECEIPT, BAD_RESPONSE, FORK, NO_PROGRESS, ROLLBACK, SyncError

log = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 1_000_000
MAX_GAP_ROUNDS = 3


@dataclass(frozen=True)
class PushResult:
    """How a cycle ended: batches sent, the acknowledged seq, the local head afterwards, and
    whether the server knows this device as forked."""

    batches: int
    acked_seq: int
    head_seq: int
    server_forked: bool = False


@dataclass(frozen=True)
class Batch:
    """Serialised events ``first_seq..last_seq`` ready to POST."""

    first_seq: int
    last_seq: int
    count: int
    body: bytes


def build_batch(conn: Connection, after_seq: int, max_events: int, max_bytes: int) -> Batch | None:
    """The events after ``after_seq`` in seq order, at most ``max_events`` and about ``max_bytes``.

    The stored canonical envelope is spliced in as it is, so what travels is byte for byte
    what was hashed; one event is always sent even if it alone is larger than ``max_bytes``.
    """
    ev = schema.events.c
    rows = conn.execute(
        select(ev.seq, ev.envelope, ev.hash, ev.signature)
        .where(ev.seq > after_seq)
        .order_by(ev.seq)
        .limit(max_events)
    ).all()
    parts: list[bytes] = []
    size = len(b'{"events":[]}')
    last = after_seq
    for row in rows:
        part = (
            b'{"envelope":'
            + row.envelope.encode("utf-8")
            + b',"hash":"'
            + row.hash.encode("ascii")
            + b'","signature":"'
            + row.signature.encode("ascii")
            + b'"}'
        )
        if parts and size + len(part) + 1 > max_bytes:
            break
        parts.append(part)
        size += len(part) + 1
        last = row.seq
    if not parts:
        return None
    return Batch(rows[0].seq, last, len(parts), b'{"events":[' + b",".join(parts) + b"]}")


def local_hash(conn: Connection, seq: int) -> str | None:
    """The hash this window holds at ``seq`` (GENESIS for 0, None beyond the head)."""
    if seq == 0:
        return GENESIS_HASH
    return conn.execute(select(schema.events.c.hash).where(schema.events.c.seq == seq)).scalar()


def compare_with_server(
    conn: Connection, server_seq: int, server_hash: str, local_acked: int, local_head: int
) -> SyncError | None:
    """Name the disagreement between the server's acknowledged head and local history, if any."""
    if server_seq > local_head:
        return SyncError(
            ROLLBACK,
            f"server holds seq {server_seq} but the local head is {local_head}: local database restored?",
            retryable=False,
        )
    if server_seq < local_acked:
        return SyncError(
            ROLLBACK,
            f"server holds seq {server_seq} but acknowledged {local_acked} before: server restored?",
            retryable=False,
        )
    if local_hash(conn, server_seq) != server_hash:
        return SyncError(FORK, f"server hash at seq {server_seq} differs from the local one", retryable=False)
    return None


def check_receipt(reply: Any, config: SyncConfig) -> AckReceipt:
    """Parse the 200 reply's receipt and verify it; BAD_RECEIPT unless it is the server's word."""
    try:
        receipt = AckReceipt.from_dict(reply["receipt"])
        verify_receipt(receipt, config.server_public_key)
    except (LedgerError, KeyError, TypeError) as exc:
        raise SyncError(BAD_RECEIPT, f"receipt rejected: {exc}", retryable=False) from exc
    if (
        receipt.device_id != config.device_id
        or receipt.acked_seq != reply.get("acked_seq")
        or receipt.acked_hash != reply.get("acked_hash")
    ):
        raise SyncError(BAD_RECEIPT, "receipt does not match the reply or this device", retryable=False)
    return receipt


def push_pending(
    store: Store,
    client: ServerClient,
    config: SyncConfig,
    clock: Clock,
    *,
    check_head: bool = True,
    server_forked: bool = False,
    max_events: int = MAX_BATCH_EVENTS,
    max_bytes: int = MAX_BATCH_BYTES,
    on_ack: Callable[[int], None] | None = None,
) -> PushResult:
    """Send everything not yet acknowledged; raise SyncError when the cycle cannot finish cleanly.

    ``check_head`` first compares the server's head with local history (at start and after
    errors); ``server_forked`` says the server already knows this device as forked, so further
    branch events in replies are not news. A divergence is raised only after every pending
    event has been offered to the server.
    """
    divergence: SyncError | None = None
    if check_head:
        server = client.head(config.device_id)
        try:
            server_seq, server_hash = int(server["acked_seq"]), str(server["acked_hash"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SyncError(BAD_RESPONSE, f"head reply malformed: {exc!r}", retryable=True) from exc
        server_forked = bool(server.get("forked"))
        with store.read() as conn:
            divergence = compare_with_server(conn, server_seq, server_hash, acked_seq(conn), head(conn)[0])
            conn.rollback()
    cursor = _local_acked(store)
    batches = gap_rounds = 0
    while True:
        with store.read() as conn:
            batch = build_batch(conn, cursor, max_events, max_bytes)
            conn.rollback()
        if batch is None:
            break
        try:
            reply = client.post_events(config.device_id, batch.body)
        except SyncError as exc:
            if exc.http_status != 413 or batch.count == 1:
                raise
            # The server takes smaller batches than configured here: halve and go on.
            max_events = max(1, batch.count // 2)
            log.info("server refused a batch of %s events as too large; now %s", batch.count, max_events)
            continue
        batches += 1
        if reply.status == 409:
            gap_rounds += 1
            if isinstance(reply.body, dict) and reply.body.get("receipt"):
                _accept(store, check_receipt(reply.body, config), clock, on_ack)
            expected = _expected_seq(reply.body, gap_rounds)
            problem = _gap_problem(store, expected)
            divergence = divergence or problem
            if expected - 1 > _local_head(store):
                break  # the server is past everything this window has: nothing more to offer
            cursor = expected - 1
            continue
        receipt = check_receipt(reply.body, config)
        problem = _accept(store, receipt, clock, on_ack)
        if problem is not None:
            # The server's word does not match this window's ledger: offer the rest, mark nothing.
            divergence = divergence or problem
            cursor = batch.last_seq
            continue
        if not server_forked and _count(reply.body.get("forks")) > 0:
            divergence = divergence or SyncError(
                FORK,
                f"server filed {reply.body.get('forks')} event(s) of this batch as forks",
                retryable=False,
            )
            server_forked = True
        if receipt.acked_seq <= cursor:
            raise SyncError(
                NO_PROGRESS,
                f"sent {batch.first_seq}-{batch.last_seq}, server acked {receipt.acked_seq}",
                retryable=True,
            )
        cursor = receipt.acked_seq
        gap_rounds = 0
    if divergence is not None:
        log.warning("sync divergence: %s", divergence)
        raise divergence
    return PushResult(batches, cursor, _local_head(store), server_forked)


def _accept(
    store: Store, receipt: AckReceipt, clock: Clock, on_ack: Callable[[int], None] | None
) -> SyncError | None:
    """Record ``receipt`` in one local transaction if it names this window's own hash at its seq;
    otherwise return what is wrong with it and record nothing."""
    with store.unit_of_work() as uow:
        problem = _ack_problem(uow.conn, receipt)
        if problem is not None:
            return problem
        moved = record_ack(uow.conn, receipt, clock())
        uow.commit()
    if moved and on_ack is not None:
        on_ack(receipt.acked_seq)
    return None


def _local_head(store: Store) -> int:
    with store.read() as conn:
        seq, _ = head(conn)
        conn.rollback()
    return seq


def _local_acked(store: Store) -> int:
    with store.read() as conn:
        seq = acked_seq(conn)
        conn.rollback()
    return seq


def _count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _expected_seq(body: Any, rounds: int) -> int:
    code = body.get("code") if isinstance(body, dict) else None
    expected = body.get("expected_seq") if isinstance(body, dict) else None
    if code != "SEQ_GAP" or not isinstance(expected, int) or isinstance(expected, bool) or expected < 1:
        raise SyncError(
            str(code or "HTTP_409"), f"409 without a usable expected_seq: {body!r}", retryable=False
        )
    if rounds > MAX_GAP_ROUNDS:
        raise SyncError(NO_PROGRESS, f"server keeps answering SEQ_GAP (expected {expected})", retryable=True)
    return expected


def _gap_problem(store: Store, expected: int) -> SyncError | None:
    """A 409 that asks for history the server had acknowledged, or for more than exists here."""
    local_acked, local_head = _local_acked(store), _local_head(store)
    if expected - 1 < local_acked:
        detail = f"server expects seq {expected} but had acknowledged up to {local_acked}: server restored?"
        return SyncError(ROLLBACK, detail, retryable=False)
    if expected - 1 > local_head:
        detail = f"server expects seq {expected} but the local head is {local_head}: local database restored?"
        return SyncError(ROLLBACK, detail, retryable=False)
    log.info("server expects seq %s; resending from there", expected)
    return None


def _ack_problem(conn: Connection, receipt: AckReceipt) -> SyncError | None:
    local_head = head(conn)[0]
    if receipt.acked_seq > local_head:
        detail = f"server acknowledged seq {receipt.acked_seq} beyond the local head {local_head}"
        return SyncError(ROLLBACK, detail, retryable=False)
    if local_hash(conn, receipt.acked_seq) != receipt.acked_hash:
        return SyncError(
            FORK, f"server acknowledged another event at seq {receipt.acked_seq}", retryable=False
        )
    return None
