"""Device reports (设备自检报告): a window tells the server its own ledger is broken.

A window verifies its ledger before every push (chain, receipts, case tables). When that fails
it stops pushing and sends a report signed with its device key (``counter_app.ledger.report``):

* **LEDGER_TAMPERED** - rows were edited or deleted in a way the window can name (a field of a
  case, a receipt, an event). A red alert names the device and the problem, once per device,
  code and seq; nothing else changes here: the events the server holds are the record.
* **LEDGER_HOLE** - events the window never delivered are gone (rows deleted before sync). The
  server could never receive ``from_seq..to_seq`` and, without help, would refuse everything
  after them with 409 SEQ_GAP for good. The hole is recorded with a red alert naming the range.

The way out of a hole is an administrator's decision, never the window's: ``accept_hole``
records who accepted it, when and why (the LEDGER_HOLE alert stays, a LEDGER_HOLE_ACCEPTED
alert is added), and returns an acceptance signed with the server key. The window keeps that
acceptance, bridges the gap in its own ``verify`` with it, and resumes; ingest lets exactly the
event after the hole, linking to the reported ``bridge_hash``, continue the main chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from counter_app.ledger import DeviceKey
from counter_app.ledger.report import LEDGER_HOLE, HoleAcceptance, sign_hole_acceptance
from supervision_server.alerts import AlertDraft, alert_exists, record_alerts
from supervision_server.errors import ApiError, unknown_device
from supervision_server.schema import devices, ledger_holes
from supervision_server.timeutil import iso


@dataclass(frozen=True)
class ReportOutcome:
    """What the server did with a report: ``recorded`` for a tamper report; ``pending`` or
    ``accepted`` (with the signed acceptance) for a hole."""

    status: str
    alerted: bool
    acceptance: HoleAcceptance | None = None


def record_report(
    conn: Connection, device_id: str, report: dict[str, Any], now: datetime, server_key: DeviceKey
) -> ReportOutcome:
    """Record a verified report in the caller's write transaction; see the module docstring."""
    device = conn.execute(select(devices).where(devices.c.device_id == device_id).with_for_update()).first()
    if device is None:
        raise unknown_device(device_id)
    # Device text goes into columns: PostgreSQL text cannot hold NUL (the JSON copy keeps it).
    report = {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in report.items()}
    if report["kind"] == LEDGER_HOLE:
        return _hole(conn, device, report, now, server_key)
    seq = report["seq"]
    if alert_exists(
        conn, "LEDGER_TAMPERED", device_id=device_id, seq=seq, project_no=report.get("project_no")
    ):
        return ReportOutcome("recorded", False)
    where = f"（办件 {report['project_no']}，字段 {report['field']}）" if report.get("project_no") else ""
    draft = AlertDraft(
        "LEDGER_TAMPERED",
        f"设备 {device_id}（{device.hall_code} 大厅 {device.window_no} 号窗口）自检发现本机账本在序号 {seq} "
        f"处被改动 [{report['code']}]：{report['message']}{where}",
        device_id=device_id,
        seq=seq,
        project_no=report.get("project_no"),
        details={k: report.get(k) for k in ("code", "field", "head_seq", "head_hash", "device_time")},
    )
    record_alerts(conn, [draft], now)
    return ReportOutcome("recorded", True)


