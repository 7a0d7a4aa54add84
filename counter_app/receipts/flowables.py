"""Flowables and the page canvas of the documents: bold-by-stroke paragraphs, rules, the seal
area, and a canvas that numbers pages "第 i 页 共 n 页"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from counter_app.receipts.fonts import FONT_NAME, draw_text, in_main_font, markup, text_width
from counter_app.receipts.style import A4_SIZES, GREY, INK, LIGHT_RULE, RULE, Sizes


class BoldParagraph(Paragraph):
    """A paragraph drawn with filled and stroked glyphs: bold weight from a font that has none."""

    stroke_ratio = 0.035

    def draw(self) -> None:
        """Draw the paragraph in text render mode 2 (fill, then stroke)."""
        canv = self.canv
        canv.saveState()
        # Text render mode is graphics state: set it in an empty text object, it holds until restore.
        mode = canv.beginText()
        mode.setTextRenderMode(2)
        canv.drawText(mode)
        canv.setLineWidth(self.style.fontSize * self.stroke_ratio)
        canv.setStrokeColor(self.style.textColor)
        super().draw()
        canv.restoreState()


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped; each character in the font of the chain that draws it)."""
    return Paragraph(markup(text), style)


def cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A table cell for ``text``: a plain string when it fits on one line in ``width``, else a paragraph.

    String cells are drawn by the table itself, several times faster than a paragraph; the table
    style must give them the font size, leading and colour of ``style``.
    """
    if "\n" not in text and in_main_font(text) and stringWidth(text, FONT_NAME, style.fontSize) <= width:
        return text
    return para(text, style)


def bold(text: str, style: ParagraphStyle) -> BoldParagraph:
    """A bold paragraph of plain text."""
    return BoldParagraph(markup(text), style)


class Rule(Flowable):
    """A horizontal rule: one line, or a thick line over a thin one (the header's double rule)."""

    def __init__(self, thickness: float = 0.6, color: Any = RULE, double: bool = False, space: float = 4):
        super().__init__()
        self.thickness = thickness
        self.color = color
        self.double = double
        self.space = space
        self.width = 0.0
        self.height = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Full frame width."""
        self.width = availWidth
        self.height = self.space * 2 + self.thickness + (self.thickness * 0.5 + 1.6 if self.double else 0)
        return self.width, self.height

    def draw(self) -> None:
        """Draw the line(s)."""
        canv = self.canv
        canv.setStrokeColor(self.color)
        y = self.height - self.space - self.thickness / 2
        canv.setLineWidth(self.thickness)
        canv.line(0, y, self.width, y)
        if self.double:
            thin = self.thickness * 0.35
            y2 = y - self.thickness / 2 - 1.6 - thin / 2
            canv.setLineWidth(thin)
            canv.line(0, y2, self.width, y2)


class SealArea(Flowable):
    """Signature and seal area: a dashed circle where the stamp goes, the issuer and the date over it."""

    def __init__(self, lines: Sequence[str], seal_label: str, sizes: Sizes, width: float):
        super().__init__()
        self.lines = list(lines)
        self.seal_label = seal_label
        self.sizes = sizes
        self.width = width
        self.height = sizes.seal + sizes.body * 0.8

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the circle, the seal label and the issuer lines."""
        canv = self.canv
        size = self.sizes.body
        radius = self.sizes.seal / 2
        cx = self.width / 2
        cy = self.height - radius
        canv.saveState()
        canv.setStrokeColor(LIGHT_RULE)
        canv.setLineWidth(0.6)
        canv.setDash(2.5, 2)
        canv.circle(cx, cy, radius)
        canv.restoreState()
        canv.setFillColor(GREY)
        draw_text(canv, cx, cy + radius * 0.42, self.seal_label, size * 0.9, "centre")
        canv.setFillColor(INK)
        # Shrink the issuer's name to the circle when it is long: it should sit inside the stamp.
        widest = max((text_width(line, size) for line in self.lines), default=0)
        if widest > radius * 1.8:
            size *= radius * 1.8 / widest
        y = cy - size * 0.3
        for line in self.lines:
            draw_text(canv, cx, y, line, size, "centre")
            y -= size * 1.6


class NumberedCanvas(Canvas):
    """Canvas that prints the footer "第 i 页 共 n 页" once the page count is known, and the copy
    mark of a reprint (补打…) boxed at the top right of every page."""

    def __init__(
        self,
        *args: Any,
        footer_left: str = "",
        sizes: Sizes = A4_SIZES,
        copy_mark: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer_left = footer_left
        self._sizes = sizes
        self._copy_mark = copy_mark

    def showPage(self) -> None:
        """Keep the page's state; pages are emitted in :meth:`save`."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every page's footer with the total, then write the file."""
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            if self._copy_mark:
                self._draw_copy_mark()
            super().showPage()
        super().save()

    def _draw_copy_mark(self) -> None:
        sizes = self._sizes
        size = sizes.body
        text_w = self.stringWidth(self._copy_mark, FONT_NAME, size)
        pad = size * 0.4
        right = sizes.page[0] - sizes.margin_x
        top = sizes.page[1] - sizes.margin_top * 0.35
        self.saveState()
        self.setStrokeColor(INK)
        self.setLineWidth(0.8)
        self.rect(right - text_w - 2 * pad, top - size - 2 * pad, text_w + 2 * pad, size + 2 * pad)
        self.setFont(FONT_NAME, size)
        self.setFillColor(INK)
        self.drawRightString(right - pad, top - size - pad * 0.6, self._copy_mark)
        self.restoreState()

    def _draw_footer(self, total: int) -> None:
        sizes = self._sizes
        width = sizes.page[0]
        y = sizes.margin_bottom * 0.5
        self.saveState()
        self.setStrokeColor(LIGHT_RULE)
        self.setLineWidth(0.4)
        self.line(sizes.margin_x, y + sizes.small * 1.4, width - sizes.margin_x, y + sizes.small * 1.4)
        self.setFillColor(GREY)
        if self._footer_left:
            draw_text(self, sizes.margin_x, y, self._footer_left, sizes.small)
        self.setFont(FONT_NAME, sizes.small)
        self.drawRightString(width - sizes.margin_x, y, f"第 {self._pageNumber} 页 共 {total} 页")
        self.restoreState()
