"""The ticket slip as ESC/POS bytes: Chinese mode, GBK text, large number, native QR code, cut;
a name the printer's font cannot print as a raster image of the bundled fonts, never as "?"."""

from __future__ import annotations

from dataclasses import replace

from counter_app.receipts import samples
from counter_app.receipts.escpos_raster import GS_RASTER, decode_raster, render_line
from counter_app.receipts.escpos_slip import (
    FS_CHINESE_MODE_OFF,
    FS_CHINESE_MODE_ON,
    printer_can_print,
    render_ticket_slip_escpos,
)

ESC_INIT = b"\x1b@"
GS_SIZE_4X4 = b"\x1d!\x33"  # GS ! n: width 4, height 4
GS_QR = b"\x1d(k"


def test_text_is_gbk_in_chinese_mode() -> None:
    slip = samples.ticket_slip()
    out = render_ticket_slip_escpos(slip)
    assert out.startswith(ESC_INIT + FS_CHINESE_MODE_ON)
    for text in (
        slip.hall_name,
        slip.category_name,
        "您前面还有 7 人等候",
        "取号时间：2026-11-25 09:12:30",
        slip.window_hint,
        "扫码评价",
    ):
        assert text.encode("gbk") in out, text
    assert "您前面还有".encode() not in out  # not UTF-8
    assert out.index(FS_CHINESE_MODE_ON) < out.index(slip.hall_name.encode("gbk"))
    assert FS_CHINESE_MODE_OFF in out


def test_ticket_number_is_large() -> None:
    out = render_ticket_slip_escpos(samples.ticket_slip())
    assert GS_SIZE_4X4 + b"\x1bE\x01" in out  # 4x size, bold
    assert out.index(GS_SIZE_4X4) < out.index(b"A012\n")


def test_native_qr_code_carries_the_rating_url() -> None:
    slip = samples.ticket_slip()
    out = render_ticket_slip_escpos(slip)
    url = slip.rating_url.encode("ascii")
    store = GS_QR + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url
    assert store in out
    assert GS_QR + b"\x03\x001Q0" in out  # print the stored symbol


def test_cut_is_optional() -> None:
    slip = samples.ticket_slip()
    assert render_ticket_slip_escpos(slip).endswith(b"\x1bd\x06" + b"\x1dV\x00")  # feed 6 lines, full cut
    assert b"\x1dV" not in render_ticket_slip_escpos(slip, cut=False)


def rasters(out: bytes) -> list[bytes]:
    """Every GS v 0 command of ``out``, header and data."""
    found = []
    start = out.find(GS_RASTER)
    while start >= 0:
        size = int.from_bytes(out[start + 4 : start + 6], "little") * int.from_bytes(
            out[start + 6 : start + 8], "little"
        )
        found.append(out[start : start + 8 + size])
        start = out.find(GS_RASTER, start + 8 + size)
    return found


def black_dots(image) -> int:  # type: ignore[no-untyped-def]
    return int(image.convert("L").histogram()[0])


def test_a_character_no_font_draws_prints_as_its_code_point() -> None:
    slip = replace(samples.ticket_slip(), category_name="企业开办\U000f0001")
    out = render_ticket_slip_escpos(slip)
    assert "企业开办〔U+F0001〕".encode("gbk") in out
    assert rasters(out) == []


def test_a_rare_name_prints_as_a_raster_image_never_as_question_marks() -> None:
    slip = replace(samples.ticket_slip(), holder_name="王\U00020bb7")  # 𠮷
    out = render_ticket_slip_escpos(slip)
    assert "取号人：王?".encode("gbk") not in out
    assert "取号人".encode("gbk") not in out  # the whole line is one image
    (command,) = rasters(out)
    assert command[:8] == GS_RASTER + b"\x00" + (72).to_bytes(2, "little") + (24).to_bytes(2, "little")
    image = decode_raster(command)
    assert image.size == (576, 24)
    assert image.tobytes() == render_line("取号人：王\U00020bb7").tobytes()
    # 𠮷 is drawn, not a blank: the line has more ink than without it, and differs from 吉.
    assert black_dots(image) > black_dots(render_line("取号人：王")) + 40
    assert image.tobytes() != render_line("取号人：王吉").tobytes()
    # The other lines are still the printer's own GBK text.
    assert slip.hall_name.encode("gbk") in out
    assert out.index(b"A012\n") < out.index(command) < out.index("取号时间".encode("gbk"))


def test_a_printable_name_stays_text() -> None:
    slip = replace(samples.ticket_slip(), holder_name="张\u9394")  # 鎔 is in GBK
    out = render_ticket_slip_escpos(slip)
    assert "取号人：张\u9394\n".encode("gbk") in out
    assert rasters(out) == []


def test_gb18030_printer_with_four_byte_font_gets_text() -> None:
    slip = replace(samples.ticket_slip(), holder_name="王\U00020bb7李\u4dae")
    out = render_ticket_slip_escpos(slip, encoding="gb18030", four_byte=True)
    assert "取号人：王\U00020bb7李\u4dae\n".encode("gb18030") in out
    assert rasters(out) == []
    # Without the four-byte font the same printer gets the line as an image.
    assert len(rasters(render_ticket_slip_escpos(slip, encoding="gb18030"))) == 1


def test_printer_can_print() -> None:
    assert printer_can_print("王建国", "gbk")
    assert not printer_can_print("王\U00020bb7", "gbk")
    assert not printer_can_print("李\u4dae", "gbk")
    assert printer_can_print("李\u4dae", "gb18030")  # Python's GB 18030 codec: 䶮 is FE9F, two bytes
    assert not printer_can_print("\u3400", "gb18030")  # 㐀: four bytes
    assert printer_can_print("\u3400", "gb18030", four_byte=True)


def test_a_rare_category_prints_double_height() -> None:
    slip = replace(samples.ticket_slip(), category_name="\U00020bb7氏宗祠登记")
    (command,) = rasters(render_ticket_slip_escpos(slip))
    assert decode_raster(command).size == (576, 48)


def test_gb18030_encoding_matches_gbk_for_common_text() -> None:
    slip = samples.ticket_slip()
    assert render_ticket_slip_escpos(slip, encoding="gb18030") == render_ticket_slip_escpos(slip)
