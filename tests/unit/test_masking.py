"""Masking of personal data: one definition in the domain, used by receipts and the server alike."""

from __future__ import annotations

import ast
from pathlib import Path

from counter_app.domain.masking import mask_cert_no, mask_name, mask_phone

ROOT = Path(__file__).resolve().parents[2]


def test_names_are_masked_whatever_their_length() -> None:
    names = ["欧阳小明", "张小三", "张三", "李", " 王五 ", ""]
    assert [mask_name(n) for n in names] == ["欧**明", "张*三", "张*", "*", "王*", ""]


def test_numbers_are_masked() -> None:
    assert mask_cert_no("110105199001010021") == "110105********0021"
    assert mask_cert_no("E12345678") == "E1*****78"
    assert mask_phone("13812345678") == "138****5678"


def test_masking_is_defined_once_in_the_code_base() -> None:
    defined = sorted(
        f"{path.relative_to(ROOT)}:{node.name}"
        for package in ("counter_app", "supervision_server")
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("mask_")
    )
    assert defined == [
        "counter_app/domain/masking.py:mask_cert_no",
        "counter_app/domain/masking.py:mask_name",
        "counter_app/domain/masking.py:mask_phone",
    ]
