"""What a request may carry, checked before any route sees it: a body size per route, no NUL.

Several routes need no login (enrollment, events, heartbeats), so a caller who is nobody could
otherwise make the server hold any body it likes in memory. Each route has a limit fitted to
what it carries (:func:`route_limits`); a route not in the table gets :data:`DEFAULT_LIMIT`.

- A ``Content-Length`` above the limit is answered 413 ``BODY_TOO_LARGE`` at once, without
  reading the body, and the connection is closed so the rest of it is never read either.
- A body without a length (chunked) is counted as it streams and refused the moment it passes
  the limit, so the server never holds more than one limit's worth of it.

Either way the answer is the API's usual error body, sent from here rather than by the route.

A NUL character in the path or the query string (``%00``) is refused with 422 ``NUL_CHARACTER``:
no device id, case number or filter contains one, and PostgreSQL cannot even compare a text
with it, so such a request would otherwise fail deep inside a query.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from supervision_server.routes_queue import MAX_OP_BYTES
from supervision_server.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
DEFAULT_LIMIT = 64 * KIB  # routes not in the table; GET routes read no body at all


@dataclass(frozen=True)
class RouteLimit:
    """The largest body one method and path pattern accepts, in bytes."""

    method: str
    path: re.Pattern[str]
    max_bytes: int


def route_limits(settings: Settings) -> list[RouteLimit]:
    """The limit of every route that takes a body (small JSON requests get a few KiB)."""
    table = [
        ("POST", r"/api/v1/devices/[^/]+/events", settings.max_body_bytes),
        ("PUT", r"/api/v1/admin/catalog", settings.max_catalog_bytes),
        ("POST", r"/api/v1/enroll", 16 * KIB),
        ("POST", r"/api/v1/devices/[^/]+/heartbeat", 8 * KIB),
        ("POST", r"/api/v1/admin/enroll-codes", 8 * KIB),
        ("PUT", r"/api/v1/admin/calendar/days/[^/]+", 8 * KIB),
        ("POST", r"/api/v1/queue/devices/[^/]+/ops", MAX_OP_BYTES),
        ("POST", r"/api/v1/admin/registers/[^/]+", 32 * 1024 * KIB),
    ]
    return [RouteLimit(method, re.compile(pattern), limit) for method, pattern, limit in table]


def limit_for(limits: list[RouteLimit], method: str, path: str) -> int:
    """The body limit of ``method path``."""
    for entry in limits:
        if entry.method == method and entry.path.fullmatch(path):
            return entry.max_bytes
    return DEFAULT_LIMIT


def too_large_body(limit: int) -> dict[str, Any]:
    """The error body of a request over its limit."""
    message = f"请求体超过该接口的上限 {limit} 字节，服务器未作任何处理；上报事件请分批发送"
    return {"code": "BODY_TOO_LARGE", "message": message, "max_bytes": limit}


NUL_BODY = {"code": "NUL_CHARACTER", "message": "请求地址或查询参数含有空字符（NUL），服务器未作任何处理"}


def has_nul(scope: Scope) -> bool:
    """Whether the request's path or query string carries a NUL character."""
    return "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")


class _TooLarge(Exception):
    """Raised from ``receive`` inside the app once a streamed body passes its limit."""


class RequestLimitsMiddleware:
    """ASGI middleware applying :func:`route_limits`; see the module docstring."""

    def __init__(self, app: ASGIApp, limits: list[RouteLimit]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if has_nul(scope):
            await _refuse(send, 422, NUL_BODY)
            return
        limit = limit_for(self.limits, scope["method"], scope["path"])
        declared = content_length(scope)
        if declared is not None:
            if declared > limit:
                await _refuse(send, 413, too_large_body(limit))
            else:  # the HTTP server stops the body at its declared length
                await self.app(scope, receive, send)
            return
        await self._streamed(scope, receive, send, limit)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # whatever the route made of the interrupted read, the answer is 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send, 413, too_large_body(limit))
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):  # the route stopped reading; answered below
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await _refuse(send, 413, too_large_body(limit))


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(send: Send, status: int, error: dict[str, Any]) -> None:
    """Answer with ``error`` and close the connection, so an unread body is never read."""
    body = json.dumps(error, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
