"""Assessment (考核): the figures of every window, clerk, department and queue category over a
period, and the monthly score a configurable score sheet turns them into.

Pure functions over plain rows (:class:`Rows`, read from the database by
:mod:`supervision_server.assessment_rows`), so every figure is tested on a small planted hall.
What each figure counts:

* **tickets served** - tickets a window started serving (叫号后开始办理), whatever the outcome;
  **no-show rate** - 过号 among the tickets a window called;
* **wait** - first call minus issue time of each called ticket; **service** - end minus start of
  each served ticket; average and 90th percentile (nearest rank), in seconds;
* **cases received / accepted** - cases taken in (接件) / accepted (受理) in the period; **即办
  share** - 即办件 among the cases received; **不予受理 rate** and **补正 rate** - cases not accepted /
  sent back for correction at least once, among those received;
* **on-time rate** - of the received cases closed with a promised date, those closed by it;
  **overdue** - cases past their promised date: closed after it, or still open at the period's end;
* **satisfaction** - from the citizens' 好差评 (counter_app.domain.rating): share of 差评 among
  the ratings given, average level, share of finished services that were rated;
* **alerts** by level (预警, 黄牌, 红牌) detected in the period;
* **paused** - time between ``window.paused`` and ``window.resumed`` (or the window's last
  activity that day); **idle** - the working span of each window, clerk and day (first call to
  last ticket end) less the time spent with a ticket and the time paused.

A figure with nothing to count is None ("—" on the pages), never a made-up zero.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_app.domain.case import OPEN_STATES, CaseState, ResultCode
from counter_app.domain.catalog import ProjectType
from counter_app.domain.errors import DomainError
from counter_app.domain.queue import Outcome
from counter_app.domain.rating import Level
from supervision_server.alerts import RED, WARNING, YELLOW

LEVELS = (WARNING, YELLOW, RED)
DIMENSIONS = ("window", "clerk", "department", "category")
DIMENSION_LABELS = {"window": "窗口", "clerk": "工作人员", "department": "部门", "category": "业务类别"}


# -- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRow:
    """A ticket as it ended at a window (the ended ticket carried by its last event)."""

    day: str
    number: str
    category: str
    window_no: int | None
    clerk_id: str
    dept_code: str
    issued_at: datetime | None
    first_called_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class CaseRow:
    """A case received in the period, with what the window recorded of it."""

    project_no: str
    window_no: int | None
    clerk_id: str
    dept_code: str
    category: str
    task_code: str
    project_type: int | None
    state: str
    result_code: int | None
    received_at: datetime | None
    accepted_at: datetime | None
    promise_due: datetime | None
    closed_at: datetime | None
    correction_count: int
    reached_after_s: float | None = None  # server receipt minus device time of case.received


@dataclass(frozen=True)
class RatingRow:
    """A 好差评 record: a level, or None when the citizen did not rate."""

    window_no: int | None
    clerk_id: str
    dept_code: str
    category: str
    level: int | None


@dataclass(frozen=True)
class AlertRow:
    """An alert, attributed as far as its subject allows."""

    level: str
    window_no: int | None
    clerk_id: str | None
    dept_code: str | None
    category: str | None = None


@dataclass(frozen=True)
class PauseRow:
    """Time a window spent paused, by clerk and day."""

    window_no: int | None
    clerk_id: str
    dept_code: str
    day: str
    seconds: float


@dataclass
class Rows:
    """Everything an assessment reads for one period."""

    tickets: list[TicketRow] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)
    pauses: list[PauseRow] = field(default_factory=list)


# -- figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one window, clerk, department or category (see the module docstring)."""

    key: str
    tickets_called: int = 0
    tickets_served: int = 0
    no_shows: int = 0
    no_show_rate: float | None = None
    wait_avg_s: float | None = None
    wait_p90_s: float | None = None
    service_avg_s: float | None = None
    service_p90_s: float | None = None
    cases_received: int = 0
    cases_accepted: int = 0
    instant_share: float | None = None
    not_accepted_rate: float | None = None
    correction_rate: float | None = None
    closed_with_due: int = 0
    on_time_rate: float | None = None
    overdue: int = 0
    ratings_given: int = 0
    ratings_declined: int = 0
    bad_share: float | None = None
    avg_level: float | None = None
    rated_share: float | None = None
    alerts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    paused_s: float = 0.0
    idle_s: float = 0.0
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


