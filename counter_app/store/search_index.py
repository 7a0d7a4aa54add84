"""Full-text index of applicants' names for the window's search (姓名、企业名称的任意片段).

A clerk types any part of a name: 建国 finds 王建国, 味之源 finds 云溪市味之源餐饮有限公司.
SQLite's trigram tokenizer cannot match fewer than three characters, and most Chinese given
names are two, so the index stores each name as its sequence of overlapping character pairs
(``grams``) and its single characters (``singles``) in an FTS5 table tokenised on spaces:

* one character matches a token of ``singles``;
* two characters match a token of ``grams``;
* three or more match the phrase of their consecutive pairs, which FTS5 finds only where the
  pairs stand next to each other in that order, that is, where the text is a substring.

Latin letters and digits are folded to lower case and indexed the same way, so a part of an
English company name matches too. The table is contentless and keyed by the ``cases`` rowid:
the names themselves stay in ``cases``, the index holds only what finds them. It is derived
data (rebuilt by :func:`rebuild`), not part of the signed record.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from counter_app.store.prepared import Executor, Prepared

TABLE = "case_search"

CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "grams, singles, content='', tokenize='unicode61 remove_diacritics 0')"
)


# A token between two names: never a pair (pairs are two characters), so no phrase spans it.
_SEPARATOR = "sep"


def _characters(value: str) -> list[str]:
    """The searchable characters of ``value``: letters and digits, lower case, nothing else."""
    return [ch for ch in value.casefold() if ch.isalnum()]


def tokens(names: Iterable[str]) -> tuple[str, str]:
    """The ``grams`` and ``singles`` columns for ``names`` (each name kept apart from the next)."""
    grams: list[str] = []
    singles: list[str] = []
    for name in names:
        chars = _characters(name)
        singles.extend(chars)
        grams.extend(a + b for a, b in itertools.pairwise(chars))
        grams.append(_SEPARATOR)
    return " ".join(grams), " ".join(singles)


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression that finds ``query`` as a substring, or None if it has no letters."""
    chars = _characters(query)
    if not chars:
        return None
    if len(chars) == 1:
        return f'singles : "{chars[0]}"'
    pairs = " ".join(a + b for a, b in itertools.pairwise(chars))
    return f'grams : "{pairs}"'


def names_in(intake: dict[str, Any]) -> list[str]:
    """The names a clerk may search a case by: applicant, legal representative, agent (经办人)."""
    found: list[str] = []
    for role in ("applicant", "agent"):
        party = intake.get(role)
        if isinstance(party, dict):
            found.extend(v for k in ("name", "legal_rep") if isinstance(v := party.get(k), str) and v)
    return found


_INSERT = Prepared(text(f"INSERT INTO {TABLE} (rowid, grams, singles) VALUES (:rowid, :grams, :singles)"))


def index_case(conn: Executor, rowid: int, names: Iterable[str]) -> None:
    """Add the case at ``rowid`` of ``cases`` to the index (in the caller's transaction)."""
    grams, singles = tokens(names)
    _INSERT.run(conn, {"rowid": rowid, "grams": grams, "singles": singles})


def find(conn: Connection, query: str, limit: int) -> list[int]:
    """Rowids of ``cases`` whose indexed names contain ``query``, newest first."""
    expression = match_expression(query)
    if expression is None:
        return []
    rows = conn.execute(
        text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :expr ORDER BY rowid DESC LIMIT :limit"),
        {"expr": expression, "limit": limit},
    )
    return [row[0] for row in rows]


def rebuild(conn: Connection) -> int:
    """Index every case from the intake of its ``case.received`` event (the migration that adds
    the index); returns how many."""
    conn.execute(text(CREATE))
    conn.execute(text(f"DELETE FROM {TABLE}"))
    count = 0
    received = text(
        "SELECT cases.rowid, events.envelope FROM cases JOIN events ON events.seq = cases.seq"
        " ORDER BY cases.rowid"
    )
    for rowid, envelope in conn.execute(received).all():
        index_case(conn, rowid, names_in(json.loads(envelope)["payload"]))
        count += 1
    return count
