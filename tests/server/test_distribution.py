"""Catalog and calendar: versioned documents with strong ETags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter_app.domain.catalog import load_catalog
from counter_app.ledger import LedgerError, verify_document
from supervision_server.db import run_write
from supervision_server.distribution import CALENDAR, DEMO_CATALOG, publish, published_calendar
from supervision_server.errors import ApiError
from tests.server.helpers import ADMIN


def demo_catalog() -> dict[str, object]:
    data: dict[str, object] = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    return data


def test_catalog_versions_and_etags(sqlite_client: TestClient) -> None:
    client = sqlite_client
    reply = client.get("/api/v1/catalog")
    assert (reply.status_code, reply.json()["code"]) == (404, "NOT_PUBLISHED")
    catalog = demo_catalog()
    put = client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN)
    assert put.status_code == 201 and put.json()["version"] == 1 and put.json()["created"]
    first = client.get("/api/v1/catalog")
    assert first.status_code == 200 and first.json() == catalog
    load_catalog(first.json(), "downloaded")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/") and first.headers["X-Document-Version"] == "1"
    cached = client.get("/api/v1/catalog", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["ETag"] == etag and not cached.content
    same = client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN)
    assert same.status_code == 200 and same.json()["version"] == 1 and not same.json()["created"]
    changed = {**catalog, "version": "2025.12.1"}
    assert client.put("/api/v1/admin/catalog", json=changed, headers=ADMIN).json()["version"] == 2
    fresh = client.get("/api/v1/catalog", headers={"If-None-Match": etag})
    assert (
        fresh.status_code == 200 and fresh.json()["version"] == "2025.12.1" and fresh.headers["ETag"] != etag
    )


def test_a_broken_catalog_is_refused_with_every_problem(sqlite_client: TestClient) -> None:
    broken = {**demo_catalog(), "format": 99}
    reply = sqlite_client.put("/api/v1/admin/catalog", json=broken, headers=ADMIN)
    assert reply.status_code == 422 and reply.json()["code"] == "CATALOG_INVALID" and reply.json()["issues"]
    assert sqlite_client.put("/api/v1/admin/catalog", json=demo_catalog()).status_code == 401
    bad_json = sqlite_client.put(
        "/api/v1/admin/catalog", content=b"{", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert bad_json.json()["code"] == "MALFORMED_JSON"
    assert sqlite_client.get("/api/v1/catalog").status_code == 404


def test_calendar_is_seeded_and_days_can_be_overridden(sqlite_client: TestClient) -> None:
    client = sqlite_client
    first = client.get("/api/v1/calendar")
    assert first.status_code == 200
    calendar = first.json()
    assert calendar["format"] == 1 and calendar["version"] == 1
    by_date = {d["date"]: d for d in calendar["days"]}
    assert by_date["2026-10-01"]["kind"] == "HOLIDAY" and "国庆" in by_date["2026-10-01"]["name"]
    assert 2026 in calendar["official_years"]
    etag = first.headers["ETag"]
    assert client.get("/api/v1/calendar", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    closure = {"kind": "HOLIDAY", "name": "台风停止办公"}
    reply = client.put("/api/v1/admin/calendar/days/2026-11-26", json=closure, headers=ADMIN)
    assert reply.status_code == 201 and reply.json()["version"] == 2
    updated = client.get("/api/v1/calendar", headers={"If-None-Match": etag})
    assert updated.status_code == 200 and updated.json()["version"] == 2
    day = {d["date"]: d for d in updated.json()["days"]}["2026-11-26"]
    assert day == {"date": "2026-11-26", "kind": "HOLIDAY", "name": "台风停止办公", "source": "OVERRIDE"}
    weekend_on_weekday = client.put(
        "/api/v1/admin/calendar/days/2026-11-26", json={"kind": "WEEKEND", "name": ""}, headers=ADMIN
    )
    assert (weekend_on_weekday.status_code, weekend_on_weekday.json()["code"]) == (422, "CALENDAR_BAD_DAY")
    unknown_kind = client.put("/api/v1/admin/calendar/days/2026-11-26", json={"kind": "PARTY"}, headers=ADMIN)
    assert unknown_kind.json()["code"] == "CALENDAR_BAD_DAY"
    bad_date = client.put("/api/v1/admin/calendar/days/2026-13-45", json=closure, headers=ADMIN)
    assert (bad_date.status_code, bad_date.json()["code"]) == (422, "INVALID_REQUEST")


def test_demo_mode_publishes_the_demo_catalog(make_app: Callable[..., FastAPI]) -> None:
    client = TestClient(make_app(demo=True, admin_token=""))
    reply = client.get("/api/v1/catalog")
    assert reply.status_code == 200 and reply.json() == demo_catalog()
    token = client.app.state.ctx.settings.admin_token  # type: ignore[attr-defined]
    assert len(token) >= 16
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/devices", headers=headers).status_code == 200


def test_documents_are_served_and_published_signed(sqlite_client: TestClient) -> None:
    client = sqlite_client
    key = client.app.state.ctx.server_key.public_key  # type: ignore[attr-defined]
    put = client.put("/api/v1/admin/catalog", json=demo_catalog(), headers=ADMIN)
    published = put.json()
    assert put.headers["X-Document-Signature"] == published["signature"]
    for name in ("catalog", "calendar"):
        reply = client.get(f"/api/v1/{name}")
        signed = verify_document(
            name,
            reply.content,
            reply.headers["X-Document-Version"],
            reply.headers["X-Document-Signature"],
            key,
        )
        assert signed.key_id == reply.headers["X-Document-Key-Id"] and signed.version == 1
        tampered = reply.content.replace(b'"', b" ", 1)
        with pytest.raises(LedgerError) as caught:
            verify_document(name, tampered, "1", reply.headers["X-Document-Signature"], key)
        assert caught.value.code == "DOCUMENT_SIGNATURE_INVALID"
        other = "calendar" if name == "catalog" else "catalog"
        for replayed in ((name, "7"), (other, "1")):  # the same bytes as another version or document
            with pytest.raises(LedgerError):
                verify_document(
                    replayed[0], reply.content, replayed[1], reply.headers["X-Document-Signature"], key
                )
    assert published["sha256"] == hashlib.sha256(client.get("/api/v1/catalog").content).hexdigest()
    day = client.put("/api/v1/admin/calendar/days/2026-11-26", json={"kind": "HOLIDAY"}, headers=ADMIN)
    calendar = client.get("/api/v1/calendar")
    assert day.json()["signature"] == calendar.headers["X-Document-Signature"]
    assert verify_document("calendar", calendar.content, "2", day.json()["signature"], key).version == 2


def test_a_calendar_no_window_could_use_is_never_published(sqlite_client: TestClient) -> None:
    ctx = sqlite_client.app.state.ctx  # type: ignore[attr-defined]
    broken = {
        "format": 1,
        "official_years": [],
        "days": [{"date": "2026-11-26", "kind": "WEEKEND", "source": "OVERRIDE"}],
    }
    with pytest.raises(ApiError) as caught:
        run_write(ctx.engine, lambda conn: publish(conn, CALENDAR, broken, ctx.clock(), "admin"))
    assert (caught.value.status, caught.value.code) == (422, "CALENDAR_INVALID")
    assert sqlite_client.get("/api/v1/calendar").headers["X-Document-Version"] == "1"


def test_the_rules_see_a_new_calendar_version_at_once(sqlite_client: TestClient) -> None:
    # The parsed calendar is kept per version: unchanged, the same object; overridden, the new day.
    engine = sqlite_client.app.state.ctx.engine  # type: ignore[attr-defined]
    thursday = date(2026, 11, 26)
    with engine.connect() as conn:
        before, again = published_calendar(conn), published_calendar(conn)
    assert before is not None and before is again and before.is_working_day(thursday)
    closure = {"kind": "HOLIDAY", "name": "台风停止办公"}
    assert (
        sqlite_client.put("/api/v1/admin/calendar/days/2026-11-26", json=closure, headers=ADMIN).status_code
        == 201
    )
    with engine.connect() as conn:
        after = published_calendar(conn)
    assert after is not None and not after.is_working_day(thursday)
