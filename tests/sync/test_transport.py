"""How a window reaches its server: HTTPS with a CA it was told to trust, and plain http:// only to
this machine unless an administrator allowed it (a ledger event)."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from counter_app.cli import main as counter_main
from counter_app.services.clock import system_clock
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store
from counter_app.sync import SyncConfig, SyncError, enroll
from counter_app.sync.client import check_server_url
from tests.support import REPO
from tests.sync.sync_checks import assert_exactly_once, pusher_for
from tests.sync.sync_fakes import FakeLedgerServer
from tests.sync.sync_helpers import append_events, make_store
from tests.sync.sync_server import ServerProcess

REMOTE = "http://192.0.2.10:8710"  # TEST-NET-1: never reached, refused before any connection


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8710",
        "http://127.8.9.10",
        "http://localhost:80",
        "http://[::1]:8710",
        "https://10.0.0.5",
    ],
)
def test_loopback_and_https_are_allowed(url: str) -> None:
    check_server_url(url)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (REMOTE, "PLAIN_HTTP_REFUSED"),
        ("http://127.0.0.1.example.org", "PLAIN_HTTP_REFUSED"),
        ("http://[fe80::1]:8710", "PLAIN_HTTP_REFUSED"),
        ("ftp://127.0.0.1", "BAD_SERVER_URL"),
        ("10.0.0.5:8710", "BAD_SERVER_URL"),
    ],
)
def test_other_addresses_are_refused(url: str, code: str) -> None:
    with pytest.raises(SyncError) as caught:
        check_server_url(url)
    assert caught.value.code == code and not caught.value.retryable
    check_server_url(REMOTE, allow_plain_http=True)


@pytest.fixture
def window(tmp_path: Path) -> Iterator[Store]:
    data = DataDir(tmp_path / "window")
    init_counter(data, "H1", 7, system_clock)
    store = Store(data)
    yield store
    store.close()


def counter(store: Store, *args: str) -> tuple[int, dict[str, object] | list[object]]:
    cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(store.data_dir.root), "--json", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO)
    return done.returncode, json.loads(done.stdout or done.stderr)


def test_plain_http_to_another_machine_needs_an_admin(window: Store, fake: FakeLedgerServer) -> None:
    status, reply = counter(window, "sync", "enroll", "--server", REMOTE, "--code", "CODE-1")
    assert (status, reply["error"]) == (2, "PLAIN_HTTP_REFUSED")  # type: ignore[call-overload]
    assert "https://" in reply["message"]  # type: ignore[call-overload]
    enroll(window, fake.url, "CODE-1")  # loopback: allowed
    status, reply = counter(window, "config", "server_url", REMOTE)
    assert status == 2 and reply["code"] == "PLAIN_HTTP_REFUSED"  # type: ignore[call-overload]
    with window.unit_of_work() as uow:  # as if the database had been edited
        uow.put_setting("server_url", REMOTE)
        uow.commit()
    status, reply = counter(window, "sync", "once")
    assert (status, reply["error"]) == (2, "PLAIN_HTTP_REFUSED")  # type: ignore[call-overload]
    stopped = pusher_for(window).push_once()
    assert stopped.state == "stopped" and stopped.last_error.code == "PLAIN_HTTP_REFUSED"  # type: ignore[union-attr]

    assert counter(window, "config", "allow-plain-http", "maybe")[0] == 2
    assert counter(window, "config", "allow-plain-http", "yes")[0] == 0
    with window.read() as conn:
        last = list(iter_events(conn))[-1].envelope
    assert (last.type, last.payload, last.clerk_id) == (
        "config.changed",
        {"key": "allow_plain_http", "value": "yes"},
        os.environ["COUNTER_CLERK"],  # the clerk who did it, never a made-up "admin"
    )
    assert SyncConfig.load(window).allow_plain_http
    assert counter(window, "config", "server_url", fake.url)[0] == 0
    assert counter_main(["--data-dir", str(window.data_dir.root), "config", "allow_plain_http", "no"]) == 0
    with pytest.raises(SyncError) as caught:
        with window.unit_of_work() as uow:
            uow.put_setting("server_url", REMOTE)
            uow.commit()
        SyncConfig.load(window)
    assert caught.value.code == "PLAIN_HTTP_REFUSED"


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate it signed for 127.0.0.1 and localhost: (cert, key, CA)."""
    now = datetime.now(UTC)

    def build(
        subject: str,
        issuer: x509.Name,
        key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "大厅测试 CA")])
    ca_cert = build("大厅测试 CA", ca_name, ca_key, ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build("127.0.0.1", ca_name, key, ca_key, False)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    paths[0].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths[2].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths


@pytest.mark.slow
def test_a_window_syncs_over_https_trusting_the_halls_ca(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    server = ServerProcess(tmp_path / "server", tls=tls)
    server.start()
    try:
        assert server.url.startswith("https://")
        data = tmp_path / "window"
        run = [sys.executable, "-m", "counter_app.sync", "--data-dir", str(data), "--json"]
        untrusted = subprocess.run(
            [*run, "enroll", "--server", server.url, "--code", server.issue_code("H1", 3)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert untrusted.returncode == 2 and json.loads(untrusted.stdout)["error"] == "TLS_ERROR"
        enrolled = subprocess.run(
            [
                *run,
                "enroll",
                "--server",
                server.url,
                "--code",
                server.issue_code("H1", 3),
                "--ca-file",
                str(tls[2]),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
        store = make_store(data)
        try:
            assert store.settings()["server_ca_file"] == str(tls[2])
            append_events(store, 5)
        finally:
            store.close()
        once = subprocess.run([*run, "once"], capture_output=True, text=True, timeout=60, cwd=REPO)
        assert once.returncode == 0, once.stdout + once.stderr
        report = json.loads(once.stdout)
        assert (report["waiting"], report["acked_seq"]) == (0, 5)
        assert report["reference_changed"] == ["catalog", "calendar"]
        store = make_store(data)
        try:
            assert pusher_for(store).push_once().waiting == 0
            assert_exactly_once(server, store, 7)  # 5 events and the two accepted documents
        finally:
            store.close()
    finally:
        server.stop()


def test_serve_wants_both_tls_files(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "supervision_server", "serve", "--demo", "--data-dir", str(tmp_path / "s")]
    done = subprocess.run(
        [*cmd, "--ssl-certfile", str(tmp_path / "cert.pem")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 2 and "--ssl-keyfile" in done.stderr