def _hole(
    conn: Connection, device: Any, report: dict[str, Any], now: datetime, server_key: DeviceKey
) -> ReportOutcome:
    first, last, bridge = report.get("from_seq"), report.get("to_seq"), report.get("bridge_hash")
    if not isinstance(first, int) or not isinstance(last, int) or not isinstance(bridge, str) or last < first:
        raise ApiError(422, "HOLE_INVALID", "缺口报告须包含 from_seq ≤ to_seq 和 bridge_hash")
    held = conn.execute(
        select(ledger_holes).where(
            ledger_holes.c.device_id == device.device_id, ledger_holes.c.from_seq == first
        )
    ).first()
    if held is None and first <= device.main_seq:
        raise ApiError(
            409,
            "HOLE_ALREADY_HELD",
            f"服务器已收到设备序号 {device.main_seq} 及之前的事件，序号 {first} 不是缺口",
            acked_seq=device.main_seq,
        )
    if held is None:
        conn.execute(
            ledger_holes.insert().values(
                device_id=device.device_id,
                from_seq=first,
                to_seq=last,
                bridge_hash=bridge,
                reported_at=iso(now),
                report=json.dumps(report, ensure_ascii=False, sort_keys=True),
                note="",
            )
        )
    elif (held.to_seq, held.bridge_hash) != (last, bridge):
        raise ApiError(
            409,
            "HOLE_CHANGED",
            f"设备此前报告的缺口为序号 {held.from_seq}–{held.to_seq}，与本次报告不一致",
            from_seq=held.from_seq,
            to_seq=held.to_seq,
        )
    elif held.accepted_at is not None:
        return ReportOutcome("accepted", False, _acceptance(device.device_id, held, server_key))
    if alert_exists(conn, "LEDGER_HOLE", device_id=device.device_id, seq=first):
        return ReportOutcome("pending", False)
    draft = AlertDraft(
        "LEDGER_HOLE",
        f"设备 {device.device_id}（{device.hall_code} 大厅 {device.window_no} 号窗口）尚未上报的序号 "
        f"{first}–{last} 的事件已在本机被删除，服务器无法收到；之后的事件暂停接收，待管理员处理",
        device_id=device.device_id,
        seq=first,
        details={
            "from_seq": first,
            "to_seq": last,
            "bridge_hash": bridge,
            "device_time": report.get("device_time"),
        },
    )
    record_alerts(conn, [draft], now)
    return ReportOutcome("pending", True)


def accept_hole(
    conn: Connection, device_id: str, from_seq: int, note: str, now: datetime, server_key: DeviceKey
) -> HoleAcceptance:
    """The administrator accepts a reported hole: recorded, alerted, and signed for the window."""
    hole = conn.execute(
        select(ledger_holes)
        .where(ledger_holes.c.device_id == device_id, ledger_holes.c.from_seq == from_seq)
        .with_for_update()
    ).first()
    if hole is None:
        raise ApiError(404, "HOLE_NOT_FOUND", f"设备 {device_id} 没有报告从序号 {from_seq} 起的缺口")
    if hole.accepted_at is None:
        conn.execute(
            ledger_holes.update()
            .where(ledger_holes.c.device_id == device_id, ledger_holes.c.from_seq == from_seq)
            .values(accepted_at=iso(now), accepted_by="admin", note=note)
        )
        draft = AlertDraft(
            "LEDGER_HOLE_ACCEPTED",
            f"管理员确认设备 {device_id} 序号 {from_seq}–{hole.to_seq} 的事件已无法补回，"
            f"允许其从序号 {hole.to_seq + 1} 起继续上报。说明：{note}",
            device_id=device_id,
            seq=from_seq,
            details={"from_seq": from_seq, "to_seq": hole.to_seq, "note": note},
        )
        record_alerts(conn, [draft], now)
        hole = conn.execute(
            select(ledger_holes).where(
                ledger_holes.c.device_id == device_id, ledger_holes.c.from_seq == from_seq
            )
        ).one()
    return _acceptance(device_id, hole, server_key)


def list_holes(conn: Connection, device_id: str) -> list[dict[str, Any]]:
    """Every hole a device reported, accepted or not, in seq order."""
    rows = conn.execute(
        select(ledger_holes).where(ledger_holes.c.device_id == device_id).order_by(ledger_holes.c.from_seq)
    ).mappings()
    return [{k: v for k, v in row.items() if k != "report"} for row in rows]


def accepted_bridge(conn: Connection, device_id: str, from_seq: int) -> tuple[int, str] | None:
    """``(to_seq, bridge_hash)`` of an accepted hole that starts at ``from_seq`` (ingest's gap path)."""
    row = conn.execute(
        select(ledger_holes.c.to_seq, ledger_holes.c.bridge_hash).where(
            ledger_holes.c.device_id == device_id,
            ledger_holes.c.from_seq == from_seq,
            ledger_holes.c.accepted_at.is_not(None),
        )
    ).first()
    return None if row is None else (int(row.to_seq), str(row.bridge_hash))


def _acceptance(device_id: str, hole: Any, server_key: DeviceKey) -> HoleAcceptance:
    unsigned = HoleAcceptance(
        device_id, int(hole.from_seq), int(hole.to_seq), hole.bridge_hash, hole.accepted_at
    )
    return sign_hole_acceptance(unsigned, server_key)
