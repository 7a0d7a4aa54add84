"""Fetch the clerk roster of this window's hall from the server and cache it for offline login.

The request is a small body signed with the device key (``POST /devices/{id}/roster``), so the
server hands password hashes only to enrolled windows, of their own hall. The cached roster is
the setting ``clerk_roster`` (JSON), with ``clerk_roster_at``; each clerk's name also goes to
``clerk_name:工号``, which documents print as 受理人.
"""

from __future__ import annotations

import json

from counter_app.domain.clerks import RosterEntry
from counter_app.ledger.signed_request import roster_request_message
from counter_app.store.uow import Store
from counter_app.sync.client import API, ServerClient
from counter_app.sync.config import Clock, SyncConfig, system_clock
from counter_app.sync.errors import BAD_RESPONSE, NETWORK, SyncError

ROSTER_SETTING = "clerk_roster"


def fetch_roster(
    store: Store, config: SyncConfig, client: ServerClient, clock: Clock = system_clock
) -> list[RosterEntry]:
    """Ask the server for the roster and cache it; SyncError (NETWORK, BAD_SIGNATURE, ...) if not."""
    body = json.dumps({"device_time": clock().isoformat(timespec="milliseconds")}).encode("utf-8")
    signature = store.key.sign(roster_request_message(body))
    try:
        reply = client.session.post(
            f"{client.base_url}{API}/devices/{config.device_id}/roster",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": signature},
            timeout=client.timeout,
            verify=client.verify,
        )
    except Exception as exc:  # requests' connection errors and timeouts
        client.online = False
        raise SyncError(NETWORK, f"roster: {type(exc).__name__}: {exc}", retryable=True) from exc
    client.online = True
    try:
        data = reply.json()
    except ValueError:
        data = None
    if reply.status_code != 200 or not isinstance(data, dict):
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else None
        raise SyncError(
            str(code or f"HTTP_{reply.status_code}"),
            f"roster: HTTP {reply.status_code}",
            retryable=reply.status_code >= 500,
            http_status=reply.status_code,
            message=str(message) if message else None,
        )
    try:
        entries = [RosterEntry.from_json(item) for item in data["clerks"]]
    except (KeyError, TypeError, ValueError, AssertionError) as exc:
        raise SyncError(BAD_RESPONSE, f"roster reply malformed: {exc!r}", retryable=False) from exc
    cache_roster(store, entries, str(data.get("server_time", "")))
    return entries


def cache_roster(store: Store, entries: list[RosterEntry], as_of: str) -> None:
    """Keep ``entries`` as this window's roster (replacing the previous copy)."""
    with store.unit_of_work() as uow:
        uow.put_setting(ROSTER_SETTING, json.dumps([e.as_json() for e in entries], ensure_ascii=False))
        uow.put_setting("clerk_roster_at", as_of)
        for entry in entries:
            uow.put_setting(f"clerk_name:{entry.number}", entry.name)
        uow.commit()


def cached_roster(settings: dict[str, str]) -> dict[str, RosterEntry]:
    """The cached roster by number (empty when none was fetched)."""
    text = settings.get(ROSTER_SETTING, "")
    if not text:
        return {}
    return {e.number: e for e in (RosterEntry.from_json(item) for item in json.loads(text))}
