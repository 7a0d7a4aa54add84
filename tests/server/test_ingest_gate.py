"""A burst of batches on one server process: a few stored at once, the others in the order they
came (``Settings.ingest_concurrency``)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import supervision_server.routes_devices as routes
from tests.server.conftest import enroll
from tests.server.helpers import Chain, unique, wire


def test_a_burst_is_stored_two_at_a_time_first_come_first_served(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(ingest_concurrency=2)
    chains = [Chain(unique("dev")) for _ in range(6)]
    with TestClient(app) as client:
        for chain in chains:
            enroll(client, chain)
    real = routes.ingest_body
    lock = threading.Lock()
    inside, most, order = 0, 0, []

    def held(ctx: Any, device_id: str, body: Any) -> Any:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
            order.append(device_id)
        time.sleep(0.05)  # long enough for the whole burst to have arrived meanwhile
        try:
            return real(ctx, device_id, body)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(routes, "ingest_body", held)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://server") as http:
            sent = []
            for chain in chains:
                body = wire([chain.append("test.event", {"n": 1})])
                sent.append(
                    asyncio.create_task(http.post(f"/api/v1/devices/{chain.device_id}/events", json=body))
                )
                await asyncio.sleep(0.005)  # one after another
            return await asyncio.gather(*sent)

    replies = asyncio.run(burst())
    assert [r.status_code for r in replies] == [200] * 6
    assert [r.json()["stored"] for r in replies] == [1] * 6
    assert most == 2
    assert order == [chain.device_id for chain in chains]


def test_the_shared_dependencies_run_on_the_event_loop() -> None:
    """FastAPI runs a plain ``def`` dependency on a worker thread: a hand-over and back on every
    request, for a lookup or a token comparison. These are on every route."""
    import inspect

    from supervision_server.api_support import get_ctx, require_admin
    from supervision_server.supervision_auth import require_supervisor

    assert all(inspect.iscoroutinefunction(f) for f in (get_ctx, require_admin, require_supervisor))
