"""The demo hall: a local e-supervision server on SQLite and a counter window on the demo catalog.

    python -m counter_app.demo [--dir demo-data] [--port 8710] [--once]

It starts the server as its own process, enrolls window 3 with a one-time code, takes in a few
realistic cases (accepted, sent back for correction, not accepted), archives their receipts and
notices as PDF, syncs the signed events, and shows what the server now knows. Unless ``--once``
is given the server keeps running (Ctrl+C stops it) so that its pages can be looked at.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from counter_app.domain.catalog import load_catalog_file
from counter_app.domain.device_role import DeviceRole, device_label
from counter_app.services.clock import system_clock
from counter_app.services.documents import issue_document
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import CaseIntake, Decision, MaterialIn, Party
from counter_app.services.kiosk import Kiosk
from counter_app.services.reference import current_catalog
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync import Pusher, enroll, pull_reference_data
from counter_app.sync.config import SyncConfig
from counter_app.sync.queue_client import QueueOps
from counter_app.sync.roster import fetch_roster

ROOT = Path(__file__).resolve().parents[1]
DEMO_CATALOG = ROOT / "resources" / "catalog" / "demo_catalog.json"
WINDOW = 3
KIOSK_NO = 1  # the hall's ticket kiosk: kiosk number 1 (a kiosk, not a window)
CLERK = "0307"  # 工号 of the demo clerk
CLERK_NAME = "张丽"
CLERK_PASSWORD = "demo0307"  # shown in the README: the demo hall only
DEMO_TICKETS = ("A", "A", "B", "A", "D")

APPLICANTS = [
    Party("王建国", "111", "11010519491231002X", phone="13800138000"),
    Party("李秀英", "111", "330785199003071226", phone="13905791234"),
    Party(
        "云溪市清泉食品有限公司",
        "001",
        "91110000600037341L",
        kind="entity",
        legal_rep="陈志明",
        phone="0579-85123456",
    ),
]


def _server(root: Path, port: int) -> subprocess.Popen[str]:
    log = (root / "server.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supervision_server",
            "serve",
            "--demo",
            "--data-dir",
            str(root / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


def _wait_ready(url: str, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"服务器未能启动，请查看日志（退出码 {proc.returncode}）")
        try:
            if requests.get(url + "/openapi.json", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("等待服务器启动超时")


def _issue_code(root: Path, hall: str, window: int = WINDOW, *, kiosk: bool = False) -> str:
    target = ["--kiosk", str(window)] if kiosk else ["--window", str(window)]
    out = subprocess.run(
        [sys.executable, "-m", "supervision_server", "issue-code", "--data-dir", str(root / "server")]
        + ["--hall", hall, *target],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return out.stdout.strip().splitlines()[-1].strip()


def _add_clerk(root: Path, hall: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "supervision_server",
            "add-clerk",
            "--data-dir",
            str(root / "server"),
            "--hall",
            hall,
            "--number",
            CLERK,
            "--name",
            CLERK_NAME,
            "--role",
            "clerk",
            "--password-stdin",
        ],
        input=CLERK_PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )


def _take_in_cases(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        catalog = current_catalog(conn)
    picks = [i for i in catalog.items if i.in_hall and not i.instant][:3]
    done = []
    for n, item in enumerate(picks):
        applicant = APPLICANTS[n]
        received = tuple(MaterialIn(m.name, m.form, m.copies) for m in item.materials if m.required)
        intake = CaseIntake(
            task_code=item.task_code, applicant=applicant, materials=received, ticket_no=f"A{n + 1:03d}"
        )
        if n == 1:
            gap = MaterialIn(item.materials[0].name, missing=True, reason="复印件未加盖公章")
            intake = CaseIntake(item.task_code, applicant, (gap,), Decision.CORRECTION, ticket_no="A002")
        if n == 2:
            intake = CaseIntake(
                item.task_code,
                applicant,
                received,
                Decision.REJECT,
                ticket_no="A003",
                reason="申请事项依法不需要取得行政许可",
                legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项",
            )
        result = accept_case(store, system_clock, CLERK, intake)
        doc = issue_document(store, system_clock, CLERK, result.project_no)
        done.append(
            {
                "project_no": result.project_no,
                "item": item.name,
                "state": result.state.label,
                "promise_due": result.promise_due,
                "check_code": result.check_code,
                "pdf": str(doc.path),
            }
        )
    return done


def _kiosk_tickets(root: Path, hall: str, url: str) -> DataDir:
    """Enroll the kiosk and issue a few tickets, so the windows have citizens waiting."""
    data = DataDir(root / "kiosk")
    init_counter(data, hall, KIOSK_NO, system_clock, DeviceRole.KIOSK)
    store = Store(data)
    try:
        enrolled = enroll(store, url, _issue_code(root, hall, KIOSK_NO, kiosk=True))
        print(f"==> 取号机已登记为{device_label(enrolled.role, enrolled.window_no)}（只取号，不叫号）")
        pull_reference_data(store)
        config = SyncConfig.load(store)
        client = config.client()
        kiosk = Kiosk(store, system_clock, QueueOps(store, config, client, system_clock))
        issued = [kiosk.issue(category) for category in DEMO_TICKETS]
        client.close()
        print("==> 取号机发号：" + "；".join(t.message for t in issued))
        Pusher(store).push_once()
    finally:
        store.close()
    return data


def _open_modes(window: DataDir, kiosk: DataDir) -> list[subprocess.Popen[bytes]]:
    """The hall display and the kiosk, and window 3's desktop client with the demo clerk logged in."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("==> 没有图形界面：跳过窗口工作台、取号机和大厅屏（有桌面时会自动打开），演示以无界面方式完成")
        return []
    print(
        f"==> 打开大厅叫号屏、取号机和 3 号窗口工作台（已由 {CLERK} {CLERK_NAME} 登录，密码 {CLERK_PASSWORD}）"
    )
    opened = [
        subprocess.Popen(
            [sys.executable, "-m", "counter_app.cli", "--data-dir", str(kiosk.root), "--clerk", CLERK, mode],
            cwd=ROOT,
        )
        for mode in ("display", "kiosk")
    ]
    clerk_window = subprocess.Popen(
        [sys.executable, "-m", "counter_app.cli", "--data-dir", str(window.root), "window", "--login", CLERK],
        cwd=ROOT,
        stdin=subprocess.PIPE,
    )
    assert clerk_window.stdin is not None
    clerk_window.stdin.write((CLERK_PASSWORD + "\n").encode())
    clerk_window.stdin.close()
    return [*opened, clerk_window]


