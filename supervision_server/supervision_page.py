"""The supervision office's web page (电子监察室): a read-only overview served by this server.

Server-rendered HTML with inline CSS and inline SVG charts: nothing is loaded from elsewhere
(the hall network is closed) and no script runs; the page refreshes itself every minute. It
shows the live hall, the waiting counts, the latest alerts and the assessment of today and of
this month with their CSV and PDF exports. ``/supervision/login`` takes the supervisor password
(or the admin token) and sets the session cookie (supervision_server.supervision_auth).
Ticket kiosks are listed apart from the windows.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from counter_app.domain.device_role import device_label
from supervision_server.api_support import Ctx
from supervision_server.assessment import LEVELS
from supervision_server.assessment_export import key_label
from supervision_server.assessment_report import this_month
from supervision_server.context import ServerContext
from supervision_server.db import read_connection
from supervision_server.rate_limit import RateLimiter
from supervision_server.routes_assessment import build_report, hall_view
from supervision_server.supervision_auth import COOKIE, is_supervisor, password_ok, session_cookie
from supervision_server.supervision_hall import recent_alerts

router = APIRouter(tags=["supervision page"], include_in_schema=False)
MAX_LOGIN_BYTES = 4096
LOGIN_BURST = 10
LOGIN_PER_MINUTE = 5.0

_STYLE = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; margin: 0;
       background: #f3f5f8; color: #1f2933; font-size: 14px; }
header { background: #b71c1c; color: #fff; padding: 12px 20px; font-size: 20px; display: flex;
         justify-content: space-between; align-items: center; }
header a { color: #fff; font-size: 14px; }
main { padding: 12px 20px; }
section { background: #fff; border-radius: 6px; padding: 10px 14px; margin-bottom: 12px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h2 { font-size: 16px; margin: 4px 0 8px; color: #7f1d1d; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d9dee4; padding: 3px 6px; text-align: center; white-space: nowrap; }
th { background: #eef1f4; font-weight: normal; color: #3e4c59; }
td.left { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
.win { width: 118px; border-radius: 6px; padding: 6px 8px; color: #fff; }
.win b { font-size: 18px; } .win small { display: block; opacity: .9; }
.serving { background: #2e7d32; } .idle { background: #607d8b; } .paused { background: #ef6c00; }
.offline { background: #424242; }
.lvl-预警 { color: #b26a00; } .lvl-黄牌 { color: #a68a00; font-weight: bold; } .lvl-红牌 { color: #b71c1c; font-weight: bold; }
.note { color: #52606d; font-size: 12px; }
.links a { margin-right: 12px; }
form.login { max-width: 360px; margin: 60px auto; background: #fff; padding: 20px 24px; border-radius: 8px; }
form.login input { font-size: 16px; width: 100%; box-sizing: border-box; padding: 6px; margin: 8px 0 14px; }
form.login button { font-size: 16px; padding: 6px 20px; background: #b71c1c; color: #fff; border: 0; border-radius: 4px; }
.bad { color: #b71c1c; }
"""


def _page(title: str, body: str, refresh: bool = False) -> str:
    meta = '<meta http-equiv="refresh" content="60">' if refresh else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{meta}<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _cell(value: Any, cls: str = "") -> str:
    text = "—" if value is None or value == "" else str(value)
    return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _min(value: float | None) -> str:
    return "—" if value is None else f"{value / 60:.1f}"


def bar_svg(names: list[str], values: list[float], unit: str, width: int = 560, height: int = 180) -> str:
    """A bar chart as inline SVG (no script, no external file)."""
    if not values:
        return '<p class="note">本期无数据</p>'
    top = max(values) or 1.0
    left, bottom, plot_h = 30, 30, height - 50
    step = (width - left - 10) / len(values)
    bar = min(48.0, max(4.0, step * 0.6))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'font-size="11" font-family="sans-serif">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" stroke="#9aa5b1"/>',
    ]
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        h = plot_h * value / top
        x = left + i * step + (step - bar) / 2
        y = height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#b71c1c"/>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{value:.1f}</text>')
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">{escape(name)}</text>'
        )
    parts.append(f'<text x="{width - 5}" y="12" text-anchor="end" fill="#52606d">{escape(unit)}</text></svg>')
    return "".join(parts)


def _hall_section(hall: dict[str, Any]) -> str:
    tiles = []
    for w in hall["windows"]:
        detail = w["ticket"] or w["pause_reason"] or w["department"] or ""
        if w["device_id"] is None:
            lag = "未登记设备"
        else:
            lag = f"未上报 {w['sync_lag']} 条" if w["sync_lag"] else "已同步"
        tiles.append(
            f'<div class="win {w["state"]}" data-window="{w["window_no"]}"><b>{w["window_no"]}号</b> '
            f"{escape(w['state_label'])}<small>{escape(str(detail))}</small><small>{escape(lag)}</small></div>"
        )
    waiting_rows = (
        "".join(
            f"<tr>{_cell(w['name'], 'left')}{_cell(w['category'])}{_cell(w['count'])}{_cell(_min(w['longest_wait_s']))}</tr>"
            for w in hall["waiting"]
        )
        or '<tr><td colspan="4">当前无人等候</td></tr>'
    )
    return (
        f'<section id="hall"><h2>大厅实况（{escape(hall["business_date"])}）</h2>'
        f'<div class="grid">{"".join(tiles) or "<p>尚无窗口</p>"}</div></section>'
        + _kiosks_section(hall.get("kiosks", []))
        + '<section id="waiting"><h2>等候情况</h2><table><tr><th>业务类别</th><th>号段</th><th>等候人数</th>'
        f"<th>最长等候(分)</th></tr>{waiting_rows}</table></section>"
    )


