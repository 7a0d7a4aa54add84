"""The events route answered directly from ASGI: what every window sends all day.

A window online sends its events a few at a time, and the framework's own layers (the middleware
stack, routing, dependency solving) cost about a fifth of such a request's CPU on one process.
:class:`ServerApp` answers ``POST /api/v1/devices/{device_id}/events`` before those layers, with
the same function as the route (:func:`supervision_server.routes_devices.events_reply`), the same
checks as :mod:`supervision_server.request_limits` and the same error bodies. A request it cannot
answer that way (no ``Content-Length``, a body over the limit, a NUL in the path) goes through the
framework like any other, so the route and the middleware still answer it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from supervision_server.api_support import unexpected
from supervision_server.errors import ApiError
from supervision_server.request_limits import (
    Receive,
    RouteLimit,
    Scope,
    Send,
    content_length,
    has_nul,
    limit_for,
)
from supervision_server.routes_devices import events_reply, post_events, router


class ServerApp(FastAPI):
    """The server's FastAPI application, with the events route answered directly."""

    _events_path: re.Pattern[str] | None = None
    _events_limit = 0

    def answer_events_directly(self, limits: list[RouteLimit]) -> None:
        """Answer the events route before the framework, within its body limit in ``limits``
        (the middleware's table). The path is the route's own pattern (its router is included
        without a prefix)."""
        (route,) = (r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is post_events)
        self._events_path = route.path_regex
        self._events_limit = limit_for(limits, "POST", route.path_format.format(device_id="any"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        device_id = self._direct_events(scope)
        if device_id is None:
            await super().__call__(scope, receive, send)
        else:
            await _answer_events(self, device_id, scope, receive, send)

    def _direct_events(self, scope: Scope) -> str | None:
        """The device id of a request this path answers, else None."""
        if self._events_path is None or scope["type"] != "http" or scope["method"] != "POST":
            return None
        match = self._events_path.match(scope["path"])
        if match is None or scope.get("root_path") or has_nul(scope):
            return None
        declared = content_length(scope)
        if declared is None or declared > self._events_limit:
            return None  # streamed or too large: the middleware counts or refuses it
        return match.group("device_id")


async def _answer_events(app: FastAPI, device_id: str, scope: Scope, receive: Receive, send: Send) -> None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return  # the window gave up before its batch arrived: nothing read, nothing stored
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    reply: dict[str, Any]
    try:
        status, reply = await events_reply(app.state.ctx, device_id, b"".join(chunks))
    except ApiError as exc:
        status, reply = exc.status, exc.body()
    except Exception as exc:
        error = unexpected(exc)
        status, reply = error.status, error.body()
    await JSONResponse(reply, status_code=status)(scope, receive, send)
