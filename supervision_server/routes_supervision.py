"""Routes of the supervision office: an alert's history and handling steps, register imports.

All need the administrator's bearer token (a supervisor role of its own is the console's).
The filtered alert list is ``GET /api/v1/alerts`` (routes_admin).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from counter_app.domain.alert_life import AlertAction
from supervision_server.alert_life import alert_history, take_step
from supervision_server.api_support import Ctx, errors, require_admin
from supervision_server.db import read_connection, run_write
from supervision_server.errors import ApiError
from supervision_server.rules.register import RegisterError, import_register
from supervision_server.supervision_auth import require_supervisor

MAX_ROW_ID = 2**63 - 1
MAX_REGISTER_BYTES = 32 * 1024 * 1024

# Alert handling is the supervisors' work (their password, session, or the admin token); importing a
# department's register is an administrator's.
router = APIRouter(prefix="/api/v1", tags=["supervision"], dependencies=[Depends(require_supervisor)])

AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class StepRequest(BaseModel):
    """Who takes the step, and what they say (required for all but notify and close)."""

    actor: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=4000)


class StepReply(BaseModel):
    """The alert's state after the step."""

    alert_id: int
    state: str


class DecideRequest(StepRequest):
    """The decision on an appeal: upheld (撤销) or confirmed (维持)."""

    upheld: bool


def _step(ctx: Any, alert_id: int, action: AlertAction, body: StepRequest) -> StepReply:
    now = ctx.clock()
    state = run_write(ctx.engine, lambda conn: take_step(conn, alert_id, action, body.actor, body.note, now))
    return StepReply(alert_id=alert_id, state=state.value)


@router.get("/alerts/{alert_id}/history", responses=errors(401, 404), summary="An alert and its handling")
def get_alert_history(alert_id: AlertId, ctx: Ctx) -> dict[str, Any]:
    """The alert, where it stands and every step of its handling with who and when."""
    with read_connection(ctx.engine) as conn:
        return alert_history(conn, alert_id)


_STEP_ROUTES = {
    "notify": AlertAction.NOTIFY,
    "ack": AlertAction.ACKNOWLEDGE,
    "comment": AlertAction.COMMENT,
    "escalate": AlertAction.ESCALATE,
    "appeal": AlertAction.APPEAL,
    "close": AlertAction.CLOSE,
}


def _add_step_route(name: str, action: AlertAction) -> None:
    def route(alert_id: AlertId, body: StepRequest, ctx: Ctx) -> StepReply:
        return _step(ctx, alert_id, action, body)

    route.__doc__ = f"{action.label}: record the step with who and when (409 when the state forbids it)."
    router.post(
        f"/alerts/{{alert_id}}/{name}",
        response_model=StepReply,
        responses=errors(400, 401, 404, 409, 413, 422),
        summary=f"Alert step: {action.label}",
        name=f"alert_{name}",
    )(route)


for _name, _action in _STEP_ROUTES.items():
    _add_step_route(_name, _action)


@router.post(
    "/alerts/{alert_id}/decide",
    response_model=StepReply,
    responses=errors(400, 401, 404, 409, 413, 422),
    summary="Alert step: decide an appeal",
)
def post_decide(alert_id: AlertId, body: DecideRequest, ctx: Ctx) -> StepReply:
    """申诉成立（撤销） when ``upheld``, else 维持; the note gives the reasons."""
    return _step(ctx, alert_id, AlertAction.UPHOLD if body.upheld else AlertAction.CONFIRM, body)


@router.post(
    "/admin/registers/{dept_code}",
    dependencies=[Depends(require_admin)],
    status_code=201,
    responses=errors(401, 413, 422),
    summary="Import a department's register export and match it against hall cases",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the department's CSV export as exported (UTF-8, BOM tolerated, or GBK)",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def post_register(
    request: Request,
    ctx: Ctx,
    dept_code: Annotated[str, Path(min_length=1, max_length=32)],
    mapping: Annotated[str, Query(min_length=1, max_length=4000, description="the TOML column mapping")],
    file_name: Annotated[str, Query(max_length=200)] = "register.csv",
    by: Annotated[str, Query(max_length=64)] = "admin",
) -> dict[str, Any]:
    """The body is the CSV export as exported (UTF-8 or GBK); see supervision_server.rules.register."""
    data = await request.body()
    if len(data) > MAX_REGISTER_BYTES:
        raise ApiError(413, "REGISTER_TOO_LARGE", "台账文件过大")
    now = ctx.clock()

    def work() -> dict[str, Any]:
        try:
            return run_write(
                ctx.engine, lambda conn: import_register(conn, dept_code, mapping, data, file_name, by, now)
            )
        except RegisterError as exc:
            raise ApiError(422, exc.code, exc.message) from exc

    return await run_in_threadpool(work)