_NOT_ACCEPTED = CaseState.NOT_ACCEPTED.value
_OPEN = {s.value for s in OPEN_STATES}
_SERVED_OUTCOMES = {Outcome.CASE.value, Outcome.CONSULT.value, Outcome.TRANSFER.value}


def _ticket_figures(fig: Figures, tickets: list[TicketRow]) -> None:
    waits = [w for t in tickets if (w := _seconds(t.issued_at, t.first_called_at)) is not None]
    services = [s for t in tickets if (s := _seconds(t.started_at, t.ended_at)) is not None]
    called = [t for t in tickets if t.first_called_at is not None]
    fig.tickets_called = len(called)
    fig.tickets_served = sum(1 for t in tickets if t.started_at is not None and t.outcome in _SERVED_OUTCOMES)
    fig.no_shows = sum(1 for t in called if t.outcome == Outcome.NO_SHOW.value)
    fig.no_show_rate = _share(fig.no_shows, fig.tickets_called)
    fig.wait_avg_s, fig.wait_p90_s = _mean(waits), percentile(waits, 0.9)
    fig.service_avg_s, fig.service_p90_s = _mean(services), percentile(services, 0.9)


def _case_figures(fig: Figures, cases: list[CaseRow], as_of: datetime) -> None:
    fig.cases_received = len(cases)
    fig.cases_accepted = sum(1 for c in cases if c.accepted_at is not None)
    instant = sum(1 for c in cases if c.project_type == int(ProjectType.INSTANT))
    fig.instant_share = _share(instant, len(cases))
    refused = sum(
        1 for c in cases if c.state == _NOT_ACCEPTED or c.result_code == int(ResultCode.NOT_ACCEPTED)
    )
    fig.not_accepted_rate = _share(refused, len(cases))
    fig.correction_rate = _share(sum(1 for c in cases if c.correction_count > 0), len(cases))
    closed = [c for c in cases if c.closed_at is not None and c.promise_due is not None]
    fig.closed_with_due = len(closed)
    on_time = sum(
        1
        for c in closed
        if c.closed_at is not None and c.promise_due is not None and c.closed_at <= c.promise_due
    )
    fig.on_time_rate = _share(on_time, len(closed))
    fig.overdue = sum(
        1
        for c in cases
        if c.promise_due is not None
        and (
            (c.closed_at is not None and c.closed_at > c.promise_due)
            or (c.closed_at is None and c.state in _OPEN and c.promise_due < as_of)
        )
    )


def _rating_figures(fig: Figures, ratings: list[RatingRow]) -> None:
    levels = [r.level for r in ratings if r.level is not None]
    fig.ratings_given = len(levels)
    fig.ratings_declined = len(ratings) - len(levels)
    fig.bad_share = _share(sum(1 for v in levels if Level(v).is_bad), len(levels))
    fig.avg_level = _mean([float(v) for v in levels])
    fig.rated_share = _share(len(levels), len(ratings))


