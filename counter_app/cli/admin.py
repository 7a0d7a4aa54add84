"""Admin commands: init, import-catalog, items, deadline, calendar, verify."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.cli.dates import parse_day, parse_moment, parse_month
from counter_app.cli.output import Output, kv, table
from counter_app.domain.calendar import DayKind, promise_due
from counter_app.services.clock import system_clock
from counter_app.store.datadir import DataDir

if TYPE_CHECKING:  # the store, services and their libraries load when a command runs, not for --help
    from counter_app.store.uow import Store

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "resources" / "catalog" / "demo_catalog.json"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the admin commands."""
    p = sub.add_parser("init", help="初始化数据目录：数据库、设备密钥、大厅与窗口号、工作日历")
    p.add_argument("--hall", required=True, help="大厅代码，2–12位字母或数字，如 YX330781")
    p.add_argument("--window", type=int, help="窗口号 1–99")
    p.add_argument("--role", choices=("window", "kiosk"), help="设备类型：window 窗口（默认）或 kiosk 取号机")
    p.add_argument(
        "--kiosk", nargs="?", type=int, const=1, metavar="N", help="初始化为 N 号取号机（1–9，默认 1）"
    )
    p.set_defaults(func=init, needs_store=False)

    p = sub.add_parser("import-catalog", help="导入事项目录（JSON），导入前完整校验")
    p.add_argument("file", nargs="?", default=str(DEMO_CATALOG), help="目录文件，默认为演示目录")
    p.set_defaults(func=import_)

    p = sub.add_parser("items", help="查找事项目录中的事项")
    p.add_argument("text", nargs="?", default="")
    p.set_defaults(func=items)

    p = sub.add_parser("deadline", help="计算某事项在某受理时间的承诺办结时间")
    p.add_argument("task_code", help="实施编码")
    p.add_argument("--at", help="受理时间，如 2026-12-15T10:00（默认现在）")
    p.set_defaults(func=deadline)

    p = sub.add_parser("calendar", help="查看或调整大厅工作日历")
    p.add_argument("--month", help="显示某月，如 2026-10（默认本月）")
    p.add_argument("--set", dest="set_day", help="调整某一天，如 2026-09-15")
    p.add_argument("--kind", choices=[k.value for k in DayKind], help="调整后的类型")
    p.add_argument("--name", default="", help="说明，如 台风停止办公")
    p.set_defaults(func=calendar)

    p = sub.add_parser("config", help="查看或修改窗口设置：打印机、回执纸张、核验地址、人员姓名")
    p.add_argument(
        "key", nargs="?", help="设置项，如 printer、receipt_pagesize、check_base_url、clerk_name:0307"
    )
    p.add_argument("value", nargs="?", help="新的值")
    p.set_defaults(func=config)

    p = sub.add_parser(
        "verify",
        help="校验本机记录：事件链（哈希、签名、序号、链接）、服务器回执签名、办件表与签名事件是否一致",
    )
    p.set_defaults(func=verify)


def init(args: argparse.Namespace, out: Output) -> int:
    """Initialise a data folder."""
    from counter_app.domain.device_role import DeviceRole, device_label
    from counter_app.domain.errors import DomainError
    from counter_app.services.setup import init_counter

    kiosk = args.kiosk is not None or args.role == "kiosk"
    if args.kiosk is not None and args.role == "window":
        raise DomainError("--kiosk 与 --role window 不能同时使用", "SETUP_ROLE_CONFLICT")
    if not kiosk and args.window is None:
        raise DomainError("请用 --window 指定窗口号，或用 --kiosk 初始化取号机", "SETUP_WINDOW_NO")
    role = DeviceRole.KIOSK if kiosk else DeviceRole.WINDOW
    number = (args.kiosk if args.kiosk is not None else args.window or 1) if kiosk else args.window
    info = init_counter(DataDir.resolve(args.data_dir), args.hall, number, system_clock, role)
    out.emit(
        asdict(info),
        lambda d: kv(
            [
                ("数据目录", d["data_dir"]),
                ("设备编号", d["device_id"]),
                ("大厅", d["hall_code"]),
                ("设备", device_label(d["role"], d["window_no"])),
                ("设备标识", d["device_tag"]),
            ]
        ),
    )
    return 0


