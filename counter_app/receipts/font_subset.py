"""Build the CJK fonts shipped in ``resources/fonts`` (a maintainer tool, not used at run time).

The documents need a TrueType (``glyf``) CJK font that reportlab can embed. The full
WenQuanYi Micro Hei collection is about 5 MB; the subset keeps what a hall's paperwork uses:

- every GB2312 character (symbols of rows 1–9 and the 6,763 hanzi of levels 1 and 2),
- ASCII and Latin-1, general punctuation, CJK symbols and punctuation, fullwidth forms,
- enclosed numbers (①–⑳, ⑴), arrows, geometric shapes (□ ■ ○ ●), check marks (✓ ✔),
- a list of characters outside GB2312 that are common in personal names (闫, 喆, 堃, 镕, ...).

Run from the repository root (fontTools is a ``[dev]`` dependency)::

    .venv/bin/python -m counter_app.receipts.font_subset \\
        /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \\
        resources/fonts/WenQuanYiMicroHei-GB2312.ttf

The output is reproducible: the ``head`` timestamp is kept from the source font.

``chain`` builds the fonts behind it, which draw every other CJK ideograph a name may hold (the
URO, Extensions A to G and the compatibility ideographs): each code point goes to the first
source font in :data:`CHAIN` with a non-empty outline for it, and is kept in that font only. See
``resources/fonts/README.md`` for the commands and what each file covers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRIMARY_FILE = "WenQuanYiMicroHei-GB2312.ttf"

# Characters outside GB2312 seen in personal and place names; the ones already in GB2312 are harmless.
NAME_SUPPLEMENT = (
    "闫喆堃镕玥珺琇瑄璟昇晞洺淏焜煊燚犇玹琤瑀瑢瑨瑭禛祎翀翯芃莜蓥赟迺鋆铖彧暐曌栢桉棽槿橦沄"
    "浛湉炅烜焓熠珅珝璠璿瓅甦睍蕤蘅逯郗锜镠霈鹍黉嫚姮妘昶旻炘垚埕堉屾峣庹弢愫戬杺樾歆浠溦"
    "澍灏烔燏淯沺洢玙琸瑒璘珣珽琎琹瑱璆瑷婳媞嬿姞妤婠昀晅晙暄暻曈煐熤熳燃燿焮烺炟炤旸昳"
    "钖铄铧铭锘锟锶镛镭镡阚隽雎頔颉颢飏飚骅骥鸿麟鹮龑龚堇圳坤垲埙堃墀壵奭婍婵娓娉媱嫱孀"
    "崧嵛嶙峤峯岍岵岿崟崒巘帡庠弈弼彬徕忞怿恂恪恽悃惇愔慜懋戡戟扆斓旌旎昉昕晁晖晟晢晧"
    "暘暲朏朓朗杞杲枋枨柘栎栝桁桓梽棣椤楙楦榕榛槊槭樨橪檀櫆欤歙殳毓汧沆沇沨泖泱洙洹浈"
    "浍涑淙淦渌渫湜湦溆溱滢漪潆潇潍澂澔濂瀚瀛灿炜炳烁焕焯煌煜熙熹燊燕爰玑玗玠玢玥玮玳"
    "珈珉珑珙珞珩琍琪琬琮琰琳琴瑁瑛瑜瑞瑶璁璋璎璞璨璩璪瓒甡畯皞皙盈睿瞻砺祐祜祚祯禄禕"
    "竑笃筠箐篪簃綦缙罡翊翕翚翥耀聿肇芊芩苒苡茆茗荃荔荟莛莹菁萁萏葳蒨蓁蔚蕙薏薇藜蘩虔"
    "蛟衍裕褀覃詝誉谞豫贇赉跃跹轶辂辰迦遐邕郅郦酃钊钤钧钰铠铨锃锜锦镕闳阊陟隆雍雯霁靖"
    "韡韫頫颀颐飒馥骁骞骧髙鸾鹏麒黛"
)

RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement: · × ÷ °
    (0x2010, 0x206F),  # general punctuation: — … ‘ ’ “ ” ※ ‰
    (0x2100, 0x214F),  # letterlike symbols: ℃ №
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ Ⅲ
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ⑴ ⒈
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: □ ■ ○ ● △
    (0x2600, 0x26FF),  # miscellaneous symbols: ☆ ★ (☐ where the font has it)
    (0x2700, 0x27BF),  # dingbats: ✓ ✔ ✕
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK: ㈠ ㊣
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)

DESCRIPTION = (
    "Subset of WenQuanYi Micro Hei 0.2.0-beta (GB2312, CJK punctuation, fullwidth forms, "
    "symbols and name characters) for Service Counter documents. Modified from the original."
)


def gb2312_chars() -> set[str]:
    """Every character of GB2312 (rows 1–9 symbols, rows 16–87 hanzi)."""
    chars: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted_codepoints() -> set[int]:
    """The code points the subset should keep (before intersecting with the font's cmap)."""
    points = {ord(ch) for ch in gb2312_chars()}
    points.update(ord(ch) for ch in NAME_SUPPLEMENT)
    for first, last in RANGES:
        points.update(range(first, last + 1))
    return points


def build_subset(source: Path, dest: Path, codepoints: Iterable[int] | None = None) -> int:
    """Write the subset of face 0 of ``source`` to ``dest``; return the number of characters kept."""
    from fontTools import subset  # dev-only dependency

    options = subset.Options()
    options.font_number = 0
    options.hinting = False  # the documents are printed or viewed zoomed: hinting is dead weight
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    font = subset.load_font(str(source), options)
    font.recalcTimestamp = False
    available = set(font.getBestCmap())
    keep = (set(codepoints) if codepoints is not None else wanted_codepoints()) & available
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(keep))
    subsetter.subset(font)
    name_table = font["name"]
    name_table.setName(DESCRIPTION, 10, 3, 1, 0x409)
    subset.save_font(font, str(dest), options)
    return len(keep)


