"""Routes of the supervisor role: the assessment (JSON, CSV, PDF), the live hall and the alert list.

Every route needs the supervisor password, the admin token or the page's session cookie
(supervision_server.supervision_auth). The period is ``day=YYYY-MM-DD``, ``month=YYYY-MM`` or
``start``/``end`` (inclusive), today when none is given.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from counter_app.domain.errors import DomainError
from supervision_server.api_support import Ctx, errors
from supervision_server.assessment import DIMENSIONS, ScoreSheet
from supervision_server.assessment_export import csv_text, pdf_bytes
from supervision_server.assessment_report import parse_period, report
from supervision_server.context import ServerContext
from supervision_server.db import read_connection
from supervision_server.errors import ApiError
from supervision_server.supervision_auth import require_supervisor
from supervision_server.supervision_hall import alert_history, live_hall, recent_alerts

router = APIRouter(prefix="/api/v1", tags=["supervision"], dependencies=[Depends(require_supervisor)])

Day = Annotated[str | None, Query(max_length=10, description="one day, YYYY-MM-DD")]
Month = Annotated[str | None, Query(max_length=7, description="a month, YYYY-MM")]
Start = Annotated[str | None, Query(max_length=10, description="first day, YYYY-MM-DD")]
End = Annotated[str | None, Query(max_length=10, description="last day, YYYY-MM-DD (inclusive)")]


def score_sheet(ctx: ServerContext) -> ScoreSheet:
    """The configured score sheet (read on each request, so an edit applies at once)."""
    try:
        return ScoreSheet.load(ctx.settings.score_sheet_file)
    except DomainError as exc:
        raise ApiError(500, exc.code, exc.message) from exc


def build_report(
    ctx: ServerContext,
    day: str | None,
    month: str | None,
    start: str | None,
    end: str | None,
    dimensions: tuple[str, ...] = DIMENSIONS,
) -> dict[str, Any]:
    """The assessment of the asked period; 422 ASSESSMENT_PERIOD for a period that makes no sense."""
    now = ctx.clock()
    try:
        period = parse_period(now, day, month, start, end)
    except DomainError as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    sheet = score_sheet(ctx)
    with read_connection(ctx.engine) as conn:
        return report(conn, period, now, sheet, dimensions)


def _dimensions(by: str | None) -> tuple[str, ...]:
    if not by:
        return DIMENSIONS
    chosen = tuple(part.strip() for part in by.split(",") if part.strip())
    unknown = [d for d in chosen if d not in DIMENSIONS]
    if unknown:
        raise ApiError(
            422, "ASSESSMENT_DIMENSION", f"by 只能取 {'、'.join(DIMENSIONS)}，不认识：{'、'.join(unknown)}"
        )
    return chosen


@router.get("/assessment", responses=errors(401, 422), summary="Assessment of a period (考核)")
async def get_assessment(
    ctx: Ctx,
    day: Day = None,
    month: Month = None,
    start: Start = None,
    end: End = None,
    by: Annotated[str | None, Query(max_length=64, description="window,clerk,department,category")] = None,
) -> dict[str, Any]:
    """Figures per window, clerk, department and category, the hall's, scores and indicators."""
    return await run_in_threadpool(build_report, ctx, day, month, start, end, _dimensions(by))


def _filename(body: dict[str, Any], suffix: str) -> str:
    period = body["period"]
    span = period["start"] if period["start"] == period["end"] else f"{period['start']}_{period['end']}"
    return f"assessment-{span}{suffix}"


@router.get(
    "/assessment.csv",
    responses={**errors(401, 422), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
    summary="One assessment table as CSV (UTF-8 with BOM)",
)
async def get_assessment_csv(
    ctx: Ctx,
    day: Day = None,
    month: Month = None,
    start: Start = None,
    end: End = None,
    table: Annotated[
        str, Query(max_length=16, description="window, clerk, department, category or indicators")
    ] = "window",
) -> Response:
    """The table as a spreadsheet file; cells a spreadsheet would evaluate are neutralised."""
    if table not in (*DIMENSIONS, "indicators"):
        raise ApiError(
            422, "ASSESSMENT_TABLE", "table 只能取 window、clerk、department、category 或 indicators"
        )
    body = await run_in_threadpool(build_report, ctx, day, month, start, end)
    data = csv_text(body, table).encode("utf-8-sig")
    name = _filename(body, f"-{table}.csv")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/assessment.pdf",
    responses={**errors(401, 422), 200: {"content": {"application/pdf": {}}}},
    response_class=Response,
    summary="The assessment report as PDF, with charts",
)
async def get_assessment_pdf(
    ctx: Ctx, day: Day = None, month: Month = None, start: Start = None, end: End = None
) -> Response:
    """A4 landscape report in Chinese: summary, charts, tables, the 三到位 indicators."""

    def render() -> tuple[bytes, str]:
        body = build_report(ctx, day, month, start, end)
        return pdf_bytes(body), _filename(body, ".pdf")

    data, name = await run_in_threadpool(render)
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def hall_view(ctx: ServerContext) -> dict[str, Any]:
    """The live hall now."""
    offline_after = timedelta(seconds=ctx.settings.silent_after_s)
    with read_connection(ctx.engine) as conn:
        return live_hall(conn, ctx.clock(), offline_after)


@router.get("/supervision/hall", responses=errors(401), summary="The live hall for the supervisor")
async def get_hall(ctx: Ctx) -> dict[str, Any]:
    """Each window's state (serving, paused, idle, offline) and sync lag; waiting per category."""
    return await run_in_threadpool(hall_view, ctx)


@router.get("/supervision/alerts", responses=errors(401), summary="Alerts, newest first, filtered")
def get_supervision_alerts(
    ctx: Ctx,
    level: Annotated[str | None, Query(max_length=8)] = None,
    rule_id: Annotated[str | None, Query(max_length=64)] = None,
    window_no: Annotated[int | None, Query(ge=0, le=9999)] = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The alert list of the supervisor's console and page."""
    with read_connection(ctx.engine) as conn:
        rows = recent_alerts(
            conn, level=level, rule_id=rule_id, window_no=window_no, open_only=open_only, limit=limit
        )
    return {"alerts": rows}


@router.get(
    "/supervision/alerts/{alert_id}", responses=errors(401, 404), summary="An alert and the history behind it"
)
def get_alert_history(ctx: Ctx, alert_id: Annotated[int, Path(ge=1, le=2**53 - 1)]) -> dict[str, Any]:
    """The alert, its case (ID number masked), the case's ticket and events, or the device's
    events around the alert's own."""
    with read_connection(ctx.engine) as conn:
        found = alert_history(conn, alert_id)
    if found is None:
        raise ApiError(404, "ALERT_NOT_FOUND", f"没有编号为 {alert_id} 的预警")
    return found
