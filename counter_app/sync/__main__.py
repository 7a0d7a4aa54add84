"""Headless sync: ``python -m counter_app.sync --data-dir DIR once|run|enroll|status``.

- ``enroll --server URL --code CODE [--ca-file PEM]``: register this window with the server;
  ``--ca-file`` names the CA bundle that signed an https server's certificate (kept for later).
- ``once``: verify the ledger in full, push what is waiting, send a heartbeat, refresh catalog
  and calendar; exit 0 when nothing is left waiting and no catalog or calendar was refused, 1
  otherwise. ``summary`` says what happened to the events and to the reference data separately
  (a catalog not yet published is not a refusal of the events).
- ``run``: keep syncing in the background until interrupted (Ctrl+C or SIGTERM).
- ``status [--json]``: what is waiting locally; never touches the network.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import acked_seq, head, pending_stats
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import SyncConfig, plain_http_allowed, system_clock
from counter_app.sync.enroll import enroll
from counter_app.sync.errors import SyncError, reference_message
from counter_app.sync.numbers import learn_number_floor
from counter_app.sync.pusher import Pusher
from counter_app.sync.reference import (
    REFERENCE_DOCUMENTS,
    ReferenceRefused,
    pull_reference_data,
    reference_state,
)
from counter_app.sync.status import SyncStatus


def build_parser() -> argparse.ArgumentParser:
    """The command line of the headless sync tool."""
    parser = argparse.ArgumentParser(prog="python -m counter_app.sync", description="与电子监察服务器同步")
    parser.add_argument("--data-dir", help="窗口数据目录（默认 $COUNTER_DATA_DIR 或用户数据目录）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("once", help="上传一次并更新事项目录和日历")
    run = commands.add_parser("run", help="持续同步，直到被中断")
    run.add_argument("--interval", type=float, default=60.0, help="定时重试间隔（秒）")
    reg = commands.add_parser("enroll", help="用一次性登记码登记本窗口")
    reg.add_argument("--server", required=True, help="服务器地址，例如 http://10.0.0.5:8080")
    reg.add_argument("--code", required=True, help="管理员发放的一次性登记码")
    reg.add_argument("--ca-file", help="签发服务器证书的 CA 证书文件（PEM），系统不信任该证书时使用")
    status = commands.add_parser("status", help="显示本机待上传情况（不联网）")
    status.add_argument("--json", action="store_true", dest="json_sub", help="以 JSON 输出")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    as_json = bool(args.json or getattr(args, "json_sub", False))
    store = Store(DataDir.resolve(args.data_dir))
    try:
        if args.command == "enroll":
            return _enroll(store, args.server, args.code, args.ca_file, as_json)
        if args.command == "status":
            return _print(local_status(store), as_json)
        if args.command == "once":
            return _once(store, as_json)
        return _run(store, args.interval, as_json)
    finally:
        store.close()


def local_status(store: Store) -> dict[str, Any]:
    """Waiting events and server settings from the local database only."""
    with store.read() as conn:
        waiting, oldest = pending_stats(conn)
        head_seq, head_hash = head(conn)
        acked = acked_seq(conn)
        conn.rollback()
    settings = store.settings()
    return {
        "device_id": settings.get("device_id", ""),
        "server_url": settings.get("server_url", ""),
        "enrolled_at": settings.get("enrolled_at", ""),
        "head_seq": head_seq,
        "head_hash": head_hash,
        "acked_seq": acked,
        "waiting": waiting,
        "oldest_waiting_at": oldest,
        "clock_offset_ms": int(settings["clock_offset_ms"]) if settings.get("clock_offset_ms") else None,
        "reference": {name: _reference_line(store, name) for name in REFERENCE_DOCUMENTS},
    }


def _reference_line(store: Store, name: str) -> dict[str, Any]:
    state = reference_state(store, name)
    refused = state.refused
    return {
        "published_version": state.published_version,
        "sha256": state.sha256,
        "accepted_at": state.accepted_at,
        "refused": {"code": refused.code, "message": refused.message, "at": refused.at} if refused else None,
    }


def _enroll(store: Store, server: str, code: str, ca_file: str | None, as_json: bool) -> int:
    ca_path = str(Path(ca_file).resolve()) if ca_file else None
    if ca_path is not None and not Path(ca_path).is_file():
        return _fail(
            SyncError("CA_FILE_MISSING", ca_path, retryable=False, message="找不到 CA 证书文件"), as_json
        )
    try:
        client = ServerClient(server, ca_file=ca_path, allow_plain_http=plain_http_allowed(store.settings()))
        try:
            result = enroll(store, server, code, client=client)
        finally:
            client.close()
    except SyncError as exc:
        return _fail(exc, as_json)
    if ca_path is not None:
        with store.unit_of_work() as uow:
            uow.put_setting("server_ca_file", ca_path)
            uow.commit()
    return _print(
        {
            "device_id": result.device_id,
            "hall_code": result.hall_code,
            "window_no": result.window_no,
            "role": result.role.value,
        },
        as_json,
    )


def _once(store: Store, as_json: bool) -> int:
    try:
        SyncConfig.load(store)
    except SyncError as exc:
        return _fail(exc, as_json)
    _learn_floor(store)
    pusher = Pusher(store, heartbeat_every_s=None)
    try:
        status = pusher.push_once()
    finally:
        pusher.stop()
    report = status.as_json()
    if status.last_error is not None:
        events = f"上传未完成：{status.last_error.message}"
    elif status.waiting:
        events = f"尚有 {status.waiting} 条事件待上传"
    else:
        events = f"本机事件已全部上传并得到服务器确认（至序号 {status.acked_seq}）"
    refused = False
    try:
        report["reference_changed"] = pull_reference_data(store)
        reference = "事项目录和日历已是最新"
    except ReferenceRefused as exc:  # the old copies stay in use; each refusal says so
        refused = True
        report["reference_changed"] = exc.changed
        report["reference_refused"] = [
            {"document": r.document, "code": r.code, "message": r.message} for r in exc.refusals
        ]
        report["reference_code"] = exc.code
        report["reference_error"] = reference = exc.message
    except SyncError as exc:  # the events are not affected: say which part failed, and how
        report["reference_code"] = exc.code
        report["reference_error"] = reference = reference_message(exc)
    report["summary"] = f"{events}；{reference}"
    _print(report, as_json)
    return 0 if status.waiting == 0 and status.last_error is None and not refused else 1


def _run(store: Store, interval: float, as_json: bool) -> int:
    done = threading.Event()

    def show(status: SyncStatus) -> None:
        _print(status.as_json(), as_json, compact=True)

    _learn_floor(store)
    pusher = Pusher(store, interval_s=interval, listener=show)
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    pusher.start()
    try:
        while not done.wait(interval):
            try:
                pull_reference_data(store)
            except SyncError as exc:
                level = logging.WARNING if isinstance(exc, ReferenceRefused) else logging.INFO
                logging.getLogger(__name__).log(level, "reference pull failed: %s", exc)
    except KeyboardInterrupt:
        pass
    finally:
        pusher.stop()
    return 0


def _learn_floor(store: Store) -> None:
    # Before this window issues more case numbers: never one the server already holds.
    try:
        learn_number_floor(store, system_clock().date())
    except SyncError as exc:
        logging.getLogger(__name__).warning("case number floor not learned: %s", exc)


def _fail(exc: SyncError, as_json: bool) -> int:
    _print({"error": exc.code, "message": exc.message, "detail": exc.detail}, as_json)
    return 2


def _print(data: dict[str, Any], as_json: bool, compact: bool = False) -> int:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=None if compact else 2), flush=True)
    else:
        for key, value in data.items():
            print(f"{key}: {value}", flush=True)
        if compact:
            print("", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
