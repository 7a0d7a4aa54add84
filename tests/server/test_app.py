"""The app as a whole: OpenAPI, settings, migrations, error shapes, the fast hash path."""

from __future__ import annotations

import json
import random
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counter_app.ledger import Envelope, LedgerError, SignedEvent
from counter_app.ledger.canonical import canonical_json
from supervision_server.db import make_engine
from supervision_server.migrations import LATEST, MIGRATIONS, current_version, migrate
from supervision_server.settings import Settings, SettingsError
from supervision_server.verify import check_hash, envelope_json, jcs_compatible
from tests.server.helpers import Chain

ROUTES = {
    ("get", "/api/v1/alerts/{alert_id}/history"),
    *(
        ("post", f"/api/v1/alerts/{{alert_id}}/{step}")
        for step in ("notify", "ack", "comment", "escalate", "appeal", "decide", "close")
    ),
    ("post", "/api/v1/admin/registers/{dept_code}"),
    ("post", "/api/v1/enroll"),
    ("post", "/api/v1/devices/{device_id}/events"),
    ("get", "/api/v1/devices/{device_id}/head"),
    ("get", "/api/v1/devices/{device_id}/case-serials"),
    ("get", "/api/v1/devices/{device_id}/held-cases/{project_no}"),
    ("post", "/api/v1/devices/{device_id}/heartbeat"),
    ("post", "/api/v1/devices/{device_id}/roster"),
    ("post", "/api/v1/admin/clerks"),
    ("post", "/api/v1/devices/{device_id}/reports"),
    ("get", "/api/v1/admin/devices/{device_id}/holes"),
    ("post", "/api/v1/admin/devices/{device_id}/holes/{from_seq}/accept"),
    ("get", "/api/v1/catalog"),
    ("get", "/api/v1/calendar"),
    ("get", "/api/v1/check/{project_no}"),
    ("post", "/api/v1/admin/enroll-codes"),
    ("put", "/api/v1/admin/catalog"),
    ("put", "/api/v1/admin/calendar/days/{day}"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/devices"),
    ("get", "/api/v1/cases"),
    ("get", "/check"),
    ("post", "/api/v1/queue/devices/{device_id}/ops"),
    ("get", "/api/v1/queue/halls/{hall_code}/board"),
    ("get", "/api/v1/queue/halls/{hall_code}/stream"),
    ("get", "/api/v1/assessment"),
    ("get", "/api/v1/assessment.csv"),
    ("get", "/api/v1/assessment.pdf"),
    ("get", "/api/v1/supervision/hall"),
    ("get", "/api/v1/supervision/alerts"),
    ("get", "/api/v1/supervision/alerts/{alert_id}"),
}


def test_openapi_documents_every_route_with_its_bodies_and_errors(sqlite_client: TestClient) -> None:
    spec = sqlite_client.get("/openapi.json").json()
    found = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert found == ROUTES
    schemas = spec["components"]["schemas"]
    events = spec["paths"]["/api/v1/devices/{device_id}/events"]["post"]
    body_ref = events["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref == "#/components/schemas/EventBatch" and "WireEvent" in schemas and "Envelope" in schemas
    assert {"200", "400", "403", "409", "413"} <= set(events["responses"])
    assert "GapResponse" in json.dumps(events["responses"]["409"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert statuses - {"200", "201", "304", "422"}, f"{method} {path} declares no error response"
            if path.startswith(
                ("/api/v1/admin", "/api/v1/alerts", "/api/v1/assessment", "/api/v1/supervision")
            ) or path in (
                "/api/v1/alerts",
                "/api/v1/devices",
                "/api/v1/cases",
            ):
                assert "401" in statuses and operation.get("security"), (
                    f"{method} {path} is not marked as admin"
                )


def test_unknown_paths_and_methods_answer_in_the_error_shape(sqlite_client: TestClient) -> None:
    missing = sqlite_client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
    wrong = sqlite_client.delete("/api/v1/catalog")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


def test_settings_refuse_a_weak_admin_token_outside_demo_mode(tmp_path: Path) -> None:
    for token in ("", "changeme", "short"):
        with pytest.raises(SettingsError, match="SUPERVISION_ADMIN_TOKEN"):
            Settings(data_dir=tmp_path, admin_token=token).checked()
    demo = Settings(data_dir=tmp_path, demo=True).checked()
    token_file = tmp_path / "admin_token"
    assert demo.admin_token == token_file.read_text().strip() and len(demo.admin_token) >= 16
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path, demo=True).checked().admin_token == demo.admin_token


def test_settings_come_from_a_file_the_environment_and_overrides(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text(
        '[supervision]\nport = 9000\nadmin_token = "from-file-0123456789"\nwithholding_grace_s = 5\n'
    )
    env = {"SUPERVISION_CONFIG": str(config), "SUPERVISION_PORT": "9100", "SUPERVISION_DEMO": "true"}
    settings = Settings.load(environ=env, data_dir=tmp_path, host=None)
    assert (settings.port, settings.admin_token, settings.withholding_grace_s) == (
        9100,
        "from-file-0123456789",
        5,
    )
    assert settings.demo and settings.host == "127.0.0.1"
    assert settings.effective_database_url == f"sqlite+pysqlite:///{tmp_path / 'supervision.db'}"
    (tmp_path / "server.json").write_text(json.dumps({"port": "not a port"}))
    with pytest.raises(SettingsError, match="port"):
        Settings.load(tmp_path / "server.json", environ={})


def test_migrations_run_once_and_record_the_version(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+pysqlite:///{tmp_path / 'm.db'}")
    try:
        assert current_version(engine) == 0
        assert migrate(engine) == LATEST and migrate(engine) == LATEST
        assert current_version(engine) == LATEST
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("SELECT count(*) FROM schema_version").scalar() == len(MIGRATIONS)
    finally:
        engine.dispose()


def test_server_key_is_created_once_and_private(sqlite_client: TestClient) -> None:
    ctx = sqlite_client.app.state.ctx  # type: ignore[attr-defined]
    path = ctx.settings.server_key_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _random_value(rng: random.Random, depth: int = 0) -> object:
    alphabet = 'aZ09"\\\n\t\x00\x1f\x7f é汉\u2028\ue000\uffff\U0001f600'
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
    if kind == 1:
        return rng.choice([0, -1, 2**53 - 1, -(2**53) + 1, rng.randrange(-(10**9), 10**9)])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return ""
    if kind in (4, 5):
        keys = [
            "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(4))
        ]
        return {k: _random_value(rng, depth + 1) for k in keys}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def test_the_fast_hash_path_agrees_with_rfc8785() -> None:
    rng = random.Random(8785)
    chain = Chain("dev-fuzz")
    fast = 0
    for _ in range(400):
        payload = {"v": _random_value(rng), "汉字": _random_value(rng), "\ue000": 2}
        event = chain.append("test.fuzz", payload)
        check_hash(event)  # raises if neither path reproduces the device's hash
        data = event.envelope.as_dict()
        if jcs_compatible(data):
            fast += 1
            assert envelope_json(data).encode("utf-8") == canonical_json(data)
        else:  # only keys outside the BMP leave the fast path
            assert any(max(k) > "\uffff" for k in _keys(data) if k)
    assert fast > 200
    outside = chain.append("test.fuzz", {"\U0001f600": 1, "\ue000": 2})  # UTF-16 order differs here
    assert not jcs_compatible(outside.envelope.as_dict())
    check_hash(outside)


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value] + [k for v in value.values() for k in _keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_floats_and_huge_integers_are_refused_like_the_reference() -> None:
    chain = Chain("dev-fuzz")
    good = chain.append()
    for bad in ({"x": 1.5}, {"x": 2**53}):
        env = Envelope(**{**good.envelope.as_dict(), "payload": bad})
        event = SignedEvent(env, good.hash, good.signature)
        with pytest.raises(LedgerError) as caught:
            check_hash(event)
        assert caught.value.code == "EVENT_MALFORMED"


def test_serve_settles_the_heap_before_it_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The objects alive once the app is built are out of the collector's reach while it serves."""
    import gc

    import uvicorn

    from supervision_server import __main__ as server_main
    from supervision_server.settings import Settings

    frozen: list[int] = []
    thresholds: list[tuple[int, int, int]] = []

    def run(app: object, **options: object) -> None:
        frozen.append(gc.get_freeze_count())
        thresholds.append(gc.get_threshold())

    monkeypatch.setattr(uvicorn, "run", run)
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        settings = Settings(data_dir=tmp_path / "srv", admin_token="t" * 32, port=8799)
        assert server_main._serve(settings) == 0
        assert len(frozen) == 1 and frozen[0] > 10_000  # the modules, the app, its routes ...
        assert thresholds == [(20_000, 10, 10)]  # young objects collected after 20,000, not 700
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
