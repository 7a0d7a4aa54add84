"""The shipped CJK fonts: licences, sizes, outlines, coverage per block, registration, the per-character chain."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

from counter_app.receipts import fonts
from counter_app.receipts.coverage import BLOCKS, ideographs
from counter_app.receipts.font_subset import (
    CHAIN,
    NAME_SUPPLEMENT,
    UNCOVERED_FILE,
    gb2312_chars,
    non_empty_glyphs,
)

RARE = "\U00020bb7\u4dae\u9394"  # 𠮷 (Ext B), 䶮 (Ext A), 鎔 (URO, outside the GB2312 subset)
UNCOVERED = "\U00030041"  # Extension G, in no shipped font
LICENCES = {
    "WenQuanYiMicroHei-GB2312.ttf": ("LICENSE-WenQuanYiMicroHei.txt", "Apache License"),
    "WenQuanYiMicroHei-Hanzi.ttf": ("LICENSE-WenQuanYiMicroHei.txt", "Apache License"),
    "DroidSansFallback-ExtA.ttf": ("LICENSE-DroidSansFallback.txt", "Apache License"),
    "BabelStoneHan-Subset.ttf": ("LICENSE-BabelStoneHan.txt", "ARPHIC PUBLIC LICENSE"),
    "HanaMinA-Subset.ttf": ("LICENSE-HanaMin.txt", "Hanazono Font License"),
    "HanaMinB-Subset.ttf": ("LICENSE-HanaMin.txt", "Hanazono Font License"),
}

REQUIRED_SYMBOLS = "①②③⑩×※□■○●✓✔√—…“”‘’、。，：；（）《》【】〔〕￥·％℃№"


def test_font_and_licence_are_shipped() -> None:
    folder = fonts.resources_dir() / "fonts"
    assert fonts.font_path().is_file()
    assert fonts.font_path().stat().st_size < 4 * 1024 * 1024
    licence = (folder / "LICENSE-WenQuanYiMicroHei.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence
    assert "Version 2.0" in licence
    assert "WenQuanYi" in licence
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "python -m counter_app.receipts.font_subset" in readme


def test_font_has_truetype_outlines_and_covers_gb2312() -> None:
    font = TTFont(fonts.font_path())
    assert "glyf" in font
    assert "CFF " not in font
    assert font["OS/2"].fsType & 0x2 == 0  # embedding allowed
    cmap = font.getBestCmap()
    wanted = gb2312_chars() | set(REQUIRED_SYMBOLS) | set(NAME_SUPPLEMENT) | set("ABCxyz019@#-")
    missing = sorted(ch for ch in wanted if ord(ch) not in cmap)
    assert missing == []


def test_registration_is_idempotent_and_thread_safe() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = set(pool.map(lambda _: fonts.register_fonts(), range(32)))
    assert names == {fonts.FONT_NAME}
    assert fonts.FONT_NAME in pdfmetrics.getRegisteredFontNames()
    font = pdfmetrics.getFont(fonts.FONT_NAME)
    assert fonts.register_fonts() == fonts.FONT_NAME
    assert pdfmetrics.getFont(fonts.FONT_NAME) is font


def test_missing_glyphs() -> None:
    assert fonts.missing_glyphs("张丽华 闫喆 堃 ①✓ ABC") == set()
    assert fonts.missing_glyphs("王" + RARE) == set()
    private_use = "\U000f0001"
    assert fonts.missing_glyphs("张" + private_use + UNCOVERED) == {private_use, UNCOVERED}


def test_every_chain_font_is_shipped_licensed_truetype_and_named_apart() -> None:
    folder = fonts.resources_dir() / "fonts"
    files = [file for _, file in fonts.CHAIN]
    assert files == [fonts.FONT_FILE, *(entry.dest for entry in CHAIN)]
    ps_names = []
    total = 0
    for file in files:
        licence, marker = LICENCES[file]
        assert marker in (folder / licence).read_text(encoding="utf-8"), licence
        with TTFont(folder / file, lazy=True) as font:
            assert "glyf" in font and "CFF " not in font, file
            assert font["OS/2"].fsType & 0x2 == 0, file
            ps_names.append(font["name"].getDebugName(6))
        total += (folder / file).stat().st_size
    # One PostScript name per file: reportlab embeds fonts by that name, and a clash drew boxes.
    assert len(set(ps_names)) == len(files)
    assert total < 60 * 1024 * 1024


def test_drawn_code_points_skip_empty_glyphs() -> None:
    loaded = ReportlabTTFont("probe", str(fonts.font_path()))
    drawn = fonts.drawn_code_points(loaded)
    assert 0x20 in loaded.face.charToGlyph and 0x3000 in loaded.face.charToGlyph
    assert 0x20 not in drawn and 0x3000 not in drawn  # blank glyphs: spaces
    assert ord("张") in drawn


def test_chain_covers_every_block_up_to_g_except_the_listed_code_points() -> None:
    drawn: set[int] = set()
    for loaded in fonts.loaded_fonts():
        drawn |= loaded.drawn
    wanted = set(ideographs())
    missing = wanted - drawn
    per_block = {name: sum(1 for c in missing if lo <= c <= hi) for name, (lo, hi) in BLOCKS.items()}
    assert per_block == {"URO": 0, "A": 0, "B": 0, "C": 0, "D": 0, "E": 0, "F": 0, "G": 1894}
    listed = (fonts.resources_dir() / "fonts" / UNCOVERED_FILE).read_text(encoding="utf-8").split()
    assert sorted(missing) == [int(line[2:], 16) for line in listed if line.startswith("U+")]


def test_chain_fonts_agree_with_fonttools() -> None:
    """reportlab's view of a font (what is embedded) and fontTools' view give the same coverage."""
    for loaded in fonts.loaded_fonts()[1:3]:
        with TTFont(loaded.path) as font:
            assert set(non_empty_glyphs(font)) == set(loaded.drawn), loaded.name


def test_each_character_takes_the_first_font_that_draws_it() -> None:
    assert fonts.font_for("张") == fonts.FONT_NAME
    assert fonts.font_for("\u9394") == "CJKHanzi"
    assert fonts.font_for("\u4dae") == "CJKExtA"
    assert fonts.font_for("\U00020bb7") == "CJKBabelStone"
    assert fonts.font_for("\U000201bb") == "CJKHanaMinA"
    assert fonts.font_for("\U00020023") == "CJKHanaMinB"
    assert fonts.font_for(UNCOVERED) is None
    assert fonts.runs("王\U00020bb7 李" + UNCOVERED) == [
        (fonts.FONT_NAME, "王"),
        ("CJKBabelStone", "\U00020bb7"),
        (fonts.FONT_NAME, " 李〔U+30041〕"),
    ]
    assert fonts.markup("鎔&") == '<font face="CJKHanzi">鎔</font>&amp;'


def test_markup_escapes_and_breaks_lines() -> None:
    assert fonts.markup("A&B <c>\n第二行") == "A&amp;B &lt;c&gt;<br/>第二行"
    assert fonts.in_main_font("受理回执")
    assert not fonts.in_main_font("\U000f0001")


def test_resources_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(fonts.RESOURCES_ENV, str(tmp_path))
    assert fonts.font_path() == tmp_path / "fonts" / fonts.FONT_FILE
    monkeypatch.delenv(fonts.RESOURCES_ENV)
    assert fonts.resources_dir().name == "resources"


def test_an_extra_font_with_a_taken_name_is_renamed() -> None:
    """A hall's own font goes last in the chain; a PostScript name already in use is made unique."""
    script = (
        "from reportlab.pdfbase import pdfmetrics\n"
        "from counter_app.receipts import fonts\n"
        "names = [f.name for f in fonts.loaded_fonts()]\n"
        "print(names[-1], pdfmetrics.getFont(names[-1]).face.name.decode())\n"
    )
    env = {**os.environ, fonts.EXTRA_FONT_ENV: str(fonts.font_path())}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["CJKExtra", "WenQuanYiMicroHei-CJKExtra"]