def busy_and_span(tickets: Iterable[TicketRow]) -> dict[tuple[int | None, str, str], tuple[float, float]]:
    """Per (window, clerk, day): seconds spent with a ticket (first call to end) and the working
    span (the earliest first call to the latest end)."""
    spans: dict[tuple[int | None, str, str], list[Any]] = {}
    for t in tickets:
        held = _seconds(t.first_called_at, t.ended_at)
        if held is None or t.first_called_at is None or t.ended_at is None:
            continue
        key = (t.window_no, t.clerk_id, t.day)
        entry = spans.setdefault(key, [0.0, t.first_called_at, t.ended_at])
        entry[0] += held
        entry[1] = min(entry[1], t.first_called_at)
        entry[2] = max(entry[2], t.ended_at)
    return {k: (v[0], (v[2] - v[1]).total_seconds()) for k, v in spans.items()}


def _idle(tickets: list[TicketRow], pauses: list[PauseRow]) -> float:
    paused: dict[tuple[int | None, str, str], float] = defaultdict(float)
    for p in pauses:
        paused[(p.window_no, p.clerk_id, p.day)] += p.seconds
    total = 0.0
    for key, (busy, span) in busy_and_span(tickets).items():
        total += max(0.0, span - busy - paused.get(key, 0.0))
    return total


def _key_of(dimension: str) -> Callable[[Any], str | None]:
    attribute = {
        "window": "window_no",
        "clerk": "clerk_id",
        "department": "dept_code",
        "category": "category",
    }[dimension]

    def key(row: Any) -> str | None:
        value = getattr(row, attribute, None)
        return None if value in (None, "") else str(value)

    return key


def assess(rows: Rows, dimension: str, as_of: datetime, sheet: ScoreSheet | None = None) -> list[Figures]:
    """The figures of every window, clerk, department or category (``dimension``) found in ``rows``.

    ``as_of`` is the period's end (or now, for a period still running): open cases past their
    promised date by then are overdue. With a ``sheet``, each group gets its score.
    """
    if dimension not in DIMENSIONS:
        raise DomainError(f"考核维度须为 {'、'.join(DIMENSIONS)} 之一", "ASSESSMENT_DIMENSION")
    key = _key_of(dimension)
    groups: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for kind in ("tickets", "cases", "ratings", "alerts", "pauses"):
        for row in getattr(rows, kind):
            k = key(row)
            if k is not None:
                groups[k][kind].append(row)
    result = []
    for k in sorted(groups, key=_natural):
        part = groups[k]
        fig = Figures(key=k)
        _ticket_figures(fig, part["tickets"])
        _case_figures(fig, part["cases"], as_of)
        _rating_figures(fig, part["ratings"])
        for alert in part["alerts"]:
            fig.alerts[alert.level] = fig.alerts.get(alert.level, 0) + 1
        fig.paused_s = sum(p.seconds for p in part["pauses"])
        fig.idle_s = _idle(part["tickets"], part["pauses"])
        if sheet is not None:
            fig.score = sheet.score(fig)
        result.append(fig)
    return result


def hall_figures(rows: Rows, as_of: datetime, sheet: ScoreSheet | None = None) -> Figures:
    """The whole hall as one group."""
    fig = Figures(key="大厅")
    _ticket_figures(fig, rows.tickets)
    _case_figures(fig, rows.cases, as_of)
    _rating_figures(fig, rows.ratings)
    for alert in rows.alerts:
        fig.alerts[alert.level] = fig.alerts.get(alert.level, 0) + 1
    fig.paused_s = sum(p.seconds for p in rows.pauses)
    fig.idle_s = _idle(rows.tickets, rows.pauses)
    if sheet is not None:
        fig.score = sheet.score(fig)
    return fig


def _natural(text: str) -> tuple[int, int, str]:
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


# -- the score sheet -----------------------------------------------------------------------------

DEFAULT_WEIGHTS: dict[str, float] = {
    "on_time": 30.0,  # 按时办结: on-time rate × 100
    "satisfaction": 25.0,  # 群众满意: (1 − share of 差评) × 100
    "wait": 15.0,  # 等候时长: 100 up to the target average wait, 0 at three times it
    "rated": 10.0,  # 主动评价: share of services rated × 100
    "alerts": 20.0,  # 监察预警: 100 less the points of the period's alerts, not below 0
}
DEFAULT_ALERT_POINTS: dict[str, float] = {WARNING: 2.0, YELLOW: 10.0, RED: 30.0}
DEFAULT_WAIT_TARGET_MIN = 15.0
ITEM_LABELS = {
    "on_time": "按时办结",
    "satisfaction": "群众满意",
    "wait": "等候时长",
    "rated": "主动评价",
    "alerts": "监察预警",
}