@dataclass(frozen=True)
class ChainFont:
    """One file of the fallback chain: the Debian file it is cut from and the name it is given."""

    dest: str  # file name in resources/fonts
    source: str  # path of the source font as the Debian package installs it
    ps_name: str  # PostScript name (name ID 6): must differ between files, see fonts.py
    family: str
    note: str  # the modification notice the licences ask for (name ID 10)


_NOTICE = "Subset for Service Counter documents, cut with fontTools (counter_app.receipts.font_subset chain)"
CHAIN: tuple[ChainFont, ...] = (
    ChainFont(
        "WenQuanYiMicroHei-Hanzi.ttf",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "WenQuanYiMicroHei-Hanzi",
        "WenQuanYi Micro Hei Hanzi",
        f"{_NOTICE}: the CJK ideographs of WenQuanYi Micro Hei 0.2.0-beta not in the GB2312 subset. "
        "Modified from the original.",
    ),
    ChainFont(
        "DroidSansFallback-ExtA.ttf",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "DroidSansFallback-ExtA",
        "Droid Sans Fallback ExtA",
        f"{_NOTICE}: CJK Extension A of Droid Sans Fallback Full (Android 6.0.1). Modified from the original.",
    ),
    ChainFont(
        "BabelStoneHan-Subset.ttf",
        "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",
        "BabelStoneHan-Subset",
        "BabelStone Han Subset",
        f"{_NOTICE}: CJK ideographs of BabelStone Han 15.0.5 that the fonts before it lack; "
        "symbol glyphs removed. Modified 2026-11 from the original.",
    ),
    ChainFont(
        "HanaMinA-Subset.ttf",
        "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
        "HanaMinA-Subset",
        "Hanazono Mincho A Subset",
        f"{_NOTICE}: CJK ideographs of HanaMinA 20170904 that the fonts before it lack. "
        "Modified from the original.",
    ),
    ChainFont(
        "HanaMinB-Subset.ttf",
        "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
        "HanaMinB-Subset",
        "Hanazono Mincho B Subset",
        f"{_NOTICE}: CJK ideographs of HanaMinB 20170904 that the fonts before it lack. "
        "Modified from the original.",
    ),
)
UNCOVERED_FILE = "uncovered-ideographs.txt"


