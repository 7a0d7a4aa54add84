"""Walk a device's events and name the first place the chain is not whole."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from counter_app.ledger.envelope import GENESIS_HASH, LedgerError, SignedEvent, verify_event


@dataclass(frozen=True)
class ChainProblem:
    """The first defect found: ``code`` is GAP, REORDER, BROKEN_LINK, BAD_HASH, BAD_SIGNATURE,
    WRONG_DEVICE or ROW_MISMATCH; ``seq`` is where it was found."""

    code: str
    seq: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a walk: how many events were checked, the head, and the first problem."""

    checked: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """True when every event verified and linked."""
        return self.problem is None


def verify_chain(
    events: Iterable[SignedEvent],
    public_key: Ed25519PublicKey,
    device_id: str | None = None,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
    check_event: Callable[[SignedEvent, Ed25519PublicKey], None] = verify_event,
) -> ChainReport:
    """Verify hashes, signatures, sequence and links of ``events`` in the order given.

    ``start_seq``/``start_prev_hash`` let a caller resume from a trusted checkpoint. The walk
    stops at the first problem, because everything after a break is unanchored.
    ``check_event`` replaces :func:`verify_event` for a caller that can check the hash faster
    (it must raise LedgerError BAD_HASH / BAD_SIGNATURE exactly when verify_event would).
    """
    expected_seq = start_seq
    prev_hash = start_prev_hash
    checked = 0
    for event in events:
        env = event.envelope
        problem: ChainProblem | None = None
        if device_id is not None and env.device_id != device_id:
            problem = ChainProblem("WRONG_DEVICE", env.seq, f"事件属于其他设备 {env.device_id}")
        elif env.seq > expected_seq:
            problem = ChainProblem(
                "GAP", expected_seq, f"缺少序号 {expected_seq}–{env.seq - 1} 的事件（可能被删除）"
            )
        elif env.seq < expected_seq:
            text = f"序号 {env.seq} 出现在 {expected_seq} 的位置（顺序被改动）"
            problem = ChainProblem("REORDER", env.seq, text)
        else:
            try:
                check_event(event, public_key)
            except LedgerError as exc:
                text = "事件内容与哈希不符（内容被改动）" if exc.code == "BAD_HASH" else "事件签名无效"
                problem = ChainProblem(exc.code, env.seq, text)
            else:
                if env.prev_hash != prev_hash:
                    problem = ChainProblem("BROKEN_LINK", env.seq, "与前一事件的哈希链接断开")
        if problem is not None:
            return ChainReport(checked, expected_seq - 1, prev_hash, problem)
        checked += 1
        expected_seq += 1
        prev_hash = event.hash
    return ChainReport(checked, expected_seq - 1, prev_hash, None)