def import_(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Import a catalog file."""
    from counter_app.services.setup import import_catalog

    stats = import_catalog(store, Path(args.file), system_clock, args.clerk)
    out.emit(
        stats,
        lambda d: (
            f"已导入事项目录 {d['version']}：{d['departments']} 个部门，{d['items']} 个事项"
            f"（进驻大厅 {d['items_in_hall']} 个）"
        ),
    )
    return 0


def items(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Search the catalog."""
    from counter_app.services.reference import current_catalog

    with store.read() as conn:
        catalog = current_catalog(conn)
    found = catalog.search(args.text) if args.text else catalog.items
    rows = [
        {
            "task_code": i.task_code,
            "name": i.name,
            "dept": catalog.department(i.dept_code).name,
            "type": i.project_type.label,
            "promise": str(i.promise_limit),
        }
        for i in found
    ]
    columns = [
        ("task_code", "实施编码"),
        ("name", "事项名称"),
        ("dept", "部门"),
        ("type", "类型"),
        ("promise", "承诺时限"),
    ]
    out.emit(rows, lambda r: table(r, columns))
    return 0


def deadline(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Compute a promise due date."""
    from counter_app.services.intake import item_time_limit
    from counter_app.services.reference import current_calendar, current_catalog

    at = parse_moment(args.at, "--at") if args.at else system_clock()
    with store.read() as conn:
        item = current_catalog(conn).item(args.task_code)
        result = promise_due(at, item_time_limit(item), current_calendar(conn))
    data = {
        "task_code": item.task_code,
        "item_name": item.name,
        "accepted_at": at.isoformat(timespec="minutes"),
        "limit": str(item.promise_limit),
        "promise_due": result.due.isoformat(timespec="seconds"),
        "estimated": result.estimated,
    }
    note = "（预计：该年度节假日安排尚未公布）" if result.estimated else ""
    out.emit(
        data,
        lambda d: kv(
            [
                ("事项", d["item_name"]),
                ("受理时间", d["accepted_at"]),
                ("承诺时限", d["limit"]),
                ("承诺办结时间", d["promise_due"] + note),
            ]
        ),
    )
    return 0


def calendar(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Show a month of the hall calendar, or override one day."""
    from counter_app.services.reference import current_calendar, override_day

    if args.set_day:
        if not args.kind:
            out.error("CALENDAR_KIND_REQUIRED", "调整日历须用 --kind 指定类型")
            return 2
        now = system_clock()
        with store.unit_of_work() as uow:
            entry = override_day(uow, parse_day(args.set_day, "--set"), DayKind(args.kind), args.name, now)
            uow.ledger.append(
                "calendar.overridden",
                {"day": entry.date.isoformat(), "kind": args.kind, "name": args.name},
                args.clerk,
                now,
            )
            uow.commit()
        args.month = entry.date.strftime("%Y-%m")
    first = parse_month(args.month, "--month") if args.month else system_clock().date().replace(day=1)
    with store.read() as conn:
        cal = current_calendar(conn)
    rows: list[dict[str, Any]] = []
    d = first
    while d.month == first.month:
        day = cal.day(d)
        rows.append(
            {
                "date": d.isoformat(),
                "weekday": "一二三四五六日"[d.weekday()],
                "working": "上班" if day.is_working else "休息",
                "name": day.name,
                "source": day.source.value,
            }
        )
        d = date.fromordinal(d.toordinal() + 1)
    columns = [
        ("date", "日期"),
        ("weekday", "星期"),
        ("working", "状态"),
        ("name", "说明"),
        ("source", "来源"),
    ]
    out.emit(rows, lambda r: table(r, columns))
    return 0


CONFIG_KEYS = {
    "printer": "文书打印机名称（default 为系统默认打印机）",
    "slip_printer": "小票打印机，如 tcp://192.168.1.50:9100 或 file:/dev/usb/lp0",
    "receipt_pagesize": "受理回执纸张：A4 或 A5",
    "check_base_url": "回执二维码中的公众核验地址",
    "server_url": "电子监察服务器地址（https://…）",
    "server_ca_file": "签发服务器证书的 CA 证书文件（PEM）",
    "allow_plain_http": "yes 允许以未加密的 http:// 连接其他机器上的服务器（仅限受控网络），默认 no",
    "language": "窗口工作台界面语言：zh（默认）或 en",
    "lock_after_s": "无操作多少秒后锁屏（默认 300，0 为不自动锁屏）",
}
PROTECTED = (
    "device_id",
    "hall_code",
    "window_no",
    "role",
    "kiosk_index",
    "device_tag",
    "server_public_key",
    "clock_offset_ms",
)


def config(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Show the window's settings, or change one of those an admin may change."""
    if args.key and args.value is not None:
        key, value = args.key.replace("-", "_"), args.value.strip()
        if key == "server_ca_file" and value:
            value = str(Path(value).resolve())
        if key not in CONFIG_KEYS and not key.startswith("clerk_name:"):
            out.error(
                "CONFIG_KEY_UNKNOWN",
                f"不能修改设置项 {key}；可修改：{'、'.join(CONFIG_KEYS)}、clerk_name:工号",
            )
            return 2
        if key == "receipt_pagesize" and value not in ("A4", "A5"):
            out.error("CONFIG_VALUE", "受理回执纸张只能是 A4 或 A5")
            return 2
        if key == "language" and value not in ("zh", "en"):
            out.error("CONFIG_VALUE", "界面语言只能是 zh 或 en")
            return 2
        if key == "lock_after_s" and not (value.isdigit() and int(value) <= 86400):
            out.error("CONFIG_VALUE", "锁屏时间应为 0–86400 之间的整数秒")
            return 2
        if key == "check_base_url" and not value.startswith(("http://", "https://")):
            out.error("CONFIG_VALUE", "核验地址应以 http:// 或 https:// 开头")
            return 2
        problem = _sync_setting_problem(store, key, value)
        if problem is not None:
            out.error(*problem)
            return 2
        with store.unit_of_work() as uow:
            uow.put_setting(key, value)
            uow.ledger.append("config.changed", {"key": key, "value": value}, args.clerk, system_clock())
            uow.commit()
    settings = store.settings()
    rows = [
        {"key": k, "value": v, "note": CONFIG_KEYS.get(k, "只读" if k in PROTECTED else "")}
        for k, v in sorted(settings.items())
        if not args.key or k == args.key
    ]
    out.emit(rows, lambda r: table(r, [("key", "设置项"), ("value", "值"), ("note", "说明")]))
    return 0


def _sync_setting_problem(store: Store, key: str, value: str) -> tuple[str, str] | None:
    """Why a sync setting may not take ``value``, as (code, message); None if it may."""
    from counter_app.sync.client import check_server_url  # requests: not for every command
    from counter_app.sync.config import plain_http_allowed
    from counter_app.sync.errors import SyncError

    if key == "allow_plain_http" and value not in ("yes", "no"):
        return "CONFIG_VALUE", "allow_plain_http 只能是 yes 或 no"
    if key == "server_ca_file" and not Path(value).is_file():
        return "CONFIG_VALUE", f"找不到 CA 证书文件 {value}"
    if key == "server_url":
        try:
            check_server_url(value, plain_http_allowed(store.settings()))
        except SyncError as exc:
            return exc.code, exc.message
    return None


def verify(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Verify the chain, the server's receipts and the case tables; exit 1 on the first problem."""
    from counter_app.store.ledger_check import verify_ledger

    verdict = verify_ledger(store)

    def render(d: dict[str, Any]) -> str:
        holes = "".join(
            f"\n  服务器已确认缺失：序号 {h['from_seq']}–{h['to_seq']}" for h in d["accepted_holes"]
        )
        if d["ok"]:
            head = f"链头序号 {d['head_seq']}，哈希 {d['head_hash'][:16]}…"
            return (
                f"✓ 事件链完整：共 {d['checked']} 条事件，{head}\n"
                f"  服务器回执 {d['acks_checked']} 份签名有效，{d['cases_checked']} 个办件与事件一致" + holes
            )
        p = d["problem"]
        where = f"（办件 {p['project_no']}，字段 {p['field']}）" if p["project_no"] else ""
        return (
            f"✗ 在序号 {p['seq']} 处出现问题 [{p['code']}]：{p['message']}{where}\n"
            f"  之前的 {d['checked']} 条事件校验通过（数据库中共 {d['stored_rows']} 行）" + holes
        )

    out.emit(verdict.as_dict(), render)
    return 0 if verdict.ok else 1
