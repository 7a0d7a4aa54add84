"""The shipped CJK font: licence, size, outlines, coverage, registration."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics

from counter_app.receipts import fonts
from counter_app.receipts.font_subset import NAME_SUPPLEMENT, gb2312_chars

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
    private_use = "\U000f0001"
    assert fonts.missing_glyphs("张" + private_use) == {private_use}


def test_markup_escapes_and_breaks_lines() -> None:
    assert fonts.markup("A&B <c>\n第二行") == "A&amp;B &lt;c&gt;<br/>第二行"
    assert fonts.in_main_font("受理回执")
    assert not fonts.in_main_font("\U000f0001")


def test_resources_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(fonts.RESOURCES_ENV, str(tmp_path))
    assert fonts.font_path() == tmp_path / "fonts" / fonts.FONT_FILE
    monkeypatch.delenv(fonts.RESOURCES_ENV)
    assert fonts.resources_dir().name == "resources"
