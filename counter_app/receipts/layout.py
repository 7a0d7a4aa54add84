"""Layout helpers of the A4/A5 documents: text formats, the document builder and ruled grids.

Every document is a platypus story: paragraphs wrap CJK text anywhere, tables repeat their
header row on the next page, and the footer prints "第 i 页 共 n 页" on every page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from reportlab.platypus import Flowable, Frame, PageTemplate, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from counter_app.receipts.flowables import NumberedCanvas, cell
from counter_app.receipts.fonts import FONT_NAME, RENDER_LOCK, register_fonts
from counter_app.receipts.style import LABEL_FILL, RULE, Sizes, Styles


def format_datetime(value: datetime) -> str:
    """``2026年11月25日 09:32``."""
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def format_date(value: date | datetime) -> str:
    """``2026年11月25日``."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_due(value: datetime) -> str:
    """A due time: the date alone when it is a whole day (00:00 or 23:59), else date and time."""
    if (value.hour, value.minute) in ((0, 0), (23, 59)):
        return format_date(value)
    return format_datetime(value)


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """A number from 0 to 999 in Chinese numerals, as written in legal text: 60 -> 六十, 15 -> 十五."""
    if not 0 <= n <= 999:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _DIGITS[rest]
    return head + (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else ""))


def window_text(window_no: str | int) -> str:
    """``3`` -> ``3号窗口``; a value already ending in 窗口 is kept."""
    text = str(window_no).strip()
    return text if text.endswith("窗口") else f"{text}号窗口"


def build_pdf(
    story: list[Flowable], sizes: Sizes, *, title: str, author: str, footer_left: str, copy_mark: str = ""
) -> bytes:
    """Lay out ``story`` on ``sizes`` pages and return the PDF bytes.

    Output is reproducible (reportlab invariant mode): the PDF carries no creation time, only the
    dates printed on the document. ``copy_mark`` (e.g. "补打（第1次）2026-11-29 10:30") is printed at
    the top of every page of a reprint, so that nobody takes it for the original.
    """
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=sizes.page,
        leftMargin=sizes.margin_x,
        rightMargin=sizes.margin_x,
        topMargin=sizes.margin_top,
        bottomMargin=sizes.margin_bottom,
        title=title,
        author=author,
        creator="Service Counter",
        invariant=1,
        pageCompression=1,
        initialFontName=FONT_NAME,
        initialFontSize=sizes.body,
        lang="zh-CN",
    )
    frame = Frame(
        sizes.margin_x,
        sizes.margin_bottom,
        sizes.frame_width,
        sizes.page[1] - sizes.margin_top - sizes.margin_bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    with RENDER_LOCK:
        doc.build(
            story,
            canvasmaker=partial(NumberedCanvas, footer_left=footer_left, sizes=sizes, copy_mark=copy_mark),
        )
    return buffer.getvalue()


CELL_PAD_X = 4


def grid_style(sizes: Sizes, extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    """Thin ruled grid with padded cells, vertically centred."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # string cells too: no Helvetica in the PDF
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), sizes.cell_pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), sizes.cell_pad + 1),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
            *extra,
        ]
    )


def plain_style(extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    """A layout table: no lines, no padding."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            *extra,
        ]
    )


Row = tuple[str, str] | tuple[str, str, str, str]


def info_grid(rows: Sequence[Row], sizes: Sizes, styles: Styles) -> Table:
    """Label/value grid of four columns; a two-item row spans its value over three columns."""
    label_w = sizes.label_width
    value_w = (sizes.frame_width - 2 * label_w) / 2
    inner = 2 * CELL_PAD_X
    label_room, value_room, span_room = label_w - inner, value_w - inner, 2 * value_w + label_w - inner
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), styles.cell.textColor),
    ]
    for index, row in enumerate(rows):
        if len(row) == 2:
            data.append(
                [cell(row[0], styles.label, label_room), cell(row[1], styles.cell, span_room), "", ""]
            )
            commands.append(("SPAN", (1, index), (3, index)))
        else:
            data.append(
                [
                    cell(row[0], styles.label, label_room),
                    cell(row[1], styles.cell, value_room),
                    cell(row[2], styles.label, label_room),
                    cell(row[3], styles.cell, value_room),
                ]
            )
            commands += [
                ("BACKGROUND", (2, index), (2, index), LABEL_FILL),
                ("FONTSIZE", (2, index), (2, index), styles.label.fontSize),
                ("TEXTCOLOR", (2, index), (2, index), styles.label.textColor),
            ]
    commands += [
        ("BACKGROUND", (0, 0), (0, -1), LABEL_FILL),
        ("FONTSIZE", (0, 0), (0, -1), styles.label.fontSize),
        ("TEXTCOLOR", (0, 0), (0, -1), styles.label.textColor),
    ]
    return Table(
        data,
        colWidths=[label_w, value_w, label_w, value_w],
        style=grid_style(sizes, commands),
        hAlign="CENTER",
    )
