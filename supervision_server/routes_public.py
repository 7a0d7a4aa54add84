"""Routes without a token: catalog and calendar for the counters, and the citizens' receipt check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from supervision_server.api_support import Ctx, errors
from supervision_server.context import ServerContext
from supervision_server.db import read_connection
from supervision_server.distribution import CALENDAR, CATALOG, etag_matches, latest
from supervision_server.errors import ApiError
from supervision_server.hall_contact import complaint_line
from supervision_server.models import CalendarDocument, CheckResponse, ErrorResponse
from supervision_server.receipt_check import RATE_LIMITED, check_receipt, check_wait, rate_limited_message

router = APIRouter(prefix="/api/v1", tags=["public"])

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "If-None-Match names the current version"}
}


def _document(ctx: ServerContext, name: str, if_none_match: str | None) -> Response:
    with read_connection(ctx.engine) as conn:
        current = latest(conn, name)
    if current is None:
        raise ApiError(404, "NOT_PUBLISHED", "服务器尚未发布该数据", document=name)
    headers = {
        "ETag": current.etag_header,
        "X-Document-Version": str(current.version),
        "Cache-Control": "no-cache",
    }
    if etag_matches(if_none_match, current):
        return Response(status_code=304, headers=headers)
    headers.update(current.signed(ctx.server_key).headers())
    return Response(current.body, media_type="application/json", headers=headers)


@router.get(
    "/catalog",
    response_model=dict[str, Any],
    responses={**_NOT_MODIFIED, **errors(404)},
    summary="The current service catalog",
)
def get_catalog(ctx: Ctx, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The catalog JSON itself (format 1); ETag is strong, ``X-Document-Version`` counts publications,
    ``X-Document-Signature`` is the server key's signature over name, version and body hash."""
    return _document(ctx, CATALOG, if_none_match)


@router.get(
    "/calendar",
    response_model=CalendarDocument,
    responses={**_NOT_MODIFIED, **errors(404)},
    summary="The current hall calendar",
)
def get_calendar(ctx: Ctx, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Holidays, make-up workdays and overrides; any other date follows the weekday rule.
    Signed like the catalog (``X-Document-Signature``)."""
    return _document(ctx, CALENDAR, if_none_match)


@router.get(
    "/check/{project_no}",
    response_model=CheckResponse,
    responses={
        **errors(404, 422),
        429: {
            "model": ErrorResponse,
            "description": "CHECK_RATE_LIMITED: too many checks from this address; see Retry-After",
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        },
    },
    summary="Check a receipt (办件查询)",
)
def get_check(
    project_no: str,
    code: Annotated[
        str, Query(min_length=1, max_length=64, description="the check code printed on the receipt")
    ],
    ctx: Ctx,
    request: Request,
) -> CheckResponse | JSONResponse:
    """The case's state if ``code`` matches; otherwise 404 RECEIPT_NOT_FOUND, the same for unknown cases.

    Each client address may check ``check_burst`` times at once, then ``check_rate_per_minute``
    times a minute (429 CHECK_RATE_LIMITED with Retry-After).
    """
    wait = check_wait(request)
    if wait:
        body = {"code": RATE_LIMITED, "message": rate_limited_message(wait), "retry_after_s": wait}
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(wait)})
    found = check_receipt(ctx.engine, project_no, code, ctx.clock())
    if found is None:
        raise ApiError(
            404, "RECEIPT_NOT_FOUND", f"未查到该办件，请核对办件编号和查询码；如有疑问{complaint_line(ctx)}"
        )
    return CheckResponse(**found)
