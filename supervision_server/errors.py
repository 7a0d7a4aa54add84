"""Errors a caller can cause: an HTTP status, a stable code and a Chinese message.

Every error response has the body ``{"code": "STABLE_CODE", "message": "...", ...}``; extra
fields (``seq``, ``expected_seq``) say where the problem is. Codes are what clients and tests
match on; messages are for people.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with an HTTP status, a stable code, a message and optional extra body fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"code": self.code, "message": self.message, **self.extra}

    def __str__(self) -> str:
        return f"[{self.status} {self.code}] {self.message}"


def unknown_device(device_id: str) -> ApiError:
    """403 for a device the server has not enrolled."""
    return ApiError(
        403, "UNKNOWN_DEVICE", f"设备 {device_id} 未登记，请先用登记码完成设备登记", device_id=device_id
    )


def db_busy() -> ApiError:
    """503 when the database stayed busy through the retries; the client retries later."""
    return ApiError(503, "DB_BUSY", "服务器数据库繁忙，请稍后重试")
