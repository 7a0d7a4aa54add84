"""The README's demo command keeps working: server, enrolled window, cases, sync, public check."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.support import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "counter_app.demo",
            "--dir",
            str(tmp_path / "demo"),
            "--port",
            str(free_port()),
            "--once",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "已受理" in out and "待补正" in out and "不予受理" in out
    assert "待上传 0 条" in out
    assert "==> 取号机已登记为1号取号机（只取号，不叫号）" in out
    assert out.count("HTTP 200") == 3
    pdfs = sorted((tmp_path / "demo" / "window-03" / "archive").rglob("*.pdf"))
    assert {p.name.rsplit("-", 1)[1] for p in pdfs} == {"receipt.pdf", "correction.pdf", "rejection.pdf"}
