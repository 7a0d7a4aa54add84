"""Who may read the supervision office's page and the assessment: the supervisor role.

A supervisor proves it with the supervisor password (``supervisor_token`` in the settings) or
the administrator token, either as a bearer token (the console, scripts) or once on the login
page, which sets a session cookie: ``<expiry>.<HMAC-SHA256>`` keyed by a secret derived from
both tokens, so changing either ends every session. Nothing is stored on the server.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from supervision_server.api_support import Ctx
from supervision_server.errors import ApiError
from supervision_server.settings import Settings

COOKIE = "sc_supervision"
_bearer = HTTPBearer(auto_error=False, description="the supervisor password or the admin token")


def _secret(settings: Settings) -> bytes:
    material = f"supervision-session\x00{settings.admin_token}\x00{settings.supervisor_token}"
    return hashlib.sha256(material.encode("utf-8")).digest()


def password_ok(settings: Settings, given: str) -> bool:
    """Whether ``given`` is the supervisor password or the admin token."""
    candidates = [t for t in (settings.supervisor_token, settings.admin_token) if t]
    raw = given.encode("utf-8")
    return any(hmac.compare_digest(raw, t.encode("utf-8")) for t in candidates)


def session_cookie(settings: Settings, now: datetime) -> str:
    """A session value valid for ``supervisor_session_hours`` from ``now``."""
    expiry = int((now + timedelta(hours=settings.supervisor_session_hours)).timestamp())
    mac = hmac.new(_secret(settings), str(expiry).encode(), hashlib.sha256).hexdigest()
    return f"{expiry}.{mac}"


def session_ok(settings: Settings, value: str | None, now: datetime) -> bool:
    """Whether a cookie value is a session this server issued and it has not expired."""
    if not value or "." not in value:
        return False
    expiry, _, mac = value.partition(".")
    if not expiry.isdigit():
        return False
    expected = hmac.new(_secret(settings), expiry.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, expected) and int(expiry) > now.timestamp()


def is_supervisor(ctx: Ctx, request: Request, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """A bearer password/token or a valid session cookie."""
    if credentials is not None and password_ok(ctx.settings, credentials.credentials):
        return True
    return session_ok(ctx.settings, request.cookies.get(COOKIE), ctx.clock())


async def require_supervisor(
    ctx: Ctx, request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Refuse the request (401 UNAUTHORIZED) unless a supervisor makes it."""
    if not is_supervisor(ctx, request, credentials):
        raise ApiError(
            401, "UNAUTHORIZED", "需要监察室口令或管理令牌（Authorization: Bearer <口令>），或先登录监察页面"
        )
