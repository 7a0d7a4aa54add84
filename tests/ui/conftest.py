"""Fixtures of the clerk's window screens (see tests/ui/clerk_window.py), and one real
e-supervision server process per test module."""

from collections.abc import Iterator

import pytest

from tests.sync.sync_server import ServerProcess
from tests.ui.clerk_window import counter  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("ui-server") / "data")
    proc.start()
    yield proc
    proc.stop()
