"""Routes of the live hall queue: signed operations from windows and kiosks, and the hall board.

An operation is a small JSON body ``{op_id, action, args, device_time}`` signed with the device's
enrolled Ed25519 key (``X-Signature``, over ``service-counter/queue-op/v1\\n`` + the exact body
bytes). The window number is the device's enrolled window, never what the request says, so a
device can only act as itself. A kiosk only issues and cancels tickets: any other action from it
is refused with 403 QUEUE_NOT_A_WINDOW. A known ``op_id`` is answered from the stored answer (a retry);
a new one whose ``device_time`` is far from the server's clock is refused as stale.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection, bindparam, select

from counter_app.domain.catalog import Catalog
from counter_app.domain.device_role import KIOSK_QUEUE_ACTIONS, NOT_A_WINDOW, NOT_A_WINDOW_MESSAGE, DeviceRole
from counter_app.domain.queue import Priority, PriorityPolicy, QueueError, window_categories
from counter_app.ledger import public_key_from_b64
from counter_app.ledger.signed_request import queue_op_message
from supervision_server import queue_service as qs
from supervision_server.api_support import Ctx, errors, request_body_doc
from supervision_server.context import ServerContext
from supervision_server.db import deferred_writes, read_connection, run_write
from supervision_server.distribution import published_catalog
from supervision_server.enroll import valid_device_id
from supervision_server.errors import ApiError, unknown_device
from supervision_server.queue_board import board, board_changes, board_version
from supervision_server.queue_schema import queue_windows
from supervision_server.schema import devices
from supervision_server.timeutil import parse_iso

MAX_OP_BYTES = 4096
FRESH_FOR = timedelta(minutes=5)
QUEUE_ACTIONS = frozenset(
    {
        "issue",
        "call_next",
        "recall",
        "start",
        "finish",
        "no_show",
        "transfer",
        "park",
        "call_back",
        "cancel",
        "pause",
        "resume",
    }
)

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])


def sign_queue_op(key: Any, body: bytes) -> str:
    """Base64 signature a device sends in ``X-Signature`` for ``body``."""
    return str(key.sign(queue_op_message(body)))


@router.post(
    "/devices/{device_id}/ops",
    responses=errors(400, 403, 404, 409, 413, 422, 503),
    openapi_extra=request_body_doc("QueueOp", "{op_id, action, args, device_time}, signed in X-Signature"),
    summary="A signed queue operation of a window or kiosk",
)
async def post_op(device_id: str, request: Request, ctx: Ctx) -> JSONResponse:
    """Issue a ticket, call next, recall, start, finish, no-show, transfer, park, call back, pause, resume."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_OP_BYTES:
        raise ApiError(413, "BODY_TOO_LARGE", f"请求体超过 {MAX_OP_BYTES} 字节", max_bytes=MAX_OP_BYTES)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_OP_BYTES:
            raise ApiError(413, "BODY_TOO_LARGE", f"请求体超过 {MAX_OP_BYTES} 字节", max_bytes=MAX_OP_BYTES)
    signature = request.headers.get("x-signature", "")
    answer, hall_code = await run_in_threadpool(_run, ctx, device_id, bytes(raw), signature)
    board_changes.changed(hall_code)  # committed: the hall's board streams read it now
    return JSONResponse(answer)


