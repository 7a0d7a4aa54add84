"""Routes for ledger self-check reports: the window's signed report, the administrator's way out.

``POST /devices/{id}/reports`` takes a report signed like a heartbeat (its own domain tag);
``GET /admin/devices/{id}/holes`` lists reported holes and ``POST .../holes/{from_seq}/accept``
is the administrator's acceptance of one (see ``supervision_server.reports``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from counter_app.ledger import LedgerError, public_key_from_b64
from counter_app.ledger.report import verify_report
from supervision_server.api_support import Ctx, errors, require_admin
from supervision_server.db import read_connection, run_write
from supervision_server.enroll import valid_device_id
from supervision_server.errors import ApiError, unknown_device
from supervision_server.ingest import device_public_key
from supervision_server.reports import accept_hole, list_holes, record_report

router = APIRouter(prefix="/api/v1", tags=["devices"])
admin_router = APIRouter(prefix="/api/v1", tags=["administration"], dependencies=[Depends(require_admin)])

MAX_SEQ = 2**53 - 1  # what every JSON reader keeps exact
SeqField = Annotated[int, Field(ge=0, le=MAX_SEQ)]
HashText = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DeviceReport(BaseModel):
    """A window's signed statement that its own ledger failed verification.

    Every field is signed (nulls included) as ``service-counter/device-report/v1`` + JCS of the
    fields with ``device_id``; ``signature`` is base64 Ed25519 by the enrolled device key.
    """

    kind: Literal["LEDGER_TAMPERED", "LEDGER_HOLE"]
    code: str = Field(max_length=64, examples=["CASE_ROW_MISMATCH"])
    seq: SeqField
    message: str = Field(max_length=2000)
    project_no: str | None = Field(default=None, max_length=64)
    field: str | None = Field(default=None, max_length=64)
    from_seq: SeqField | None = None
    to_seq: SeqField | None = None
    bridge_hash: HashText | None = None
    head_seq: SeqField
    head_hash: HashText
    device_time: str = Field(max_length=64)
    signature: str = Field(max_length=200)


class ReportReply(BaseModel):
    """``recorded`` (tamper), ``pending`` or ``accepted`` (hole, with the signed acceptance)."""

    status: str
    alerted: bool
    acceptance: dict[str, Any] | None = None


class AcceptHoleRequest(BaseModel):
    """Why the administrator accepts the loss (kept with the hole and in the alert)."""

    note: str = Field(min_length=1, max_length=2000, examples=["窗口电脑被误操作删除了记录，已书面说明"])


@router.post(
    "/devices/{device_id}/reports",
    response_model=ReportReply,
    responses=errors(400, 403, 409, 422, 503),
    summary="Report that the device's own ledger failed verification",
)
def post_report(device_id: str, request: DeviceReport, ctx: Ctx) -> ReportReply:
    """Verify the device's signature and record the report; a hole answers with its acceptance once
    an administrator gave it."""
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    public_key = device_public_key(ctx, device_id)
    body = request.model_dump()
    try:
        verify_report(public_key_from_b64(public_key), device_id, body)
    except (LedgerError, ValueError) as exc:
        raise ApiError(400, "BAD_SIGNATURE", "报告签名无效") from exc
    now = ctx.clock()
    outcome = run_write(ctx.engine, lambda conn: record_report(conn, device_id, body, now, ctx.server_key))
    acceptance = outcome.acceptance.as_dict() if outcome.acceptance is not None else None
    return ReportReply(status=outcome.status, alerted=outcome.alerted, acceptance=acceptance)


@admin_router.get(
    "/admin/devices/{device_id}/holes",
    responses=errors(401),
    summary="Holes a device reported",
)
def get_holes(device_id: str, ctx: Ctx) -> dict[str, Any]:
    """Every reported hole of the device, with who accepted it and why."""
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    with read_connection(ctx.engine) as conn:
        return {"holes": list_holes(conn, device_id)}


@admin_router.post(
    "/admin/devices/{device_id}/holes/{from_seq}/accept",
    responses=errors(400, 401, 404, 413, 422),
    summary="Accept a reported hole so the device can go on",
)
def post_accept_hole(
    device_id: str,
    from_seq: Annotated[int, Path(ge=1, le=MAX_SEQ)],
    request: AcceptHoleRequest,
    ctx: Ctx,
) -> dict[str, Any]:
    """Record the acceptance (the LEDGER_HOLE alert stays) and return it signed by the server."""
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    now = ctx.clock()
    acceptance = run_write(
        ctx.engine, lambda conn: accept_hole(conn, device_id, from_seq, request.note, now, ctx.server_key)
    )
    return {"acceptance": acceptance.as_dict()}