def _kiosks_section(kiosks: list[dict[str, Any]]) -> str:
    """The ticket kiosks apart from the windows: online or not, last contact, tickets, unsynced events."""
    if not kiosks:
        return ""
    rows = "".join(
        f'<tr data-kiosk="{k["kiosk_no"]}">{_cell(device_label("kiosk", k["kiosk_no"]), "left")}'
        f"{_cell(k['state_label'])}{_cell(k['last_seen'] or '—')}{_cell(k['tickets_today'])}"
        f"{_cell(k['offline_tickets_today'])}{_cell(k['unsynced_events'])}</tr>"
        for k in kiosks
    )
    return (
        '<section id="kiosks"><h2>取号机</h2><table><tr><th>取号机</th><th>状态</th><th>最后联系</th>'
        "<th>今日发号</th><th>其中离线号</th><th>未上报事件</th></tr>"
        f"{rows}</table></section>"
    )


def _alerts_section(alerts: list[dict[str, Any]]) -> str:
    rows = (
        "".join(
            f'<tr>{_cell(a["id"])}<td class="lvl-{escape(a["level"])}">{escape(a["level"])}</td>'
            f"{_cell(a['title'], 'left')}{_cell(a['window_no'])}{_cell(a['project_no'])}"
            f"{_cell(a['detected_at'][:19].replace('T', ' '))}{_cell('已关闭' if a['closed_at'] else '未关闭')}"
            f'<td class="left">{escape(a["message"][:80])}</td></tr>'
            for a in alerts
        )
        or '<tr><td colspan="8">暂无预警</td></tr>'
    )
    return (
        '<section id="alerts"><h2>监察预警（最近 50 条）</h2><table><tr><th>编号</th><th>级别</th><th>规则</th>'
        f"<th>窗口</th><th>办件编号</th><th>发现时间(UTC)</th><th>状态</th><th>说明</th></tr>{rows}</table></section>"
    )


_FIGURES = (
    ("服务人次", lambda f: f["tickets_served"]),
    ("接件", lambda f: f["cases_received"]),
    ("平均等候(分)", lambda f: _min(f["wait_avg_s"])),
    ("90%等候(分)", lambda f: _min(f["wait_p90_s"])),
    ("平均办理(分)", lambda f: _min(f["service_avg_s"])),
    ("按时办结率", lambda f: _pct(f["on_time_rate"])),
    ("超期", lambda f: f["overdue"]),
    ("不予受理率", lambda f: _pct(f["not_accepted_rate"])),
    ("过号率", lambda f: _pct(f["no_show_rate"])),
    ("差评率", lambda f: _pct(f["bad_share"])),
    ("参评率", lambda f: _pct(f["rated_share"])),
    ("预警/黄/红", lambda f: "/".join(str(f["alerts"].get(lv, 0)) for lv in LEVELS)),
    ("考核得分", lambda f: "—" if f["score"] is None else f"{f['score']:.1f}"),
)


def _assessment_section(anchor: str, title: str, body: dict[str, Any], query: str) -> str:
    parts = [
        f'<section id="{anchor}"><h2>{escape(title)}（{body["period"]["start"]} 至 {body["period"]["end"]}）</h2>'
    ]
    links = [f'<a href="/api/v1/assessment.pdf?{query}">下载 PDF 报告</a>'] + [
        f'<a href="/api/v1/assessment.csv?{query}&amp;table={t}">{label} CSV</a>'
        for t, label in (
            ("window", "窗口"),
            ("clerk", "人员"),
            ("department", "部门"),
            ("indicators", "三到位指标"),
        )
    ]
    parts.append(f'<p class="links">{"".join(links)}</p>')
    windows = body["by"]["window"]
    scored = [w for w in windows if w["score"] is not None]
    parts.append(bar_svg([f"{w['key']}号" for w in scored], [w["score"] for w in scored], "考核得分"))
    for dimension, label in (("window", "窗口"), ("clerk", "工作人员")):
        header = "".join(f"<th>{escape(name)}</th>" for name, _ in _FIGURES)
        rows = "".join(
            f"<tr>{_cell(key_label(body, dimension, f['key']), 'left')}"
            + "".join(_cell(get(f)) for _, get in _FIGURES)
            + "</tr>"
            for f in body["by"][dimension]
        )
        hall = body["hall"]
        rows += (
            '<tr><td class="left">全大厅</td>' + "".join(_cell(get(hall)) for _, get in _FIGURES) + "</tr>"
        )
        parts.append(f"<h2>按{label}</h2><table><tr><th>{label}</th>{header}</tr>{rows}</table>")
    if body["indicators"]:
        rows = "".join(
            f"<tr>{_cell(i['dept_name'], 'left')}{_cell(_pct(i['stationed_rate']))}{_cell(_pct(i['authorized_rate']))}"
            f"{_cell(_pct(i['supervised_rate']))}{_cell('、'.join(h['name'] for h in i['hidden_matters']) or '无', 'left')}"
            f"{_cell(i['staff'])}{_cell(i['tickets_served'])}"
            f"{_cell('无数据' if i['register_rate'] is None else _pct(i['register_rate']))}</tr>"
            for i in body["indicators"]
        )
        parts.append(
            "<h2>三集中、三到位</h2><table><tr><th>部门</th><th>进驻到位</th><th>授权到位</th><th>电子监察到位</th>"
            f"<th>明进暗不进</th><th>进驻人员</th><th>服务人次</th><th>登记比对率</th></tr>{rows}</table>"
        )
    parts.append("</section>")
    return "".join(parts)


