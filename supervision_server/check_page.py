"""The page a citizen reaches by scanning the QR code on a receipt: ``/check?no=…&code=…``.

Plain server-rendered HTML in Chinese, readable on any phone, no script. It says whether the
case is on the supervision server's books, and in what state, without showing personal data
beyond a masked name; a wrong code and an unknown case read the same.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from supervision_server.api_support import Ctx
from supervision_server.hall_contact import complaint_line
from supervision_server.receipt_check import check_receipt, check_wait, rate_limited_message

router = APIRouter(tags=["public"])

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>办件真实性核验</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       margin: 0; background: #f3f5f8; color: #1f2933; }}
header {{ background: #b71c1c; color: #fff; padding: 16px 20px; font-size: 20px; }}
main {{ max-width: 560px; margin: 20px auto; background: #fff; border-radius: 8px; padding: 20px 24px;
       box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
.ok {{ color: #1b5e20; font-size: 18px; font-weight: bold; }}
.bad {{ color: #b71c1c; font-size: 18px; font-weight: bold; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 12px; }}
th {{ text-align: left; color: #52606d; font-weight: normal; width: 7em; padding: 6px 0; vertical-align: top; }}
td {{ padding: 6px 0; }}
input {{ font-size: 16px; padding: 6px; width: 100%; box-sizing: border-box; margin: 4px 0 12px; }}
button {{ font-size: 16px; padding: 8px 20px; background: #b71c1c; color: #fff; border: 0; border-radius: 4px; }}
p.note {{ color: #52606d; font-size: 14px; }}
</style></head>
<body><header>办件真实性核验</header><main>{body}</main></body></html>"""

_FORM = """<form method="get" action="/check">
<label>办件编号<input name="no" value="{no}" maxlength="50" required></label>
<label>核验码<input name="code" value="{code}" maxlength="64" required></label>
<button type="submit">核验</button></form>
<p class="note">办件编号和核验码印在受理回执、一次性告知书或不予受理通知书上。</p>"""


def _when(value: Any, with_time: bool) -> str:
    """An ISO time as a citizen reads it: 2026年11月25日 09:30 (or the date alone)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    text = f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{text} {moment:%H:%M}" if with_time else text


def _row(label: str, value: Any) -> str:
    return (
        f"<tr><th>{escape(label)}</th><td>{escape(str(value)) if value not in (None, '') else '—'}</td></tr>"
    )


@router.get(
    "/check",
    response_class=HTMLResponse,
    responses={
        404: {"description": "No such case, or a wrong code (the same page)", "content": {"text/html": {}}},
        429: {
            "description": "Too many checks from this address (see Retry-After)",
            "content": {"text/html": {}},
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        },
    },
    summary="Receipt check page for citizens (扫码核验)",
)
def check_page(
    ctx: Ctx,
    request: Request,
    no: Annotated[str, Query(max_length=50)] = "",
    code: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """An HTML page: a form when nothing is given, else the verdict for that case number and code."""
    form = _FORM.format(no=escape(no), code=escape(code))
    if not no or not code:
        return HTMLResponse(_PAGE.format(body=form))
    wait = check_wait(request)
    if wait:
        body = f'<p class="bad">查询过于频繁</p><p>{escape(rate_limited_message(wait))}</p>' + form
        return HTMLResponse(_PAGE.format(body=body), status_code=429, headers={"Retry-After": str(wait)})
    found = check_receipt(ctx.engine, no.strip(), code.strip(), ctx.clock())
    if found is None:
        body = (
            '<p class="bad">未查到该办件</p><p>请核对办件编号和核验码。如果您持有窗口出具的回执却查不到，'
            f"{escape(complaint_line(ctx))}，我们将核查。</p>" + form
        )
        return HTMLResponse(_PAGE.format(body=body), status_code=404)
    due = _when(found["promise_due"], False) if found.get("promise_due") else ""
    if due and found.get("promise_estimated"):
        due += "（预计）"
    rows = "".join(
        [
            _row("办件编号", found["project_no"]),
            _row("事项名称", found.get("item_name")),
            _row("申请人", found.get("applicant_name")),
            _row("当前状态", found.get("state_label")),
            _row("受理时间", _when(found["accepted_at"], True) if found.get("accepted_at") else ""),
            _row("承诺办结", due),
        ]
    )
    body = f'<p class="ok">✓ 该办件已在电子监察系统登记</p><table>{rows}</table>'
    return HTMLResponse(_PAGE.format(body=body))
