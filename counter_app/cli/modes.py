"""The desktop modes started from the command line: the clerk's window (the default), kiosk,
hall display, queue panel, supervisor."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.cli.output import Output
from counter_app.store.datadir import DataDir

if TYPE_CHECKING:
    from counter_app.store.uow import Store

HELP = {
    "kiosk": "取号机：全屏触摸取号并打印小票（网络中断时用本机号段；数据目录须以 init --kiosk 初始化）",
    "display": "大厅叫号显示屏：各窗口当前号码、最近叫号、等候人数，语音播报",
    "queue-panel": "窗口叫号面板：叫号 F1、重呼 F2、过号 F3、转移 F4、暂停 F5（仅限窗口的数据目录）",
}


LANG_HELP = "界面语言（默认取设置 language，否则中文）"
WINDOW_HELP = "窗口工作台（默认）：登录、叫号、受理、办件、今日办件；首次运行时引导管理员登记本机"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the mode commands."""
    p = sub.add_parser("window", help=WINDOW_HELP, description=WINDOW_HELP)
    p.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    p.add_argument(
        "--login", metavar="工号", help="登录窗口预填工号，并从标准输入读取密码后直接登录（演示与脚本用）"
    )
    p.set_defaults(func=run_window, needs_store=False)
    for mode, text in HELP.items():
        p = sub.add_parser(mode, help=text, description=text)
        p.add_argument("--full-screen", action="store_true", help="全屏显示（取号机和大厅屏的正常用法）")
        if mode == "display":
            p.add_argument("--speech-engine", default=None, help="语音引擎（默认系统引擎，如 speechd）")
        p.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
        p.set_defaults(func=run_mode, mode=mode)
    text = "监察台：大厅实况、监察预警（确认、批注、督办）、今日与本月考核及导出（无需数据目录）"
    p = sub.add_parser("supervisor", help=text, description=text)
    p.add_argument("--server", required=True, help="电子监察服务器地址，如 https://jc.example.gov.cn:8710")
    p.add_argument("--ca-file", default=None, help="签发服务器证书的 CA 证书（自建 CA 时）")
    p.add_argument("--export-dir", type=Path, default=Path.home() / "监察导出", help="导出文件保存目录")
    p.add_argument("--full-screen", action="store_true", help="全屏显示")
    p.set_defaults(func=run_supervisor_mode, needs_store=False)


def run_mode(args: argparse.Namespace, _out: Output, store: Store) -> int:
    """Open the mode's window until it is closed."""
    from counter_app.ui.modes import run
    from counter_app.ui.startup import has_display

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        _out.error("NO_DISPLAY", "没有可用的显示器：请在桌面环境中运行，或设置 DISPLAY")
        return 2
    return run(
        args.mode, store, args.clerk, args.full_screen, getattr(args, "speech_engine", None), args.lang
    )


def run_supervisor_mode(args: argparse.Namespace, out: Output) -> int:
    """Open the supervisor's console; the password comes from ``$COUNTER_SUPERVISOR_TOKEN``."""
    from counter_app.sync.supervision_client import SupervisionError
    from counter_app.ui.modes import run_supervisor
    from counter_app.ui.startup import has_display

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        out.error("NO_DISPLAY", "没有可用的显示器：请在桌面环境中运行，或设置 DISPLAY")
        return 2
    try:
        return run_supervisor(
            args.server, None, args.export_dir, args.full_screen, args.ca_file, args.clerk or ""
        )
    except SupervisionError as exc:
        out.error(exc.code, exc.message)
        return 2


def run_window(args: argparse.Namespace, out: Output) -> int:
    """Open the clerk's window until it is closed."""
    from counter_app.ui import startup

    if not startup.has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        out.error("NO_DISPLAY", "没有可用的显示器：请在桌面环境中运行，或设置 DISPLAY")
        return 2
    data_dir = DataDir.resolve(args.data_dir)
    if data_dir.db_path.exists():  # set up already: the window's screens need a window's folder
        from counter_app.domain.device_role import DeviceRole
        from counter_app.domain.errors import DomainError
        from counter_app.services.setup import require_role
        from counter_app.store.uow import Store

        store = Store(data_dir)
        try:
            require_role(store, DeviceRole.WINDOW)
        except DomainError as exc:
            out.error(exc.code, exc.message)
            return 2
        finally:
            store.close()
    auto_login = None
    if args.login:
        auto_login = (args.login, sys.stdin.readline().rstrip("\r\n"))
    return startup.open_window(data_dir, args.lang, auto_login)
