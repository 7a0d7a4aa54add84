"""Routes of the clerk roster: an administrator adds or changes clerks; a window fetches its hall's.

A window asks with a small signed body ``{"device_time": ...}`` (``X-Signature`` over
``service-counter/roster-request/v1\\n`` + the exact body bytes, with its enrolled key), so the
argon2 hashes go only to enrolled devices, and only those of the device's own hall.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Annotated

from cryptography.exceptions import InvalidSignature
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select

from counter_app.ledger import public_key_from_b64
from counter_app.ledger.signed_request import roster_request_message
from supervision_server.api_support import Ctx, errors, require_admin
from supervision_server.context import ServerContext
from supervision_server.db import read_connection, run_write
from supervision_server.enroll import valid_device_id
from supervision_server.errors import ApiError, unknown_device
from supervision_server.models import HALL_CODE_PATTERN, MAX_WINDOW_NO
from supervision_server.roster import hall_roster, put_clerk
from supervision_server.schema import devices
from supervision_server.timeutil import iso, parse_iso

MAX_REQUEST_BYTES = 1024
FRESH_FOR = timedelta(minutes=5)

admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["administration"], dependencies=[Depends(require_admin)]
)
router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


class ClerkRequest(BaseModel):
    """A new clerk, or a new version of one (fields left out keep their value)."""

    hall_code: str = Field(pattern=HALL_CODE_PATTERN, examples=["YX330781"])
    number: str = Field(min_length=2, max_length=12, examples=["0307"])
    name: str | None = Field(default=None, max_length=40, examples=["张丽"])
    role: str | None = Field(default=None, examples=["clerk"])
    password: str | None = Field(default=None, max_length=200)
    windows: list[Annotated[int, Field(ge=1, le=MAX_WINDOW_NO)]] | None = None
    active: bool = True


class ClerkOut(BaseModel):
    """A roster entry as the administrator sees it (without the hash)."""

    hall_code: str
    number: str
    name: str
    role: str
    windows: list[int]
    active: bool
    version: int


class RosterEntryOut(ClerkOut):
    """A roster entry as a window receives it."""

    password_hash: str


class RosterResponse(BaseModel):
    """The latest version of each clerk of the device's hall."""

    hall_code: str
    server_time: str
    clerks: list[RosterEntryOut]


@admin_router.post(
    "/clerks",
    status_code=201,
    response_model=ClerkOut,
    responses=errors(400, 401, 413, 422),
    summary="Add a clerk, or record a new version of one",
)
def post_clerk(request: ClerkRequest, ctx: Ctx) -> ClerkOut:
    """The first version needs name, role and password; 422 CLERK_NUMBER, CLERK_ROLE,
    CLERK_NAME, CLERK_PASSWORD_SHORT, CLERK_INCOMPLETE for bad input."""
    now = ctx.clock()
    entry = run_write(
        ctx.engine,
        lambda conn: put_clerk(
            conn,
            hall_code=request.hall_code.upper(),
            number=request.number,
            name=request.name,
            role=request.role,
            password=request.password,
            windows=request.windows,
            active=request.active,
            now=now,
            by="admin",
        ),
    )
    data = entry.as_json()
    data.pop("password_hash")
    return ClerkOut.model_validate(data)


@router.post(
    "/{device_id}/roster",
    response_model=RosterResponse,
    responses=errors(400, 403, 409, 413, 422),
    summary="The clerk roster of the device's hall (signed request)",
)
async def post_roster(device_id: str, request: Request, ctx: Ctx) -> RosterResponse:
    """400 BAD_SIGNATURE, 403 UNKNOWN_DEVICE, 409 STALE_REQUEST (device time too far from the
    server's), 413 BODY_TOO_LARGE."""
    raw = await request.body()
    if len(raw) > MAX_REQUEST_BYTES:
        raise ApiError(
            413, "BODY_TOO_LARGE", f"请求体超过 {MAX_REQUEST_BYTES} 字节", max_bytes=MAX_REQUEST_BYTES
        )
    return await run_in_threadpool(_roster, ctx, device_id, raw, request.headers.get("x-signature", ""))


def _roster(ctx: ServerContext, device_id: str, raw: bytes, signature: str) -> RosterResponse:
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    with read_connection(ctx.engine) as conn:
        device = conn.execute(select(devices).where(devices.c.device_id == device_id)).first()
    if device is None:
        raise unknown_device(device_id)
    try:
        public_key_from_b64(device.public_key).verify(
            base64.b64decode(signature, validate=True), roster_request_message(raw)
        )
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise ApiError(400, "BAD_SIGNATURE", "人员名册请求签名无效") from exc
    try:
        sent = parse_iso(str(json.loads(raw)["device_time"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(422, "BAD_DEVICE_TIME", "device_time 必须是带时区的 ISO 8601 时间") from exc
    now = ctx.clock()
    if abs(now - sent) > FRESH_FOR:
        raise ApiError(409, "STALE_REQUEST", "请求时间与服务器相差过大，请核对本机时钟后重试")
    with read_connection(ctx.engine) as conn:
        entries = hall_roster(conn, device.hall_code)
    return RosterResponse(
        hall_code=device.hall_code,
        server_time=iso(now),
        clerks=[RosterEntryOut.model_validate(e.as_json()) for e in entries],
    )
