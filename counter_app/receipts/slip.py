"""排队小票: the kiosk's ticket slip as a PDF on 80 mm thermal paper, page height fitted to content.

80 mm paper has 72 mm printable; the page is 80 mm wide with 4 mm side margins so that a driver
printing "actual size" puts the content in the printable band. Everything is pure black: a thermal
head prints dots or no dots, and grey comes out as a ragged dither.
"""

from __future__ import annotations

import io

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Frame, PageTemplate, Spacer
from reportlab.platypus.doctemplate import BaseDocTemplate

from counter_app.receipts.codes import QRFlowable
from counter_app.receipts.flowables import Rule, bold, para
from counter_app.receipts.fonts import FONT_NAME, RENDER_LOCK, register_fonts
from counter_app.receipts.model import TicketSlip
from counter_app.receipts.style import INK

PAPER_WIDTH = 80 * mm
PRINTABLE_WIDTH = 72 * mm
MARGIN_X = (PAPER_WIDTH - PRINTABLE_WIDTH) / 2
MARGIN_Y = 4 * mm
QR_SIZE = 30 * mm
RATING_CAPTION = "扫码评价 · 政务服务“好差评”"


def _style(name: str, size: float, *, leading: float = 1.35) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT_NAME,
        fontSize=size,
        leading=size * leading,
        alignment=TA_CENTER,
        textColor=INK,
        wordWrap="CJK",
    )


def ahead_text(people_ahead: int) -> str:
    """``您前面还有 N 人等候``, or a line saying the holder is next."""
    if people_ahead == 0:
        return "您前面没有人等候，请留意叫号"
    return f"您前面还有 {people_ahead} 人等候"


def holder_text(name: str) -> str:
    """``取号人：王𠮷``."""
    return f"取号人：{name}"


def _story(data: TicketSlip) -> list[Flowable]:
    register_fonts()
    number_size = 46 if len(data.ticket_no) <= 5 else 32
    story: list[Flowable] = [
        para(data.hall_name, _style("slip_hall", 10.5)),
        Rule(thickness=0.6, color=INK, space=3),
        para(data.category_name, _style("slip_category", 12)),
        Spacer(1, 2),
        bold(data.ticket_no, _style("slip_number", number_size, leading=1.1)),
        Spacer(1, 4),
        bold(ahead_text(data.people_ahead), _style("slip_ahead", 11)),
    ]
    if data.holder_name:
        story.append(para(holder_text(data.holder_name), _style("slip_holder", 10.5)))
    story.append(para(f"取号时间：{data.issued_at:%Y-%m-%d %H:%M:%S}", _style("slip_time", 9)))
    if data.window_hint:
        story.append(para(data.window_hint, _style("slip_hint", 9.5)))
    story += [
        Rule(thickness=0.6, color=INK, space=4),
        _Centered(QRFlowable(data.rating_url, QR_SIZE)),
        para(RATING_CAPTION, _style("slip_rate", 9)),
    ]
    if data.footer:
        story.append(para(data.footer, _style("slip_footer", 8)))
    return story


class _Centered(Flowable):
    """Centres a fixed-size flowable in the frame."""

    def __init__(self, inner: Flowable) -> None:
        super().__init__()
        self.inner = inner
        self.width = 0.0
        self.height = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Take the frame width, the inner height."""
        _, self.height = self.inner.wrap(availWidth, availHeight)
        self.width = availWidth
        return self.width, self.height

    def draw(self) -> None:
        """Draw the inner flowable centred."""
        inner_width, _ = self.inner.wrap(self.width, self.height)
        self.inner.drawOn(self.canv, (self.width - inner_width) / 2, 0)


def _content_height(story: list[Flowable]) -> float:
    total = 0.0
    previous_after = 0.0
    for flowable in story:
        _, height = flowable.wrap(PRINTABLE_WIDTH, 10_000)
        before = flowable.getSpaceBefore()
        total += height + max(before, previous_after) if total else height
        previous_after = flowable.getSpaceAfter()
    return total


def render_ticket_slip(data: TicketSlip) -> bytes:
    """Render a ticket slip PDF 80 mm wide (72 mm printable), its height fitted to the content.

    Shows the hall, the category, the ticket number in large type, the people ahead, the time, the
    window hint and a QR code for the 好差评 rating. Returns the PDF bytes.
    """
    story = _story(data)
    # A little slack: frame arithmetic rounds, and a slip must never spill onto a second page.
    height = _content_height(story) + 2 * MARGIN_Y + 6
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAPER_WIDTH, height),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_Y,
        bottomMargin=MARGIN_Y,
        title=f"排队小票 {data.ticket_no}",
        author=data.hall_name,
        creator="Service Counter",
        invariant=1,
        pageCompression=1,
        initialFontName=FONT_NAME,
        lang="zh-CN",
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_Y,
        PRINTABLE_WIDTH,
        height - 2 * MARGIN_Y,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="slip",
    )
    doc.addPageTemplates([PageTemplate(id="slip", frames=[frame])])
    with RENDER_LOCK:
        doc.build(story)
    return buffer.getvalue()
