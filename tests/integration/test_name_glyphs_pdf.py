"""Every character of the 通用规范汉字表 and samples of Extensions A to G, drawn into a PDF and
checked from the fonts embedded in that PDF: each has a glyph with an outline (no tofu).

A character no shipped font draws is printed as its marked code point, never as a box.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from reportlab.platypus import Flowable

from counter_app.receipts.coverage import BLOCKS
from counter_app.receipts.flowables import para
from counter_app.receipts.fonts import missing_glyphs, resources_dir
from counter_app.receipts.layout import build_pdf
from counter_app.receipts.style import A4_SIZES, styles_for
from tests.pdf_fonts import embedded_fonts

RARE_NAMES = "王\U00020bb7 李\u4dae 张\u9394\u938e"  # 𠮷 (Ext B), 䶮 (Ext A), 鎔 鎎 (URO, not GB2312)
UNCOVERED = "\U00030041\U00030042\U00031328"  # Extension G code points no shipped font draws
SAMPLES_PER_BLOCK = 40


def tongyong_guifan() -> list[str]:
    path = resources_dir() / "fonts" / "tongyong-guifan-hanzi-8105.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def block_samples() -> dict[str, str]:
    """First, last and evenly spaced code points of every block."""
    chosen: dict[str, str] = {}
    for name, (first, last) in BLOCKS.items():
        step = (last - first) // (SAMPLES_PER_BLOCK - 1)
        chosen[name] = "".join(chr(code) for code in sorted({*range(first, last + 1, step), last}))
    return chosen


def render(text: str) -> bytes:
    styles = styles_for(A4_SIZES)
    story: list[Flowable] = [para(text[i : i + 60], styles.body) for i in range(0, len(text), 60)]
    return build_pdf(story, A4_SIZES, title="字形", author="test", footer_left="")


def test_list_has_the_published_counts() -> None:
    chars = tongyong_guifan()
    assert len(chars) == 8105 == len(set(chars))
    outside_bmp = [ch for ch in chars if ord(ch) > 0xFFFF]
    assert len(outside_bmp) == 196  # Ext B 36, C 44, D 8, E 108
    assert sum(1 for ch in chars if 0x3400 <= ord(ch) <= 0x4DBF) == 77


def test_every_name_character_is_drawn_from_the_embedded_fonts(tmp_path: Path) -> None:
    by_block = block_samples()
    # Only Extension G has code points no shipped font draws (listed in resources/fonts).
    assert {name: len(missing_glyphs(text)) for name, text in by_block.items() if missing_glyphs(text)} == {
        "G": 18
    }
    samples = "".join(ch for ch in "".join(by_block.values()) if not missing_glyphs(ch))
    wanted = set(tongyong_guifan()) | set(samples) | set(RARE_NAMES.replace(" ", ""))
    pdf = render("".join(tongyong_guifan()) + samples + RARE_NAMES + UNCOVERED)
    fonts = embedded_fonts(pdf)
    drawn = set().union(*(font.drawn for font in fonts))
    assert sorted(wanted - drawn) == []
    assert not set(UNCOVERED) & drawn
    names = {font.base_font.split("+", 1)[1] for font in fonts}
    assert names == {
        "WenQuanYiMicroHei",
        "WenQuanYiMicroHei-Hanzi",
        "DroidSansFallback-ExtA",
        "BabelStoneHan-Subset",
        "HanaMinA-Subset",
        "HanaMinB-Subset",
    }
    # The text layer says the same: pdftotext reads every character back, 𠮷 included.
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert sorted(wanted - set(text)) == []
    assert "〔U+30041〕〔U+30042〕〔U+31328〕" in "".join(text.split())
