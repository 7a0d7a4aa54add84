"""The ticket slip as ESC/POS bytes for an 80 mm thermal printer with a Chinese (GB18030) font.

The printer is put in Chinese character mode (``FS &``), so text is sent GBK-encoded and printed
with its built-in hanzi; the rating QR code is drawn by the printer itself (``GS ( k``). A line
the printer's font cannot print (a name with 𠮷, U+20BB7) is drawn with the bundled fonts and sent
as a raster image (:mod:`counter_app.receipts.escpos_raster`), never as ``?``: with
``encoding="gb18030"`` and ``four_byte=True`` (a printer whose font has the GB 18030 four-byte
characters) it is sent as text instead. A character no bundled font draws prints as its marked
code point (``〔U+30041〕``).
python-escpos (``[gui]`` extra) assembles the commands on a ``Dummy`` printer, which only
collects bytes: sending them to a USB, serial or network printer is the caller's business.
"""

from __future__ import annotations

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from counter_app.receipts.escpos_raster import LINE_DOTS, raster_command, render_line
from counter_app.receipts.fonts import printable
from counter_app.receipts.model import TicketSlip
from counter_app.receipts.slip import RATING_CAPTION, ahead_text, holder_text

FS_CHINESE_MODE_ON = b"\x1c\x26"  # FS &: Chinese character mode (two-byte GB18030/GBK)
FS_CHINESE_MODE_OFF = b"\x1c\x2e"  # FS .
FS_CHINESE_SIZE = b"\x1c\x21"  # FS ! n: bit 2 double width, bit 3 double height (hanzi)
CHINESE_DOUBLE = 0x0C
LINE_WIDTH = 48  # columns of font A (12 dots) on 576 printable dots


def printer_can_print(text: str, encoding: str, four_byte: bool = False) -> bool:
    """Whether the printer's own font prints ``text``: it encodes, in two bytes unless ``four_byte``."""
    try:
        encoded = [ch.encode(encoding) for ch in text]
    except UnicodeEncodeError:
        return False
    return four_byte or all(len(chunk) <= 2 for chunk in encoded)


def _text(printer: Dummy, text: str, encoding: str, four_byte: bool = False, scale: int = 1) -> None:
    text = printable(text)
    if printer_can_print(text, encoding, four_byte):
        # Printer.text() would run python-escpos's code-page "magic" encoder, which knows no GBK.
        printer._raw(text.encode(encoding) + b"\n")
        return
    printer._raw(raster_command(render_line(text, height=LINE_DOTS * scale)))


def _chinese_size(printer: Dummy, double: bool) -> None:
    printer._raw(FS_CHINESE_SIZE + bytes([CHINESE_DOUBLE if double else 0]))


def render_ticket_slip_escpos(
    data: TicketSlip,
    *,
    encoding: str = "gbk",
    four_byte: bool = False,
    qr_module: int = 6,
    cut: bool = True,
) -> bytes:
    """ESC/POS commands printing ``data`` as a ticket slip; returns the bytes to send to the printer.

    ``encoding`` is ``"gbk"`` or ``"gb18030"``; ``four_byte`` says the printer's GB 18030 font has
    the four-byte characters (Extension A and beyond). A line the printer cannot print is sent as a
    raster image. ``qr_module`` is the QR module size in dots (1–16).
    """
    printer = Dummy()
    printer.hw("INIT")
    printer._raw(FS_CHINESE_MODE_ON)
    printer.set(align="center", normal_textsize=True)
    _chinese_size(printer, False)
    _text(printer, data.hall_name, encoding, four_byte)
    _text(printer, "-" * LINE_WIDTH, encoding, four_byte)

    printer.set(align="center", double_width=True, double_height=True)
    _chinese_size(printer, True)
    _text(printer, data.category_name, encoding, four_byte, scale=2)

    printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
    _text(printer, data.ticket_no, encoding, four_byte)

    printer.set(align="center", bold=True, double_height=True)
    _text(printer, ahead_text(data.people_ahead), encoding, four_byte)
    printer.set(align="center", bold=False, normal_textsize=True)
    _chinese_size(printer, False)
    if data.holder_name:
        _text(printer, holder_text(data.holder_name), encoding, four_byte)
    _text(printer, f"取号时间：{data.issued_at:%Y-%m-%d %H:%M:%S}", encoding, four_byte)
    if data.window_hint:
        _text(printer, data.window_hint, encoding, four_byte)
    _text(printer, "-" * LINE_WIDTH, encoding, four_byte)

    printer.set(align="center")
    printer.qr(data.rating_url, ec=QR_ECLEVEL_M, size=qr_module, native=True)
    printer._raw(b"\n")
    _text(printer, RATING_CAPTION, encoding, four_byte)
    if data.footer:
        _text(printer, data.footer, encoding, four_byte)
    printer._raw(FS_CHINESE_MODE_OFF)
    if cut:
        printer.cut()
    output: bytes = printer.output
    return output
