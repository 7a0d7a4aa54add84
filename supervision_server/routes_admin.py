"""Routes for the supervision office: codes, catalog and calendar, alerts, devices, cases.

All of them need the administrator's bearer token.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from counter_app.domain.alert_life import AlertState
from supervision_server.alert_life import filtered_alerts
from supervision_server.api_support import Ctx, errors, json_body, request_body_doc, require_admin
from supervision_server.context import ServerContext
from supervision_server.db import read_connection, run_write
from supervision_server.distribution import CATALOG, Published, check_catalog, override_day, publish
from supervision_server.enroll import issue_code
from supervision_server.errors import ApiError
from supervision_server.models import (
    MAX_WINDOW_NO,
    AlertList,
    CalendarDayRequest,
    CaseList,
    DeviceList,
    IssueCodeRequest,
    IssueCodeResponse,
    PublishedResponse,
)
from supervision_server.queries import list_cases, list_devices

MAX_ROW_ID = 2**63 - 1  # row ids are 64-bit on both databases

router = APIRouter(prefix="/api/v1", tags=["administration"], dependencies=[Depends(require_admin)])


@router.post(
    "/admin/enroll-codes",
    status_code=201,
    response_model=IssueCodeResponse,
    responses=errors(400, 401, 404, 413, 422),
    summary="Issue a one-time enrollment (or re-enrollment) code",
)
def post_enroll_code(request: IssueCodeRequest, ctx: Ctx) -> IssueCodeResponse:
    """A code for one window, valid for ``ttl_hours``; it is shown only in this reply.

    With ``device_id`` it is the only way to move an enrolled device to another window or hall:
    that device alone may use it (404 UNKNOWN_DEVICE if it is not enrolled).
    """
    now = ctx.clock()
    issued = run_write(
        ctx.engine,
        lambda conn: issue_code(
            conn,
            request.hall_code,
            request.window_no,
            timedelta(hours=request.ttl_hours),
            now,
            device_id=request.device_id,
            role=request.role,
        ),
    )
    return IssueCodeResponse(
        code=issued.code,
        hall_code=issued.hall_code,
        window_no=issued.window_no,
        role=issued.role,
        expires_at=issued.expires_at,
        device_id=issued.device_id,
    )


def _published(ctx: ServerContext, doc: Published, created: bool) -> JSONResponse:
    signed = doc.signed(ctx.server_key)
    body = PublishedResponse(
        name=doc.name,
        version=doc.version,
        etag=doc.etag_header,
        published_at=doc.published_at,
        created=created,
        sha256=signed.sha256,
        key_id=signed.key_id,
        signature=signed.signature,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=201 if created else 200,
        headers={"ETag": doc.etag_header, **signed.headers()},
    )


@router.put(
    "/admin/catalog",
    response_model=PublishedResponse,
    responses={
        201: {"model": PublishedResponse, "description": "stored as a new version"},
        **errors(400, 401, 413, 422),
    },
    openapi_extra=request_body_doc(
        "CatalogDocument", "the catalog JSON (format 1 of counter_app.domain.catalog)"
    ),
    summary="Publish a new catalog version",
)
async def put_catalog(request: Request, ctx: Ctx) -> JSONResponse:
    """Check the catalog and store it as the next version (200 if it equals the current one)."""
    document = await json_body(request)
    check_catalog(document)
    now = ctx.clock()
    doc, created = await run_in_threadpool(
        run_write, ctx.engine, lambda conn: publish(conn, CATALOG, document, now, "admin")
    )
    return _published(ctx, doc, created)


@router.put(
    "/admin/calendar/days/{day}",
    response_model=PublishedResponse,
    status_code=201,
    responses=errors(400, 401, 413, 422),
    summary="Override one day of the hall calendar",
)
def put_calendar_day(
    request: CalendarDayRequest,
    day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")],
    ctx: Ctx,
) -> JSONResponse:
    """Publish a calendar version in which ``day`` has the given kind and name (source OVERRIDE).

    The day is read as an ISO date only: a bare number would otherwise pass as a Unix time.
    """
    when = _iso_day(day)
    now = ctx.clock()
    doc = run_write(
        ctx.engine, lambda conn: override_day(conn, when, request.kind, request.name, now, "admin")
    )
    return _published(ctx, doc, True)


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        problem = "日期不存在或格式不对（应为 YYYY-MM-DD）"
        raise ApiError(
            422,
            "INVALID_REQUEST",
            f"请求内容不符合要求：path.day（{problem}）",
            errors=[{"field": "path.day", "problem": problem}],
        ) from exc


@router.get("/alerts", response_model=AlertList, responses=errors(401), summary="Supervision alerts")
def get_alerts(
    ctx: Ctx,
    rule_id: str | None = None,
    device_id: str | None = None,
    project_no: str | None = None,
    level: Annotated[str | None, Query(description="预警, 黄牌 or 红牌")] = None,
    dept_code: str | None = None,
    window_no: Annotated[int | None, Query(ge=0, le=MAX_WINDOW_NO)] = None,
    clerk_id: str | None = None,
    state: Annotated[
        AlertState | None, Query(description="where the alert stands (counter_app.domain.alert_life)")
    ] = None,
    after_id: Annotated[
        int, Query(ge=0, le=MAX_ROW_ID, description="return alerts with a larger id (paging)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AlertList:
    """Alerts in detection order with where each stands, optionally filtered."""
    with read_connection(ctx.engine) as conn:
        rows = filtered_alerts(
            conn,
            rule_id=rule_id,
            device_id=device_id,
            project_no=project_no,
            level=level,
            dept_code=dept_code,
            window_no=window_no,
            clerk_id=clerk_id,
            state=state.value if state else None,
            after_id=after_id,
            limit=limit,
        )
    return AlertList.model_validate({"alerts": rows})


@router.get("/devices", response_model=DeviceList, responses=errors(401), summary="Enrolled devices")
def get_devices(ctx: Ctx) -> DeviceList:
    """Every device: last seen, acknowledged and announced head, lag, clock offset, forked."""
    return DeviceList.model_validate({"devices": list_devices(ctx.engine)})


@router.get("/cases", response_model=CaseList, responses=errors(401), summary="Cases")
def get_cases(
    ctx: Ctx,
    project_no: str | None = None,
    window_no: Annotated[int | None, Query(ge=0, le=MAX_WINDOW_NO)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CaseList:
    """Cases by number or window, latest activity first."""
    rows = list_cases(ctx.engine, project_no=project_no, window_no=window_no, limit=limit)
    return CaseList.model_validate({"cases": rows})
