"""The assessment as a spreadsheet (CSV, UTF-8 with BOM) and as a PDF report with charts, in Chinese.

Cells are made safe with the client's own :func:`counter_app.domain.spreadsheet.csv_cell` (a
clerk's or a department's name must never run as a formula in the office that opens the file).
The PDF draws its text with the hall's shipped CJK font (resources/fonts) and its charts with
reportlab graphics: the score of each window, the average wait of each category, and the alerts
by level.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from collections.abc import Callable
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from counter_app.domain.spreadsheet import csv_cell
from counter_app.resources import PRIMARY_FONT_FILE, resources_dir
from supervision_server.assessment import DIMENSION_LABELS, ITEM_LABELS, LEVELS

FONT = "SCAssessmentCJK"
_LOCK = threading.Lock()  # reportlab's font state is shared: one report drawn at a time


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _minutes(value: Any) -> str:
    return "—" if value is None else f"{value / 60:.1f}"


def _hours(value: Any) -> str:
    return f"{(value or 0) / 3600:.1f}"


def _num(value: Any) -> str:
    return "—" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))


Column = tuple[str, Callable[[dict[str, Any]], str]]
FIGURE_COLUMNS: list[Column] = [
    ("服务人次", lambda f: str(f["tickets_served"])),
    ("接件", lambda f: str(f["cases_received"])),
    ("受理", lambda f: str(f["cases_accepted"])),
    ("即办占比", lambda f: _pct(f["instant_share"])),
    ("平均等候(分)", lambda f: _minutes(f["wait_avg_s"])),
    ("90%等候(分)", lambda f: _minutes(f["wait_p90_s"])),
    ("平均办理(分)", lambda f: _minutes(f["service_avg_s"])),
    ("90%办理(分)", lambda f: _minutes(f["service_p90_s"])),
    ("按时办结率", lambda f: _pct(f["on_time_rate"])),
    ("超期", lambda f: str(f["overdue"])),
    ("不予受理率", lambda f: _pct(f["not_accepted_rate"])),
    ("补正率", lambda f: _pct(f["correction_rate"])),
    ("过号率", lambda f: _pct(f["no_show_rate"])),
    ("差评率", lambda f: _pct(f["bad_share"])),
    ("平均评价", lambda f: _num(f["avg_level"])),
    ("参评率", lambda f: _pct(f["rated_share"])),
    *[(level, (lambda lv: lambda f: str(f["alerts"].get(lv, 0)))(level)) for level in LEVELS],
    ("空闲(时)", lambda f: _hours(f["idle_s"])),
    ("暂停(时)", lambda f: _hours(f["paused_s"])),
    ("考核得分", lambda f: _num(f["score"])),
]

INDICATOR_COLUMNS: list[Column] = [
    ("部门", lambda i: i["dept_name"]),
    ("进驻到位", lambda i: f"{_pct(i['stationed_rate'])}（{i['items_in_hall']}/{i['items']}）"),
    ("授权到位", lambda i: f"{_pct(i['authorized_rate'])}（{i['items_decided']}/{i['items_in_hall']}）"),
    ("电子监察到位", lambda i: f"{_pct(i['supervised_rate'])}（{i['reached_in_hour']}/{i['hall_cases']}）"),
    ("明进暗不进", lambda i: "、".join(h["name"] for h in i["hidden_matters"]) or "无"),
    ("窗口", lambda i: str(i["windows"])),
    ("进驻人员", lambda i: str(i["staff"])),
    ("服务人次", lambda i: str(i["tickets_served"])),
    ("人均服务", lambda i: _num(i["tickets_per_staff"])),
    ("登记比对率", lambda i: "无数据" if i["register_rate"] is None else _pct(i["register_rate"])),
]


def key_label(report: dict[str, Any], dimension: str, key: str) -> str:
    """How a group is named: 3号窗口（市场监管局）, a department's or category's name, a clerk's id."""
    names = report["labels"]
    if dimension == "window":
        dept = names["window"].get(key)
        return f"{key}号窗口" + (f"（{dept}）" if dept else "")
    if dimension in ("department", "category"):
        name = names[dimension].get(key)
        return f"{name}（{key}）" if name else key
    return key


