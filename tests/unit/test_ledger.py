"""The ledger's envelope, chain and receipts, without a database."""

from __future__ import annotations

import dataclasses
import os
import stat

import pytest

from counter_app.ledger import (
    GENESIS_HASH,
    AckReceipt,
    DeviceKey,
    Envelope,
    LedgerError,
    SignedEvent,
    public_key_from_b64,
    seal,
    sign_receipt,
    verify_chain,
    verify_event,
    verify_receipt,
)
from counter_app.ledger.canonical import canonical_json


def make_chain(key: DeviceKey, n: int, device: str = "dev-1") -> list[SignedEvent]:
    events: list[SignedEvent] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        env = Envelope(
            device_id=device,
            seq=seq,
            prev_hash=prev,
            event_id=f"e{seq}",
            type="case.received",
            payload={"project_no": f"P{seq}", "名称": "食品经营许可"},
            clerk_id="c1",
            occurred_at="2026-11-25T09:00:00+08:00",
            clock_offset_ms=-120,
        )
        ev = seal(env, key)
        events.append(ev)
        prev = ev.hash
    return events


def test_canonical_json_is_rfc8785_and_refuses_floats() -> None:
    assert canonical_json({"b": 1, "a": "汉"}) == '{"a":"汉","b":1}'.encode()
    with pytest.raises(TypeError):
        canonical_json({"x": 1.5})


def test_sealed_event_verifies_and_round_trips_the_wire() -> None:
    key = DeviceKey.generate()
    ev = make_chain(key, 1)[0]
    verify_event(ev, key.public_key)
    again = SignedEvent.from_wire(ev.as_wire())
    assert again == ev
    verify_event(again, public_key_from_b64(key.public_b64))


def test_changed_payload_is_bad_hash_and_resigned_hash_with_other_key_is_bad_signature() -> None:
    key = DeviceKey.generate()
    ev = make_chain(key, 1)[0]
    edited = dataclasses.replace(ev.envelope, payload={"project_no": "X"})
    with pytest.raises(LedgerError) as info:
        verify_event(SignedEvent(edited, ev.hash, ev.signature), key.public_key)
    assert info.value.code == "BAD_HASH"
    forged = seal(edited, DeviceKey.generate())
    with pytest.raises(LedgerError) as info:
        verify_event(forged, key.public_key)
    assert info.value.code == "BAD_SIGNATURE"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda w: w.pop("hash"),
        lambda w: w["envelope"].pop("seq"),
        lambda w: w["envelope"].update(seq="1"),
        lambda w: w["envelope"].update(extra=1),
        lambda w: w["envelope"].update(v=9),
        lambda w: w["envelope"].update(prev_hash="00"),
    ],
)
def test_malformed_wire_is_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    wire = make_chain(DeviceKey.generate(), 1)[0].as_wire()
    mutate(wire)
    with pytest.raises(LedgerError):
        SignedEvent.from_wire(wire)


def test_whole_chain_verifies() -> None:
    key = DeviceKey.generate()
    events = make_chain(key, 20)
    report = verify_chain(events, key.public_key, device_id="dev-1")
    assert report.ok and report.checked == 20 and report.head_seq == 20
    assert report.head_hash == events[-1].hash


def test_chain_names_gap_reorder_link_and_device() -> None:
    key = DeviceKey.generate()
    events = make_chain(key, 6)
    gap = verify_chain(events[:3] + events[4:], key.public_key)
    assert gap.problem is not None and (gap.problem.code, gap.problem.seq) == ("GAP", 4)
    swapped = events[:2] + [events[3], events[2]] + events[4:]
    reorder = verify_chain(swapped, key.public_key)
    assert reorder.problem is not None and reorder.problem.code == "GAP"
    dup = verify_chain(events[:3] + [events[1]], key.public_key)
    assert dup.problem is not None and (dup.problem.code, dup.problem.seq) == ("REORDER", 2)
    # a re-signed event with a wrong prev_hash: signature fine, link broken
    bad_env = dataclasses.replace(events[3].envelope, prev_hash="f" * 64)
    relinked = events[:3] + [seal(bad_env, key)] + events[4:]
    broken = verify_chain(relinked, key.public_key)
    assert broken.problem is not None and (broken.problem.code, broken.problem.seq) == ("BROKEN_LINK", 4)
    other = verify_chain(events, key.public_key, device_id="dev-2")
    assert other.problem is not None and other.problem.code == "WRONG_DEVICE"


def test_chain_resumes_from_checkpoint() -> None:
    key = DeviceKey.generate()
    events = make_chain(key, 5)
    report = verify_chain(events[3:], key.public_key, start_seq=4, start_prev_hash=events[2].hash)
    assert report.ok and report.head_seq == 5


def test_device_key_created_once_with_owner_only_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys" / "device.pem"
    first = DeviceKey.load_or_create(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    second = DeviceKey.load_or_create(path)
    assert first.public_b64 == second.public_b64


def test_receipt_signature() -> None:
    server = DeviceKey.generate()
    receipt = sign_receipt(AckReceipt("dev-1", 7, "a" * 64, "2026-11-25T01:00:00Z"), server)
    verify_receipt(AckReceipt.from_dict(receipt.as_dict()), server.public_key)
    with pytest.raises(LedgerError):
        verify_receipt(dataclasses.replace(receipt, acked_seq=8), server.public_key)
