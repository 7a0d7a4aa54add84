"""The events route answered directly (supervision_server.events_path) against the same request
through the framework: the same answers, and the framework really left out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

import supervision_server.routes_devices as routes
from counter_app.ledger import DeviceKey, SignedEvent
from tests.server.conftest import enroll
from tests.server.helpers import Chain, wire

MAX_EVENTS = 3


def direct(body: bytes) -> dict[str, Any]:
    """A body with its length: the direct path answers it."""
    return {"content": body}


def framework(body: bytes) -> dict[str, Any]:
    """The same body streamed without a length (chunked): the framework's route answers it."""
    return {"content": iter([body])}


def encoded(events: list[SignedEvent]) -> bytes:
    return json.dumps(wire(events)).encode()


def conversation(client: TestClient, chain: Chain, how: Callable[[bytes], dict[str, Any]]) -> list[Any]:
    """One window's requests, good and bad, each answer as (status, body without the receipt's
    signature and time, which the server makes anew)."""
    url = f"/api/v1/devices/{chain.device_id}/events"
    first = chain.events[:2]
    forged = SignedEvent(
        chain.events[3].envelope,
        chain.events[3].hash,
        DeviceKey.generate().sign(bytes.fromhex(chain.events[3].hash)),
    )
    bodies = [
        encoded(first),  # stored
        encoded(first),  # both again: duplicates
        encoded([chain.events[3]]),  # seq 4 after 2: SEQ_GAP
        b'{"events": [',  # MALFORMED_JSON
        encoded([forged]),  # a forged 4 after 2: refused for its signature before its place
        encoded([chain.events[2], forged]),  # 3 then a forged 4: BAD_SIGNATURE, nothing stored
        b'{"evts": []}',  # INVALID_REQUEST
        encoded(chain.events[2:6]),  # four events over a limit of three: BATCH_TOO_LARGE
        encoded(chain.events[2:5]),  # 3, 4, 5 stored
    ]
    answers = []
    for body in bodies:
        reply = client.post(url, headers={"Content-Type": "application/json"}, **how(body))
        data = reply.json()
        receipt = data.pop("receipt", None)
        if receipt is not None:
            data["receipt"] = {k: v for k, v in receipt.items() if k not in ("signature", "server_time")}
        answers.append((reply.status_code, data))
    stranger = Chain("dev-never-enrolled")
    reply = client.post(f"/api/v1/devices/{stranger.device_id}/events", **how(encoded(stranger.extend(1))))
    answers.append((reply.status_code, reply.json()))
    return answers


@pytest.fixture
def two_apps(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> Iterator[tuple[TestClient, TestClient, Chain]]:
    """Two servers, each with the same window enrolled."""
    chain = Chain("dev-direct")
    chain.extend(6)
    clients = []
    for name in ("a", "b"):
        client = TestClient(make_app(data_dir=tmp_path / name, max_batch_events=MAX_EVENTS))
        enroll(client, chain)
        clients.append(client)
    yield clients[0], clients[1], chain


def test_the_direct_path_answers_as_the_route_does(two_apps: tuple[TestClient, TestClient, Chain]) -> None:
    one, other, chain = two_apps
    answers = conversation(one, chain, direct)
    assert answers == conversation(other, chain, framework)
    assert [(status, body.get("code")) for status, body in answers] == [
        (200, None),
        (200, None),
        (409, "SEQ_GAP"),
        (400, "MALFORMED_JSON"),
        (400, "BAD_SIGNATURE"),
        (400, "BAD_SIGNATURE"),
        (422, "INVALID_REQUEST"),
        (413, "BATCH_TOO_LARGE"),
        (200, None),
        (403, "UNKNOWN_DEVICE"),
    ]
    assert [
        (body.get("stored"), body.get("duplicates"), body.get("acked_seq")) for _, body in answers[:3]
    ] == [
        (2, 0, 2),
        (0, 2, 2),
        (0, 0, 2),
    ]
    assert (answers[8][1]["stored"], answers[8][1]["acked_seq"], answers[8][1]["acked_hash"]) == (
        3,
        5,
        chain.events[4].hash,
    )


def test_the_direct_path_leaves_the_framework_out(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(max_body_bytes=4096)
    client = TestClient(app)
    chain = Chain("dev-direct")
    enroll(client, chain)
    seen: list[str] = []
    through = FastAPI.__call__

    async def framework_call(self: FastAPI, scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope.get("path", scope["type"]))
        await through(self, scope, receive, send)

    monkeypatch.setattr(FastAPI, "__call__", framework_call)
    url = f"/api/v1/devices/{chain.device_id}/events"
    assert client.post(url, **direct(encoded(chain.extend(1)))).json()["stored"] == 1
    assert seen == []
    assert client.post(url, **framework(encoded(chain.extend(1)))).json()["stored"] == 1
    assert seen == [url]
    # Over the limit: the middleware refuses it, unread, as for every route.
    reply = client.post(url, **direct(json.dumps({"events": [], "padding": "x" * 5000}).encode()))
    assert (reply.status_code, reply.json()["code"], seen[-1]) == (413, "BODY_TOO_LARGE", url)
    reply = client.post("/api/v1/devices/dev%00x/events", **direct(b'{"events": []}'))
    assert (reply.status_code, reply.json()["code"], seen[-1]) == (
        422,
        "NUL_CHARACTER",
        "/api/v1/devices/dev\x00x/events",
    )
    assert client.get(f"/api/v1/devices/{chain.device_id}/head").json()["acked_seq"] == 2
    assert seen[-1] == f"/api/v1/devices/{chain.device_id}/head"


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), 503, "DB_BUSY"),
        (RuntimeError("a bug"), 500, "INTERNAL_ERROR"),
    ],
)
def test_an_unexpected_failure_is_answered_as_the_framework_would(
    make_app: Callable[..., FastAPI],
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
    code: str,
) -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    chain = Chain("dev-direct")
    enroll(client, chain)

    def broken(*_args: Any) -> Any:
        raise failure

    monkeypatch.setattr(routes, "ingest_body", broken)
    url = f"/api/v1/devices/{chain.device_id}/events"
    answers = [client.post(url, **how(encoded(chain.extend(1)))) for how in (direct, framework)]
    assert [(r.status_code, r.json()) for r in answers] == [(status, answers[0].json())] * 2
    assert answers[0].json()["code"] == code and answers[0].json()["message"]


def test_a_window_that_hangs_up_mid_batch_stores_nothing(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    client = TestClient(app)
    chain = Chain("dev-direct")
    enroll(client, chain)
    body = encoded(chain.extend(2))
    messages = iter(
        [
            {"type": "http.request", "body": body[:10], "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/api/v1/devices/{chain.device_id}/events",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")],
    }
    asyncio.run(app(scope, receive, send))
    assert sent == []
    assert client.get(f"/api/v1/devices/{chain.device_id}/head").json()["acked_seq"] == 0
