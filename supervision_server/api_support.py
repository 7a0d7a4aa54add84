"""Plumbing shared by the routers: the context dependency, admin auth, JSON bodies, error handlers."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from supervision_server.context import ServerContext
from supervision_server.errors import ApiError, db_busy
from supervision_server.models import ErrorResponse

log = logging.getLogger("supervision_server")
_bearer = HTTPBearer(auto_error=False, description="the administrator token (SUPERVISION_ADMIN_TOKEN)")


def ctx_of(request: Request) -> ServerContext:
    """The server context stored on the application."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


async def get_ctx(request: Request) -> ServerContext:
    """:func:`ctx_of` as a dependency. The dependencies here are ``async``: FastAPI runs a plain
    ``def`` dependency on a worker thread, a hand-over and back per request for a lookup."""
    return ctx_of(request)


Ctx = Annotated[ServerContext, Depends(get_ctx)]


async def require_admin(
    ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Refuse the request (401 UNAUTHORIZED) unless it carries the admin bearer token."""
    expected = ctx.settings.admin_token.encode("utf-8")
    given = credentials.credentials.encode("utf-8") if credentials else b""
    if not expected or not hmac.compare_digest(given, expected):
        raise ApiError(401, "UNAUTHORIZED", "需要有效的管理令牌（Authorization: Bearer <令牌>）")


async def json_body(request: Request) -> Any:
    """The request body decoded as JSON; 400 MALFORMED_JSON if it is not JSON.

    Its size was bounded before the route ran (supervision_server.request_limits).
    """
    return parse_json(await request.body())


def parse_json(raw: bytes) -> Any:
    """``raw`` decoded as JSON; 400 MALFORMED_JSON if it is not JSON."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "MALFORMED_JSON", "请求体不是有效的 JSON，未作任何处理") from exc


def unexpected(exc: Exception) -> ApiError:
    """The answer to an exception that no route turned into an :class:`ApiError`, logged here:
    503 DB_BUSY when the database stayed busy or went away (the client retries later), 500
    INTERNAL_ERROR for anything else."""
    if isinstance(exc, OperationalError):
        log.error("database error: %s", exc)
        return db_busy()
    log.exception("unhandled error", exc_info=exc)
    return ApiError(500, "INTERNAL_ERROR", "服务器内部错误，已记录日志，请稍后重试")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses a route can answer with."""
    text = {
        400: "malformed request (MALFORMED_JSON, BAD_SIGNATURE, ...)",
        401: "missing or wrong admin token (UNAUTHORIZED)",
        403: "refused (UNKNOWN_DEVICE, ENROLL_CODE_*)",
        404: "not found",
        409: "conflict",
        413: "batch or body too large (BATCH_TOO_LARGE, BODY_TOO_LARGE)",
        422: "well-formed JSON with invalid content (INVALID_REQUEST, ...)",
        503: "database busy (DB_BUSY); retry later",
    }
    return {status: {"model": ErrorResponse, "description": text.get(status, "error")} for status in statuses}


def request_body_doc(schema_name: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body itself."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
        }
    }


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer ``{"code", "message", ...}`` with a fitting status."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "MALFORMED_JSON", "请求体不是有效的 JSON，未作任何处理")
        fields = [".".join(str(part) for part in p.get("loc", ())) for p in problems]
        details = [
            {"field": f, "problem": str(p.get("msg", ""))} for f, p in zip(fields, problems, strict=True)
        ]
        return _error(422, "INVALID_REQUEST", "请求内容不符合要求：" + "、".join(fields), errors=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: ("NOT_FOUND", "没有这个地址"), 405: ("METHOD_NOT_ALLOWED", "该地址不支持此请求方法")}
        code, message = codes.get(exc.status_code, (f"HTTP_{exc.status_code}", str(exc.detail)))
        response = _error(exc.status_code, code, message)
        response.headers.update(exc.headers or {})  # 405 names the allowed methods (Allow)
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        error = unexpected(exc)
        return _error(error.status, error.code, error.message)
