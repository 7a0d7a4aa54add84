"""Signed event chains, a step clock and small HTTP helpers for the server tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from counter_app.ledger import GENESIS_HASH, DeviceKey, Envelope, SignedEvent, seal
from counter_app.ledger.device_messages import enroll_message, heartbeat_message

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in the hall
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# The eight points of small order on Ed25519 (orders 1, 2, 4, 4, 8, 8, 8, 8), as listed in
# libsodium's blocklist and in "Taming the many EdDSAs" (Chalkias et al., 2020).
SMALL_ORDER_POINTS = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # the identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",  # all zero
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]
# y = p and y = p + 1: the all-zero point and the identity written with y not reduced mod p.
NON_CANONICAL_POINTS = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


class StepClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def unique(prefix: str) -> str:
    """A name no other test uses (PostgreSQL tests share one database per session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Chain:
    """One device's ledger: sealed events linked from GENESIS, as a counter would write them."""

    device_id: str
    key: DeviceKey = field(default_factory=DeviceKey.generate)
    events: list[SignedEvent] = field(default_factory=list)

    @property
    def head(self) -> tuple[int, str]:
        if not self.events:
            return 0, GENESIS_HASH
        return self.events[-1].seq, self.events[-1].hash

    def append(
        self,
        type_: str = "test.event",
        payload: dict[str, Any] | None = None,
        clerk_id: str = "clerk-1",
        occurred_at: str | None = None,
    ) -> SignedEvent:
        seq, prev = self.head
        envelope = Envelope(
            device_id=self.device_id,
            seq=seq + 1,
            prev_hash=prev,
            event_id=str(uuid.uuid4()),
            type=type_,
            payload=payload if payload is not None else {"n": seq + 1},
            clerk_id=clerk_id,
            occurred_at=occurred_at or f"2026-11-25T09:{(seq // 60) % 60:02d}:{seq % 60:02d}.000+08:00",
            clock_offset_ms=-120,
        )
        event = seal(envelope, self.key)
        self.events.append(event)
        return event

    def extend(self, count: int, type_: str = "test.event") -> list[SignedEvent]:
        return [self.append(type_) for _ in range(count)]

    def restored(self, keep: int) -> Chain:
        """The same device restored from a backup that held only its first ``keep`` events."""
        return Chain(self.device_id, self.key, list(self.events[:keep]))


def wire(events: list[SignedEvent]) -> dict[str, Any]:
    """A request body for ``POST /devices/{id}/events``."""
    return {"events": [e.as_wire() for e in events]}


def case_payload(project_no: str, name: str = "张小三", window_no: int = 3) -> dict[str, Any]:
    """A ``case.received`` payload as a counter writes it."""
    return {
        "project_no": project_no,
        "task_code": "11330785002541370X4000112233440",
        "item_name": "食品经营许可证核发",
        "dept_code": "SCJG",
        "project_type": 2,
        "applicant": {"name": name, "cert_type": "111", "cert_no": "11010519491231002X"},
        "window_no": window_no,
        "ticket_no": "A001",
        "materials": [{"name": "申请书", "form": "ORIGINAL", "copies": 1}],
    }


def accepted_payload(project_no: str, check_code: str = "7K3Q9") -> dict[str, Any]:
    """A ``case.accepted`` payload with the receipt's check code."""
    return {
        "project_no": project_no,
        "accepted_at": "2026-11-25T09:12:00.000+08:00",
        "promise_due": "2026-12-09T23:59:59+08:00",
        "promise_estimated": False,
        "check_code": check_code,
    }


def enroll_body(
    code: str,
    device_id: str,
    key: DeviceKey,
    *,
    hall_code: str | None = None,
    window_no: int | None = None,
    public_key: str | None = None,
    role: str | None = None,
    signed_role: str | None = "window",
) -> dict[str, Any]:
    """A ``POST /enroll`` body signed by ``key``, as a counter sends it (``public_key`` overrides
    the key announced, to try someone else's). ``role`` is sent when given; the signature is over
    ``role`` when sent, else over ``signed_role`` (None: the version 1 message of older clients)."""
    announced = public_key or key.public_b64
    signed = role if role is not None else signed_role
    body = {
        "code": code,
        "device_id": device_id,
        "public_key": announced,
        "hall_code": hall_code,
        "window_no": window_no,
        "signature": key.sign(enroll_message(code, device_id, announced, hall_code, window_no, signed)),
        "device_info": {"hostname": "WIN-03"},
    }
    if role is not None:
        body["role"] = role
    return body


def heartbeat_body(
    chain: Chain,
    counter: int,
    head: tuple[int, str] | None = None,
    device_time: str = "2026-11-25T09:00:00+08:00",
) -> dict[str, Any]:
    """A signed ``POST /devices/{id}/heartbeat`` body: heartbeat number ``counter`` announcing ``head``."""
    seq, hash_ = head if head is not None else chain.head
    message = heartbeat_message(chain.device_id, counter, seq, hash_, device_time)
    return {
        "counter": counter,
        "head_seq": seq,
        "head_hash": hash_,
        "device_time": device_time,
        "signature": chain.key.sign(message),
    }
