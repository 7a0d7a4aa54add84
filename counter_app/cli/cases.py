"""Case commands: intake from JSON, list, search, show, lifecycle steps, CSV export."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.cli.dates import parse_day
from counter_app.cli.output import Output, kv, table
from counter_app.domain.case import ResultCode, SuspensionKind, status_label
from counter_app.domain.catalog import MaterialForm
from counter_app.domain.errors import DomainError
from counter_app.services.clock import system_clock
from counter_app.services.doc_types import DocType
from counter_app.services.intake_model import intake_from_json

if TYPE_CHECKING:  # the store, services and their libraries load when a command runs, not for --help
    from counter_app.store.uow import Store

SUMMARY_COLUMNS = [
    ("project_no", "办件编号"),
    ("item_name", "事项"),
    ("applicant_name", "申请人"),
    ("state_label", "状态"),
    ("received_at", "接件时间"),
    ("promise_due", "承诺办结"),
]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the case commands."""
    p = sub.add_parser("intake", help="从 JSON 文件接件（受理 / 一次性告知 / 不予受理）")
    p.add_argument("file", help="办件 JSON 文件，- 表示标准输入")
    p.add_argument(
        "--basis",
        help="不予受理的法律依据：直接填写，或填事项目录所列依据的序号（代替 JSON 中的 legal_basis）",
    )
    p.set_defaults(func=intake)

    p = sub.add_parser("list", help="列出最近的办件")
    p.add_argument("--day", help="只列出某日接件的办件，如 2026-11-25")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=list_)

    p = sub.add_parser(
        "search",
        help="按办件编号、证件号码、姓名或企业名称的任意部分、事项名称或拼音首字母（如 spjy）查找办件",
    )
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=search)

    p = sub.add_parser("show", help="显示一个办件的全部记录")
    p.add_argument("project_no")
    p.set_defaults(func=show)

    p = sub.add_parser("export-csv", help="把全部办件导出为 CSV（UTF-8，Excel 可直接打开）")
    p.add_argument("file", help="输出文件，- 表示标准输出")
    p.set_defaults(func=export)

    p = sub.add_parser(
        "print",
        help="出具或补打办件文书，或补打排队小票（--ticket）：存档为 PDF，可送打印机，每次都记入事件链",
    )
    p.add_argument("project_no", nargs="?")
    p.add_argument("--ticket", help="补打本机发出的排队小票，如 A005")
    p.add_argument("--escpos", help="小票：把 ESC/POS 打印指令写入文件（- 为标准输出），不送打印机")
    p.add_argument("--type", choices=[t.value for t in DocType], help="文书类型（默认按办件状态）")
    p.add_argument(
        "--printer",
        help="打印机名称（默认取 counter config printer；都没有则只存档；default 为系统默认打印机）",
    )
    p.set_defaults(func=print_document)

    p = sub.add_parser("case", help="办件后续操作：补正受理、办理环节、特别程序、办结、送达、作废")
    steps = p.add_subparsers(dest="step", required=True, metavar="操作")
    s = steps.add_parser("accept-corrected", help="申请人补齐材料后受理")
    s.add_argument("project_no")
    s.add_argument("--supplied", nargs="*", default=[], help="补交的材料名称")
    s.add_argument(
        "--defer-until", type=_day, help="容缺受理：尚缺材料的承诺补交日期，如 2026-12-05（仅限容缺材料）"
    )
    s = steps.add_parser("return", help="退件（逾期未补正或申请人撤回）")
    s.add_argument("project_no")
    s.add_argument("--reason", required=True)
    s = steps.add_parser("start", help="开始办理（承办）")
    s.add_argument("project_no")
    s = steps.add_parser("record", help="记录办理环节")
    s.add_argument("project_no")
    s.add_argument("--node", required=True, help="环节名称，如 审核、批准")
    s.add_argument("--action", default="通过", choices=["通过", "退回", "其他"])
    s.add_argument("--opinion", default="")
    s = steps.add_parser("suspend", help="启动特别程序")
    s.add_argument("project_no")
    s.add_argument("--kind", type=int, choices=[1, 2], default=2, help="1 延长审批，2 其他（时限中止）")
    s.add_argument("--reason", required=True)
    s.add_argument("--extend-days", type=int, default=0)
    s = steps.add_parser("resume", help="结束特别程序")
    s.add_argument("project_no")
    s.add_argument("--outcome", default="")
    s = steps.add_parser("close", help="办结")
    s.add_argument("project_no")
    s.add_argument(
        "--result", type=int, choices=[0, 1, 4], default=0, help="0 出证办结，1 不予许可，4 转报办结"
    )
    s.add_argument("--reason", default="", help="不予许可、转报的理由")
    s.add_argument("--basis", default="", help="不予许可的法律依据：直接填写，或填事项目录所列依据的序号")
    s.add_argument("--delivery", default="窗口领取", help="出证办结的送达方式：窗口领取、邮寄送达等")
    s.add_argument("--cert-name", default="")
    s.add_argument("--cert-no", default="")
    s = steps.add_parser("deliver", help="送达（领取或邮寄）")
    s.add_argument("project_no")
    s.add_argument("--method", default="窗口领取")
    s = steps.add_parser("hand-over", help="移交统一出件窗口（出证办结后由该设备送达）")
    s.add_argument("project_no")
    s.add_argument("--to", required=True, dest="to_device", help="接收办件的设备编号")
    s.add_argument("--note", default="")
    s = steps.add_parser("void", help="作废办件（须填写理由）")
    s.add_argument("project_no")
    s.add_argument("--reason", required=True)
    s.add_argument("--deleted", action="store_true", help="录入错误的删除办结")
    p.set_defaults(func=step)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def intake(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Take in a case from a JSON file."""
    from counter_app.cli.server_checks import learn_floor_before_numbering
    from counter_app.services.intake import accept_case

    raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    parsed = intake_from_json(json.loads(raw))
    if args.basis is not None:
        parsed = replace(parsed, legal_basis=args.basis)
    floor_warning = learn_floor_before_numbering(store)
    result = accept_case(store, system_clock, args.clerk, parsed)

    def render(d: dict[str, Any]) -> str:
        lines = [
            kv(
                [
                    ("办件编号", d["project_no"]),
                    ("事项", d["item_name"]),
                    ("状态", d["state_label"]),
                    (
                        "承诺办结时间",
                        (d["promise_due"] or "—") + ("（预计）" if d["promise_estimated"] else ""),
                    ),
                    ("核验码", d["check_code"]),
                ]
            )
        ]
        lines.extend(f"提示 [{w['code']}] {w['message']}" for w in d["warnings"])
        if d.get("number_floor_warning"):
            lines.append(f"提示 {d['number_floor_warning']}")
        return "\n".join(lines)

    data = result.as_dict()
    if floor_warning:
        data["number_floor_warning"] = floor_warning
    out.emit(data, render)
    return 0


def list_(args: argparse.Namespace, out: Output, store: Store) -> int:
    """List recent cases."""
    from counter_app.services.queries import list_cases

    day = parse_day(args.day, "--day").isoformat() if args.day else None
    rows = [s.as_dict() for s in list_cases(store, day, args.limit)]
    out.emit(rows, lambda r: table(r, SUMMARY_COLUMNS))
    return 0


def search(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Search cases."""
    from counter_app.services.queries import search_cases

    rows = [s.as_dict() for s in search_cases(store, args.text, args.limit)]
    out.emit(rows, lambda r: table(r, SUMMARY_COLUMNS))
    return 0


def show(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Show a case: who, what, the materials received, and every step with its reason."""
    from counter_app.services.case_detail import case_detail

    data = case_detail(store, args.project_no)

    def render(d: dict[str, Any]) -> str:
        intake = d["intake"]
        applicant = intake["applicant"]
        due = (d["promise_due"] or "—").replace("T", " ")[:16] + (
            "（预计）" if d["promise_estimated"] else ""
        )
        head = kv(
            [
                ("办件编号", d["project_no"]),
                ("事项", intake["item_name"]),
                ("申请人", f"{applicant['name']}（证件号码 {applicant.get('cert_no', '')}）"),
                ("状态", d["state_label"] + (f"（理由：{d['reason']}）" if d["reason"] else "")),
                ("承诺办结时间", due),
            ]
        )
        materials = [
            {
                "name": m["name"],
                "form": _form_label(m.get("form", "")),
                "copies": m.get("copies", 1),
                "status": f"缺：{m.get('reason') or '未提供'}" if m.get("missing") else "已收",
            }
            for m in intake.get("materials", [])
        ]
        history = [
            {**t, "at": t["at"].replace("T", " ")[:19], "reason": t["reason"] or ""} for t in d["transitions"]
        ]
        return (
            head
            + "\n\n材料\n"
            + table(
                materials, [("name", "材料名称"), ("form", "形式"), ("copies", "份数"), ("status", "情况")]
            )
            + "\n\n办理记录\n"
            + table(
                history,
                [
                    ("seq", "事件序号"),
                    ("action_label", "操作"),
                    ("state_label", "状态"),
                    ("at", "时间"),
                    ("reason", "理由"),
                ],
            )
        )

    out.emit(data, render)
    return 0


def _form_label(code: str) -> str:
    """The material form as printed (原件、复印件 ...), whatever the intake stored."""
    try:
        return MaterialForm.parse(code).label
    except DomainError:
        return code


def export(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Export cases to CSV."""
    from counter_app.services.queries import export_csv

    count = export_csv(store, sys.stdout) if args.file == "-" else export_csv(store, Path(args.file))
    if args.file != "-":
        out.emit(
            {"exported": count, "file": args.file}, lambda d: f"已导出 {d['exported']} 个办件到 {d['file']}"
        )
    return 0


def print_document(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Issue (archive, maybe print) a document; exit 1 if the printer failed (the PDF is kept)."""
    from counter_app.services.documents import issue_document

    if args.ticket:
        from counter_app.cli.slips import print_slip

        return print_slip(args, out, store)
    if not args.project_no:
        out.error("PRINT_WHAT", "请给出办件编号，或用 --ticket 号码 补打排队小票")
        return 2
    printer = None
    name = args.printer or store.settings().get("printer", "")
    if name:
        from counter_app.ui.printing import QtDocumentPrinter
        from counter_app.ui.qt_app import gui_application

        gui_application()
        printer = QtDocumentPrinter("" if name == "default" else name)
    doc_type = DocType(args.type) if args.type else None
    issued = issue_document(
        store, system_clock, args.clerk, args.project_no.strip().upper(), doc_type, printer
    )
    outcome = issued.outcome
    data = {
        "project_no": issued.project_no,
        "doc_type": issued.doc_type.value,
        "title": issued.doc_type.label,
        "file": str(issued.path),
        "sha256": issued.sha256,
        "printed": bool(outcome and outcome.ok),
        "printer": outcome.printer if outcome else "",
        "message": outcome.message if outcome else "已存档，未打印",
        "seq": issued.seq,
    }
    out.emit(
        data, lambda d: kv([("文书", d["title"]), ("存档", d["file"]), ("打印", d["message"] or "已打印")])
    )
    return 0 if outcome is None or outcome.ok else 1


def step(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Run one lifecycle step."""
    from counter_app.cli.server_checks import confirm_enrolled_device, confirm_held_case
    from counter_app.services import case_commands as cmd
    from counter_app.services.case_rows import CaseNotFound

    c, n, no = system_clock, args.clerk, args.project_no.strip().upper()
    if args.step == "accept-corrected":
        result = cmd.accept_corrected(store, c, n, no, args.supplied, args.defer_until)
    elif args.step == "return":
        result = cmd.return_case(store, c, n, no, args.reason)
    elif args.step == "start":
        result = cmd.start_process(store, c, n, no)
    elif args.step == "record":
        result = cmd.record_process(store, c, n, no, args.node, args.action, args.opinion)
    elif args.step == "suspend":
        result = cmd.suspend(store, c, n, no, SuspensionKind(args.kind), args.reason, args.extend_days)
    elif args.step == "resume":
        result = cmd.resume(store, c, n, no, args.outcome)
    elif args.step == "close":
        result = cmd.close_case(
            store,
            c,
            n,
            no,
            ResultCode(args.result),
            args.reason,
            args.cert_name,
            args.cert_no,
            legal_basis=args.basis,
            delivery=args.delivery,
        )
    elif args.step == "deliver":
        try:
            result = cmd.deliver(store, c, n, no, args.method)
        except CaseNotFound:  # perhaps handed here by another window for 统一出件
            owner = confirm_held_case(store, no)
            result = cmd.deliver_handed_over(store, c, n, no, owner, args.method)
    elif args.step == "hand-over":
        confirm_enrolled_device(store, args.to_device.strip())
        result = cmd.hand_over(store, c, n, no, args.to_device, args.note)
    else:
        result = cmd.void_case(store, c, n, no, args.reason, args.deleted)
    data = {
        "project_no": result.project_no,
        "state": result.state.value,
        "state_label": status_label(result.state, result.result),
        "promise_due": result.promise_due.isoformat(timespec="seconds") if result.promise_due else None,
        "seq": result.seq,
    }
    out.emit(data, lambda d: f"{d['project_no']}：{d['state_label']}（事件序号 {d['seq']}）")
    return 0
