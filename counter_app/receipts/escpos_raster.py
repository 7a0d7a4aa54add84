"""A line of text the printer cannot print from its own font, as an ESC/POS raster image.

A thermal printer's built-in hanzi are GBK (GB 18030 two-byte) at best; a name with 𠮷 (U+20BB7)
would come out as ``?``. Such a line is drawn with the bundled fonts of
:mod:`counter_app.receipts.fonts` (the character-by-character chain the PDFs use) into a 1-bit
bitmap and sent as ``GS v 0``, which every ESC/POS printer prints.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from counter_app.receipts.fonts import font_file, runs

PAPER_DOTS = 576  # 72 mm printable at 203 dpi (8 dots/mm)
LINE_DOTS = 24  # height of the printer's own hanzi (24 x 24 dots)
GS_RASTER = b"\x1dv0"  # GS v 0: print raster bit image


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(name)), size)


def render_line(text: str, height: int = LINE_DOTS, width: int = PAPER_DOTS) -> Image.Image:
    """``text`` drawn black on white in a ``width`` x ``height`` 1-bit image, centred, run by run.

    Text too wide for the paper is scaled down to fit rather than cut off.
    """
    size = height
    pieces = runs(text)
    advance = sum(_font(name, size).getlength(piece) for name, piece in pieces)
    if advance > width:
        size = max(8, int(size * width / advance))
        advance = sum(_font(name, size).getlength(piece) for name, piece in pieces)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    x = (width - advance) / 2
    for name, piece in pieces:
        font = _font(name, size)
        # Baseline at 7/8 of the line: ideographs fill the em box from about -0.88 to +0.12.
        draw.text((x, height * 7 / 8), piece, font=font, fill=0, anchor="ls")
        x += font.getlength(piece)
    return image.point(lambda v: 0 if v < 128 else 255, mode="1")


def raster_command(image: Image.Image) -> bytes:
    """``GS v 0`` for a 1-bit image: one bit per dot, 1 = black, rows padded to whole bytes."""
    width, height = image.size
    row_bytes = (width + 7) // 8
    pixels = image.convert("1").load()
    assert pixels is not None
    data = bytearray(row_bytes * height)
    for y in range(height):
        for x in range(width):
            if pixels[x, y] == 0:
                data[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
    header = GS_RASTER + b"\x00" + row_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
    return header + bytes(data)


def decode_raster(command: bytes) -> Image.Image:
    """The image of a ``GS v 0`` command (the inverse of :func:`raster_command`, for checks)."""
    if not command.startswith(GS_RASTER):
        raise ValueError("not a GS v 0 raster image")
    row_bytes = int.from_bytes(command[4:6], "little")
    height = int.from_bytes(command[6:8], "little")
    data = command[8 : 8 + row_bytes * height]
    image = Image.new("1", (row_bytes * 8, height), 1)
    for y in range(height):
        for x in range(row_bytes * 8):
            if data[y * row_bytes + x // 8] & (0x80 >> (x % 8)):
                image.putpixel((x, y), 0)
    return image
