"""The supervision office's page in a real headless browser (Debian ``chromium``) against a real
server process: login with the supervisor password, the live hall, the alerts, today's
assessment, and a screenshot (``SC_SHOTS_DIR`` keeps it)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
import requests
from PIL import Image

from counter_app.domain.queue import HALL_TZ
from tests.pg import require_tool
from tests.server.test_assessment_real_server import SUPERVISOR, plant, plant_refusal
from tests.sync.sync_server import ServerProcess

pytestmark = [pytest.mark.slow]


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    require_tool("chromium", "chromium")
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    command += ["--virtual-time-budget=8000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def login_file(folder: Path, server: ServerProcess, password: str) -> str:
    """A local page that posts the login form at once, as a person typing the password would."""
    page = folder / "login.html"
    page.write_text(
        f'<!doctype html><form id="f" method="post" action="{server.url}/supervision/login">'
        f'<input name="password" value="{password}"></form>'
        '<script>document.getElementById("f").submit()</script>',
        encoding="utf-8",
    )
    return page.as_uri()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", settings={"supervisor_token": SUPERVISOR})
    process.start()
    yield process
    process.stop()


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "|", html))


def test_the_supervision_page_in_a_real_browser(server: ServerProcess, tmp_path: Path) -> None:
    today = datetime.now(UTC).astimezone(HALL_TZ).date().isoformat()
    chain = plant(server, today)
    plant_refusal(server, chain, today)  # a 黄牌 on window 1

    anonymous = requests.get(f"{server.url}/supervision", allow_redirects=False, timeout=30)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/supervision/login")
    wrong = requests.post(f"{server.url}/supervision/login", data={"password": "guess"}, timeout=30)
    assert wrong.status_code == 401 and "口令不正确" in wrong.text

    dom = chromium("--dump-dom", login_file(tmp_path, server, SUPERVISOR)).stdout
    assert "<title>电子监察室</title>" in dom
    assert "电子监察室 · 云溪市政务服务中心" in dom
    assert '<div class="win idle" data-window="1"><b>1号</b> 空闲' in dom
    assert '<div class="win offline" data-window="2">' in dom  # a window with no device
    assert "当前无人等候" in dom
    alerts = dom[dom.index('id="alerts"') : dom.index('id="today"')]
    assert (
        '<td class="lvl-黄牌">黄牌</td><td class="left">异常办结或不予受理未填写理由</td><td>1</td>' in alerts
    )
    section = dom[dom.index('id="today"') : dom.index('id="month"')]
    assert f"今日考核（{today} 至 {today}）" in section
    assert f'href="/api/v1/assessment.pdf?day={today}"' in section
    assert "<svg" in section and "考核得分" in section
    row = re.search(r"<tr><td class=\"left\">1号窗口（云溪市市场监督管理局）</td>(.*?)</tr>", section)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    # served, received, wait avg/p90, service avg, on time, overdue, refused, no-show, 差评, rated,
    # alerts, score: (30×0 + 25×0 + 15×100 + 10×100 + 20×(100 − 10)) / 100
    assert cells == [
        "2",
        "2",
        "13.3",
        "20.0",
        "9.5",
        "0.0%",
        "1",
        "50.0%",
        "33.3%",
        "100.0%",
        "100.0%",
        "0/1/0",
        "43.0",
    ]
    assert "三集中、三到位" in section and "本月考核" in dom

    shots = Path(os.environ.get("SC_SHOTS_DIR", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "supervision-page.png"
    chromium(f"--screenshot={shot}", "--window-size=1366,1900", login_file(tmp_path, server, SUPERVISOR))
    with Image.open(shot) as image:
        assert image.size == (1366, 1900)
        # the red header band at the top: the page was drawn, not a blank or an error page
        assert image.convert("RGB").getpixel((5, 5)) == (0xB7, 0x1C, 0x1C)
