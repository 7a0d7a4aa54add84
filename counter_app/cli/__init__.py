"""``counter``: the window's command-line tool for admins and scripts.

Every command prints for people by default and the same data as JSON with ``--json``. Errors a
person can cause print a stable code and a Chinese message and exit with status 2; a failed
check (an invalid number, a broken ledger) exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from counter_app.cli import admin, cases, checks, modes
from counter_app.cli.output import Output
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.store.datadir import DataDir, NotInitialised

log = logging.getLogger("counter")


def _globals(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data-dir", help="数据目录（默认取环境变量 COUNTER_DATA_DIR 或用户数据目录）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出，便于脚本处理")
    parser.add_argument(
        "--clerk",
        default=None,
        help="操作人员工号，记入事件和文书（默认取环境变量 COUNTER_CLERK）；记录操作的命令必须有",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = _globals(
        argparse.ArgumentParser(
            prog="counter",
            description="政务服务中心窗口端命令行工具：初始化、导入事项目录、接件、查询、校验事件链、导出、同步。",
        )
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    admin.register(sub)
    cases.register(sub)
    checks.register(sub)
    modes.register(sub)
    sync = sub.add_parser(
        "sync",
        help="与电子监察服务器同步：enroll 登记 / once 上传一次 / run 持续同步 / status 待上传情况",
        add_help=False,
    )
    sync.add_argument("sync_args", nargs=argparse.REMAINDER)
    sync.set_defaults(func=None, needs_store=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "sync" in argv:  # hand the rest of the line to the sync tool, which has its own help
        at = argv.index("sync")
        head, unknown = _globals().parse_known_args(argv[:at])
        if not unknown:
            from counter_app.sync.__main__ import main as sync_main

            prefix = ["--data-dir", head.data_dir] if head.data_dir else []
            return sync_main([*prefix, *(["--json"] if head.json else []), *argv[at + 1 :]])
    parser = build_parser()
    if not _globals().parse_known_args(argv)[1]:  # no command: the clerk's window
        argv = [*argv, "window"]
    args = parser.parse_args(argv)
    out = Output(args.json)
    args.clerk = args.clerk or os.environ.get("COUNTER_CLERK", "").strip() or None
    if args.clerk is None and _records(args):
        out.error(
            "CLERK_REQUIRED",
            "该命令会记录操作，请用 --clerk 工号 指明操作人员（或设置环境变量 COUNTER_CLERK）",
        )
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.func in (checks.run,) or not getattr(args, "needs_store", True):
            return int(args.func(args, out))
        # The store (SQLAlchemy) loads only now: --help and the checks never need it.
        from counter_app.store.uow import Store

        store = Store(DataDir.resolve(args.data_dir))
        try:
            store.device_id()
            return int(args.func(args, out, store))
        finally:
            store.close()
    except ValidationError as exc:
        out.error(exc.code, "输入有误", [f"[{i.code}] {i.message}" for i in exc.issues if not i.warning])
        return 2
    except DomainError as exc:
        out.error(exc.code, exc.message)
        return 2
    except NotInitialised as exc:
        out.error(NotInitialised.code, str(exc))
        return 2
    except BrokenPipeError:
        return _reader_went_away()
    except (json.JSONDecodeError, OSError) as exc:
        out.error("INPUT_UNREADABLE", f"无法读取输入：{exc}")
        return 2
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the log
        where = _log_crash(getattr(args, "data_dir", None))
        out.error("INTERNAL", f"程序内部错误：{type(exc).__name__}: {exc}（详细信息见 {where}）")
        return 3


# Commands that write events or documents carry the clerk who did the work (受理人 on paper).
_RECORDING = frozenset({"import-catalog", "intake", "print", "case", "queue-panel"})


def _records(args: argparse.Namespace) -> bool:
    if args.command == "calendar":
        return bool(getattr(args, "set_day", None))
    if args.command == "config":
        return getattr(args, "value", None) is not None
    return args.command in _RECORDING


def _reader_went_away() -> int:
    """``counter list | head -1``: the reader has what it wanted; stop without a word.

    Python would complain again when it flushes stdout at exit, so stdout is pointed at
    /dev/null first.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def _log_crash(data_dir: str | None) -> str:
    """Append the traceback to the data folder's crash log (private: it may quote personal data).

    If even that folder cannot be written, the traceback goes to standard error instead of a
    shared place such as /tmp.
    """
    import traceback

    text = traceback.format_exc()
    try:
        path = DataDir.resolve(data_dir).private_log("counter-cli-error.log")
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
        return str(path)
    except OSError:
        sys.stderr.write(text)
        return "标准错误输出"


if __name__ == "__main__":
    sys.exit(main())