@dataclass(frozen=True)
class ScoreSheet:
    """考核评分表: a weight per item; each item gives 0-100, the score is their weighted mean.

    An item with nothing to measure (no closed case, no rating) is left out and the others
    carry its weight; a window with nothing measured at all has no score.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    wait_target_min: float = DEFAULT_WAIT_TARGET_MIN
    alert_points: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ALERT_POINTS))

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise DomainError(
                f"评分表含未知考核项：{'、'.join(unknown)}（可用：{'、'.join(DEFAULT_WEIGHTS)}）",
                "SCORE_SHEET_INVALID",
            )
        if any(w < 0 for w in self.weights.values()) or not any(w > 0 for w in self.weights.values()):
            raise DomainError("评分表权重须为非负数且至少一项大于零", "SCORE_SHEET_INVALID")
        if self.wait_target_min <= 0:
            raise DomainError("目标等候时长须大于零", "SCORE_SHEET_INVALID")

    def items(self, fig: Figures) -> dict[str, float | None]:
        """Each item's 0-100 value for ``fig`` (None: nothing to measure)."""
        wait: float | None = None
        if fig.wait_avg_s is not None:
            target = self.wait_target_min * 60
            over = max(0.0, fig.wait_avg_s - target) / (2 * target)
            wait = max(0.0, 100.0 * (1 - over))
        alert_points = sum(self.alert_points.get(level, 0.0) * n for level, n in fig.alerts.items())
        return {
            "on_time": None if fig.on_time_rate is None else 100.0 * fig.on_time_rate,
            "satisfaction": None if fig.bad_share is None else 100.0 * (1 - fig.bad_share),
            "wait": wait,
            "rated": None if fig.rated_share is None else 100.0 * fig.rated_share,
            "alerts": max(0.0, 100.0 - alert_points),
        }

    def score(self, fig: Figures) -> float | None:
        """The weighted mean of the measured items, rounded to one decimal; None if none is."""
        values = self.items(fig)
        weighted = [(self.weights.get(k, 0.0), v) for k, v in values.items() if v is not None]
        total = sum(w for w, _ in weighted)
        if total <= 0 or fig.tickets_called + fig.cases_received + fig.ratings_given == 0:
            return None
        return round(sum(w * v for w, v in weighted) / total, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "wait_target_min": self.wait_target_min,
            "alert_points": dict(self.alert_points),
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ScoreSheet:
        """A sheet from ``{"weights": {...}, "wait_target_min": N, "alert_points": {...}}``;
        what is left out keeps its default."""
        try:
            weights = {
                **DEFAULT_WEIGHTS,
                **{str(k): float(v) for k, v in dict(data.get("weights", {})).items()},
            }
            points = {
                **DEFAULT_ALERT_POINTS,
                **{str(k): float(v) for k, v in dict(data.get("alert_points", {})).items()},
            }
            target = float(data.get("wait_target_min", DEFAULT_WAIT_TARGET_MIN))
        except (TypeError, ValueError) as exc:
            raise DomainError("评分表的权重和参数须为数字", "SCORE_SHEET_INVALID") from exc
        return cls(weights, target, points)

    @classmethod
    def load(cls, path: Path | None) -> ScoreSheet:
        """The sheet in a TOML file (see README "Assessment"), or the defaults when ``path`` is None."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DomainError(f"无法读取评分表 {path}：{exc}", "SCORE_SHEET_INVALID") from exc
        return cls.from_mapping(data)
