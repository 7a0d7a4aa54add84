"""The supervisor's calls to the e-supervision server: live hall, alerts, assessment, exports and
alert steps, each with the supervisor password as a bearer token.

Errors keep the server's own code and Chinese message (an alert step the server does not offer
yet is shown to the supervisor as the server says it); a network failure is NETWORK.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from counter_app.sync.client import API, check_server_url
from counter_app.sync.errors import SyncError

TOKEN_ENV = "COUNTER_SUPERVISOR_TOKEN"


class SupervisionError(Exception):
    """A call the server refused (its code and message) or could not be made (NETWORK)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.status = status


class SupervisionClient:
    """Talks to the server at ``base_url`` as a supervisor holding ``token``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: tuple[float, float] = (3.0, 60.0),
        ca_file: str | None = None,
        actor: str = "",
    ) -> None:
        try:
            check_server_url(base_url)
        except SyncError as exc:
            raise SupervisionError(
                "SERVER_URL_INVALID", f"服务器地址须为 https://主机（本机可用 http://）：{base_url}"
            ) from exc
        self.base_url = base_url.rstrip("/")
        self.verify: str | bool = ca_file or True
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {token}", "User-Agent": "service-counter-supervisor/1"}
        )
        self.timeout = timeout
        self.actor = actor  # the supervisor's personal number, recorded with every alert step

    def close(self) -> None:
        self.session.close()

    def hall(self) -> dict[str, Any]:
        """Each window's state and sync lag; waiting per category."""
        return dict(self._call("GET", "/supervision/hall").json())

    def alerts(
        self,
        level: str | None = None,
        rule_id: str | None = None,
        window_no: int | None = None,
        open_only: bool = False,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Alerts newest first, filtered."""
        params: dict[str, Any] = {"limit": limit, "open_only": str(open_only).lower()}
        if level:
            params["level"] = level
        if rule_id:
            params["rule_id"] = rule_id
        if window_no is not None:
            params["window_no"] = window_no
        return list(self._call("GET", "/supervision/alerts", params=params).json()["alerts"])

    def alert_history(self, alert_id: int) -> dict[str, Any]:
        """The alert with its case, ticket and events."""
        return dict(self._call("GET", f"/supervision/alerts/{int(alert_id)}").json())

    def assessment(self, period: dict[str, str], by: str | None = None) -> dict[str, Any]:
        """The assessment of ``period`` (``{"day": ...}``, ``{"month": ...}`` or start/end)."""
        params = dict(period)
        if by:
            params["by"] = by
        return dict(self._call("GET", "/assessment", params=params).json())

    def export(self, kind: str, period: dict[str, str], table: str = "window") -> bytes:
        """The assessment as ``csv`` (one table) or ``pdf`` bytes."""
        params = dict(period)
        if kind == "csv":
            params["table"] = table
        return self._call("GET", f"/assessment.{kind}", params=params).content

    def alert_step(self, alert_id: int, step: str, comment: str) -> dict[str, Any]:
        """``POST /alerts/{id}/{step}``: acknowledge, comment or escalate an alert, as ``actor``."""
        if not self.actor:
            raise SupervisionError("ACTOR_MISSING", "请用 --clerk 工号 指明处理预警的监察人员")
        reply = self._call(
            "POST",
            f"/alerts/{quote(str(alert_id))}/{quote(step)}",
            json={"actor": self.actor, "note": comment},
        )
        body = reply.json() if reply.content else {}
        return dict(body) if isinstance(body, dict) else {}

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(
                method, self.base_url + API + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise SupervisionError("NETWORK", f"无法连接电子监察服务器：{type(exc).__name__}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else None
            raise SupervisionError(
                str(code or f"HTTP_{response.status_code}"),
                str(message or f"服务器返回 HTTP {response.status_code}"),
                response.status_code,
            )
        return response
