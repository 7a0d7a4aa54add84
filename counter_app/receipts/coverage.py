"""Which code points are CJK ideographs, block by block (Unicode 15.1 assignments).

The fonts in ``resources/fonts`` are built to draw every ideograph listed here up to Extension G
(:mod:`counter_app.receipts.font_subset`); the tests render samples of each block. Ranges are the
assigned code points, not the block ends, so that a count of what is missing means something.
"""

from __future__ import annotations

from collections.abc import Iterator

# name -> (first, last) assigned code point
BLOCKS: dict[str, tuple[int, int]] = {
    "URO": (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    "A": (0x3400, 0x4DBF),
    "B": (0x20000, 0x2A6DF),
    "C": (0x2A700, 0x2B739),
    "D": (0x2B740, 0x2B81D),
    "E": (0x2B820, 0x2CEA1),
    "F": (0x2CEB0, 0x2EBE0),
    "G": (0x30000, 0x3134A),
}
# Compatibility ideographs: GB 18030 maps none of them to hanzi of its own, but a name typed
# through some input methods can carry one (FA6E and FA6F are unassigned).
COMPATIBILITY: tuple[tuple[int, int], ...] = ((0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0x2F800, 0x2FA1D))
# Not built for: Extension H (U+31350..U+323AF) and Extension I (U+2EBF0..U+2EE5D) have no
# open TrueType font among the Debian packages; they print as a marked code point.


def ideographs() -> Iterator[int]:
    """Every assigned code point of :data:`BLOCKS` and :data:`COMPATIBILITY`."""
    for first, last in (*BLOCKS.values(), *COMPATIBILITY):
        yield from range(first, last + 1)


def block_of(code: int) -> str | None:
    """The :data:`BLOCKS` name holding ``code``, or None."""
    for name, (first, last) in BLOCKS.items():
        if first <= code <= last:
            return name
    return None
