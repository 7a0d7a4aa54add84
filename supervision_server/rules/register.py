"""Matching a department's own register (部门业务系统台账) against the hall's cases.

Many departments still handle matters in their own line systems (专网) and register them in the
hall afterwards or never (二次登陆). An administrator imports the department's export (CSV,
UTF-8 or GBK, BOM tolerated) with a small TOML mapping of its column names::

    [columns]
    record_no = "受理编号"      # the department's own number (required)
    task_code = "事项编码"      # task_code or item_name (or both) name the matter
    item_name = "事项名称"
    cert_no = "证件号码"        # the applicant's certificate number (required)
    applicant_name = "申请人"
    accepted_on = "受理日期"    # required; YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD (a time may follow)
    finished_at = "办结时间"    # optional
    [match]
    days = 3                    # a hall case received this many days either side matches

Each record is matched to at most one hall case of the department with the same certificate
number and matter, received within ``days`` of the record's date:

* REGISTER_MISSING (红牌) - no hall case: handled in the line system only (体外循环/二次登陆);
* REGISTER_LATE (黄牌) - the hall case was received after the department had already finished
  the matter: registered in the hall afterwards (二次登陆).

The import and every record with its result are stored (insert-only). The match rate per
department (records with a hall case / records) is :func:`register_match_rates`; for each
department only its latest import counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from counter_app.domain.errors import DomainError
from supervision_server.alerts import AlertDraft, record_alerts
from supervision_server.rules.base import moment
from supervision_server.rules_schema import register_imports, register_records
from supervision_server.schema import cases
from supervision_server.timeutil import iso

MATCHED, MISSING, LATE = "MATCHED", "MISSING", "LATE"
_REQUIRED = ("record_no", "cert_no", "accepted_on")
_FIELDS = ("record_no", "task_code", "item_name", "cert_no", "applicant_name", "accepted_on", "finished_at")


class RegisterError(DomainError):
    """A register file or mapping the server cannot read; the message says what to fix."""

    code = "REGISTER_INVALID"


def read_mapping(text: str) -> dict[str, Any]:
    """The mapping of a TOML text: ``{"columns": {field: header}, "days": int}``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegisterError(f"列映射文件格式错误：{exc}", "REGISTER_MAPPING_INVALID") from exc
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise RegisterError("列映射文件须有 [columns] 表，值为列名", "REGISTER_MAPPING_INVALID")
    unknown = sorted(set(columns) - set(_FIELDS))
    if unknown:
        raise RegisterError(f"列映射中有未知字段：{'、'.join(unknown)}", "REGISTER_MAPPING_INVALID")
    missing = [f for f in _REQUIRED if f not in columns]
    if missing or not ({"task_code", "item_name"} & set(columns)):
        need = missing or ["task_code 或 item_name"]
        raise RegisterError(f"列映射缺少必需字段：{'、'.join(need)}", "REGISTER_MAPPING_INVALID")
    match = data.get("match", {})
    days = match.get("days", 3) if isinstance(match, dict) else None
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 60:
        raise RegisterError("[match] days 须为 0–60 的整数", "REGISTER_MAPPING_INVALID")
    return {"columns": dict(columns), "days": days}


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV export and its encoding: UTF-8 (BOM tolerated), else GBK (GB18030)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError as exc:
        raise RegisterError("台账文件既不是 UTF-8 也不是 GBK 编码", "REGISTER_ENCODING") from exc


def _day(text: str, row_no: int) -> date:
    head = text.strip()[:10].replace("/", "-").replace(".", "-")
    if len(text.strip()) >= 8 and text.strip()[:8].isdigit():
        head = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    try:
        return date.fromisoformat(head)
    except ValueError as exc:
        raise RegisterError(f"第 {row_no} 行的受理日期「{text}」无法识别", "REGISTER_DATE_INVALID") from exc


