"""Case authority on the server: which device may speak about a case, and case number serials.

Ingest runs :class:`CaseAuthority` inside the batch's write transaction, after placing the
events and before storing them. :meth:`CaseAuthority.check` walks the batch's new case events in
ledger order against the bindings the server holds (``case_holders``) and raises
:class:`CaseRefused` on the first event the device may not record:

* ``case.received`` for a number the server already holds: 403 CASE_NO_TAKEN (the first stays);
* a case event whose case number (when it reads as one) was issued by another hall, window or
  device tag: 403 CASE_NO_FOREIGN;
* a case event about a case held by another device, or one a handover holder may not record
  (see ``counter_app.domain.case_authority``): 403 CASE_NOT_HOLDER.

Otherwise :meth:`CaseAuthority.write` binds the new cases to the device, moves handed-over
cases to their new holder and returns the alerts: CASE_NUMBER_GAP once per serial the batch
skips over (a window issues serials in ledger order, so a number below one that arrived and
above the highest held before will never come), HANDOVER_TARGET_UNKNOWN.

Each binding of a number in the hall's format keeps the number's day and serial, so the highest
serial a device holds for a day is one index read, made in the statement that loads the
batch's bindings.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, String, bindparam, func, literal_column, null, select, union_all

from counter_app.domain.case_authority import (
    HANDED_OVER,
    HOLDER_EVENT_NOT_ALLOWED,
    RECEIVED,
    authority_problem,
    is_case_event,
)
from counter_app.domain.case_numbers import device_tag, issued_by, parse_case_number
from supervision_server.alerts import AlertDraft
from supervision_server.db import Prepared, any_of, fetch
from supervision_server.errors import ApiError
from supervision_server.projected import ProjectedEvent, changed_rows, chunks
from supervision_server.schema import case_holders, cases, devices

# A jump past this many serials is one alert for the range, not one per number.
GAP_ALERTS_MAX = 50


def last_serials(conn: Connection, device_id: str, since: date) -> list[dict[str, Any]] | None:
    """The highest serial per day from ``since`` the server holds for a device; None if unknown."""
    known = conn.execute(select(devices.c.device_id).where(devices.c.device_id == device_id)).first()
    if known is None:
        return None
    held = case_holders.c
    query = (
        select(held.serial_day, func.max(held.serial))
        .where(held.owner_device_id == device_id, held.serial_day >= since.isoformat())
        .group_by(held.serial_day)
        .order_by(held.serial_day)
    )
    return [{"day": day, "last_serial": int(top)} for day, top in conn.execute(query)]


def backfill_holders(conn: Connection) -> None:
    """Bind every case not yet bound to the device that received it (a schema upgrade)."""
    unbound = (
        select(cases.c.project_no, cases.c.device_id, cases.c.updated_at)
        .join(case_holders, case_holders.c.project_no == cases.c.project_no, isouter=True)
        .where(case_holders.c.project_no.is_(None))
    )
    rows = conn.execute(unbound).all()
    # Only the columns it needs: it runs in step 4, before later steps add theirs.
    known = select(devices.c.device_id, devices.c.hall_code, devices.c.window_no, devices.c.public_key)
    devs = {d.device_id: d for d in conn.execute(known)}
    out = []
    for no, device_id, updated_at in rows:
        dev = devs.get(device_id)
        day, serial = (
            serial_of(no, dev.hall_code, dev.window_no, device_tag_of(dev.public_key))
            if dev
            else (None, None)
        )
        out.append(
            {
                "project_no": no,
                "owner_device_id": device_id,
                "holder_device_id": device_id,
                "handed_over_seq": None,
                "serial_day": day,
                "serial": serial,
                "updated_at": updated_at,
            }
        )
    for part in chunks(out):
        conn.execute(case_holders.insert(), part)


def serial_of(project_no: str, hall_code: str, window_no: int, tag: str) -> tuple[str | None, int | None]:
    """(day, serial) of a number this device issued, else (None, None)."""
    if not issued_by(project_no, hall_code, window_no, tag):
        return None, None
    number = parse_case_number(project_no)
    return number.day.isoformat(), number.serial


def device_tag_of(public_key: str) -> str:
    """The tag a device's case numbers carry, from its enrolled public key (base64)."""
    try:
        return device_tag(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError):
        return ""


