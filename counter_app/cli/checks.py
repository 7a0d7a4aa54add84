"""check-id, check-uscc, check-phone: the verdict and the message a clerk would see."""

from __future__ import annotations

import argparse
from typing import Any

from counter_app.cli.output import Output
from counter_app.domain.validation import check_contact_phone, check_resident_id, check_uscc
from counter_app.services.clock import system_clock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the check commands."""
    for name, help_text in (
        ("check-id", "校验18位居民身份证号码（GB 11643 校验位、出生日期）"),
        ("check-uscc", "校验统一社会信用代码（GB 32100 校验位，含 A/N/Y 开头的代码）"),
        ("check-phone", "校验联系电话（手机或带区号的固定电话）"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("value", help="要校验的号码")
        p.set_defaults(func=run, kind=name)


def run(args: argparse.Namespace, out: Output) -> int:
    """Check one value; exit status 0 when valid (warnings allowed), 1 when not."""
    result: Any
    if args.kind == "check-id":
        result = check_resident_id(args.value, system_clock().date())
        extra = {"birth_date": result.birth_date, "sex": result.sex}
    elif args.kind == "check-uscc":
        result = check_uscc(args.value)
        extra = {"region_code": result.region_code, "org_code": result.org_code}
    else:
        result = check_contact_phone(args.value)
        extra = {"kind": result.kind}
    data = {
        "ok": result.ok,
        "normalized": result.normalized,
        "issues": [i.as_dict() for i in result.issues],
        **{k: (str(v) if v is not None else None) for k, v in extra.items()},
    }

    def render(d: dict[str, Any]) -> str:
        lines = [f"{'✓ 有效' if d['ok'] else '✗ 无效'}：{d['normalized']}"]
        for issue in d["issues"]:
            mark = "提示" if issue["warning"] else "错误"
            lines.append(f"  {mark} [{issue['code']}] {issue['message']}")
        lines.extend(f"  {k}：{v}" for k, v in extra.items() if v is not None)
        return "\n".join(lines)

    out.emit(data, render)
    return 0 if result.ok else 1
