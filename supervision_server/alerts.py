"""Supervision alerts (电子监察预警): the rules, and an insert-only table of what they found.

Each rule has a stable id, a version and a level (预警 / 黄牌 / 红牌). An alert is never edited or
deleted; handling it (督办, 申诉) would be recorded elsewhere. An alert about a condition that
can end (a silent window) is closed by a row in ``alert_closings``, shown as ``closed_at``.
Rules that a caller could trigger at will (RECEIPT_UNKNOWN) are recorded once per subject and
period, not once per occurrence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from supervision_server.db import write
from supervision_server.schema import alert_closings, alerts
from supervision_server.timeutil import iso

WARNING = "预警"
YELLOW = "黄牌"
RED = "红牌"


@dataclass(frozen=True)
class Rule:
    """A supervision rule: id, version, level and what it means to a supervisor."""

    rule_id: str
    version: int
    level: str
    title: str


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in (
        Rule("FORK", 1, RED, "同一设备同一序号出现两个不同的已签名事件"),
        Rule("BROKEN_LINK", 1, RED, "事件与设备已上报的哈希链接不上"),
        Rule("ROLLBACK", 1, RED, "设备账本回退（可能从旧备份恢复或改写了已上报的事件）"),
        Rule("WITHHOLDING", 1, RED, "设备宣告的事件长时间未上报"),
        Rule("SILENT", 1, YELLOW, "窗口当天已在工作，办公时间内却长时间没有心跳"),
        Rule("CLOCK_SKEW", 1, WARNING, "设备时钟与服务器相差过大"),
        Rule("DUPLICATE_PROJECT_NO", 1, RED, "同一办件编号被重复登记"),
        Rule("RECEIPT_UNKNOWN", 1, YELLOW, "群众查询的回执服务器从未收到"),
        Rule("CASE_UNKNOWN", 1, YELLOW, "办件事件指向服务器未登记的办件"),
        Rule("ILLEGAL_TRANSITION", 1, WARNING, "办件状态变更不符合流程"),
        Rule("MULTIPLE_CORRECTIONS", 1, YELLOW, "同一办件多次要求补正"),
        Rule("CLOSURE_WITHOUT_REASON", 1, YELLOW, "异常办结或不予受理未填写理由"),
        Rule("PAYLOAD_INVALID", 1, WARNING, "事件内容缺少必要字段或格式不符"),
        Rule("TICKET_SERVED_TWICE", 1, RED, "同一号码在两个窗口办理（离线期间重复叫号）"),
        Rule("CASE_NOT_HOLDER", 1, RED, "设备试图记录不归其办理的办件（已拒收）"),
        Rule("CASE_NO_FOREIGN", 1, RED, "设备登记了属于其他窗口的办件编号（已拒收）"),
        Rule("CASE_NUMBER_GAP", 1, YELLOW, "窗口的办件编号有缺号（该编号从未上报）"),
        Rule("HANDOVER_TARGET_UNKNOWN", 1, YELLOW, "办件移交给了未登记的设备"),
        Rule("LEDGER_TAMPERED", 1, RED, "设备自检发现本机账本被改动（办件表、事件或回执与签名记录不符）"),
        Rule("LEDGER_HOLE", 1, RED, "设备尚未上报的事件在本机被删除，服务器永远收不到这段序号"),
        Rule("LEDGER_HOLE_ACCEPTED", 1, WARNING, "管理员确认设备账本缺口无法补回，允许其从缺口之后继续上报"),
        Rule(
            "REFERENCE_REFUSED", 1, YELLOW, "窗口拒收了签名无效或内容无效的事项目录或日历（可能被中途篡改）"
        ),
    )
}


@dataclass
class AlertDraft:
    """An alert about to be recorded."""

    rule_id: str
    message: str
    device_id: str | None = None
    seq: int | None = None
    project_no: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def row(self, now: datetime) -> dict[str, Any]:
        """The alerts-table row for this draft, detected at ``now``."""
        rule = RULES[self.rule_id]
        return {
            "rule_id": rule.rule_id,
            "rule_version": rule.version,
            "level": rule.level,
            "device_id": self.device_id,
            "seq": self.seq,
            "project_no": self.project_no,
            "detected_at": iso(now),
            "message": self.message,
            "details": json.dumps(self.details, ensure_ascii=False, sort_keys=True),
        }


def record_alerts(conn: Connection, drafts: list[AlertDraft], now: datetime) -> int:
    """Insert ``drafts`` (in the caller's transaction); returns how many were recorded."""
    if drafts:
        write(conn, alerts.insert(), [d.row(now) for d in drafts])
    return len(drafts)


def alert_exists(
    conn: Connection,
    rule_id: str,
    *,
    device_id: str | None = None,
    seq: int | None = None,
    project_no: str | None = None,
    since: str | None = None,
) -> bool:
    """Whether an alert of ``rule_id`` about the same device, seq and case is already recorded.

    ``since`` (a server timestamp) counts only alerts detected then or later.
    """
    query = select(alerts.c.id).where(alerts.c.rule_id == rule_id)
    if since is not None:
        query = query.where(alerts.c.detected_at >= since)
    for column, value in (
        (alerts.c.device_id, device_id),
        (alerts.c.seq, seq),
        (alerts.c.project_no, project_no),
    ):
        query = query.where(column.is_(None) if value is None else column == value)
    return conn.execute(query.limit(1)).first() is not None


def list_alerts(
    conn: Connection,
    *,
    rule_id: str | None = None,
    device_id: str | None = None,
    project_no: str | None = None,
    after_id: int = 0,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Alerts in detection order, filtered; ``after_id`` pages forward."""
    query = (
        select(alerts, alert_closings.c.closed_at)
        .outerjoin(alert_closings, alert_closings.c.alert_id == alerts.c.id)
        .where(alerts.c.id > after_id)
        .order_by(alerts.c.id)
        .limit(limit)
    )
    if rule_id:
        query = query.where(alerts.c.rule_id == rule_id)
    if device_id:
        query = query.where(alerts.c.device_id == device_id)
    if project_no:
        query = query.where(alerts.c.project_no == project_no)
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["details"] = json.loads(item["details"])
        rows.append(item)
    return rows
