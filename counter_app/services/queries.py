"""Finding cases on this window: by case number, ID number or name; listing; CSV export."""

from __future__ import annotations

import csv
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import ColumnElement, Connection, Integer, Select, func, literal_column, select

from counter_app.domain.case import CaseState, ResultCode, status_label
from counter_app.domain.spreadsheet import csv_cell
from counter_app.services.matters import find_matters
from counter_app.services.reference import ReferenceMissing, current_catalog
from counter_app.store import schema, search_index
from counter_app.store.uow import Store

_latest_id = (
    select(func.max(schema.case_transitions.c.id))
    .where(schema.case_transitions.c.project_no == schema.cases.c.project_no)
    .correlate(schema.cases)
    .scalar_subquery()
)
_latest = schema.case_transitions.alias("latest")


@dataclass(frozen=True)
class CaseSummary:
    """One line of a case list."""

    project_no: str
    item_name: str
    applicant_name: str
    cert_no: str
    state: CaseState
    received_at: str
    window_no: int
    clerk_id: str
    promise_due: str | None
    result: ResultCode | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and CSV."""
        return {
            "project_no": self.project_no,
            "item_name": self.item_name,
            "applicant_name": self.applicant_name,
            "cert_no": self.cert_no,
            "state": self.state.value,
            "state_label": status_label(self.state, self.result),
            "received_at": self.received_at,
            "window_no": self.window_no,
            "clerk_id": self.clerk_id,
            "promise_due": self.promise_due,
        }


def _base() -> Select[Any]:
    c = schema.cases.c
    return (
        select(
            c.project_no,
            c.item_name,
            c.applicant_name,
            c.cert_no,
            c.received_at,
            c.window_no,
            c.clerk_id,
            _latest.c.state,
            _latest.c.snapshot,
        )
        .select_from(schema.cases)
        .join(_latest, _latest.c.id == _latest_id)
    )


def _summaries(conn: Connection, query: Select[Any]) -> list[CaseSummary]:
    return [
        CaseSummary(
            project_no=r.project_no,
            item_name=r.item_name,
            applicant_name=r.applicant_name,
            cert_no=r.cert_no,
            state=CaseState(r.state),
            received_at=r.received_at,
            window_no=r.window_no,
            clerk_id=r.clerk_id,
            promise_due=snap["promise_due"],
            result=None if snap["case"]["result"] is None else ResultCode(snap["case"]["result"]),
        )
        for r in conn.execute(query)
        for snap in (json.loads(r.snapshot),)
    ]


def search_cases(store: Store, text: str, limit: int = 50) -> list[CaseSummary]:
    """Cases matching ``text``, best matches first, at most ``limit``.

    In this order: case numbers and ID numbers (证件号码) that start with the text; applicants,
    legal representatives or agents with the text anywhere in their name; cases of the matters
    whose name contains the text or whose pinyin initials match it (``spjy``). Each part uses an
    index (B-tree prefixes, the FTS5 name index, the task-code index), so the search stays fast
    with a million cases on the window; within a part, newest first.
    """
    text = text.strip()
    if not text:
        return []
    c = schema.cases.c
    upper = text.upper()
    found: dict[str, CaseSummary] = {}

    def take(query: Select[Any]) -> bool:
        for summary in _summaries(conn, query.limit(limit - len(found))):
            found.setdefault(summary.project_no, summary)
        return len(found) >= limit

    with store.read() as conn:
        for column in (c.project_no, c.cert_no):
            if take(_base().where(column >= upper, column < upper + "\uffff").order_by(column)):
                return list(found.values())
        rowids = search_index.find(conn, text, limit)
        if rowids and take(_base().where(_ROWID.in_(rowids)).order_by(_ROWID.desc())):
            return list(found.values())
        try:
            catalog = current_catalog(conn)
        except ReferenceMissing:
            return list(found.values())
        codes = [item.task_code for item in find_matters(catalog, text)] if _matter_query(text) else []
        newest = _newest_of_matters(conn, codes, limit - len(found))
        if newest:
            take(_base().where(_ROWID.in_(newest)).order_by(c.received_at.desc()))
    return list(found.values())


def _newest_of_matters(conn: Connection, codes: list[str], limit: int) -> list[int]:
    """Rowids of the newest ``limit`` cases of the matters ``codes``.

    One short walk down the (task_code, received_at) index per matter, merged here: asked in
    one query with ``IN``, SQLite would read and sort every case of those matters.
    """
    c = schema.cases.c
    latest: list[tuple[str, int]] = []
    for code in codes:
        query = (
            select(c.received_at, _ROWID)
            .where(c.task_code == code)
            .order_by(c.received_at.desc())
            .limit(limit)
        )
        latest.extend((row[0], row[1]) for row in conn.execute(query))
    return [rowid for _, rowid in heapq.nlargest(limit, latest)]


_ROWID: ColumnElement[int] = literal_column("cases.rowid", Integer)


def _matter_query(text: str) -> bool:
    """Matter search needs at least two characters (one would list half the hall's cases)."""
    return len("".join(text.split())) >= 2


def list_cases(
    store: Store, day: str | None = None, limit: int = 200, until: str | None = None
) -> list[CaseSummary]:
    """The most recent cases, optionally only those received on ``day`` (YYYY-MM-DD), or from
    ``day`` to ``until`` (both included) when ``until`` is given."""
    c = schema.cases.c
    query = _base().order_by(c.received_at.desc()).limit(limit)
    if day:
        query = query.where(c.received_at >= day, c.received_at < (until or day) + "T99")
    elif until:
        query = query.where(c.received_at < until + "T99")
    with store.read() as conn:
        return _summaries(conn, query)


def iter_all_cases(store: Store, batch: int = 1000) -> Iterator[CaseSummary]:
    """Every case in case-number order, read in batches (for export)."""
    c = schema.cases.c
    after = ""
    while True:
        with store.read() as conn:
            rows = _summaries(conn, _base().where(c.project_no > after).order_by(c.project_no).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].project_no


CSV_HEADER = {
    "project_no": "办件编号",
    "item_name": "事项名称",
    "applicant_name": "申请人",
    "cert_no": "证件号码",
    "state": "状态代码",
    "state_label": "状态",
    "received_at": "接件时间",
    "window_no": "窗口",
    "clerk_id": "受理人员",
    "promise_due": "承诺办结时间",
}


TEXT_COLUMNS = ("cert_no",)  # long digit strings a spreadsheet would turn into 1.10105E+17


def export_csv(store: Store, out: IO[str] | Path) -> int:
    """Write every case as CSV (UTF-8 with BOM so that spreadsheet programs read the Chinese).

    Every cell is neutralised against formula injection (:func:`csv_cell`): names and matters come
    from the public and must never run as formulas in the office that opens the export.
    """
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            return export_csv(store, fh)
    writer = csv.DictWriter(out, fieldnames=list(CSV_HEADER))
    writer.writerow(CSV_HEADER)
    count = 0
    for summary in iter_all_cases(store):
        row = summary.as_dict()
        writer.writerow({k: csv_cell(row[k], k in TEXT_COLUMNS) for k in CSV_HEADER})
        count += 1
    return count
