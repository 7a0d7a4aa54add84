"""Mistyped dates and a reader that goes away: codes and quiet exits, never INTERNAL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.services.clock import system_clock
from counter_app.services.kiosk import Kiosk
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from tests.conftest import TEST_CHECK_URL
from tests.integration.test_cli import counter
from tests.support import REPO, demo_intake_json


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-input") / "counter"
    assert counter(folder, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    assert counter(folder, "import-catalog").returncode == 0
    assert counter(folder, "config", "check_base_url", TEST_CHECK_URL).returncode == 0
    return folder


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("calendar", "--month", "2027-13"), "MONTH_INVALID"),
        (("calendar", "--month", "下个月"), "MONTH_INVALID"),
        (("calendar", "--set", "2027-02-30", "--kind", "HOLIDAY"), "DATE_INVALID"),
        (("deadline", "X", "--at", "昨天"), "TIME_INVALID"),
        (("deadline", "X", "--at", "2026-11-25T25:00"), "TIME_INVALID"),
        (("list", "--day", "2026-11-31"), "DATE_INVALID"),
    ],
)
def test_bad_dates_get_a_code_and_exit_2(data: Path, args: tuple[str, ...], code: str) -> None:
    result = counter(data, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"[{code}]" in result.stderr
    assert "INTERNAL" not in result.stderr
    assert "格式填写" in result.stderr


def test_a_good_month_still_shows(data: Path) -> None:
    result = counter(data, "calendar", "--month", "2027-02")
    assert result.returncode == 0, result.stderr
    assert "2027-02-28" in result.stdout


def test_a_closed_pipe_ends_quietly(data: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head -1) is gone before the first line is written
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "counter_app.cli",
                "--data-dir",
                str(data),
                "calendar",
                "--month",
                "2027-01",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""


def test_printing_without_a_screen_falls_back_to_offscreen(data: Path) -> None:
    intake = json.loads(demo_intake_json())
    taken = counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    number = json.loads(taken.stdout)["project_no"]
    result = counter(
        data,
        "--json",
        "print",
        number,
        "--printer",
        "窗口5打印机",
        env_drop=("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"),
    )
    assert result.returncode == 1, result.stderr  # the printer is missing; Qt did not abort (134)
    report = json.loads(result.stdout)
    assert report["message"] == "未找到打印机「窗口5打印机」。受理回执已存档，可在办件记录中重新打印。"
    assert Path(report["file"]).exists()


def test_show_speaks_chinese_and_lists_materials_and_reasons(data: Path) -> None:
    intake = json.loads(demo_intake_json())
    number = json.loads(
        counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False)).stdout
    )["project_no"]
    assert counter(data, "case", "void", number, "--reason", "录入错误").returncode == 0
    shown = counter(data, "show", number)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "状态：已作废（理由：录入错误）" in text
    assert all(word not in text for word in ("RECEIVED", "ACCEPTED", "CLOSED", "receive", "void"))
    history = [line.split() for line in text.splitlines() if line[:1].isdigit()]
    assert [row[1:3] for row in history] == [["接件", "已接件"], ["受理", "已受理"], ["作废", "已作废"]]
    assert history[-1][-1] == "录入错误"
    assert all(m["name"] in text for m in intake["materials"])


def _bare(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``counter`` with no clerk in the environment."""
    return counter(data, *args, stdin=stdin, env_drop=("COUNTER_CLERK",))


def test_recording_needs_the_clerk_and_documents_need_the_check_address(tmp_path: Path) -> None:
    folder = tmp_path / "counter"
    assert _bare(folder, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    refused = _bare(folder, "import-catalog")
    assert refused.returncode == 2 and "[CLERK_REQUIRED]" in refused.stderr and "--clerk" in refused.stderr
    assert _bare(folder, "--clerk", "0307", "import-catalog").returncode == 0
    assert _bare(folder, "list").returncode == 0  # reading needs no clerk
    intake = demo_intake_json()
    assert _bare(folder, "intake", "-", stdin=intake).returncode == 2
    taken = _bare(folder, "--json", "--clerk", "0307", "intake", "-", stdin=intake)
    number = json.loads(taken.stdout)["project_no"]
    no_address = _bare(folder, "--clerk", "0307", "print", number)
    assert no_address.returncode == 2 and "[CHECK_URL_MISSING]" in no_address.stderr
    assert "counter sync enroll" in no_address.stderr and "check_base_url" in no_address.stderr
    assert _bare(folder, "--clerk", "0307", "config", "check_base_url", TEST_CHECK_URL).returncode == 0
    printed = _bare(folder, "--json", "--clerk", "0307", "print", number)
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(
        ["pdftotext", json.loads(printed.stdout)["file"], "-"], capture_output=True, text=True
    ).stdout
    assert "0307" in text and "admin" not in text


def test_print_reprints_a_queue_slip_as_pdf_or_escpos(data: Path, tmp_path: Path) -> None:
    store = Store(DataDir(data))
    try:
        issued = Kiosk(store, system_clock, None).issue("A")  # no server: the kiosk's own block
    finally:
        store.close()
    assert issued.number == "A1001" and issued.offline
    pdf = counter(data, "--json", "print", "--ticket", "a1001")
    assert pdf.returncode == 0, pdf.stderr
    report = json.loads(pdf.stdout)
    text = subprocess.run(["pdftotext", report["file"], "-"], capture_output=True, text=True).stdout
    assert "A1001" in text and "您前面没有人等候" in text
    raw = tmp_path / "slip.bin"
    escpos = counter(data, "--json", "print", "--ticket", "A1001", "--escpos", str(raw))
    assert escpos.returncode == 0, escpos.stderr
    body = raw.read_bytes()
    assert body.startswith(b"\x1b@") and b"A1001" in body and b"\x1dV" in body  # init, number, cut
    unknown = counter(data, "print", "--ticket", "B777")
    assert unknown.returncode == 2 and "[TICKET_UNKNOWN]" in unknown.stderr
    nothing = counter(data, "print")
    assert nothing.returncode == 2 and "[PRINT_WHAT]" in nothing.stderr