def overview_html(ctx: ServerContext) -> str:
    """The whole overview page."""
    hall = hall_view(ctx)
    with read_connection(ctx.engine) as conn:
        alerts = recent_alerts(conn, limit=50)
    today = build_report(ctx, None, None, None, None, ("window", "clerk"))
    month_period = this_month(ctx.clock())
    month = build_report(
        ctx, None, None, month_period.start.isoformat(), month_period.end.isoformat(), ("window", "clerk")
    )
    day_query = f"day={today['period']['start']}"
    month_query = f"start={month['period']['start']}&amp;end={month['period']['end']}"
    body = (
        f"<header><span>电子监察室 · {escape(month['hall_name'] or hall['hall_code'])}</span>"
        '<a href="/supervision/logout">退出</a></header><main>'
        + _hall_section(hall)
        + _alerts_section(alerts)
        + _assessment_section("today", "今日考核", today, day_query)
        + _assessment_section("month", "本月考核", month, month_query)
        + '<p class="note">页面每分钟自动刷新。</p></main>'
    )
    return _page("电子监察室", body, refresh=True)


def _login_html(message: str = "") -> str:
    note = f'<p class="bad">{escape(message)}</p>' if message else ""
    return _page(
        "电子监察室登录",
        '<form class="login" method="post" action="/supervision/login"><h2>电子监察室登录</h2>'
        f'{note}<label>监察室口令<input type="password" name="password" autocomplete="current-password" '
        'required autofocus></label><button type="submit">登录</button></form>',
    )


@router.get("/supervision", response_class=HTMLResponse)
async def overview(ctx: Ctx, request: Request) -> Response:
    """The overview, or the login page for someone not signed in."""
    if not is_supervisor(ctx, request, None):
        return RedirectResponse("/supervision/login", status_code=303)
    return HTMLResponse(await run_in_threadpool(overview_html, ctx))


@router.get("/supervision/login", response_class=HTMLResponse)
def login_form(failed: Annotated[int, Query(ge=0, le=1)] = 0) -> HTMLResponse:
    """The login form."""
    return HTMLResponse(_login_html("口令不正确" if failed else ""), status_code=401 if failed else 200)


def _login_wait(request: Request, now: float) -> int:
    """Take a login attempt from the caller's bucket (LOGIN_BURST at once, then LOGIN_PER_MINUTE)."""
    limiter = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        workers = request.app.state.ctx.settings.workers
        limiter = request.app.state.login_limiter = RateLimiter.shared(LOGIN_PER_MINUTE, LOGIN_BURST, workers)
    return limiter.acquire(request.client.host if request.client else "unknown", now)


@router.post("/supervision/login")
async def login(ctx: Ctx, request: Request) -> Response:
    """Check the password; on success set the session cookie and go to the overview. Attempts
    are limited per client address, so the password cannot be guessed at speed."""
    wait = _login_wait(request, ctx.clock().timestamp())
    if wait:
        return HTMLResponse(
            _login_html(f"尝试过于频繁，请 {wait} 秒后再试"),
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    raw = await request.body()
    fields = parse_qs(raw[:MAX_LOGIN_BYTES].decode("utf-8", "replace"))
    given = (fields.get("password") or [""])[0]
    if not given or not password_ok(ctx.settings, given):
        return HTMLResponse(_login_html("口令不正确"), status_code=401)
    response = RedirectResponse("/supervision", status_code=303)
    secure = ctx.settings.ssl_certfile is not None
    response.set_cookie(
        COOKIE,
        session_cookie(ctx.settings, ctx.clock()),
        max_age=int(ctx.settings.supervisor_session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return response


@router.get("/supervision/logout")
def logout() -> Response:
    """Drop the session cookie."""
    response = RedirectResponse("/supervision/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
