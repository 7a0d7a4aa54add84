"""Finding a matter (事项) the way a clerk types it: a part of its name, its code, or its pinyin
initials (``spjy`` finds 食品经营许可).

Initials come from pypinyin with its phrase dictionary, so polyphonic characters read as the
phrase does (行政 is ``xz``, 银行 is ``yh``). Each character's other readings are accepted as
well, so a clerk who types the reading they know still finds the matter. The initials of a
catalog are worked out once per catalog and kept.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from counter_app.domain.catalog import Catalog, ServiceItem

_MAX_VARIANTS = 16  # heteronyms multiply; past this many spellings the phrase reading is enough


@lru_cache(maxsize=4096)
def initials(name: str) -> tuple[str, ...]:
    """The pinyin initials of ``name``: the phrase reading first, then other readings.

    Characters without pinyin (letters, digits) stand for themselves, lower-cased; punctuation
    is dropped.
    """
    from pypinyin import Style, lazy_pinyin, pinyin  # a large dictionary: loaded on first use

    def letter(syllable: str) -> str:
        return syllable[:1].lower() if syllable[:1].isalnum() else ""

    chars = [ch for ch in name if ch.isalnum()]
    if not chars:
        return ()
    text = "".join(chars)
    main = "".join(letter(s) for s in lazy_pinyin(text, style=Style.FIRST_LETTER))
    # Character by character: asked for a whole phrase, pypinyin gives only the phrase reading.
    per_char = [
        sorted({letter(s) for s in pinyin(ch, style=Style.FIRST_LETTER, heteronym=True)[0]} - {""}) or [""]
        for ch in chars
    ]
    variants = [main]
    for combo in itertools.islice(itertools.product(*per_char), _MAX_VARIANTS):
        spelled = "".join(combo)
        if spelled not in variants:
            variants.append(spelled)
    return tuple(variants)


def is_initials_query(text: str) -> bool:
    """Whether ``text`` could be pinyin initials (Latin letters only)."""
    return text.isascii() and text.isalpha()


def find_matters(catalog: Catalog, text: str, limit: int = 50) -> list[ServiceItem]:
    """Matters of ``catalog`` matching ``text``, best first.

    Order: an exact code; initials or a name that start with the text; initials or a name that
    contain it; the catalog's own word search (every word of the text in the name or code).
    """
    query = "".join(text.split())
    if not query:
        return list(catalog.items[:limit])
    folded = query.casefold()
    pinyin_query = is_initials_query(query)
    ranked: list[tuple[int, int, ServiceItem]] = []
    for position, item in enumerate(catalog.items):
        rank = _rank(item, query, folded, pinyin_query)
        if rank is not None:
            ranked.append((rank, position, item))
    found = [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]
    seen = {item.task_code for item in found}
    found.extend(item for item in catalog.search(text) if item.task_code not in seen)
    return found[:limit]


def _rank(item: ServiceItem, query: str, folded: str, pinyin_query: bool) -> int | None:
    if query.upper() in (item.task_code, item.catalog_code):
        return 0
    name = "".join(item.name.split()).casefold()
    spellings = initials(item.name) if pinyin_query else ()
    if name.startswith(folded) or any(s.startswith(folded) for s in spellings):
        return 1
    if folded in name or any(folded in s for s in spellings):
        return 2
    return None