def held_case(conn: Connection, device_id: str, project_no: str) -> dict[str, Any] | None:
    """The case ``device_id`` holds under ``project_no`` (owner, holder, state), else None."""
    query = (
        select(case_holders, cases.c.state)
        .join(cases, cases.c.project_no == case_holders.c.project_no, isouter=True)
        .where(case_holders.c.project_no == project_no, case_holders.c.holder_device_id == device_id)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return {
        "project_no": row["project_no"],
        "owner_device_id": row["owner_device_id"],
        "holder_device_id": row["holder_device_id"],
        "state": row["state"],
    }


class CaseRefused(Exception):
    """A batch refused for an event its device may not record; ``draft`` is the alert to raise."""

    def __init__(self, code: str, message: str, draft: AlertDraft) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.draft = draft

    def api_error(self) -> ApiError:
        """The 403 answer: the code, the message, the seq and the case number it is about."""
        return ApiError(403, self.code, self.message, seq=self.draft.seq, project_no=self.draft.project_no)


@dataclass
class _Binding:
    owner: str
    holder: str
    handed_over_seq: int | None = None


_HELD = case_holders.c
# Built once: the bindings of the batch's case numbers, and (first chunk only) the highest serial
# this device already holds on each day the batch numbers (a day it holds none of has no row).
_BINDINGS_SELECT = select(
    literal_column("''", String).label("kind"),
    _HELD.project_no,
    _HELD.owner_device_id,
    _HELD.holder_device_id,
    _HELD.handed_over_seq,
).where(any_of(_HELD.project_no, "numbers"))
_BINDINGS = Prepared(_BINDINGS_SELECT)
_BINDINGS_AND_TOPS = Prepared(
    union_all(
        _BINDINGS_SELECT,
        select(
            _HELD.serial_day.label("kind"),
            null().label("project_no"),
            null(),
            null(),
            func.max(_HELD.serial),
        )
        .where(_HELD.owner_device_id == bindparam("device"), any_of(_HELD.serial_day, "days"))
        .group_by(_HELD.serial_day),
    )
)


@dataclass
class CaseAuthority:
    """Checks one device's batch against the case bindings, then records what it changes."""

    conn: Connection
    device_id: str
    hall_code: str
    window_no: int
    public_key: str
    now: str
    bindings: dict[str, _Binding] = field(default_factory=dict)
    new: dict[str, dict[str, Any]] = field(default_factory=dict)
    moved: dict[str, dict[str, Any]] = field(default_factory=dict)
    held_last: dict[str, int] = field(default_factory=dict)  # day -> highest serial held before
    serials: dict[str, int] = field(default_factory=dict)  # day -> highest serial in this batch
    seen: dict[str, set[int]] = field(default_factory=dict)  # day -> every serial in this batch
    top_seq: dict[str, int] = field(default_factory=dict)  # day -> seq of its highest serial
    targets: list[ProjectedEvent] = field(default_factory=list)

    @cached_property
    def tag(self) -> str:
        """The device tag its case numbers carry, from its enrolled public key."""
        return device_tag_of(self.public_key)

    def read(self, items: list[ProjectedEvent]) -> tuple[Prepared, dict[str, Any]] | None:
        """The read :meth:`check` makes for ``items`` (None if it makes none), for db.prefetch."""
        numbers = sorted({no for i in items if is_case_event(i.type) and (no := i.project_no()) is not None})
        if not numbers:
            return None
        tag = self.tag
        days = sorted(
            {day for no in numbers if (day := serial_of(no, self.hall_code, self.window_no, tag)[0])}
        )
        # The bindings of the batch's numbers, and the highest serial already held on its days.
        query = _BINDINGS_AND_TOPS if days else _BINDINGS
        return query, {"device": self.device_id, "days": days, "numbers": numbers}

    def check(self, items: list[ProjectedEvent]) -> None:
        """Raise :class:`CaseRefused` for the first event of ``items`` the device may not record."""
        mine = [i for i in items if is_case_event(i.type) and i.project_no() is not None]
        read = self.read(mine)
        if read is None:
            return
        tag = self.tag
        self._load(*read)
        for item in mine:
            no = item.project_no()
            assert no is not None
            binding = self.bindings.get(no)
            if binding is None or item.type == RECEIVED:
                if binding is not None:
                    raise self._taken(item, no, binding)
                if issued_by(no, self.hall_code, self.window_no, tag) is False:
                    raise self._foreign(item, no)
                binding = self.bindings[no] = _Binding(self.device_id, self.device_id)
                self.new[no] = self._row(no, binding)
                self._note_serial(no, item.seq)
            problem = authority_problem(item.type, self.device_id, binding.owner, binding.holder)
            if problem is not None:
                raise self._not_holder(item, no, binding, problem)
            if item.type == HANDED_OVER:
                binding.holder = item.text("to_device_id") or binding.holder
                binding.handed_over_seq = item.seq
                self.targets.append(item)
                if no in self.new:
                    self.new[no] = self._row(no, binding)
                else:
                    self.moved[no] = {
                        "project_no": no,
                        "holder_device_id": binding.holder,
                        "handed_over_seq": binding.handed_over_seq,
                        "updated_at": self.now,
                    }

    def write(self) -> list[AlertDraft]:
        """Store the new bindings and the handovers; the alerts they raise."""
        changed_rows(self.conn, case_holders, self.new, self.moved)
        drafts = self._handover_targets()
        drafts.extend(self._gaps())
        return drafts

    # -- loading and recording ------------------------------------------------------------------

    def _load(self, query: Prepared, params: dict[str, Any]) -> None:
        # Bindings need no row lock: an owner never changes, a holder changes only by the
        # holder's own events (serialised by its device lock), and two devices registering one
        # number at once collide on the primary key, and the loser is retried against the winner.
        for row in fetch(self.conn, query, params):
            if row["kind"]:
                self.held_last[row["kind"]] = int(row["handed_over_seq"] or 0)  # the union's max(serial)
            else:
                self.bindings[row["project_no"]] = _Binding(
                    row["owner_device_id"], row["holder_device_id"], row["handed_over_seq"]
                )

    def _row(self, no: str, binding: _Binding) -> dict[str, Any]:
        day, serial = serial_of(no, self.hall_code, self.window_no, self.tag)
        return {
            "project_no": no,
            "owner_device_id": binding.owner,
            "holder_device_id": binding.holder,
            "handed_over_seq": binding.handed_over_seq,
            "serial_day": day,
            "serial": serial,
            "updated_at": self.now,
        }

    def _note_serial(self, no: str, seq: int) -> None:
        day, serial = serial_of(no, self.hall_code, self.window_no, self.tag)
        if day is None or serial is None:
            return
        if serial > self.serials.get(day, 0):
            self.serials[day] = serial
            self.top_seq[day] = seq
        self.seen.setdefault(day, set()).add(serial)

    def _gaps(self) -> list[AlertDraft]:
        drafts = []
        for day, top in sorted(self.serials.items()):
            last = self.held_last.get(day, 0)
            missing = [s for s in range(last + 1, top) if s not in self.seen.get(day, set())]
            if not missing:
                continue
            numbers = [self._number(day, s) for s in missing]
            if len(missing) > GAP_ALERTS_MAX:
                drafts.append(
                    AlertDraft(
                        "CASE_NUMBER_GAP",
                        f"设备 {self.device_id} 的办件编号 {numbers[0]} 至 {numbers[-1]} 共 "
                        f"{len(missing)} 个从未上报，而其后的编号已上报",
                        device_id=self.device_id,
                        seq=self.top_seq.get(day),
                        project_no=numbers[0],
                        details={"day": day, "missing_from": missing[0], "missing_to": missing[-1]},
                    )
                )
                continue
            drafts.extend(
                AlertDraft(
                    "CASE_NUMBER_GAP",
                    f"设备 {self.device_id} 的办件编号 {no} 从未上报，而其后的编号已上报"
                    "（疑似办件在上报前被删除）",
                    device_id=self.device_id,
                    seq=self.top_seq.get(day),
                    project_no=no,
                    details={"day": day, "serial": serial},
                )
                for no, serial in zip(numbers, missing, strict=True)
            )
        return drafts

    def _number(self, day: str, serial: int) -> str:
        when = date.fromisoformat(day)
        return f"{self.hall_code}-{when:%Y%m%d}-{self.window_no:02d}{self.tag}-{serial:04d}"

    def _handover_targets(self) -> list[AlertDraft]:
        wanted = sorted({t for item in self.targets if (t := item.text("to_device_id"))})
        known = set()
        if wanted:
            query = select(devices.c.device_id).where(devices.c.device_id.in_(wanted))
            known = {row.device_id for row in self.conn.execute(query)}
        drafts = []
        for item in self.targets:
            target = item.text("to_device_id")
            if target in known:
                continue
            drafts.append(
                AlertDraft(
                    "HANDOVER_TARGET_UNKNOWN",
                    f"设备 {self.device_id} 把办件 {item.project_no()} 移交给未登记的设备 {target or '（空）'}",
                    device_id=self.device_id,
                    seq=item.seq,
                    project_no=item.project_no(),
                    details={"to_device_id": target},
                )
            )
        return drafts

    # -- refusals -----------------------------------------------------------------------------

    def _refusal(
        self, code: str, rule: str, item: ProjectedEvent, message: str, **details: Any
    ) -> CaseRefused:
        draft = AlertDraft(
            rule,
            message,
            device_id=self.device_id,
            seq=item.seq,
            project_no=item.project_no(),
            details={"type": item.type, "refused": code, **details},
        )
        return CaseRefused(code, message + "，整批未保存", draft)

    def _taken(self, item: ProjectedEvent, no: str, binding: _Binding) -> CaseRefused:
        return self._refusal(
            "CASE_NO_TAKEN",
            "DUPLICATE_PROJECT_NO",
            item,
            f"办件编号 {no} 已由设备 {binding.owner} 登记，设备 {self.device_id} 序号 {item.seq} 再次登记",
            first_device_id=binding.owner,
        )

    def _foreign(self, item: ProjectedEvent, no: str) -> CaseRefused:
        return self._refusal(
            "CASE_NO_FOREIGN",
            "CASE_NO_FOREIGN",
            item,
            f"设备 {self.device_id}（{self.hall_code} 大厅 {self.window_no} 号窗口）序号 {item.seq} "
            f"的「{item.type}」使用了不属于本设备的办件编号 {no}",
        )

    def _not_holder(self, item: ProjectedEvent, no: str, binding: _Binding, problem: str) -> CaseRefused:
        if problem == HOLDER_EVENT_NOT_ALLOWED:
            why = f"该办件由设备 {binding.owner} 受理后移交本设备，本设备只能送达或再移交"
        elif binding.owner == binding.holder:
            why = f"该办件由设备 {binding.owner} 受理，未移交"
        else:
            why = f"该办件由设备 {binding.owner} 受理，现由设备 {binding.holder} 办理"
        return self._refusal(
            "CASE_NOT_HOLDER",
            "CASE_NOT_HOLDER",
            item,
            f"设备 {self.device_id} 序号 {item.seq} 试图记录办件 {no} 的「{item.type}」：{why}",
            owner_device_id=binding.owner,
            holder_device_id=binding.holder,
        )
