"""Fixtures: the app on SQLite or PostgreSQL, a TestClient, enrolled devices.

PostgreSQL runs when one accepts the trust-auth ``postgres`` user on 127.0.0.1:5432: the test
session creates its own database ``sc_test_<random>`` and drops it at the end (see tests/pg.py
for what happens when none is reachable).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter_app.ledger import DeviceKey, public_key_from_b64
from supervision_server.app import create_app
from supervision_server.settings import Settings
from tests.pg import fresh_database, require_postgres
from tests.server.helpers import ADMIN, ADMIN_TOKEN, Chain, StepClock, enroll_body, unique


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    require_postgres()
    with fresh_database("sc_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite in the test's folder, or the session's PostgreSQL database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return ""


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite settings in the test's folder (tests on both databases use ``database_url``)."""
    return Settings(data_dir=tmp_path / "data", admin_token=ADMIN_TOKEN, withholding_grace_s=60)


@pytest.fixture(scope="session")
def session_server_key(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One server key for the session: every app on the shared PostgreSQL database must use the
    key that database records (see supervision_server.server_key)."""
    path = tmp_path_factory.mktemp("server-key") / "server_key.pem"
    DeviceKey.load_or_create(path)
    return path.read_bytes()


def install_server_key(data_dir: Path, pem: bytes) -> None:
    """Put the session's server key into a data folder (mode 0600) before a server starts there."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "server_key.pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


@pytest.fixture
def make_app(tmp_path: Path, clock: StepClock, session_server_key: bytes) -> Iterator[Callable[..., FastAPI]]:
    """Build apps with overrides; every app built is closed at the end of the test."""
    built: list[FastAPI] = []

    def build(**overrides: object) -> FastAPI:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "admin_token": ADMIN_TOKEN,
            "withholding_grace_s": 60,
            # The supervision rules have their own tests (test_rules_*.py, which turn them on);
            # here they would add their alerts to every projection test's exact lists.
            "rules_on_ingest": False,
            "rules_on_schedule": False,
        }
        values.update(overrides)
        if str(values.get("database_url", "")).startswith("postgresql"):
            install_server_key(Path(str(values["data_dir"])), session_server_key)
        app = create_app(Settings.model_validate(values), clock=clock)
        built.append(app)
        return app

    yield build
    for app in built:
        app.state.ctx.close()


@pytest.fixture
def client(make_app: Callable[..., FastAPI], database_url: str) -> TestClient:
    """A client of an app on each database backend."""
    return TestClient(make_app(database_url=database_url))


@pytest.fixture
def sqlite_client(make_app: Callable[..., FastAPI]) -> TestClient:
    """A client of an app on SQLite only (behaviour that does not depend on the database)."""
    return TestClient(make_app())


def issue(
    client: TestClient, hall: str = "H1", window: int = 3, ttl_hours: float = 24, role: str = "window"
) -> str:
    reply = client.post(
        "/api/v1/admin/enroll-codes",
        json={"hall_code": hall, "window_no": window, "ttl_hours": ttl_hours, "role": role},
        headers=ADMIN,
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["code"])


def enroll(client: TestClient, chain: Chain, window: int = 3) -> dict[str, object]:
    reply = client.post(
        "/api/v1/enroll", json=enroll_body(issue(client, window=window), chain.device_id, chain.key)
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, object] = reply.json()
    public_key_from_b64(str(body["server_public_key"]))
    return body


@pytest.fixture
def device(client: TestClient) -> Chain:
    """An enrolled device with an empty ledger."""
    chain = Chain(unique("dev"))
    enroll(client, chain)
    return chain


@pytest.fixture
def sqlite_device(sqlite_client: TestClient) -> Chain:
    chain = Chain(unique("dev"))
    enroll(sqlite_client, chain)
    return chain
