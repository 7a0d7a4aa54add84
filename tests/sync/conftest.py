"""Fixtures for sync tests: a counter in a temporary folder, the fake server, an enrolled counter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.store.uow import Store
from counter_app.sync.enroll import enroll
from tests.pg import require_postgres
from tests.sync.sync_fakes import FakeLedgerServer
from tests.sync.sync_helpers import make_store
from tests.sync.sync_server import ServerProcess, fresh_postgres_database


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "counter", "dev-a")
    yield s
    s.close()


@pytest.fixture
def fake() -> Iterator[FakeLedgerServer]:
    with FakeLedgerServer() as server:
        yield server


@pytest.fixture
def enrolled(store: Store, fake: FakeLedgerServer) -> Store:
    enroll(store, fake.url, "CODE-1")
    return store


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def server_for(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    settings: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """A real server process on the backend ``request.param`` names, stopped at the end."""
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}") / "data"
    if request.param == "postgres":
        require_postgres()
        with fresh_postgres_database("sync_it") as url:
            proc = ServerProcess(data_dir, url, settings=settings)
            proc.start()
            yield proc
            proc.stop()
        return
    proc = ServerProcess(data_dir, settings=settings)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from server_for(request, tmp_path_factory)


@pytest.fixture
def counters(tmp_path: Path) -> Iterator[list[Store]]:
    made: list[Store] = []
    yield made
    for store in made:
        store.close()
