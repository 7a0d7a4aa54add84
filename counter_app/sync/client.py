"""The HTTP side of sync: one ``requests.Session`` with timeouts, and error classification.

Each call returns the decoded JSON reply or raises :class:`SyncError`: connection problems and
timeouts are ``NETWORK``, 5xx ``SERVER_ERROR`` and 429 ``RATE_LIMITED`` (all retryable); any other
4xx carries the server's own ``code`` and stops the pusher. ``online`` tells whether the last call
got an HTTP answer at all.

A window talks to its server over HTTPS. Plain ``http://`` is refused (PLAIN_HTTP_REFUSED) for
any host but this machine's loopback, unless an administrator allowed it on purpose
(``counter config allow_plain_http yes``, a ledger event): the hall's network is not trusted to
leave case data and check codes unread. ``ca_file`` names the CA bundle that signed the server's
certificate when it is not one the system trusts (a hall's own CA, a self-signed certificate).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from counter_app.sync.errors import (
    BAD_RESPONSE,
    BAD_SERVER_URL,
    NETWORK,
    PLAIN_HTTP_REFUSED,
    RATE_LIMITED,
    SERVER_ERROR,
    TLS_ERROR,
    SyncError,
)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
API = "/api/v1"


class HttpReply:
    """A non-error reply: status, headers, decoded JSON body (None for 304) and the raw bytes."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str], content: bytes = b"") -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.content = content


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: localhost, 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, allow_plain_http: bool = False) -> None:
    """Refuse a server address this window must not use: not http(s), or plain http:// to
    another machine without the administrator's explicit permission."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(BAD_SERVER_URL, f"server url {url!r} is not http(s)://host", retryable=False)
    if parts.scheme == "http" and not allow_plain_http and not is_loopback(parts.hostname):
        raise SyncError(
            PLAIN_HTTP_REFUSED,
            f"plain http to {parts.hostname} refused; use https or allow_plain_http",
            retryable=False,
        )


class ServerClient:
    """Talks to the e-supervision server at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
        *,
        ca_file: str | None = None,
        allow_plain_http: bool = False,
    ) -> None:
        check_server_url(base_url, allow_plain_http)
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "service-counter-sync/1")
        # Passed with every request: a session-wide setting loses to REQUESTS_CA_BUNDLE.
        self.verify: str | bool = ca_file or True
        self.timeout = timeout
        self.online: bool | None = None

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    # -- the calls of the contract -------------------------------------------------------------

    def enroll(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /enroll``: register this device's public key with a one-time code."""
        return self._json("POST", "/enroll", json_body=body).body

    def post_events(self, device_id: str, payload: bytes) -> HttpReply:
        """``POST /devices/{id}/events`` with a pre-serialised ``{"events": [...]}`` body.

        A 409 is returned (not raised), because SEQ_GAP is part of normal resumption.
        """
        return self._json("POST", f"/devices/{device_id}/events", data=payload, allow=(409,))

    def head(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/head``: what the server holds for this device."""
        return self._json("GET", f"/devices/{device_id}/head").body

    def case_serials(self, device_id: str, since: str) -> dict[str, Any]:
        """``GET /devices/{id}/case-serials``: the highest case number serials held, per day."""
        return self._json("GET", f"/devices/{device_id}/case-serials?since={since}").body

    def held_case(self, device_id: str, project_no: str) -> dict[str, Any]:
        """``GET /devices/{id}/held-cases/{no}``: the case if this device holds it (404 otherwise)."""
        return self._json("GET", f"/devices/{device_id}/held-cases/{quote(project_no, safe='')}").body

    def heartbeat(self, device_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /devices/{id}/heartbeat``."""
        return self._json("POST", f"/devices/{device_id}/heartbeat", json_body=body).body

    def report(self, device_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /devices/{id}/reports``: a signed report that this window's ledger failed verify."""
        return self._json("POST", f"/devices/{device_id}/reports", json_body=body).body

    def document(self, name: str, etag: str | None) -> HttpReply:
        """``GET /{name}`` with If-None-Match; status 304 means the cached copy is current.

        ``content`` holds the exact bytes, which the server's signature covers."""
        headers = {"If-None-Match": etag} if etag else {}
        return self._json("GET", f"/{name}", headers=headers, allow=(304,), raw=True)

    # -- plumbing ------------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        allow: tuple[int, ...] = (),
        raw: bool = False,
    ) -> HttpReply:
        all_headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(
                method,
                self.base_url + API + path,
                data=data,
                headers=all_headers,
                timeout=self.timeout,
                verify=self.verify,
            )
        except requests.exceptions.SSLError as exc:
            self.online = False
            raise SyncError(TLS_ERROR, f"{method} {path}: {exc}", retryable=True) from exc
        except requests.RequestException as exc:
            self.online = False
            raise SyncError(NETWORK, f"{method} {path}: {type(exc).__name__}: {exc}", retryable=True) from exc
        self.online = True
        status = response.status_code
        if status == 304 and 304 in allow:
            return HttpReply(status, None, response.headers)
        if raw and 200 <= status < 300:  # the caller checks the bytes (signed documents)
            return HttpReply(status, None, response.headers, response.content)
        body = _decode(response)
        if 200 <= status < 300 or status in allow:
            if body is None:
                raise SyncError(BAD_RESPONSE, f"{method} {path}: {status} without JSON", retryable=True)
            return HttpReply(status, body, response.headers, response.content)
        raise _http_error(method, path, status, body, response.headers.get("Retry-After"))


def _decode(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _http_error(method: str, path: str, status: int, body: Any, retry_after: str | None) -> SyncError:
    server_code = body.get("code") if isinstance(body, dict) else None
    server_text = body.get("message") if isinstance(body, dict) else None
    detail = f"{method} {path}: HTTP {status} {server_code or ''} {server_text or ''}".strip()
    wait = _seconds(retry_after)
    if status == 429:
        return SyncError(RATE_LIMITED, detail, retryable=True, http_status=status, retry_after_s=wait)
    if status >= 500:
        return SyncError(SERVER_ERROR, detail, retryable=True, http_status=status, retry_after_s=wait)
    return SyncError(str(server_code or f"HTTP_{status}"), detail, retryable=False, http_status=status)


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After in seconds (the delta form; an HTTP date is ignored and backoff decides)."""
    try:
        return max(0.0, float(retry_after)) if retry_after else None
    except ValueError:
        return None
