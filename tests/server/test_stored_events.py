"""How the rules read a stored event's payload (supervision_server.rules.base)."""

from __future__ import annotations

import json

from supervision_server.rules.base import _payload


def test_a_stored_envelope_gives_its_payload() -> None:
    envelope = {"type": "case.received", "payload": {"project_no": "X-1", "applicant": {"name": "张小三"}}}
    assert _payload(json.dumps(envelope, ensure_ascii=False)) == envelope["payload"]


def test_what_orjson_refuses_is_read_as_the_standard_library_reads_it() -> None:
    # A lone surrogate: orjson refuses it, json reads it. No ledger envelope holds one (canonical
    # JSON cannot be written with one), but a payload is never lost to the faster reader.
    text = '{"payload": {"name": "\\ud800x", "window_no": 3}}'
    assert _payload(text) == json.loads(text)["payload"] == {"name": "\ud800x", "window_no": 3}


def test_integers_read_the_same_within_what_the_ledger_stores() -> None:
    # Canonical JSON holds integers within 2**53 - 1; orjson reads those as json does (past 64
    # bits it would give a float, which no stored envelope can ask of it).
    for n in (0, -1, 2**53 - 1, -(2**53 - 1)):
        assert _payload(f'{{"payload": {{"n": {n}}}}}') == {"n": n}
        assert type(_payload(f'{{"payload": {{"n": {n}}}}}')["n"]) is int


def test_no_payload_or_no_json_gives_an_empty_one() -> None:
    assert _payload('{"type": "x"}') == {}
    assert _payload('{"payload": [1, 2]}') == {}
    assert _payload("[1, 2]") == {}
    assert _payload("{not json") == {}
