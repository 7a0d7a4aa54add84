"""The reform's own indicators (三集中、三到位) per department and for the hall.

* **进驻到位** - the department's matters stationed in the hall (catalog ``in_hall``) among all
  its matters;
* **授权到位** - of those stationed, the matters the window may decide itself (``window_authority``
  DECIDE, 窗口办结);
* **电子监察到位** - of the department's hall cases received in the period, those whose
  ``case.received`` reached the server within the hour (server receipt minus device time);
* **明进暗不进** - stationed matters with fewer hall cases than ``few_cases`` in the period while
  tickets of their queue category ended as 咨询 or 转移 at least ``min_turned_away`` times;
* **staff** - clerks seen working at the department's windows, and tickets served per clerk;
* **register match rate** - from the department register matching, when that module is present
  (``register_match_rates(conn, start, end) -> {dept: (matched, total)}``); else "无数据".

Pure functions of the catalog and the period's rows (supervision_server.assessment).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from counter_app.domain.catalog import Catalog, WindowAuthority
from counter_app.domain.queue import Outcome
from supervision_server.assessment import Rows

REACHED_WITHIN_S = 3600.0
FEW_CASES = 1
MIN_TURNED_AWAY = 3
HALL = "大厅"
# Where the department register matching may live; the first that has the function is used.


@dataclass
class Indicators:
    """One department's (or the hall's) indicators; shares are None when there is nothing to count."""

    dept_code: str
    dept_name: str
    items: int = 0
    items_in_hall: int = 0
    stationed_rate: float | None = None  # 进驻到位
    items_decided: int = 0
    authorized_rate: float | None = None  # 授权到位
    hall_cases: int = 0
    reached_in_hour: int = 0
    supervised_rate: float | None = None  # 电子监察到位
    hidden_matters: list[dict[str, Any]] = field(default_factory=list)  # 明进暗不进
    windows: int = 0
    staff: int = 0
    tickets_served: int = 0
    tickets_per_staff: float | None = None
    register_matched: int | None = None
    register_total: int | None = None
    register_rate: float | None = None  # None: 无数据

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


RegisterRates = dict[str, tuple[int, int]]


def indicators(
    catalog: Catalog,
    rows: Rows,
    registers: RegisterRates | None = None,
    *,
    few_cases: int = FEW_CASES,
    min_turned_away: int = MIN_TURNED_AWAY,
) -> list[Indicators]:
    """Every department of the catalog, then the hall as a whole (last, ``dept_code`` 大厅)."""
    cases_of_task = Counter(c.task_code for c in rows.cases)
    turned_away = Counter(
        t.category for t in rows.tickets if t.outcome in (Outcome.CONSULT.value, Outcome.TRANSFER.value)
    )
    result = []
    hall = Indicators(HALL, "全大厅")
    all_staff: set[str] = set()
    for dept in catalog.departments:
        items = catalog.items_of(dept.code)
        in_hall = [i for i in items if i.in_hall]
        decided = [i for i in in_hall if i.window_authority is WindowAuthority.DECIDE]
        dept_cases = [c for c in rows.cases if c.dept_code == dept.code]
        reached = sum(
            1 for c in dept_cases if c.reached_after_s is not None and c.reached_after_s <= REACHED_WITHIN_S
        )
        staff = {t.clerk_id for t in rows.tickets if t.dept_code == dept.code and t.clerk_id}
        staff |= {c.clerk_id for c in dept_cases if c.clerk_id}
        served = sum(
            1
            for t in rows.tickets
            if t.dept_code == dept.code and t.started_at is not None and t.outcome != Outcome.NO_SHOW.value
        )
        hidden = [
            {
                "task_code": i.task_code,
                "name": i.name,
                "category": i.queue_category.prefix,
                "hall_cases": cases_of_task[i.task_code],
                "turned_away": turned_away[i.queue_category.prefix],
            }
            for i in in_hall
            if cases_of_task[i.task_code] < few_cases
            and turned_away[i.queue_category.prefix] >= min_turned_away
        ]
        ind = Indicators(
            dept.code,
            dept.name,
            items=len(items),
            items_in_hall=len(in_hall),
            stationed_rate=_share(len(in_hall), len(items)),
            items_decided=len(decided),
            authorized_rate=_share(len(decided), len(in_hall)),
            hall_cases=len(dept_cases),
            reached_in_hour=reached,
            supervised_rate=_share(reached, len(dept_cases)),
            hidden_matters=hidden,
            windows=len(dept.windows),
            staff=len(staff),
            tickets_served=served,
            tickets_per_staff=served / len(staff) if staff else None,
        )
        if registers is not None and dept.code in registers:
            matched, total = registers[dept.code]
            ind.register_matched, ind.register_total = matched, total
            ind.register_rate = _share(matched, total)
        result.append(ind)
        all_staff |= staff
        for name in (
            "items",
            "items_in_hall",
            "items_decided",
            "hall_cases",
            "reached_in_hour",
            "windows",
            "tickets_served",
        ):
            setattr(hall, name, getattr(hall, name) + getattr(ind, name))
        hall.hidden_matters.extend({**h, "dept_code": dept.code} for h in hidden)
        if ind.register_total is not None:
            hall.register_matched = (hall.register_matched or 0) + (ind.register_matched or 0)
            hall.register_total = (hall.register_total or 0) + ind.register_total
    hall.stationed_rate = _share(hall.items_in_hall, hall.items)
    hall.authorized_rate = _share(hall.items_decided, hall.items_in_hall)
    hall.supervised_rate = _share(hall.reached_in_hour, hall.hall_cases)
    hall.staff = len(all_staff)
    hall.tickets_per_staff = hall.tickets_served / hall.staff if hall.staff else None
    if hall.register_total is not None:
        hall.register_rate = _share(hall.register_matched or 0, hall.register_total)
    result.append(hall)
    return result


def load_register_rates(conn: Any, start: date, end: date) -> RegisterRates:
    """The register match rates per department (departments with no import are absent)."""
    from supervision_server.rules import register_match_rates  # the rules read this module's callers

    return dict(register_match_rates(conn, start, end))