def parse_records(text: str, mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of a register export under ``mapping``; RegisterError naming the bad line."""
    try:
        return _records(csv.reader(io.StringIO(text)), mapping)
    except csv.Error as exc:
        raise RegisterError(f"台账文件不是有效的 CSV：{exc}", "REGISTER_CSV_INVALID") from exc


def _records(reader: Any, mapping: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise RegisterError("台账文件为空", "REGISTER_EMPTY") from exc
    columns: dict[str, str] = mapping["columns"]
    absent = [h for h in columns.values() if h not in header]
    if absent:
        raise RegisterError(f"台账文件缺少列：{'、'.join(absent)}", "REGISTER_COLUMN_MISSING")
    index = {field: header.index(name) for field, name in columns.items()}
    records = []
    for row_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in index.items()}
        for required in ("record_no", "cert_no", "accepted_on"):
            if not values.get(required):
                raise RegisterError(f"第 {row_no} 行缺少「{columns[required]}」", "REGISTER_FIELD_MISSING")
        finished = values.get("finished_at") or ""
        records.append(
            {
                "row_no": row_no,
                "record_no": values["record_no"],
                "task_code": values.get("task_code", "").upper(),
                "item_name": values.get("item_name", ""),
                "cert_no": values["cert_no"].upper(),
                "applicant_name": values.get("applicant_name", ""),
                "accepted_on": _day(values["accepted_on"], row_no).isoformat(),
                "finished_at": _finished(finished, row_no) if finished else None,
            }
        )
    return records


def _finished(text: str, row_no: int) -> str:
    """A finish time as ISO text in hall time (+08:00 when the export gives none)."""
    value = text.strip().replace("/", "-")
    if len(value) == 10:
        value += "T23:59:59"
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError as exc:
        raise RegisterError(f"第 {row_no} 行的办结时间「{text}」无法识别", "REGISTER_DATE_INVALID") from exc
    if parsed.tzinfo is None:
        parsed = datetime.fromisoformat(parsed.isoformat() + "+08:00")
    return parsed.isoformat()


def import_register(
    conn: Connection,
    dept_code: str,
    mapping_text: str,
    data: bytes,
    file_name: str,
    by: str,
    now: datetime,
) -> dict[str, Any]:
    """Import and match a register export; returns counts per result and the import id."""
    mapping = read_mapping(mapping_text)
    text, encoding = decode(data)
    records = parse_records(text, mapping)
    days = timedelta(days=mapping["days"])
    candidates = [
        dict(r)
        for r in conn.execute(
            select(cases)
            .where(cases.c.dept_code == dept_code)
            .order_by(cases.c.received_at, cases.c.project_no)
        ).mappings()
    ]
    taken: set[str] = set()
    results: list[dict[str, Any]] = []
    drafts: list[AlertDraft] = []
    for record in records:
        found = _match(record, candidates, taken, days)
        result, project_no = MISSING, None
        if found is not None:
            taken.add(found["project_no"])
            project_no = found["project_no"]
            finished, received = moment(record["finished_at"]), moment(found["received_at"])
            result = (
                LATE if finished is not None and received is not None and received > finished else MATCHED
            )
        results.append({**record, "dept_code": dept_code, "match": result, "project_no": project_no})
        if result == MISSING:
            drafts.append(
                AlertDraft(
                    "REGISTER_MISSING",
                    f"部门 {dept_code} 台账记录 {record['record_no']}（{record['item_name'] or record['task_code']}，"
                    f"{record['accepted_on']}）在大厅没有对应办件（疑似体外循环/二次登陆）",
                    details={k: record[k] for k in ("record_no", "task_code", "item_name", "accepted_on")},
                    occurrence_key=f"REGISTER_MISSING:{dept_code}:{record['record_no']}",
                    dept_code=dept_code,
                )
            )
        elif result == LATE:
            assert found is not None
            drafts.append(
                AlertDraft(
                    "REGISTER_LATE",
                    f"办件 {project_no} 在部门已于 {record['finished_at']} 办结之后才在大厅登记"
                    f"（{found['received_at']}，二次登陆）",
                    details={
                        "record_no": record["record_no"],
                        "finished_at": record["finished_at"],
                        "received_at": found["received_at"],
                    },
                    occurrence_key=f"REGISTER_LATE:{dept_code}:{record['record_no']}",
                    device_id=found["device_id"],
                    project_no=project_no,
                    window_no=found["window_no"],
                    clerk_id=found["clerk_id"] or None,
                    dept_code=dept_code,
                )
            )
    matched = sum(r["match"] != MISSING for r in results)
    inserted = conn.execute(
        register_imports.insert().values(
            dept_code=dept_code,
            file_name=file_name,
            sha256=hashlib.sha256(data).hexdigest(),
            encoding=encoding,
            mapping=json.dumps(mapping, ensure_ascii=False, sort_keys=True),
            record_count=len(results),
            matched_count=matched,
            imported_at=iso(now),
            imported_by=by,
        )
    ).inserted_primary_key
    assert inserted is not None
    import_id = int(inserted[0])
    if results:
        conn.execute(register_records.insert(), [{**r, "import_id": import_id} for r in results])
    raised = record_alerts(conn, drafts, now)
    return {
        "import_id": import_id,
        "dept_code": dept_code,
        "encoding": encoding,
        "records": len(results),
        "matched": sum(r["match"] == MATCHED for r in results),
        "late": sum(r["match"] == LATE for r in results),
        "missing": sum(r["match"] == MISSING for r in results),
        "alerts": raised,
    }


def _match(
    record: dict[str, Any], candidates: list[dict[str, Any]], taken: set[str], days: timedelta
) -> dict[str, Any] | None:
    on = date.fromisoformat(record["accepted_on"])
    for case in candidates:
        if case["project_no"] in taken or case["applicant_cert_no"].upper() != record["cert_no"]:
            continue
        if record["task_code"] and case["task_code"].upper() != record["task_code"]:
            continue
        if not record["task_code"] and case["item_name"] != record["item_name"]:
            continue
        received = case["received_at"] or ""
        try:
            day = date.fromisoformat(received[:10])
        except ValueError:
            continue
        if abs(day - on) <= days:
            return case
    return None


def register_match_rates(conn: Connection, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Per department: (records with a hall case, records) dated ``start``..``end`` inclusive, from
    the department's latest import. This is the match-rate indicator the assessment reads."""
    latest = (
        select(register_imports.c.dept_code, func.max(register_imports.c.id).label("import_id"))
        .group_by(register_imports.c.dept_code)
        .subquery()
    )
    query = (
        select(register_records.c.dept_code, register_records.c.match)
        .join(latest, latest.c.import_id == register_records.c.import_id)
        .where(register_records.c.accepted_on.between(start.isoformat(), end.isoformat()))
    )
    rates: dict[str, tuple[int, int]] = {}
    for dept, match in conn.execute(query):
        matched, total = rates.get(dept, (0, 0))
        rates[dept] = (matched + (match != MISSING), total + 1)
    return rates
