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

from supervision_server.db import any_of, insert_returning, prepared_insert, write
from supervision_server.rules_schema import alert_occurrences
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
        Rule("KIOSK_NOT_A_WINDOW", 1, RED, "取号机记录了只有窗口才能做的叫号或办理（未计入大厅队列）"),
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
        # The rules of supervision_server.rules (each module's docstring names the misconduct).
        Rule("OFF_BOOK", 1, RED, "体外循环：号已办理结束，却既无办件也无咨询结果"),
        Rule("LATE_ENTRY", 1, YELLOW, "办完后补录：办件在叫号办理结束很久之后或次日才登记"),
        Rule("DOUBLE_ACCEPT", 1, RED, "两头受理：同一申请人同一事项在两个窗口受理"),
        Rule("NOT_IN_HALL", 1, YELLOW, "明进暗不进：窗口的号大多以咨询或转移结束，当天却没有办件"),
        Rule("TIME_ORDER", 1, YELLOW, "办件时间顺序不可能（如办结早于受理）"),
        Rule("HASTY_CLOSE", 1, YELLOW, "承诺件受理后几分钟内办结且无任何办理过程记录"),
        Rule("OUTSIDE_HOURS", 1, WARNING, "办公时间以外受理办件"),
        Rule("NOT_LOGGED_IN", 1, YELLOW, "受理办件的工作人员当时未在该窗口登录"),
        Rule("CLOSURE_RATE", 1, WARNING, "窗口的异常办结率远高于全厅"),
        Rule("LATE_SPECIAL", 1, YELLOW, "临近办理期限才启动特别程序"),
        Rule("DEADLINE_NEAR", 1, WARNING, "办件距承诺办结时间只剩一个工作日"),
        Rule("OVERDUE_PROMISE", 1, YELLOW, "办件超过承诺时限未办结"),
        Rule("OVERDUE_STATUTORY", 1, RED, "办件超过法定时限未办结"),
        Rule("IDLE_WINDOW", 1, YELLOW, "窗口已登录却长时间不叫号，而其类别有群众等候"),
        Rule("REGISTER_MISSING", 1, RED, "部门业务系统有办理记录，大厅却无对应办件（二次登陆/体外循环）"),
        Rule("REGISTER_LATE", 1, YELLOW, "部门已办结之后才在大厅登记办件"),
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
    # Rules of supervision_server.rules: the occurrence (rule, subject, period) raised only once,
    # and whom the alert is about, for the supervisors' filters.
    occurrence_key: str | None = None
    window_no: int | None = None
    clerk_id: str | None = None
    dept_code: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        """The alerts-table row for this draft, detected at ``now``."""
        rule = RULES[self.rule_id]
        return {
            "window_no": self.window_no,
            "clerk_id": self.clerk_id,
            "dept_code": self.dept_code,
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
    """Insert ``drafts`` (in the caller's transaction); returns how many were recorded.

    A draft with an ``occurrence_key`` already recorded (or twice in ``drafts``) is skipped.
    """
    plain = [d for d in drafts if d.occurrence_key is None]
    if plain:
        write(conn, prepared_insert(alerts), [d.row(now) for d in plain])
    keyed = [d for d in drafts if d.occurrence_key is not None]
    if not keyed:
        return len(plain)
    keys = sorted({str(d.occurrence_key) for d in keyed})
    held = set(
        conn.execute(
            select(alert_occurrences.c.occurrence_key).where(any_of(alert_occurrences.c.occurrence_key, keys))
        ).scalars()
    )
    fresh: list[AlertDraft] = []
    for draft in keyed:
        if draft.occurrence_key not in held:
            held.add(str(draft.occurrence_key))
            fresh.append(draft)
    if fresh:
        # Inserted together, their ids in order, then their keys.
        inserted = insert_returning(conn, alerts, [d.row(now) for d in fresh])
        keys_rows = [
            {"occurrence_key": d.occurrence_key, "alert_id": alert_id}
            for d, alert_id in zip(fresh, inserted, strict=True)
        ]
        write(conn, prepared_insert(alert_occurrences), keys_rows)
    return len(plain) + len(fresh)


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
