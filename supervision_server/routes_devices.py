"""Routes the counters call: enroll, events, head, heartbeat."""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import date, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from counter_app.ledger import public_key_from_b64
from counter_app.ledger.device_messages import heartbeat_message
from supervision_server.api_support import Ctx, errors, parse_json, request_body_doc
from supervision_server.case_authority import held_case, last_serials
from supervision_server.context import ServerContext
from supervision_server.db import read_connection, run_write
from supervision_server.enroll import enroll_device, valid_device_id
from supervision_server.errors import ApiError, unknown_device
from supervision_server.heartbeat import check_device_time, parse_device_time, record_heartbeat
from supervision_server.ingest import IngestResult, device_public_key, ingest_body
from supervision_server.models import (
    CaseSerialsResponse,
    DaySerial,
    EnrollRequest,
    EnrollResponse,
    GapResponse,
    HeadResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    HeldCaseResponse,
    IngestResponse,
)
from supervision_server.queries import device_head
from supervision_server.timeutil import iso

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.post(
    "/enroll",
    status_code=201,
    response_model=EnrollResponse,
    responses=errors(400, 403, 409, 413, 422, 503),
    summary="Enroll a counter with a one-time code",
)
def enroll(request: EnrollRequest, ctx: Ctx) -> EnrollResponse:
    """Register the device's public key, proven by its signature.

    400 BAD_SIGNATURE, 422 WEAK_PUBLIC_KEY/BAD_PUBLIC_KEY, 403 ENROLL_CODE_UNKNOWN/EXPIRED/USED/
    OTHER_DEVICE, 409 ENROLL_MISMATCH (code for another window, not spent), ENROLL_ROLE_MISMATCH
    (a kiosk's code for a window or the other way round, not spent), DEVICE_ENROLLED
    (moving needs a re-enrollment code), DEVICE_EXISTS (another key).
    """
    now = ctx.clock()
    outcome = run_write(
        ctx.engine,
        lambda conn: enroll_device(
            conn,
            code=request.code,
            device_id=request.device_id,
            public_key=request.public_key,
            signature=request.signature,
            hall_code=request.hall_code,
            window_no=request.window_no,
            role=request.role,
            device_info=request.device_info,
            now=now,
        ),
    )
    return EnrollResponse(
        device_id=outcome.device_id,
        hall_code=outcome.hall_code,
        window_no=outcome.window_no,
        role=outcome.role,
        server_public_key=ctx.server_key.public_b64,
        server_time=iso(now),
    )


def _ack_body(result: IngestResult) -> dict[str, Any]:
    return {
        "acked_seq": result.acked_seq,
        "acked_hash": result.acked_hash,
        "receipt": result.receipt.as_dict(),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "forks": result.forks,
        "forked": result.forked,
    }


@router.post(
    "/devices/{device_id}/events",
    response_model=IngestResponse,
    responses={
        **errors(400, 403, 413, 422, 503),
        409: {"model": GapResponse, "description": "SEQ_GAP: resend from expected_seq"},
    },
    openapi_extra=request_body_doc("EventBatch", "events of this device in increasing seq order"),
    summary="Deliver signed ledger events",
)
async def post_events(device_id: str, request: Request, ctx: Ctx) -> JSONResponse:
    """Store a batch in one transaction and acknowledge it with a server-signed receipt.

    The whole batch is refused (400, naming the seq) if any event is malformed or mis-signed. A
    gap stops the batch: what came before it is stored, and 409 SEQ_GAP names ``expected_seq``.
    """
    status, reply = await events_reply(ctx, device_id, await request.body())
    return JSONResponse(reply, status_code=status)


