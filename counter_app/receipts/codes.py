"""Code128 and QR codes drawn as vector rectangles on a reportlab canvas.

Bars and modules are filled rectangles in the PDF, not embedded images: they stay sharp at any
print resolution and keep the file small. They go into the page as one path of ``re`` operators
per code, which is some 20 times faster than building reportlab ``Drawing`` shapes.

- :class:`RectWriter` is a python-barcode writer whose output is the list of bar rectangles.
- :class:`Code128Flowable` fits the module width to the space the layout gives it.
- :class:`QRFlowable` draws a QR code from the ``qrcode`` package's module matrix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import qrcode
from barcode.codex import Code128
from barcode.writer import BaseWriter
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

QUIET_ZONE_MODULES = 10  # ISO/IEC 15417 asks for at least 10 modules each side
QR_BORDER_MODULES = 4  # ISO/IEC 18004 quiet zone

Rect = tuple[float, float, float, float]  # x, y, width, height in points


def fill_rects(canv: Canvas, rects: Iterable[Rect]) -> None:
    """Fill ``rects`` in black as a single path."""
    ops = " ".join(f"{x:.3f} {y:.3f} {w:.3f} {h:.3f} re" for x, y, w, h in rects)
    if not ops:
        return
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.addLiteral(ops + " f")
    canv.restoreState()


class RectWriter(BaseWriter):
    """python-barcode writer whose output is the bars as rectangles ``(x, 0, width, height)`` in points.

    ``module_width``, ``module_height`` and ``quiet_zone`` are given in points. The human-readable
    text is left to the layout (it is set in the document font).
    """

    def __init__(self) -> None:
        super().__init__(self._initialize, self._paint_module, None, self._finish)
        self._rects: list[Rect] = []

    def _initialize(self, code: list[str]) -> None:
        self._rects = []

    def _paint_module(self, xpos: float, ypos: float, width: float, color: Any) -> None:
        if color != self.background:
            self._rects.append((xpos, 0.0, width, self.module_height))

    def _finish(self) -> list[Rect]:
        return self._rects


def code128_modules(value: str) -> int:
    """Number of modules (narrowest bar widths) of the Code128 symbol for ``value``, quiet zones excluded."""
    return len(Code128(value).build()[0])


def code128_rects(value: str, module_width: float, bar_height: float) -> list[Rect]:
    """The bars of a Code128 symbol for ``value``, left quiet zone included in the x offsets."""
    symbol = Code128(value, writer=RectWriter())
    options = {
        "module_width": module_width,
        "module_height": bar_height,
        "quiet_zone": QUIET_ZONE_MODULES * module_width,
        "margin_top": 0,
        "margin_bottom": 0,
        "write_text": False,
        "text": "",
    }
    rects: list[Rect] = symbol.render(options)
    return rects


class Code128Flowable(Flowable):
    """A Code128 symbol that takes the widest module that fits, between ``min_module`` and ``max_module``.

    Bars are ``bar_height`` high; quiet zones are included in the width. If even ``min_module`` does
    not fit, the symbol is drawn at ``min_module`` and overflows rather than become unreadable.
    """

    def __init__(
        self,
        value: str,
        bar_height: float = 34.0,
        max_module: float = 1.0,
        min_module: float = 0.6,
        h_align: str = "CENTER",
    ) -> None:
        super().__init__()
        self.value = value
        self.bar_height = bar_height
        self.max_module = max_module
        self.min_module = min_module
        self.hAlign = h_align
        self._modules = code128_modules(value) + 2 * QUIET_ZONE_MODULES
        self.module = max_module
        self.width = self._modules * max_module
        self.height = bar_height

    def natural_width(self, module: float | None = None) -> float:
        """Width in points at ``module`` (default: the largest module width)."""
        return self._modules * (module if module is not None else self.max_module)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Pick the module width for the width available."""
        module = min(self.max_module, availWidth / self._modules)
        # Whole hundredths of a point: bars line up on the same grid at every resolution.
        self.module = max(self.min_module, int(module * 100) / 100)
        self.width = self._modules * self.module
        return self.width, self.height

    def draw(self) -> None:
        """Draw the bars at the flowable's origin."""
        fill_rects(self.canv, code128_rects(self.value, self.module, self.bar_height))


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR module matrix for ``data`` (error correction M), quiet zone excluded."""
    # A fixed mask pattern skips qrcode's mask scoring, which costs ~8 ms per code; any of the
    # eight masks gives a valid symbol, scoring only trims the odd hard-to-read pattern.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_rects(data: str, size: float) -> list[Rect]:
    """Rectangles of a QR code ``size`` points square, quiet zone included: one per run of dark modules."""
    matrix = qr_matrix(data)
    module = size / (len(matrix) + 2 * QR_BORDER_MODULES)
    rects: list[Rect] = []
    for row_index, row in enumerate(matrix):
        y = size - (row_index + QR_BORDER_MODULES + 1) * module
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            # A hair taller than a module: viewers show no seams between rows.
            rects.append(((start + QR_BORDER_MODULES) * module, y, (col - start) * module, module * 1.02))
    return rects


class QRFlowable(Flowable):
    """A square QR code ``size`` points wide (quiet zone included) carrying ``data``."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.data = data
        self.width = self.height = size
        self._rects = qr_rects(data, size)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the modules at the flowable's origin."""
        fill_rects(self.canv, self._rects)
