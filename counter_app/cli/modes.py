"""The desktop modes started from the command line: the clerk's window (the default), kiosk,
hall display, queue panel."""

from __future__ import annotations

import argparse
import os
import sys

from counter_app.cli.output import Output
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store

HELP = {
    "kiosk": "取号机：全屏触摸取号并打印小票（网络中断时用本机号段）",
    "display": "大厅叫号显示屏：各窗口当前号码、最近叫号、等候人数，语音播报",
    "queue-panel": "窗口叫号面板：叫号 F1、重呼 F2、过号 F3、转移 F4、暂停 F5",
}


WINDOW_HELP = "窗口工作台（默认）：登录、叫号、受理、办件、今日办件；首次运行时引导管理员登记本机"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the mode commands."""
    p = sub.add_parser("window", help=WINDOW_HELP, description=WINDOW_HELP)
    p.add_argument(
        "--lang", choices=["zh", "en"], default=None, help="界面语言（默认取设置 language，否则中文）"
    )
    p.add_argument(
        "--login", metavar="工号", help="登录窗口预填工号，并从标准输入读取密码后直接登录（演示与脚本用）"
    )
    p.set_defaults(func=run_window, needs_store=False)
    for mode, text in HELP.items():
        p = sub.add_parser(mode, help=text, description=text)
        p.add_argument("--full-screen", action="store_true", help="全屏显示（取号机和大厅屏的正常用法）")
        if mode == "display":
            p.add_argument("--speech-engine", default=None, help="语音引擎（默认系统引擎，如 speechd）")
        p.set_defaults(func=run_mode, mode=mode)


def run_mode(args: argparse.Namespace, _out: Output, store: Store) -> int:
    """Open the mode's window until it is closed."""
    from counter_app.ui.modes import run
    from counter_app.ui.qt_app import has_display

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        _out.error("NO_DISPLAY", "没有可用的显示器：请在桌面环境中运行，或设置 DISPLAY")
        return 2
    return run(args.mode, store, args.clerk, args.full_screen, getattr(args, "speech_engine", None))


def run_window(args: argparse.Namespace, out: Output) -> int:
    """Open the clerk's window until it is closed."""
    from counter_app.ui.qt_app import has_display

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        out.error("NO_DISPLAY", "没有可用的显示器：请在桌面环境中运行，或设置 DISPLAY")
        return 2
    from counter_app.ui.window_app import run_window as run

    auto_login = None
    if args.login:
        auto_login = (args.login, sys.stdin.readline().rstrip("\r\n"))
    return run(DataDir.resolve(args.data_dir), args.lang, auto_login)