def non_empty_glyphs(font: Any) -> dict[int, str]:
    """Code point -> glyph name for every cmap entry whose glyph has an outline (not empty, not .notdef)."""
    cmap = font.getBestCmap()
    glyf = font["glyf"]
    drawn: dict[int, str] = {}
    for code, name in cmap.items():
        if name == ".notdef":
            continue
        glyph = glyf[name]
        if glyph.numberOfContours != 0:  # -1: composite, > 0: contours
            drawn[code] = name
    return drawn


def build_chain(dest_dir: Path, primary: Path, root: Path = Path("/")) -> list[int]:
    """Write every :data:`CHAIN` font to ``dest_dir``; return the ideographs no font draws.

    ``primary`` is the shipped GB2312 subset: what it draws is taken out of the chain. ``root`` is
    where the Debian packages are unpacked (``dpkg -x PKG.deb ROOT``), ``/`` when installed.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from counter_app.receipts.coverage import ideographs

    left = set(ideographs())
    with TTFont(str(primary)) as font:
        left -= set(non_empty_glyphs(font))
    for entry in CHAIN:
        options = subset.Options()
        options.font_number = 0
        options.hinting = False
        options.layout_features = []  # ideographs in a name need no shaping
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM", "GSUB", "GPOS", "vhea", "vmtx", "VORG", "BASE", "JSTF"]
        font = subset.load_font(str(root / entry.source.lstrip("/")), options)
        font.recalcTimestamp = False
        keep = sorted(left & set(non_empty_glyphs(font)))
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        names = font["name"]
        names.names = [n for n in names.names if n.nameID not in (1, 2, 3, 4, 6, 10, 16, 17)]
        for name_id, text in (
            (1, entry.family),
            (2, "Regular"),
            (3, entry.ps_name),
            (4, entry.family),
            (6, entry.ps_name),
            (10, entry.note),
        ):
            names.setName(text, name_id, 3, 1, 0x409)
        subset.save_font(font, str(dest_dir / entry.dest), options)
        left -= set(keep)
        size = (dest_dir / entry.dest).stat().st_size
        print(f"{entry.dest}: {len(keep)} characters, {size / 1024 / 1024:.2f} MiB")
    uncovered = sorted(left)
    (dest_dir / UNCOVERED_FILE).write_text(
        "# CJK ideographs (URO, Extensions A-G, compatibility; Unicode 15.1) that no shipped font draws.\n"
        "# Documents print them as a marked code point; intake warns with NAME_GLYPH_MISSING.\n"
        + "".join(f"U+{code:04X}\n" for code in uncovered),
        encoding="utf-8",
    )
    return uncovered


def main(argv: list[str] | None = None) -> int:
    """Command line entry: ``python -m counter_app.receipts.font_subset SOURCE DEST`` or ``chain DIR``."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["chain"]:
        chain_parser = argparse.ArgumentParser(description="Build the fallback fonts behind the subset")
        chain_parser.add_argument("dest_dir", type=Path, help="resources/fonts")
        chain_parser.add_argument("--root", type=Path, default=Path("/"), help="where the packages are")
        chain_args = chain_parser.parse_args(args_in[1:])
        dest = chain_args.dest_dir
        uncovered = build_chain(dest, dest / PRIMARY_FILE, chain_args.root)
        print(f"{len(uncovered)} ideographs drawn by no font, listed in {UNCOVERED_FILE}")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", type=Path, help="wqy-microhei.ttc (TrueType collection or font)")
    parser.add_argument("dest", type=Path, help="output .ttf")
    args = parser.parse_args(args_in)
    kept = build_subset(args.source, args.dest)
    size = args.dest.stat().st_size
    print(f"{args.dest}: {kept} characters, {size / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