def csv_text(report: dict[str, Any], table: str) -> str:
    """One table of the report as CSV text (``table``: a dimension or ``indicators``); write it
    with a BOM (``utf-8-sig``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    period = report["period"]
    writer.writerow([csv_cell(f"统计期间 {period['start']} 至 {period['end']}")])
    if table == "indicators":
        writer.writerow([name for name, _ in INDICATOR_COLUMNS])
        for ind in report["indicators"]:
            writer.writerow([csv_cell(get(ind)) for _, get in INDICATOR_COLUMNS])
        return out.getvalue()
    writer.writerow([DIMENSION_LABELS[table], *[name for name, _ in FIGURE_COLUMNS]])
    for fig in report["by"][table]:
        writer.writerow(
            [
                csv_cell(key_label(report, table, fig["key"])),
                *[csv_cell(get(fig)) for _, get in FIGURE_COLUMNS],
            ]
        )
    hall = report["hall"]
    writer.writerow(["全大厅", *[csv_cell(get(hall)) for _, get in FIGURE_COLUMNS]])
    return out.getvalue()


# -- PDF -----------------------------------------------------------------------------------------


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(resources_dir() / "fonts" / PRIMARY_FONT_FILE)))
    return FONT


def _bar_chart(
    title: str, names: list[str], values: list[float], unit: str, width: float, whole: bool = False
) -> Drawing:
    """A bar chart; many or long names are slanted, and bar values are printed when few bars fit."""
    drawing = Drawing(width, 62 * mm)
    drawing.add(String(0, 57 * mm, title, fontName=FONT, fontSize=10))
    if not values:
        drawing.add(String(10, 28 * mm, "本期无数据", fontName=FONT, fontSize=9, fillColor=colors.grey))
        return drawing
    slanted = len(names) > 6 or max(len(n) for n in names) > 4
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, (16 if slanted else 10) * mm
    chart.width, chart.height = width - 20 * mm, (36 if slanted else 42) * mm
    chart.data = [values]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6 if len(names) > 12 else 7
    chart.categoryAxis.labels.angle = 45 if slanted else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if slanted else "n"
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(values)
    if whole:  # counts: whole steps, and an axis even when every count is 0
        step = max(1, math.ceil(top / 5))
        chart.valueAxis.valueStep = step
        chart.valueAxis.valueMax = max(step * 5, step * math.ceil(top / step))
        chart.valueAxis.labelTextFormat = "%d"
    chart.bars[0].fillColor = colors.HexColor("#b71c1c")
    if len(values) <= 12:
        chart.barLabelFormat = "%d" if whole else "%.1f"
        chart.barLabels.fontName = FONT
        chart.barLabels.fontSize = 6
        chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(width - 20 * mm, 57 * mm, unit, fontName=FONT, fontSize=8, fillColor=colors.grey))
    return drawing


def _table(
    header: list[str], rows: list[list[str]], style: ParagraphStyle, widths: list[float] | None = None
) -> Table:
    cells = [[Paragraph(text, style) for text in row] for row in [header, *rows]]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e7eb")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def pdf_bytes(report: dict[str, Any]) -> bytes:
    """The report as an A4 landscape PDF: summary, charts, a table per dimension, the indicators."""
    with _LOCK:
        font = _font()
        title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
        heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=8)
        body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
        small = ParagraphStyle("small", fontName=font, fontSize=6.5, leading=8, wordWrap="CJK")
        page = landscape(A4)
        usable = page[0] - 24 * mm
        period = report["period"]
        story: list[Any] = [
            Paragraph(f"{report['hall_name'] or '政务服务中心'} 窗口考核报告", title),
            Paragraph(
                f"统计期间：{period['start']} 至 {period['end']}　　截至：{report['as_of'][:16].replace('T', ' ')}",
                body,
            ),
        ]
        hall = report["hall"]
        summary = [
            ("服务人次", str(hall["tickets_served"])),
            ("接件", str(hall["cases_received"])),
            ("按时办结率", _pct(hall["on_time_rate"])),
            ("超期", str(hall["overdue"])),
            ("平均等候(分)", _minutes(hall["wait_avg_s"])),
            ("差评率", _pct(hall["bad_share"])),
            ("预警/黄牌/红牌", "/".join(str(hall["alerts"].get(lv, 0)) for lv in LEVELS)),
        ]
        story += [Spacer(1, 3 * mm), _table([k for k, _ in summary], [[v for _, v in summary]], body)]
        windows = report["by"].get("window", [])
        scored = [w for w in windows if w["score"] is not None]
        categories = [c for c in report["by"].get("category", []) if c["wait_avg_s"] is not None]
        charts = Table(
            [
                [
                    _bar_chart(
                        "各窗口考核得分",
                        [f"{w['key']}号" for w in scored],
                        [w["score"] for w in scored],
                        "分",
                        usable / 3,
                    ),
                    _bar_chart(
                        "各类别平均等候",
                        [key_label(report, "category", c["key"]) for c in categories],
                        [round(c["wait_avg_s"] / 60, 1) for c in categories],
                        "分钟",
                        usable / 3,
                    ),
                    _bar_chart(
                        "监察预警（按级别）",
                        list(LEVELS),
                        [float(hall["alerts"].get(lv, 0)) for lv in LEVELS],
                        "条",
                        usable / 3,
                        whole=True,
                    ),
                ]
            ]
        )
        story += [Spacer(1, 4 * mm), charts]
        for dimension, figures in report["by"].items():
            story.append(Paragraph(f"按{DIMENSION_LABELS[dimension]}统计", heading))
            header = [DIMENSION_LABELS[dimension], *[name for name, _ in FIGURE_COLUMNS]]
            rows = [
                [key_label(report, dimension, f["key"]), *[get(f) for _, get in FIGURE_COLUMNS]]
                for f in figures
            ]
            rows.append(["全大厅", *[get(hall) for _, get in FIGURE_COLUMNS]])
            first = 28 * mm
            widths = [first] + [(usable - first) / len(FIGURE_COLUMNS)] * len(FIGURE_COLUMNS)
            story.append(_table(header, rows, small, widths))
        if report["indicators"]:
            story.append(Paragraph("三集中、三到位指标", heading))
            rows = [[get(i) for _, get in INDICATOR_COLUMNS] for i in report["indicators"]]
            story.append(_table([name for name, _ in INDICATOR_COLUMNS], rows, small))
        sheet = report["score_sheet"]
        weights = "，".join(f"{ITEM_LABELS.get(k, k)} {v:g}" for k, v in sheet["weights"].items())
        story.append(Paragraph(f"评分表：权重 {weights}；目标等候 {sheet['wait_target_min']:g} 分钟。", body))
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=page,
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title="窗口考核报告",
            author="电子监察系统",
        )
        doc.build(story)
        return out.getvalue()