def _run(ctx: ServerContext, device_id: str, raw: bytes, signature: str) -> tuple[dict[str, Any], str]:
    if not valid_device_id(device_id):
        raise unknown_device(device_id)
    now = ctx.clock()
    settings = ctx.settings

    # Parsed before the transaction, but a malformed body is refused only once the signature is
    # checked: a bad signature is answered BAD_SIGNATURE whatever the body holds.
    try:
        parsed: dict[str, Any] | None = _parse(raw)
        refusal: ApiError | None = None
    except ApiError as exc:
        parsed, refusal = None, exc
    # A window's requests, retries included, run one at a time on its locked row, which the
    # action then works on. Its row is locked in the statement that reads the device's key (one
    # round trip); a window's first request ever creates the row and locks it apart.
    locks_window = parsed is not None and parsed["action"] not in ("issue", "cancel")

    def work(conn: Connection) -> tuple[dict[str, Any], str]:
        # The device's key is read in the operation's own transaction: one connection, no
        # separate read and rollback before it.
        found = conn.execute(
            _DEVICE_AND_WINDOW if locks_window else _DEVICE, {"device_id": device_id}
        ).first()
        device = found or (conn.execute(_DEVICE, {"device_id": device_id}).first() if locks_window else None)
        if device is None:
            raise unknown_device(device_id)
        try:
            public_key_from_b64(device.public_key).verify(
                base64.b64decode(signature, validate=True), queue_op_message(raw)
            )
        except (binascii.Error, ValueError, InvalidSignature) as exc:
            raise ApiError(400, "BAD_SIGNATURE", "叫号请求签名无效") from exc
        if parsed is None:
            assert refusal is not None
            raise refusal
        op = parsed
        if device.role == DeviceRole.KIOSK and op["action"] not in KIOSK_QUEUE_ACTIONS:
            raise ApiError(403, NOT_A_WINDOW, NOT_A_WINDOW_MESSAGE, action=op["action"])
        window_no = None if device.role == DeviceRole.KIOSK else device.window_no
        call = qs.QueueCall(device.hall_code, device_id, window_no, now)
        window = None
        if call.window_no is not None and locks_window:
            window = found if found is not None else qs.lock_window(conn, call)
        done = qs.stored_op(conn, op["op_id"])
        if done is None and abs(now - op["device_time"]) > FRESH_FOR:
            raise ApiError(409, "STALE_REQUEST", "请求时间与服务器相差过大，请核对本机时钟后重试")
        # The window's row and the stored answer are written last and read by nothing after:
        # on PostgreSQL they go in one round trip (a unique race there is retried by run_write).
        with deferred_writes(conn):
            answer = qs.once(
                conn,
                call,
                op["op_id"],
                op["action"],
                done,
                lambda: _dispatch(conn, ctx, call, op, settings, window),
            )
        return answer, call.hall_code

    try:
        return run_write(ctx.engine, work)  # on SQLite, one writer of this process at a time (db)
    except QueueError as exc:
        raise ApiError(409, exc.code, exc.message) from exc


_DEVICE = select(devices.c.public_key, devices.c.hall_code, devices.c.window_no, devices.c.role).where(
    devices.c.device_id == bindparam("device_id")
)
# The device and its window's row (all of queue_windows' columns), the window's row locked.
_DEVICE_AND_WINDOW = (
    select(devices.c.public_key, devices.c.role, *queue_windows.c)
    .select_from(
        devices.join(
            queue_windows,
            (queue_windows.c.hall_code == devices.c.hall_code)
            & (queue_windows.c.window_no == devices.c.window_no),
        )
    )
    .where(devices.c.device_id == bindparam("device_id"))
    .with_for_update(of=queue_windows)
)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "MALFORMED_JSON", "请求体不是有效的 JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(422, "QUEUE_OP_INVALID", "请求体应为 JSON 对象")
    op_id, action, args = body.get("op_id"), body.get("action"), body.get("args", {})
    if (
        not isinstance(op_id, str)
        or not 8 <= len(op_id) <= 64
        or not op_id.isascii()
        or not op_id.isprintable()
    ):
        raise ApiError(422, "QUEUE_OP_INVALID", "op_id 应为 8–64 个可打印 ASCII 字符")
    if not isinstance(action, str) or action not in QUEUE_ACTIONS:
        raise ApiError(422, "QUEUE_ACTION_UNKNOWN", f"未知的叫号操作：{action}")
    if not isinstance(args, dict):
        raise ApiError(422, "QUEUE_OP_INVALID", "args 应为 JSON 对象")
    try:
        device_time = parse_iso(str(body.get("device_time", "")))
    except ValueError as exc:
        raise ApiError(422, "BAD_DEVICE_TIME", "device_time 必须是带时区的 ISO 8601 时间") from exc
    return {"op_id": op_id, "action": action, "args": args, "device_time": device_time}


def _dispatch(
    conn: Connection, ctx: ServerContext, call: qs.QueueCall, op: dict[str, Any], settings: Any, window: Any
) -> dict[str, Any]:
    action, args = op["action"], op["args"]
    if action == "issue":
        catalog = _catalog(conn)
        category = str(args.get("category", ""))
        if category not in {c.prefix for c in catalog.categories}:
            raise ApiError(422, "QUEUE_CATEGORY_UNKNOWN", f"排队类别 {category} 不在目录中")
        raw_priority = args.get("priority", "NORMAL")
        if raw_priority not in Priority.__members__:
            raise ApiError(422, "QUEUE_PRIORITY_UNKNOWN", f"未知的优先类型：{raw_priority}")
        id_no = str(args.get("id_no", "")).strip().upper()
        digest = _id_digest(call.hall_code, id_no) if id_no else None
        return qs.issue(
            conn, call, category, Priority(raw_priority), digest, settings.queue_max_waiting_per_id
        )
    if action == "call_next":
        categories = _window_categories(_catalog(conn), qs.window_no_of(call))
        return qs.call_next(conn, call, categories, PriorityPolicy(settings.queue_priority_every), window)
    if action == "cancel":
        return qs.cancel(conn, call, str(args.get("number", "")).strip().upper())
    if action == "pause":
        return qs.pause(conn, call, str(args.get("reason", "")), window)
    if action == "resume":
        return qs.resume(conn, call, window)
    return qs.act(conn, call, action, args, window)


