"""The fast road of canonical_json against the reference RFC 8785 code, on generated values."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.ledger.canonical import canonical_json, compact_sorted_json, jcs_compatible

# Keys and strings from every plane, control characters and quotes included.
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
_LEAVES = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_same_bytes_as_the_reference(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_the_stored_text_is_what_the_standard_encoder_writes(value: Any) -> None:
    """orjson's text, kept as the stored form of an envelope, equals json.dumps sorted and
    compact, whatever the value (keys beyond the BMP included: both order by code point)."""
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert compact_sorted_json(value) == expected


def test_what_orjson_will_not_write_is_written_by_the_standard_encoder() -> None:
    assert compact_sorted_json({"b": "\ud800", "a": 2**70}) == '{"a":1180591620717411303424,"b":"\ud800"}'


def test_keys_outside_the_bmp_are_ordered_by_utf16_as_jcs_says() -> None:
    value = {"\U0001f600": 1, "\uff01": 2}  # code point order puts the emoji last, UTF-16 first
    assert not jcs_compatible(value)
    assert canonical_json(value) == rfc8785.dumps(value) == '{"\U0001f600":1,"\uff01":2}'.encode()


def test_escapes_and_non_ascii_as_jcs() -> None:
    assert canonical_json({"b": 'a"\\\n\x01/汉', "a": [True, None, -5]}) == (
        '{"a":[true,null,-5],"b":"a\\"\\\\\\n\\u0001/汉"}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"x": 1.5}, TypeError),
        ({"x": 2**53}, rfc8785.IntegerDomainError),
        ({"x": "\ud800"}, rfc8785.CanonicalizationError),
        ({1: "x"}, rfc8785.CanonicalizationError),
    ],
)
def test_what_jcs_cannot_hold_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_json(value)
