"""The ticket slip as ESC/POS bytes: Chinese mode, GBK text, large number, native QR code, cut."""

from __future__ import annotations

from dataclasses import replace

from counter_app.receipts import samples
from counter_app.receipts.escpos_slip import (
    FS_CHINESE_MODE_OFF,
    FS_CHINESE_MODE_ON,
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


def test_unencodable_characters_become_question_marks() -> None:
    slip = replace(samples.ticket_slip(), category_name="企业开办\U000f0001")
    out = render_ticket_slip_escpos(slip)
    assert "企业开办?".encode("gbk") in out


def test_gb18030_encoding_matches_gbk_for_common_text() -> None:
    slip = samples.ticket_slip()
    assert render_ticket_slip_escpos(slip, encoding="gb18030") == render_ticket_slip_escpos(slip)
