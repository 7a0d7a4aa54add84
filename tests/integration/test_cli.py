"""The ``counter`` command as an admin or a script uses it: a real process on a real folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_CHECK_URL
from tests.support import DEMO_CATALOG, PERSON_ID, REPO


def counter(
    data: Path,
    *args: str,
    stdin: str | None = None,
    env_extra: dict[str, str] | None = None,
    env_drop: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``counter`` as a process on ``data``; ``env_drop`` names variables it must not inherit."""
    inherited = {k: v for k, v in os.environ.items() if k not in env_drop}
    return subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=REPO,
        env={**inherited, "PYTHONPATH": str(REPO), **(env_extra or {})},
        timeout=120,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode in (0, 1), result.stderr + result.stdout
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "counter"
    init = counter(folder, "init", "--hall", "YX330781", "--window", "5")
    assert init.returncode == 0, init.stderr
    assert "YX330781" in init.stdout and "5" in init.stdout
    imported = counter(folder, "--json", "import-catalog")
    assert as_json(imported)["items"] >= 187
    assert counter(folder, "config", "check_base_url", TEST_CHECK_URL).returncode == 0
    return folder


def test_help_documents_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--help"], capture_output=True, text=True, cwd=REPO
    )
    for command in (
        "init",
        "import-catalog",
        "intake",
        "list",
        "search",
        "deadline",
        "check-id",
        "check-uscc",
        "verify",
        "export-csv",
    ):
        assert command in out.stdout
    sub = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "intake", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert "JSON" in sub.stdout


def test_intake_list_search_show_export_verify(data: Path, tmp_path: Path) -> None:
    items = as_json(counter(data, "--json", "items", "食品经营"))
    assert items, "the demo catalog has a food business licence"
    code = items[0]["task_code"]
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["task_code"] == code)
    intake = {
        "task_code": code,
        "applicant": {"name": "李秀英", "cert_no": PERSON_ID.lower(), "phone": "+86 138-0013-8000"},
        "materials": [{"name": m["name"], "copies": m.get("copies", 1)} for m in item["materials"]],
        "ticket_no": "A007",
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(intake, ensure_ascii=False), encoding="utf-8")
    taken = as_json(counter(data, "--json", "--clerk", "c07", "intake", str(path)))
    number = taken["project_no"]
    assert taken["state"] == "ACCEPTED" and taken["promise_due"]
    human = counter(data, "intake", "-", stdin=json.dumps(intake, ensure_ascii=False))
    assert human.returncode == 0 and "办件编号" in human.stdout and "已受理" in human.stdout
    listed = as_json(counter(data, "--json", "list"))
    assert number in {r["project_no"] for r in listed}
    assert [r["project_no"] for r in as_json(counter(data, "--json", "search", number))] == [number]
    assert len(as_json(counter(data, "--json", "search", "李秀"))) == 2
    shown = counter(data, "show", number)
    assert shown.returncode == 0 and "李秀英" in shown.stdout and "case.accepted" not in shown.stdout
    csv_path = tmp_path / "out.csv"
    assert counter(data, "export-csv", str(csv_path)).returncode == 0
    assert number in csv_path.read_text(encoding="utf-8-sig")
    assert as_json(counter(data, "--json", "verify"))["ok"] is True


