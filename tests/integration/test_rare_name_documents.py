"""Names with rare characters on the receipt, the notices and the slip: drawn, read back, no boxes.

Each document is checked from its embedded fonts (every name character has an outline in the
font the PDF carries) and read back with pdftotext. A character no shipped font draws shows as a
marked code point.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fontTools.ttLib import TTFont

from counter_app.receipts import (
    render_acceptance_receipt,
    render_rejection_notice,
    render_ticket_slip,
    samples,
)
from counter_app.receipts.fonts import font_file, font_for
from tests.integration.test_receipt_pdfs import Pdf
from tests.pdf_fonts import embedded_fonts, outline

JI = "\U00020bb7"  # 𠮷, Extension B
YAN = "\u4dae"  # 䶮, Extension A
RONG = "\u9394"  # 鎔, URO, outside the GB2312 subset
NO_FONT = "\U00030041"  # Extension G, in no shipped font


def drawn(data: bytes) -> set[str]:
    return set().union(*(font.drawn for font in embedded_fonts(data)))


def test_receipt_draws_applicant_and_agent(tmp_path: Path) -> None:
    applicant = replace(samples.PERSON, name=f"王{JI}", agent_name=f"李{YAN}")
    data = replace(samples.acceptance_receipt(), applicant=applicant, clerk_name=f"张{RONG}")
    raw = render_acceptance_receipt(data)
    assert {JI, YAN, RONG} <= drawn(raw)
    # Each is the glyph of the font that should draw it, not some glyph of another embedded font.
    embedded = {
        ch: font.outlines[ch] for font in embedded_fonts(raw) for ch in (JI, YAN, RONG) if ch in font.drawn
    }
    for ch in (JI, YAN, RONG):
        name = font_for(ch)
        assert name is not None
        with TTFont(font_file(name)) as source:
            assert embedded[ch] == outline(source, source.getBestCmap()[ord(ch)]), ch
    text = Pdf(raw, tmp_path, "receipt").flat()
    for name in (f"王{JI}", f"李{YAN}", f"张{RONG}"):
        assert name in text


def test_notice_prints_a_character_no_font_has_as_its_code_point(tmp_path: Path) -> None:
    case = samples.case_info()
    case = replace(case, applicant=replace(case.applicant, name=f"王{NO_FONT}{JI}"))
    raw = render_rejection_notice(replace(samples.rejection_notice(), case=case))
    assert JI in drawn(raw) and NO_FONT not in drawn(raw)
    text = Pdf(raw, tmp_path, "rejection").flat()
    assert f"王〔U+30041〕{JI}" in text


def test_slip_draws_the_holder_name(tmp_path: Path) -> None:
    raw = render_ticket_slip(replace(samples.ticket_slip(), holder_name=f"王{JI}{YAN}{RONG}"))
    assert {JI, YAN, RONG} <= drawn(raw)
    pdf = Pdf(raw, tmp_path, "slip")
    assert f"取号人：王{JI}{YAN}{RONG}" in pdf.flat()
    assert pdf.pages() == 1
