"""A small scriptable ledger server on a real loopback socket, for pusher tests.

It follows the server's HTTP contract closely enough for the client (enroll, events with
signed receipts, SEQ_GAP, duplicates and forks, head, heartbeat, signed ETag documents) and can be told
to misbehave for the next requests: answer 500 or 429, drop the connection after reading the
body, commit and then drop, answer a scripted 409 or 4xx, sign receipts with another key, or
make them out to another device.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from counter_app.ledger import (
    GENESIS_HASH,
    AckReceipt,
    DeviceKey,
    LedgerError,
    SignedEvent,
    public_key_from_b64,
    sign_document,
    sign_receipt,
    verify_event,
)
from tests.support import DEMO_CATALOG

FAKE_CALENDAR = {
    "format": 1,
    "version": 1,
    "official_years": [2026],
    "days": [{"date": "2026-10-01", "kind": "HOLIDAY", "name": "国庆节", "source": "OFFICIAL"}],
}


def fake_catalog() -> dict[str, Any]:
    """The demo catalog as JSON values."""
    data: dict[str, Any] = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    return data


@dataclass
class FakeDevice:
    """What the fake server holds for one device."""

    public_key: str
    events: dict[int, SignedEvent] = field(default_factory=dict)
    forks: list[SignedEvent] = field(default_factory=list)
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    position: tuple[int, str] = (0, GENESIS_HASH)

    @property
    def head(self) -> tuple[int, str]:
        if not self.events:
            return 0, GENESIS_HASH
        seq = max(self.events)
        return seq, self.events[seq].hash


class FakeLedgerServer:
    """Start with ``with FakeLedgerServer() as fake:``; ``fake.url`` is its base URL."""

    def __init__(self, enroll_codes: tuple[str, ...] = ("CODE-1",)) -> None:
        self.key = DeviceKey.generate()
        self.devices: dict[str, FakeDevice] = {}
        self.codes = set(enroll_codes)
        self.script: deque[Any] = deque()
        self.posts: list[tuple[int, int, int]] = []  # (first_seq, last_seq, status)
        self.time_shift = timedelta(0)
        # name -> (publication version, exact bytes); served signed with ``document_key``.
        self.documents: dict[str, tuple[int, bytes]] = {}
        self.document_key: DeviceKey | None = self.key  # None: served without a signature
        self.document_gets: list[tuple[str, int]] = []
        self.publish("catalog", fake_catalog())
        self.publish("calendar", FAKE_CALENDAR)
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeLedgerServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def publish(self, name: str, document: Any, *, version: int | None = None) -> bytes:
        """Serve ``document`` (JSON values, or bytes as they are) as the next version of ``name``."""
        body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
        number = version if version is not None else self.documents.get(name, (0, b""))[0] + 1
        self.documents[name] = (number, body)
        return body

    def etag(self, name: str) -> str:
        """The strong ETag of the current version of ``name``."""
        return '"' + hashlib.sha256(self.documents[name][1]).hexdigest() + '"'

    def add_device(self, device_id: str, public_key: str) -> None:
        self.devices[device_id] = FakeDevice(public_key)

    # -- request handling (called on server threads) ---------------------------------------------

    def next_action(self) -> Any:
        with self.lock:
            return self.script.popleft() if self.script else "ok"

    def ingest(self, device_id: str, events: list[SignedEvent]) -> tuple[int, dict[str, Any]]:
        """The contract's ingest: atomic batch, duplicates re-acked, forks and branches kept,
        gaps 409; the receipt names the last event of the batch the server holds."""
        with self.lock:
            device = self.devices.get(device_id)
            if device is None:
                return 403, {"code": "UNKNOWN_DEVICE", "message": "unknown device"}
            key = public_key_from_b64(device.public_key)
            for event in events:
                try:
                    verify_event(event, key)
                except LedgerError as exc:
                    return 400, {"code": exc.code, "message": exc.message}
            stored = duplicates = forks = 0
            new: dict[int, SignedEvent] = {}
            new_forks: list[SignedEvent] = []
            main_seq, main_hash = device.head
            position = device.position
            held = {(e.seq, e.hash) for e in [*device.events.values(), *device.forks]}
            for event in events:
                if (event.seq, event.hash) in held:
                    duplicates += 1
                    position = (event.seq, event.hash)
                    continue
                if event.seq > position[0] + 1:
                    return 409, {"code": "SEQ_GAP", "message": "gap", "expected_seq": position[0] + 1}
                if event.seq == main_seq + 1 and event.envelope.prev_hash == main_hash:
                    new[event.seq] = event
                    main_seq, main_hash = event.seq, event.hash
                    stored += 1
                else:
                    new_forks.append(event)
                    forks += 1
                held.add((event.seq, event.hash))
                position = (event.seq, event.hash)
            device.events.update(new)
            device.forks.extend(new_forks)
            device.position = position
            receipt = sign_receipt(AckReceipt(device_id, position[0], position[1], self.now_iso()), self.key)
            body = {
                "acked_seq": position[0],
                "acked_hash": position[1],
                "receipt": receipt.as_dict(),
                "stored": stored + forks,
                "duplicates": duplicates,
                "forks": forks,
            }
            return 200, body

    def now_iso(self) -> str:
        return (datetime.now(UTC) + self.time_shift).isoformat(timespec="milliseconds")


def _handler_for(fake: FakeLedgerServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_GET(self) -> None:
            parts = self.path.split("/")
            if self.path.endswith("/head"):
                device = fake.devices.get(parts[4])
                if device is None:
                    self._send(403, {"code": "UNKNOWN_DEVICE", "message": "unknown device"})
                    return
                seq, digest = device.position
                self._send(200, {"acked_seq": seq, "acked_hash": digest, "forked": bool(device.forks)})
                return
            name = parts[-1]
            if name not in fake.documents:
                self._send(404, {"code": "NOT_FOUND", "message": name})
                return
            version, body = fake.documents[name]
            etag = fake.etag(name)
            status = 304 if self.headers.get("If-None-Match") == etag else 200
            fake.document_gets.append((name, status))
            self.send_response(status)
            self.send_header("ETag", etag)
            if status == 200 and fake.document_key is not None:
                signed = sign_document(name, version, body, fake.document_key)
                for header, value in signed.headers().items():
                    self.send_header(header, value)
            if status == 200:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def do_POST(self) -> None:
            raw = self._body()
            body = json.loads(raw)
            if self.path.endswith("/enroll"):
                self._enroll(body)
            elif self.path.endswith("/heartbeat"):
                fake.devices[self.path.split("/")[4]].heartbeats.append(body)
                seq, digest = fake.devices[self.path.split("/")[4]].position
                self._send(200, {"server_time": fake.now_iso(), "acked_seq": seq, "acked_hash": digest})
            else:
                self._events(self.path.split("/")[4], body)

        def _enroll(self, body: dict[str, Any]) -> None:
            if body["code"] not in fake.codes:
                self._send(403, {"code": "ENROLL_CODE_UNKNOWN", "message": "no such code"})
                return
            fake.codes.discard(body["code"])
            fake.add_device(body["device_id"], body["public_key"])
            reply = {
                "device_id": body["device_id"],
                "hall_code": "H1",
                "window_no": 7,
                "server_public_key": fake.key.public_b64,
                "server_time": fake.now_iso(),
            }
            self._send(201, reply)

        def _events(self, device_id: str, body: dict[str, Any]) -> None:
            events = [SignedEvent.from_wire(e) for e in body["events"]]
            first, last = events[0].seq, events[-1].seq
            action = fake.next_action()
            if action == "drop":
                fake.posts.append((first, last, 0))
                self.close_connection = True
                return
            if isinstance(action, tuple):
                kind, value = action
                if kind == "status":
                    status, reply, *headers = value
                    fake.posts.append((first, last, status))
                    self._send(status, reply, *headers)
                    return
                if kind == "gap":
                    fake.posts.append((first, last, 409))
                    self._send(409, {"code": "SEQ_GAP", "message": "gap", "expected_seq": value})
                    return
            status, reply = fake.ingest(device_id, events)
            fake.posts.append((first, last, status))
            if action == "commit_then_drop":
                self.close_connection = True
                return
            if action == "foreign_receipt" and status == 200:
                other = sign_receipt(AckReceipt.from_dict(reply["receipt"]), DeviceKey.generate())
                reply["receipt"] = other.as_dict()
            if action == "other_device" and status == 200:
                mine = AckReceipt.from_dict(reply["receipt"])
                theirs = AckReceipt("another-device", mine.acked_seq, mine.acked_hash, mine.server_time)
                reply["receipt"] = sign_receipt(theirs, fake.key).as_dict()
            if action == "wrong_hash" and status == 200:
                forged = AckReceipt(device_id, reply["acked_seq"], "f" * 64, fake.now_iso())
                reply["receipt"] = sign_receipt(forged, fake.key).as_dict()
                reply["acked_hash"] = forged.acked_hash
            self._send(status, reply)

    return Handler