async def events_reply(ctx: ServerContext, device_id: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The status and body answering a batch of events, or an :class:`ApiError`. The route above
    and the direct path (:mod:`supervision_server.events_path`) both answer with this.

    The batch is stored on one of the context's ``ingest_pool`` threads: at most
    ``ingest_concurrency`` batches of this process at once, the others queued in the order they
    came (the pool's queue is first come, first served). Without that bound every waiting request
    held a worker thread (up to 40) and a pooled connection, and the threads took the GIL in no
    particular order: under a burst some requests waited several times as long as others. A
    handful at once keeps the database busy while one of them is waiting on it, within the
    connection pool. The pool's own threads also hand over less than AnyIO's shared ones: the
    event loop spent about a fifth less CPU per request."""
    body = parse_json(raw)
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(ctx.ingest_pool, ingest_body, ctx, device_id, body)
    if result.expected_seq is not None:
        gap = {
            "code": "SEQ_GAP",
            "message": f"缺少序号 {result.expected_seq} 起的事件，请从序号 {result.expected_seq} 起重新上报",
            "expected_seq": result.expected_seq,
            **_ack_body(result),
        }
        return 409, gap
    return 200, _ack_body(result)


@router.get(
    "/devices/{device_id}/head",
    response_model=HeadResponse,
    responses=errors(403),
    summary="What the server holds for a device",
)
def get_head(device_id: str, ctx: Ctx) -> HeadResponse:
    """The device's acknowledged position (``acked_seq``/``acked_hash``) and whether it forked."""
    head = device_head(ctx.engine, device_id)
    if head is None:
        raise unknown_device(device_id)
    return HeadResponse(**head)


@router.get(
    "/devices/{device_id}/case-serials",
    response_model=CaseSerialsResponse,
    responses=errors(403, 422),
    summary="The highest case number serials the server holds for a device",
)
def get_case_serials(
    device_id: str,
    ctx: Ctx,
    since: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="first day, YYYY-MM-DD"),
) -> CaseSerialsResponse:
    """Per day from ``since``: a window raises its own serial counter to these before issuing
    case numbers, so that a window restored from an old copy never issues a number again."""
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    try:
        first = date.fromisoformat(since)
    except ValueError as exc:
        raise ApiError(422, "BAD_DAY", "since 必须是存在的日期，格式为 YYYY-MM-DD") from exc
    with read_connection(ctx.engine) as conn:
        rows = last_serials(conn, device_id, first)
    if rows is None:
        raise unknown_device(device_id)
    return CaseSerialsResponse(device_id=device_id, serials=[DaySerial(**row) for row in rows])


@router.get(
    "/devices/{device_id}/held-cases/{project_no}",
    response_model=HeldCaseResponse,
    responses=errors(403, 404),
    summary="Whether a device holds a case (handed over to it, e.g. for 统一出件)",
)
def get_held_case(device_id: str, project_no: str, ctx: Ctx) -> HeldCaseResponse:
    """A delivery window asks before it records 送达 for a case another window handed it;
    404 CASE_NOT_HELD when the handover has not reached the server (or never happened)."""
    if not valid_device_id(device_id) or device_head(ctx.engine, device_id) is None:
        raise unknown_device(device_id)
    with read_connection(ctx.engine) as conn:
        row = held_case(conn, device_id, _clean_text(project_no))
    if row is None:
        raise ApiError(
            404,
            "CASE_NOT_HELD",
            f"服务器上办件 {project_no} 未移交本设备（或移交尚未上报），请联系受理窗口",
            project_no=project_no,
        )
    return HeldCaseResponse(**row)


def _clean_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL; such a number matches nothing either way.
    return value.replace("\x00", "")


@router.post(
    "/devices/{device_id}/heartbeat",
    response_model=HeartbeatResponse,
    responses=errors(400, 403, 409, 413, 422, 503),
    summary="Announce the device's head and clock",
)
def heartbeat(device_id: str, request: HeartbeatRequest, ctx: Ctx) -> HeartbeatResponse:
    """Record the announced head and clock offset; raises ROLLBACK/WITHHOLDING alerts as due.

    Only a fresh heartbeat is recorded: 409 HEARTBEAT_REPLAYED (with ``last_counter``) when its
    counter is not above the last one accepted, 422 HEARTBEAT_STALE (with ``server_time``) when
    its device time is too far from the server's; either changes nothing.
    """
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    public_key = device_public_key(ctx, device_id)
    try:
        device_time = parse_device_time(request.device_time)
    except ValueError as exc:
        raise ApiError(422, "BAD_DEVICE_TIME", "device_time 必须是带时区的 ISO 8601 时间") from exc
    message = heartbeat_message(
        device_id, request.counter, request.head_seq, request.head_hash, request.device_time
    )
    try:
        public_key_from_b64(public_key).verify(base64.b64decode(request.signature, validate=True), message)
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise ApiError(400, "BAD_SIGNATURE", "心跳签名无效") from exc
    now = ctx.clock()
    settings = ctx.settings
    check_device_time(device_time, now, timedelta(seconds=settings.heartbeat_max_skew_s))
    result = run_write(
        ctx.engine,
        lambda conn: record_heartbeat(
            conn,
            device_id,
            request.counter,
            request.head_seq,
            request.head_hash,
            device_time,
            now,
            grace=timedelta(seconds=settings.withholding_grace_s),
            skew_alert_ms=settings.clock_skew_alert_ms,
        ),
    )
    return HeartbeatResponse(
        server_time=result.server_time,
        acked_seq=result.acked_seq,
        acked_hash=result.acked_hash,
        clock_offset_ms=result.clock_offset_ms,
        lag=result.lag,
    )
