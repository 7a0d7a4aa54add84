"""Resident ID, USCC and phone checks: valid inputs, every error code, warnings, normalization."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest

import counter_app.domain.validation as validation
from counter_app.domain.errors import ValidationError
from counter_app.domain.validation import (
    CERT_RESIDENT_ID,
    CERT_USCC,
    SEX_FEMALE,
    SEX_MALE,
    DocumentCheck,
    IdCheck,
    PhoneCheck,
    UsccCheck,
    check_contact_phone,
    check_document,
    check_landline,
    check_mobile,
    check_resident_id,
    check_uscc,
    require_valid_contact_phone,
    require_valid_document,
    require_valid_id,
    require_valid_mobile,
    require_valid_uscc,
    resident_id_check_char,
    uscc_check_char,
)

TODAY = date(2025, 6, 1)
USCC_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
Result = IdCheck | UsccCheck | PhoneCheck | DocumentCheck

# --- independent check-character helpers (different formulas from the module's) -----------


def id_check(body: str) -> str:
    """GB 11643 check character, the python-stdnum way: (1 - 2 * int(body, 13)) % 11."""
    value = (1 - 2 * int(body, 13)) % 11
    return "X" if value == 10 else str(value)


def make_id(area: str, birth: str, seq: str) -> str:
    body = area + birth + seq
    return body + id_check(body)


def org_check(body: str) -> str:
    """GB 11714 check character, from explicit weights and a letter table."""
    letters = {chr(ord("A") + i): 10 + i for i in range(26)}
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum((int(c) if c.isdigit() else letters[c]) * w for c, w in zip(body, weights, strict=True))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def uscc_check(body: str) -> str:
    """GB 32100 check character: weights computed as powers of 3, check as the negated sum."""
    total = 0
    weight = 1
    for c in body:
        total += USCC_SET.index(c) * weight
        weight = weight * 3 % 31
    return USCC_SET[-total % 31]


def make_uscc(head: str, org_body: str, org_char: str | None = None) -> str:
    """head: positions 1-8; org_body: positions 9-16; org_char defaults to a correct one."""
    body = head + org_body + (org_check(org_body) if org_char is None else org_char)
    return body + uscc_check(body)


def wrong_last(code: str, charset: str) -> str:
    return code[:-1] + next(c for c in charset if c != code[-1])


def codes(result: Result) -> list[str]:
    return [issue.code for issue in result.issues]


# --- resident ID -------------------------------------------------------------------------------


def test_independent_id_helper_agrees_with_published_vector() -> None:
    assert id_check("11010519491231002") == "X"
    assert id_check("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), SEX_FEMALE),
        (make_id("330781", "19900101", "124"), date(1990, 1, 1), SEX_FEMALE),
        (make_id("440106", "20000229", "017"), date(2000, 2, 29), SEX_MALE),
        (make_id("650102", "19000101", "001"), date(1900, 1, 1), SEX_MALE),
        (make_id("810000", "19851120", "035"), date(1985, 11, 20), SEX_MALE),
        (make_id("830000", "19770707", "048"), date(1977, 7, 7), SEX_FEMALE),
        (make_id("110101", "20250601", "991"), TODAY, SEX_MALE),
    ],
)
def test_valid_resident_id(number: str, birth: date, sex: str) -> None:
    result = check_resident_id(number, TODAY)
    assert result == IdCheck(True, number, (), birth, sex)


def test_published_1880_vector_has_a_valid_checksum_but_predates_1900() -> None:
    result = check_resident_id("440524188001010014", TODAY)
    assert resident_id_check_char("44052418800101001") == "4"
    assert codes(result) == ["ID_BIRTH_DATE"]
    assert result.issues[0].message == "出生日期早于1900年：18800101"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "  11010519491231002X  ",
        "\t11010519491231002x\n",
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_resident_id_normalized(raw: str) -> None:
    result = check_resident_id(raw, TODAY)
    assert result.ok
    assert result.normalized == "11010519491231002X"


def test_all_known_province_prefixes_pass_without_warning() -> None:
    for prefix in [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47)]:
        assert check_resident_id(make_id(f"{prefix}0101", "19800101", "001"), TODAY).issues == ()
    for prefix in [*range(50, 55), *range(61, 66), 71, 81, 82, 83]:
        assert check_resident_id(make_id(f"{prefix}0101", "19800101", "001"), TODAY).issues == ()


@pytest.mark.parametrize("area", ["990101", "000000", "160101", "910101", "840000"])
def test_unknown_area_is_a_warning_only(area: str) -> None:
    number = make_id(area, "19800101", "001")
    result = check_resident_id(number, TODAY)
    assert result.ok
    assert codes(result) == ["ID_AREA_UNKNOWN"]
    assert result.issues[0].warning
    assert area[:2] in result.issues[0].message
    assert result.birth_date == date(1980, 1, 1)
    assert require_valid_id(number, TODAY) == result


@pytest.mark.parametrize(
    "number", ["11010519491231002X", make_id("330781", "19900101", "123"), "440524188001010014"]
)
def test_resident_id_wrong_checksum(number: str) -> None:
    result = check_resident_id(wrong_last(number, "0123456789X"), TODAY)
    assert not result.ok
    assert "ID_CHECKSUM" in codes(result)
    assert result.birth_date is None and result.sex is None


def test_resident_id_checksum_message() -> None:
    result = check_resident_id("110105194912310021", TODAY)
    assert result.issues[0].message == "身份证号校验位错误，请核对最后一位"


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        ("11010519491231002", 17),
        ("11010519491231002X1", 19),
        ("110105491231002", 15),
        ("1", 1),
        ("11010519491231 002X", 19),
    ],
)
def test_resident_id_wrong_length(raw: str, count: int) -> None:
    result = check_resident_id(raw, TODAY)
    assert codes(result) == ["ID_LENGTH"]
    assert result.issues[0].message == f"身份证号应为18位，当前为{count}位"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_resident_id_empty(raw: str) -> None:
    assert codes(check_resident_id(raw, TODAY)) == ["ID_EMPTY"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("1101051949123100AX", "A"),
        ("11010519491231X02X", "X"),
        ("11010519491231002Y", "Y"),
        ("110105 94912310029", "空格"),
        ("1101051949-231002X", "-"),
        ("11010519491231002٣", "٣"),  # an Arabic-Indic digit: isdigit() but not 0-9
        ("A1010519491231002B", "A、B"),
    ],
)
def test_resident_id_bad_characters(raw: str, shown: str) -> None:
    result = check_resident_id(raw, TODAY)
    assert codes(result) == ["ID_CHARS"]
    assert result.issues[0].message.startswith(f"身份证号含非法字符：{shown}（")


@pytest.mark.parametrize(
    ("birth", "message"),
    [
        ("19490230", "出生日期不存在：19490230"),
        ("19491301", "出生日期不存在：19491301"),
        ("19490001", "出生日期不存在：19490001"),
        ("19490100", "出生日期不存在：19490100"),
        ("20230229", "出生日期不存在：20230229"),
        ("19000229", "出生日期不存在：19000229"),
        ("00000101", "出生日期不存在：00000101"),
        ("20250602", "出生日期晚于今天：20250602"),
        ("20991231", "出生日期晚于今天：20991231"),
        ("18991231", "出生日期早于1900年：18991231"),
        ("10000101", "出生日期早于1900年：10000101"),
    ],
)
def test_resident_id_impossible_birth_date(birth: str, message: str) -> None:
    result = check_resident_id(make_id("110105", birth, "002"), TODAY)
    assert not result.ok
    assert codes(result) == ["ID_BIRTH_DATE"]
    assert result.issues[0].message == message
    assert result.birth_date is None and result.sex is None


def test_resident_id_reports_every_problem_at_once() -> None:
    result = check_resident_id("990105194902310029", TODAY)
    assert codes(result) == ["ID_CHECKSUM", "ID_BIRTH_DATE", "ID_AREA_UNKNOWN"]
    assert [i.warning for i in result.issues] == [False, False, True]


def test_birth_date_is_judged_against_the_given_day() -> None:
    number = make_id("110105", "20250602", "002")
    assert not check_resident_id(number, TODAY).ok
    assert check_resident_id(number, TODAY + timedelta(days=1)).ok


def test_resident_id_check_char_agrees_with_independent_formula() -> None:
    rng = random.Random(11643)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert resident_id_check_char(body) == id_check(body)


@pytest.mark.parametrize("body", ["1101051949123100", "110105194912310021", "1101051949123100A", "１" * 17])
def test_resident_id_check_char_rejects_bad_body(body: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_char(body)


def test_require_valid_id_raises_with_every_issue() -> None:
    with pytest.raises(ValidationError) as caught:
        require_valid_id("990105194902310029", TODAY)
    assert caught.value.code == "ID_CHECKSUM"
    assert [i.code for i in caught.value.issues] == ["ID_CHECKSUM", "ID_BIRTH_DATE", "ID_AREA_UNKNOWN"]
    assert "ID_AREA_UNKNOWN" not in str(caught.value)
    assert require_valid_id("11010519491231002x", TODAY).normalized == "11010519491231002X"


def test_results_are_frozen() -> None:
    result = check_resident_id("11010519491231002X", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = False  # type: ignore[misc]


# --- USCC --------------------------------------------------------------------------------------


def test_independent_uscc_helpers_agree_with_published_vector() -> None:
    assert org_check("60003734") == "1"
    assert uscc_check("91110000600037341") == "L"


VALID_USCCS = [
    "91110000600037341L",
    make_uscc("91330781", "MA2JK7Q8"),
    make_uscc("92330781", "L1234567"),
    make_uscc("93330781", "MA2B0C1D"),
    make_uscc("11100000", "00001351"),
    make_uscc("12330000", "47000123"),
    make_uscc("13100000", "50000000"),
    make_uscc("19330781", "00000000"),
    make_uscc("21110000", "71780012"),
    make_uscc("31330000", "E0000123"),
    make_uscc("35330100", "01234567"),
    make_uscc("41110000", "MB1234X0"),
    make_uscc("51100000", "50000032"),
    make_uscc("52330781", "MJ8765AB"),
    make_uscc("53100000", "50001234"),
    make_uscc("59330781", "MJ000001"),
    make_uscc("62110000", "71780099"),
    make_uscc("71330781", "MC1234AB"),
    make_uscc("81330781", "MC0000RT"),
    make_uscc("A1100000", "MB0000UW"),
    make_uscc("A9100000", "MB0000XY"),
    make_uscc("N1330781", "MF1234AB"),
    make_uscc("N2330781", "MF1234AC"),
    make_uscc("N3330781", "MF1234AD"),
    make_uscc("N9330781", "MF1234AE"),
    make_uscc("Y1330781", "MG1234AB"),
]


@pytest.mark.parametrize("code", VALID_USCCS)
def test_valid_uscc(code: str) -> None:
    result = check_uscc(code)
    assert result == UsccCheck(True, code, (), code[2:8], code[8:17])


@pytest.mark.parametrize("code", ["91110000600037341L", make_uscc("A1100000", "MB0000UW")])
def test_uscc_lowercase_and_spaces_normalized(code: str) -> None:
    result = check_uscc("  " + code.lower() + " ")
    assert result.ok
    assert result.normalized == code
    assert check_uscc(code.translate({cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)})).normalized == code


@pytest.mark.parametrize("code", VALID_USCCS[:8] + [make_uscc("N1330781", "MF1234AB")])
def test_uscc_wrong_checksum(code: str) -> None:
    result = check_uscc(wrong_last(code, USCC_SET))
    assert not result.ok
    assert codes(result) == ["USCC_CHECKSUM"]
    assert result.issues[0].message == "统一社会信用代码校验位错误，请核对最后一位"
    assert result.region_code is None and result.org_code is None


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_forbidden_letters(letter: str) -> None:
    code = "91110000600037341L"
    for position in (0, 9, 17):
        result = check_uscc(code[:position] + letter + code[position + 1 :])
        assert codes(result) == ["USCC_CHARS"]
        assert result.issues[0].message == f"统一社会信用代码含非法字符：{letter}（不使用 I、O、Z、S、V）"


def test_uscc_other_bad_characters_listed_once_each() -> None:
    result = check_uscc("9111000060-0 7-41L")
    assert result.issues[0].message.startswith("统一社会信用代码含非法字符：-、空格（")


@pytest.mark.parametrize(("raw", "count"), [("91110000600037341", 17), ("91110000600037341LL", 19)])
def test_uscc_wrong_length(raw: str, count: int) -> None:
    result = check_uscc(raw)
    assert codes(result) == ["USCC_LENGTH"]
    assert result.issues[0].message == f"统一社会信用代码应为18位，当前为{count}位"


def test_uscc_empty() -> None:
    assert codes(check_uscc(" ")) == ["USCC_EMPTY"]


@pytest.mark.parametrize("head", ["91A10000", "9111000B", "91MA0000"])
def test_uscc_region_must_be_digits(head: str) -> None:
    result = check_uscc(make_uscc(head, "60003734"))
    assert not result.ok
    assert codes(result) == ["USCC_REGION"]
    assert head[2:] in result.issues[0].message


@pytest.mark.parametrize(
    ("head", "fragment"),
    [
        ("B1110000", "登记管理部门代码 B"),
        ("01110000", "登记管理部门代码 0"),
        ("94110000", "机构类别 4 不属于登记管理部门“工商”"),
        ("54110000", "机构类别 4 不属于登记管理部门“民政”"),
        ("Y2110000", "机构类别 2 不属于登记管理部门“其他”"),
        ("N4110000", "机构类别 4 不属于登记管理部门“农业”"),
        ("A2110000", "机构类别 2 不属于登记管理部门“中央军委改革和编制办公室”"),
    ],
)
def test_uscc_unknown_category_is_a_warning(head: str, fragment: str) -> None:
    code = make_uscc(head, "60003734")
    result = check_uscc(code)
    assert result.ok
    assert codes(result) == ["USCC_CATEGORY_UNKNOWN"]
    assert result.issues[0].warning
    assert fragment in result.issues[0].message
    assert require_valid_uscc(code) == result


def test_uscc_org_code_mismatch_is_a_warning() -> None:
    good = org_check("60003734")
    bad = next(c for c in "0123456789X" if c != good)
    result = check_uscc(make_uscc("91110000", "60003734", bad))
    assert result.ok
    assert codes(result) == ["USCC_ORG_CODE"]
    assert result.issues[0].warning


def test_uscc_org_check_char_zero_and_x() -> None:
    # Search for org-code bodies whose check character is X and 0, to cover both special cases.
    rng = random.Random(11714)
    seen: set[str] = set()
    while seen != {"0", "X"}:
        body = "".join(rng.choice(USCC_SET) for _ in range(8))
        char = org_check(body)
        if char in {"0", "X"}:
            seen.add(char)
            assert check_uscc(make_uscc("91330781", body)).issues == ()


def test_uscc_reports_errors_and_warnings_together() -> None:
    code = wrong_last(make_uscc("95A10000", "60003734", "9"), USCC_SET)
    result = check_uscc(code)
    assert codes(result) == ["USCC_CHECKSUM", "USCC_REGION", "USCC_CATEGORY_UNKNOWN", "USCC_ORG_CODE"]
    assert not result.ok
    with pytest.raises(ValidationError) as caught:
        require_valid_uscc(code)
    assert len(caught.value.issues) == 4


def test_uscc_check_char_agrees_with_independent_formula() -> None:
    rng = random.Random(32100)
    for _ in range(2000):
        body = "".join(rng.choice(USCC_SET) for _ in range(17))
        assert uscc_check_char(body) == uscc_check(body)


@pytest.mark.parametrize("body", ["9111000060003734", "91110000600037341L", "9111000060003734I"])
def test_uscc_check_char_rejects_bad_body(body: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_char(body)


# --- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "138 0013 8000",
        "138-0013-8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "008613800138000",
        "0086 138 0013 8000",
        "8613800138000",
        "86 138-0013-8000",
        "１３８００１３８０００",
    ],
)
def test_mobile_normalized(raw: str) -> None:
    result = check_mobile(raw)
    assert result.ok
    assert result.normalized == "13800138000"
    assert result.kind == "mobile"
    assert require_valid_mobile(raw) == result


@pytest.mark.parametrize(
    "number", ["13000000000", "14512345678", "15912345678", "16612345678", "19912345678"]
)
def test_mobile_second_digit_three_to_nine(number: str) -> None:
    assert check_mobile(number).ok


@pytest.mark.parametrize(
    "raw",
    [
        "12800138000",
        "10800138000",
        "1380013800",
        "138001380001",
        "23800138000",
        "1380013800a",
        "861380013800",
        "+85213800138000",
        "0571-88888888",
        "138.0013.8000",
        "１３８００１３８０",
    ],
)
def test_invalid_mobile(raw: str) -> None:
    result = check_mobile(raw)
    assert not result.ok
    assert codes(result) == ["PHONE_MOBILE"]
    assert result.issues[0].message.startswith("手机号码格式不正确")
    assert result.kind is None
    with pytest.raises(ValidationError):
        require_valid_mobile(raw)


@pytest.mark.parametrize("raw", ["", "  ", "\u3000"])
def test_empty_phone(raw: str) -> None:
    for check in (check_mobile, check_landline, check_contact_phone):
        assert codes(check(raw)) == ["PHONE_EMPTY"]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("010-12345678", "010-12345678"),
        ("01012345678", "01012345678"),
        ("0571-8888888", "0571-8888888"),
        ("0571-88888888", "0571-88888888"),
        ("057188888888", "057188888888"),
        ("0571-88888888-123", "0571-88888888-123"),
        ("0571-88888888-1", "0571-88888888-1"),
        ("057188888888-123456", "057188888888-123456"),
        ("0571-88888888转123", "0571-88888888-123"),
        (" 0571 - 88888888 ", "0571-88888888"),
        ("０５７１－８８８８８８８８", "0571-88888888"),
    ],
)
def test_valid_landline(raw: str, normalized: str) -> None:
    result = check_landline(raw)
    assert result.ok
    assert result.normalized == normalized
    assert result.kind == "landline"


@pytest.mark.parametrize(
    "raw",
    [
        "88888888",
        "571-88888888",
        "0571-123456",
        "0571-123456789",
        "05-12345678",
        "05711-88888888",
        "0571--88888888",
        "0571-88888888-",
        "0571-88888888-1234567",
        "0571-88888888ext123",
        "(0571)88888888",
        "13800138000",
    ],
)
def test_invalid_landline(raw: str) -> None:
    result = check_landline(raw)
    assert not result.ok
    assert codes(result) == ["PHONE_LANDLINE"]


@pytest.mark.parametrize(
    ("raw", "kind", "normalized"),
    [
        ("+86 138-0013-8000", "mobile", "13800138000"),
        ("0086 13800138000", "mobile", "13800138000"),
        ("010-12345678", "landline", "010-12345678"),
        ("0571-88888888-123", "landline", "0571-88888888-123"),
    ],
)
def test_contact_phone_accepts_mobile_or_landline(raw: str, kind: str, normalized: str) -> None:
    result = check_contact_phone(raw)
    assert (result.ok, result.kind, result.normalized) == (True, kind, normalized)
    assert require_valid_contact_phone(raw) == result


@pytest.mark.parametrize("raw", ["12345", "1280013800", "0571-123", "abc", "12800138000"])
def test_contact_phone_rejects_neither(raw: str) -> None:
    result = check_contact_phone(raw)
    assert codes(result) == ["PHONE_CONTACT"]
    assert result.issues[0].message == "联系电话格式不正确，应为11位手机号码或带区号的固定电话"
    with pytest.raises(ValidationError) as caught:
        require_valid_contact_phone(raw)
    assert caught.value.code == "PHONE_CONTACT"


# --- documents by type -------------------------------------------------------------------------


def test_document_constants() -> None:
    assert (CERT_RESIDENT_ID, CERT_USCC) == ("111", "001")


@pytest.mark.parametrize("doc_type", [CERT_RESIDENT_ID, " 111 "])
def test_document_resident_id(doc_type: str) -> None:
    result = check_document(doc_type, "11010519491231002x", TODAY)
    assert isinstance(result, IdCheck)
    assert result.ok and result.normalized == "11010519491231002X"
    assert not check_document(doc_type, "110105194912310021", TODAY).ok


def test_document_uscc() -> None:
    result = check_document(CERT_USCC, "91110000600037341l", TODAY)
    assert isinstance(result, UsccCheck)
    assert result.ok and result.normalized == "91110000600037341L"
    assert codes(check_document(CERT_USCC, "91110000600037341I", TODAY)) == ["USCC_CHARS"]


@pytest.mark.parametrize(
    ("doc_type", "raw", "normalized"),
    [("414", " E12345678 ", "E12345678"), ("990", "x" * 50, "x" * 50), ("", "abc", "abc")],
)
def test_document_other_types(doc_type: str, raw: str, normalized: str) -> None:
    result = check_document(doc_type, raw, TODAY)
    assert result == DocumentCheck(True, normalized, ())
    assert require_valid_document(doc_type, raw, TODAY) == result


@pytest.mark.parametrize(("raw", "code"), [("", "DOC_EMPTY"), ("  ", "DOC_EMPTY"), ("9" * 51, "DOC_LENGTH")])
def test_document_other_types_invalid(raw: str, code: str) -> None:
    result = check_document("414", raw, TODAY)
    assert codes(result) == [code]
    with pytest.raises(ValidationError) as caught:
        require_valid_document("414", raw, TODAY)
    assert caught.value.code == code


def test_require_valid_document_ignores_warnings() -> None:
    number = make_id("990101", "19800101", "001")
    result = require_valid_document(CERT_RESIDENT_ID, number, TODAY)
    assert codes(result) == ["ID_AREA_UNKNOWN"]


# --- every code is reachable, documented and worded ---------------------------------------------

EVERY_CODE: dict[str, Callable[[], Result]] = {
    "ID_EMPTY": lambda: check_resident_id("", TODAY),
    "ID_LENGTH": lambda: check_resident_id("1101", TODAY),
    "ID_CHARS": lambda: check_resident_id("1101051949123100AX", TODAY),
    "ID_CHECKSUM": lambda: check_resident_id("110105194912310021", TODAY),
    "ID_BIRTH_DATE": lambda: check_resident_id(make_id("110105", "19490231", "002"), TODAY),
    "ID_AREA_UNKNOWN": lambda: check_resident_id(make_id("990105", "19490131", "002"), TODAY),
    "USCC_EMPTY": lambda: check_uscc(""),
    "USCC_LENGTH": lambda: check_uscc("9111"),
    "USCC_CHARS": lambda: check_uscc("91110000600037341I"),
    "USCC_CHECKSUM": lambda: check_uscc("91110000600037341M"),
    "USCC_REGION": lambda: check_uscc(make_uscc("91A10000", "60003734")),
    "USCC_CATEGORY_UNKNOWN": lambda: check_uscc(make_uscc("B1110000", "60003734")),
    "USCC_ORG_CODE": lambda: check_uscc(make_uscc("91110000", "60003734", "2")),
    "PHONE_EMPTY": lambda: check_mobile(""),
    "PHONE_MOBILE": lambda: check_mobile("12345"),
    "PHONE_LANDLINE": lambda: check_landline("12345"),
    "PHONE_CONTACT": lambda: check_contact_phone("12345"),
    "DOC_EMPTY": lambda: check_document("414", "", TODAY),
    "DOC_LENGTH": lambda: check_document("414", "1" * 51, TODAY),
}


@pytest.mark.parametrize("code", sorted(EVERY_CODE))
def test_every_code_reachable_documented_and_worded(code: str) -> None:
    result = EVERY_CODE[code]()
    issue = next(i for i in result.issues if i.code == code)
    assert code in (validation.__doc__ or "")
    assert issue.message and "{" not in issue.message and "}" not in issue.message
    assert any("\u4e00" <= c <= "\u9fff" for c in issue.message)
    assert issue.as_dict()["code"] == code


def test_ok_is_false_iff_an_error_is_present() -> None:
    for make in EVERY_CODE.values():
        result = make()
        assert result.ok == all(i.warning for i in result.issues)
