"""Fixtures: the app on SQLite or PostgreSQL, a TestClient, enrolled devices.

PostgreSQL runs when one accepts the trust-auth ``postgres`` user on 127.0.0.1:5432: the test
session creates its own database ``sc_test_<random>`` and drops it at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter_app.ledger import public_key_from_b64
from supervision_server.app import create_app
from supervision_server.settings import Settings
from tests.pg import PG_ADMIN_URL, fresh_database, postgres_reachable
from tests.server.helpers import ADMIN, ADMIN_TOKEN, Chain, StepClock, unique


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not postgres_reachable():
        pytest.skip(f"no PostgreSQL reachable at {PG_ADMIN_URL}")
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


@pytest.fixture
def make_app(tmp_path: Path, clock: StepClock) -> Iterator[Callable[..., FastAPI]]:
    """Build apps with overrides; every app built is closed at the end of the test."""
    built: list[FastAPI] = []

    def build(**overrides: object) -> FastAPI:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "admin_token": ADMIN_TOKEN,
            "withholding_grace_s": 60,
        }
        values.update(overrides)
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


def issue(client: TestClient, hall: str = "H1", window: int = 3, ttl_hours: float = 24) -> str:
    reply = client.post(
        "/api/v1/admin/enroll-codes",
        json={"hall_code": hall, "window_no": window, "ttl_hours": ttl_hours},
        headers=ADMIN,
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["code"])


def enroll(client: TestClient, chain: Chain, window: int = 3) -> dict[str, object]:
    reply = client.post(
        "/api/v1/enroll",
        json={
            "code": issue(client, window=window),
            "device_id": chain.device_id,
            "public_key": chain.key.public_b64,
            "device_info": {"hostname": "WIN-03"},
        },
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