def main(argv: list[str] | None = None) -> int:
    """Run the demo hall."""
    parser = argparse.ArgumentParser(prog="run-demo", description="演示大厅：本地电子监察服务器 + 一个窗口")
    parser.add_argument("--dir", default=str(ROOT / "demo-data"), help="演示数据目录（每次运行都会重建）")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--once", action="store_true", help="演示完成后立即停止服务器")
    args = parser.parse_args(argv)
    root = Path(args.dir).resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    url = f"http://127.0.0.1:{args.port}"
    hall = load_catalog_file(DEMO_CATALOG).hall_code
    print(f"==> 启动电子监察服务器（SQLite）：{url}")
    server = _server(root, args.port)
    try:
        _wait_ready(url, server)
        _add_clerk(root, hall)
        print(f"==> 管理员添加窗口人员：工号 {CLERK} {CLERK_NAME}，密码 {CLERK_PASSWORD}")
        code = _issue_code(root, hall)
        print(f"==> 管理员为 {WINDOW} 号窗口发放一次性登记码：{code}")
        data = DataDir(root / f"window-{WINDOW:02d}")
        info = init_counter(data, hall, WINDOW, system_clock)
        store = Store(data)
        try:
            enroll(store, url, code)
            with store.unit_of_work() as uow:
                uow.put_setting("check_base_url", url + "/check")
                uow.commit()
            changed = pull_reference_data(store)
            config = SyncConfig.load(store)
            client = config.client()
            try:
                roster = fetch_roster(store, config, client)
            finally:
                client.close()
            print(
                f"==> 人员名册：{'、'.join(f'{e.number} {e.name}' for e in roster)}（本机缓存，离线也能登录）"
            )
            print(f"==> 窗口已登记（设备 {info.device_id}），从服务器取得：{'、'.join(changed) or '无更新'}")
            cases = _take_in_cases(store)
            for case in cases:
                print(f"    {case['project_no']}  {case['state']}  {case['item']}")
                print(f"        核验码 {case['check_code']}  文书 {case['pdf']}")
            status = Pusher(store).push_once()
            print(
                f"==> 同步完成：已确认至序号 {status.acked_seq}/{status.head_seq}，待上传 {status.waiting} 条"
            )
        finally:
            store.close()
        kiosk = _kiosk_tickets(root, hall, url)
        token = (root / "server" / "admin_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        seen = requests.get(url + "/api/v1/cases", headers=headers, timeout=10).json()
        print(f"==> 服务器上的办件：{json.dumps(seen, ensure_ascii=False)[:600]}")
        for case in cases:
            check = requests.get(
                f"{url}/api/v1/check/{case['project_no']}", params={"code": case["check_code"]}, timeout=10
            )
            print(f"    公众核验 {case['project_no']}：HTTP {check.status_code} {check.text[:120]}")
        if args.once:
            return 0
        opened = _open_modes(data, kiosk)
        print(f"==> 演示服务器运行中：{url}/docs （按 Ctrl+C 停止）")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        server.wait()
        return server.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in locals().get("opened", []):
            proc.terminate()
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
