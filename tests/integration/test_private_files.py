"""The data folder holds citizens' personal data: private to the window's account, whatever the
umask, and the command-line tool's crash log stays inside it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

from counter_app.services.clock import FixedClock
from counter_app.services.documents import DocType, issue_document
from counter_app.services.intake import accept_case
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from tests.integration.test_cli import counter
from tests.support import intake_for, promise_item


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_archive_and_key_are_private(store: Store, clock: FixedClock) -> None:
    number = accept_case(store, clock, "clerk-07", intake_for(promise_item(store))).project_no
    issued = issue_document(store, clock, "clerk-07", number, DocType.RECEIPT)
    data = store.data_dir
    db = data.db_path
    assert {p.name: mode(p) for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), data.key_path)} == {
        "counter.db": 0o600,
        "counter.db-wal": 0o600,
        "counter.db-shm": 0o600,
        "device.pem": 0o600,
    }
    folders = (data.root, data.key_path.parent, data.archive_dir, issued.path.parent)
    assert [mode(p) for p in folders] == [0o700, 0o700, 0o700, 0o700]
    assert mode(issued.path) == 0o600


def test_an_older_install_is_tightened_on_open(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "old")
    data.root.mkdir(mode=0o755)
    os.chmod(data.root, 0o755)
    sqlite3.connect(data.db_path).close()
    os.chmod(data.db_path, 0o644)
    Store(data).close()
    assert (mode(data.root), mode(data.db_path)) == (0o700, 0o600)


def test_crash_log_goes_to_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "counter"
    assert counter(data, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    conn = sqlite3.connect(data / "counter.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("DROP TABLE case_transitions")  # a broken database: a bug path, not a user error
    conn.close()
    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    result = counter(data, "--json", "list", env_extra={"TMPDIR": str(shared_tmp)})
    assert result.returncode == 3
    log = data / "logs" / "counter-cli-error.log"
    assert (
        json.loads(result.stdout)["code"] == "INTERNAL" and str(log) in json.loads(result.stdout)["message"]
    )
    assert "case_transitions" in log.read_text(encoding="utf-8")
    assert (mode(log), mode(log.parent), list(shared_tmp.iterdir())) == (0o600, 0o700, [])