def _catalog(conn: Connection) -> Catalog:
    catalog = published_catalog(conn)
    if catalog is None:
        raise ApiError(503, "CATALOG_NOT_PUBLISHED", "服务器尚未发布事项目录，暂不能取号叫号")
    return catalog


_served: tuple[Catalog | None, dict[int, list[str]]] = (None, {})


def _window_categories(catalog: Catalog, window_no: int) -> list[str]:
    """:func:`window_categories`, worked out once per published catalog and window."""
    global _served
    held, by_window = _served
    if held is not catalog:  # a newly published catalog (the parsed one is kept per version)
        by_window = {}
        _served = (catalog, by_window)
    found = by_window.get(window_no)
    if found is None:
        found = by_window[window_no] = window_categories(catalog, window_no)
    return found


def _id_digest(hall_code: str, id_no: str) -> str:
    """What the server keeps of an ID number for the per-ID ticket limit: a salted digest."""
    return hashlib.sha256(f"service-counter/queue-id/v1\n{hall_code}\n{id_no}".encode()).hexdigest()


STREAM_POLL_S = 0.1  # with several server processes: another one may have changed the queue
STREAM_POLL_ALONE_S = 1.0  # one process sees its own changes at once; this catches ingest's
STREAM_KEEPALIVE_S = 15.0
STREAM_MAX_S = 300.0  # a display reconnects (and so resyncs) at least this often


@router.get(
    "/halls/{hall_code}/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "an endless text/event-stream of `event: board` messages",
            "content": {"text/event-stream": {}},
        },
        **errors(503),
    },
    summary="The hall board as server-sent events: the whole board on connect and on every change",
)
async def stream_board(hall_code: str, request: Request, ctx: Ctx) -> StreamingResponse:
    """``event: board`` with the full board as JSON each time it changes (so a reconnect is a
    full resync), and a comment line every 15 s to keep proxies from closing the stream."""

    def read(last: tuple[Any, ...] | None) -> tuple[tuple[Any, ...], dict[str, Any] | None]:
        day = qs.QueueCall(hall_code, "", None, ctx.clock()).business_date
        # A read transaction: on SQLite a deferred BEGIN, which never waits for the write lock
        # nor holds call-next back (a plain connect() would BEGIN IMMEDIATE ten times a second).
        with read_connection(ctx.engine) as conn:
            version = board_version(conn, hall_code, day)
            return version, (board(conn, hall_code, day) if version != last else None)

    async def events() -> AsyncIterator[str]:
        last: tuple[Any, ...] | None = None
        started = quiet = time.monotonic()
        poll_s = STREAM_POLL_S if ctx.settings.workers > 1 else STREAM_POLL_ALONE_S
        yield "retry: 2000\n\n"
        while time.monotonic() - started < STREAM_MAX_S and not await request.is_disconnected():
            seen = board_changes.generation(hall_code)
            version, snapshot = await run_in_threadpool(read, last)
            if snapshot is not None:
                last = version
                quiet = time.monotonic()
                yield "event: board\ndata: " + json.dumps(snapshot, ensure_ascii=False) + "\n\n"
            elif time.monotonic() - quiet > STREAM_KEEPALIVE_S:
                quiet = time.monotonic()
                yield ": keepalive\n\n"
            await board_changes.wait(hall_code, seen, poll_s)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get(
    "/halls/{hall_code}/board",
    responses=errors(503),
    summary="The hall board: current calls, last calls, waiting counts",
)
def get_board(hall_code: str, ctx: Ctx) -> dict[str, Any]:
    """What the hall display shows; ticket numbers only, no personal data."""
    with read_connection(ctx.engine) as conn:
        return board(conn, hall_code, qs.QueueCall(hall_code, "", None, ctx.clock()).business_date)
