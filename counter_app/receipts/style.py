"""Paper formats, colours and paragraph styles of the A4/A5 documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import paragraph as _paragraph_module

from counter_app.receipts.fonts import FONT_NAME, register_fonts
from counter_app.receipts.model import ReceiptDataError

# reportlab's CJK line breaker keeps Japanese closing punctuation off the start of a line but not
# the fullwidth forms Chinese text uses (，；：！？》”): without these a line can start with "，".
_CHINESE_CANNOT_START = "，；：！？》〉”’％）】」』〕…"
if not set(_CHINESE_CANNOT_START) <= set(_paragraph_module.ALL_CANNOT_START):
    _paragraph_module.ALL_CANNOT_START += _CHINESE_CANNOT_START

# Streams are Flate-compressed binary; reportlab's default adds an ASCII85 layer on top, which makes
# every PDF 25 % larger and costs ~5 ms per document in pure-Python encoding. Binary PDF is the norm.
rl_config.useA85 = 0

INK = colors.HexColor("#111111")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#333333")
LIGHT_RULE = colors.HexColor("#9A9A9A")
LABEL_FILL = colors.HexColor("#F1F2F4")


@dataclass(frozen=True)
class Sizes:
    """Page size, margins (pt) and type sizes for one paper format."""

    name: str
    page: tuple[float, float]
    margin_x: float
    margin_top: float
    margin_bottom: float
    body: float
    small: float
    title: float
    hall: float
    label_width: float
    qr: float
    bar_height: float
    bar_module: float
    seal: float
    cell_leading: float  # line height of table cells, in multiples of the font size
    cell_pad: float  # top padding of table cells; the bottom gets 1 pt more
    remark_share: float  # share of the frame width for the remarks column of materials tables

    @property
    def frame_width(self) -> float:
        """Width of the text frame."""
        return self.page[0] - 2 * self.margin_x


A4_SIZES = Sizes(
    name="A4",
    page=A4,
    margin_x=20 * mm,
    margin_top=15 * mm,
    margin_bottom=17 * mm,
    body=10.5,
    small=8.5,
    title=22,
    hall=12,
    label_width=25 * mm,
    qr=30 * mm,
    bar_height=11 * mm,
    bar_module=0.9,
    seal=42 * mm,
    cell_leading=1.35,
    cell_pad=2.5,
    remark_share=0.2,
)
A5_SIZES = Sizes(
    name="A5",
    page=A5,
    margin_x=11 * mm,
    margin_top=8 * mm,
    margin_bottom=11 * mm,
    body=8.5,
    small=7,
    title=15,
    hall=9.5,
    label_width=20 * mm,
    qr=24 * mm,
    bar_height=9 * mm,
    bar_module=0.75,
    seal=31 * mm,
    cell_leading=1.25,
    cell_pad=1.5,
    remark_share=0.16,
)


def sizes_for(pagesize: str) -> Sizes:
    """The sizes for ``"A4"`` or ``"A5"``."""
    if pagesize == "A4":
        return A4_SIZES
    if pagesize == "A5":
        return A5_SIZES
    raise ReceiptDataError(f"unsupported page size {pagesize!r}: use 'A4' or 'A5'")


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one paper format."""

    hall: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    body_indent: ParagraphStyle
    strong: ParagraphStyle
    label: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    head_cell: ParagraphStyle
    small: ParagraphStyle
    note: ParagraphStyle
    small_center: ParagraphStyle
    right: ParagraphStyle
    case_no: ParagraphStyle


@lru_cache(maxsize=4)
def styles_for(sizes: Sizes) -> Styles:
    """Paragraph styles for ``sizes`` (built once per format)."""
    register_fonts()
    base = ParagraphStyle(
        "base",
        fontName=FONT_NAME,
        fontSize=sizes.body,
        leading=sizes.body * 1.5,
        textColor=INK,
        wordWrap="CJK",
    )

    def derive(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    body = sizes.body
    cell = sizes.cell_leading
    return Styles(
        hall=derive("hall", fontSize=sizes.hall, leading=sizes.hall * 1.3, alignment=TA_CENTER),
        title=derive(
            "title", fontSize=sizes.title, leading=sizes.title * 1.25, alignment=TA_CENTER, textColor=INK
        ),
        subtitle=derive("subtitle", fontSize=body, alignment=TA_CENTER, textColor=GREY),
        heading=derive("heading", fontSize=body * 1.1, leading=body * 1.6, spaceBefore=body * 0.4),
        body=derive("body", alignment=TA_LEFT, leading=body * 1.75),
        body_indent=derive("body_indent", firstLineIndent=body * 2, leading=body * 1.75),
        strong=derive("strong", leading=body * 1.75, firstLineIndent=body * 2),
        label=derive("label", fontSize=body * 0.95, leading=body * cell, textColor=GREY),
        cell=derive("cell", leading=body * cell),
        cell_center=derive("cell_center", leading=body * cell, alignment=TA_CENTER),
        head_cell=derive("head_cell", leading=body * cell, alignment=TA_CENTER),
        small=derive("small", fontSize=sizes.small, leading=sizes.small * 1.55, textColor=GREY),
        note=derive(  # numbered note: wrapped lines align after the "1. "
            "note",
            fontSize=sizes.small,
            leading=sizes.small * 1.55,
            textColor=GREY,
            leftIndent=sizes.small * 1.1,
            firstLineIndent=-sizes.small * 1.1,
        ),
        small_center=derive(
            "small_center", fontSize=sizes.small, leading=sizes.small * 1.4, alignment=TA_CENTER
        ),
        right=derive("right", alignment=TA_RIGHT),
        case_no=derive("case_no", fontSize=body * 1.15, leading=body * 1.6),
    )