def test_bad_intake_gets_code_and_chinese_message(data: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"task_code": "X", "applicant": {"name": "张三", "cert_no": "123"}}), "utf-8")
    result = counter(data, "intake", str(path))
    assert result.returncode == 2
    assert "ID_LENGTH" in result.stderr and "18位" in result.stderr
    missing = counter(data, "intake", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "INPUT_UNREADABLE" in missing.stderr


def test_checks_print_verdict_and_message() -> None:
    good = counter(Path("/nonexistent"), "check-id", PERSON_ID)
    assert good.returncode == 0 and "有效" in good.stdout
    bad = counter(Path("/nonexistent"), "check-id", "110105194912310021")
    assert bad.returncode == 1 and "ID_CHECKSUM" in bad.stdout and "校验位" in bad.stdout
    uscc = counter(Path("/nonexistent"), "--json", "check-uscc", "91110000600037341L")
    assert json.loads(uscc.stdout)["ok"] is True
    phone = counter(Path("/nonexistent"), "check-phone", "0579-8512345")
    assert phone.returncode == 0


def test_deadline_and_calendar(data: Path) -> None:
    items = as_json(counter(data, "--json", "items"))
    instant = items[0]["task_code"]
    result = as_json(counter(data, "--json", "deadline", instant, "--at", "2026-12-28T10:00"))
    assert (result["promise_due"], result["estimated"]) == ("2026-12-28T23:59:59+08:00", False)
    food = next(i["task_code"] for i in items if i["name"] == "食品经营许可证核发")  # 5 working days
    result = as_json(counter(data, "--json", "deadline", food, "--at", "2026-12-28T10:00"))
    # Dec 29, 30, 31, [Jan 1 2027 元旦, not yet published: estimated], Jan 4, 5.
    assert (result["limit"], result["promise_due"], result["estimated"]) == (
        "5个工作日",
        "2027-01-05T23:59:59+08:00",
        True,
    )
    month = as_json(counter(data, "--json", "calendar", "--month", "2026-10"))
    assert month[0]["working"] == "休息" and month[0]["name"]
    changed = as_json(
        counter(
            data, "--json", "calendar", "--set", "2026-11-27", "--kind", "HOLIDAY", "--name", "台风停止办公"
        )
    )
    day = next(d for d in changed if d["date"] == "2026-11-27")
    assert day["working"] == "休息" and day["source"] == "OVERRIDE"


def test_uninitialised_folder_is_explained(tmp_path: Path) -> None:
    result = counter(tmp_path / "empty", "list")
    assert result.returncode == 2 and "NOT_INITIALISED" in result.stderr and "counter init" in result.stderr


def test_print_archives_reprints_and_reports_a_missing_printer(data: Path, tmp_path: Path) -> None:
    code = as_json(counter(data, "--json", "items", "食品经营许可证核发"))[0]["task_code"]
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["task_code"] == code)
    intake = {
        "task_code": code,
        "applicant": {"name": "周明", "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m["name"]} for m in item["materials"]],
    }
    number = as_json(counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False)))[
        "project_no"
    ]
    first = as_json(counter(data, "--json", "print", number))
    assert first["doc_type"] == "receipt" and first["printed"] is False and Path(first["file"]).exists()
    missing = counter(data, "--json", "print", number, "--printer", "不存在的打印机")
    assert missing.returncode == 1
    report = json.loads(missing.stdout)
    assert "未找到" in report["message"] and report["file"].endswith("-receipt-reprint-1.pdf")
    assert counter(data, "config", "receipt_pagesize", "A3").returncode == 2
    assert counter(data, "config", "device_id", "x").returncode == 2
    assert as_json(counter(data, "--json", "config", "receipt_pagesize", "A5"))[0]["value"] == "A5"
    closed = counter(
        data, "case", "close", number, "--cert-name", "食品经营许可证", "--cert-no", "JY13307850001234"
    )
    assert closed.returncode == 0, closed.stderr
    done = as_json(counter(data, "--json", "print", number))
    assert done["doc_type"] == "completion"
    text = subprocess.run(["pdftotext", done["file"], "-"], capture_output=True, text=True, check=True).stdout
    assert "领证通知书" in text and "JY13307850001234" in text
    size = subprocess.run(["pdfinfo", done["file"]], capture_output=True, text=True, check=True).stdout
    assert "A4" in size  # notices stay A4; only the receipt follows receipt_pagesize
    reprinted = as_json(counter(data, "--json", "print", number, "--type", "receipt"))
    assert reprinted["sha256"] != first["sha256"] and reprinted["file"].endswith("-receipt-reprint-2.pdf")
    original = Path(first["file"]).read_bytes()
    assert hashlib.sha256(original).hexdigest() == first["sha256"]  # the archived original is untouched
    copy = subprocess.run(["pdftotext", reprinted["file"], "-"], capture_output=True, text=True, check=True)
    assert "补打（第2次）" in copy.stdout
    size = subprocess.run(["pdfinfo", reprinted["file"]], capture_output=True, text=True, check=True).stdout
    assert "595.2" in size and "841.8" in size  # A4 like the original, though the setting is now A5
    second = as_json(counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False)))
    a5 = as_json(counter(data, "--json", "print", second["project_no"]))
    info = subprocess.run(["pdfinfo", a5["file"]], capture_output=True, text=True, check=True).stdout
    assert "419.5" in info and "595.2" in info  # A5 in points
