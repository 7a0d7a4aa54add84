"""Checks a clerk runs on what an applicant hands over: resident ID, USCC, phone numbers.

Every checker returns a frozen result with ``ok`` (False iff at least one issue is not a
warning), the ``normalized`` value to store, and every ``issues`` found, each an
:class:`~counter_app.domain.errors.Issue` with a stable code and a Simplified Chinese message.
The ``require_valid_*`` helpers raise :class:`~counter_app.domain.errors.ValidationError` when
there is an error; warnings never raise. Nothing here reads the clock: ``today`` is an argument.

Input is forgiving where a clerk's keyboard is: surrounding spaces are stripped, full-width
characters (typed in a Chinese input method) become ASCII, and ID and USCC letters become
uppercase. Structural errors (empty, length, characters) stop a check; the later checks
(checksum, birth date, region, tables) all run, so that every problem is listed at once.

Issue codes:

======================  =======  ==========================================================
code                    level    meaning
======================  =======  ==========================================================
ID_EMPTY                error    no resident ID number entered
ID_LENGTH               error    not 18 characters (GB 11643)
ID_CHARS                error    first 17 not all digits, or the last not a digit or X
ID_CHECKSUM             error    the 18th character does not match the check character
ID_BIRTH_DATE           error    birth date is not a calendar date, is after today, or before 1900
ID_AREA_UNKNOWN         warning  first 2 digits are not a known province-level code
USCC_EMPTY              error    no 统一社会信用代码 entered
USCC_LENGTH             error    not 18 characters (GB 32100)
USCC_CHARS              error    a character outside 0-9 and A-Y without I, O, Z, S, V
USCC_CHECKSUM           error    the 18th character does not match the check character
USCC_REGION             error    positions 3-8 (registration region code) are not all digits
USCC_CATEGORY_UNKNOWN   warning  position 1 (登记管理部门), or position 2 (机构类别) under it, unknown
USCC_ORG_CODE           warning  positions 9-17 fail the organisation code check (GB 11714)
PHONE_EMPTY             error    no phone number entered
PHONE_MOBILE            error    not a mainland mobile number: 1, then 3-9, then 9 digits
PHONE_LANDLINE          error    not 0 + 2-3 digit area code, 7-8 digits, optional extension
PHONE_CONTACT           error    a contact phone that is neither a mobile nor a landline number
DOC_EMPTY               error    no document number entered (other document types)
DOC_LENGTH              error    document number longer than 50 characters (other document types)
======================  =======  ==========================================================
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date

from counter_app.domain.errors import Issue, ValidationError

# 证件类型 codes. 111 is the usual GA/T 2000.156 code for 居民身份证. The USCC is not a personal
# document; "001" is this system's code for it, to be mapped when an upstream spec names another.
CERT_RESIDENT_ID = "111"
CERT_USCC = "001"
DOCUMENT_MAX_LENGTH = 50  # GB/T 39046 证件号码 an..50

SEX_MALE = "M"
SEX_FEMALE = "F"
PHONE_KIND_MOBILE = "mobile"
PHONE_KIND_LANDLINE = "landline"

_DIGITS = "0123456789"
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, as a Chinese IME types them.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260, plus 81/82/83 of 港澳台居民居住证. Only a warning when
# unknown: area codes get abolished while the numbers issued under them stay valid.
_PROVINCES = frozenset(
    str(n)
    for low, high in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
    for n in range(low, high + 1)
)

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# Position 1 登记管理部门 -> (name, allowed position 2 机构类别), GB 32100 and later allocations.
# An unknown pair is only a warning: new authorities and categories do get allocated.
_USCC_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "123459"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?")

# Templates use str.format placeholders (never f-strings) so that they stay translatable.
# A key is the issue code, or "CODE:variant" when one code has several wordings.
_MESSAGES = {
    "ID_EMPTY": "请输入身份证号",
    "ID_LENGTH": "身份证号应为18位，当前为{count}位",
    "ID_CHARS": "身份证号含非法字符：{chars}（前17位应为数字，最后一位为数字或X）",
    "ID_CHECKSUM": "身份证号校验位错误，请核对最后一位",
    "ID_BIRTH_DATE": "出生日期不存在：{value}",
    "ID_BIRTH_DATE:future": "出生日期晚于今天：{value}",
    "ID_BIRTH_DATE:old": "出生日期早于1900年：{value}",
    "ID_AREA_UNKNOWN": "身份证号前两位省份代码 {prefix} 不在已知范围内，请核对",
    "USCC_EMPTY": "请输入统一社会信用代码",
    "USCC_LENGTH": "统一社会信用代码应为18位，当前为{count}位",
    "USCC_CHARS": "统一社会信用代码含非法字符：{chars}（不使用 I、O、Z、S、V）",
    "USCC_CHECKSUM": "统一社会信用代码校验位错误，请核对最后一位",
    "USCC_REGION": "统一社会信用代码第3至8位应为数字（登记机关行政区划码），当前为{value}",
    "USCC_CATEGORY_UNKNOWN": "统一社会信用代码第1位登记管理部门代码 {authority} 不在已知范围内，请核对",
    "USCC_CATEGORY_UNKNOWN:category": (
        "统一社会信用代码第2位机构类别 {category} 不属于登记管理部门“{name}”，请核对"
    ),
    "USCC_ORG_CODE": "统一社会信用代码第9至17位（组织机构代码）校验不符，请核对",
    "PHONE_EMPTY": "请输入电话号码",
    "PHONE_MOBILE": "手机号码格式不正确，应为1开头的11位号码",
    "PHONE_LANDLINE": "固定电话格式不正确，应为区号加号码，如 0571-88888888 或 0571-88888888-123",
    "PHONE_CONTACT": "联系电话格式不正确，应为11位手机号码或带区号的固定电话",
    "DOC_EMPTY": "请输入证件号码",
    "DOC_LENGTH": "证件号码最长50位，当前为{count}位",
}


@dataclass(frozen=True)
class IdCheck:
    """Outcome of a resident ID check; ``birth_date`` and ``sex`` are set only when ``ok``."""

    ok: bool
    normalized: str
    issues: tuple[Issue, ...]
    birth_date: date | None = None
    sex: str | None = None  # SEX_MALE or SEX_FEMALE


@dataclass(frozen=True)
class UsccCheck:
    """Outcome of a USCC check; ``region_code`` and ``org_code`` are set only when ``ok``."""

    ok: bool
    normalized: str
    issues: tuple[Issue, ...]
    region_code: str | None = None  # positions 3-8, the registration authority's region
    org_code: str | None = None  # positions 9-17, 主体标识码 (the organisation code)


@dataclass(frozen=True)
class PhoneCheck:
    """Outcome of a phone check; ``kind`` (mobile or landline) is set only when ``ok``."""

    ok: bool
    normalized: str
    issues: tuple[Issue, ...]
    kind: str | None = None  # PHONE_KIND_MOBILE or PHONE_KIND_LANDLINE


@dataclass(frozen=True)
class DocumentCheck:
    """Outcome of the check of a document type with no rules of its own."""

    ok: bool
    normalized: str
    issues: tuple[Issue, ...]


def _issue(key: str, warning: bool = False, **params: object) -> Issue:
    return Issue(key.partition(":")[0], _MESSAGES[key].format(**params), warning)


def _no_errors(issues: list[Issue]) -> bool:
    return all(issue.warning for issue in issues)


def _clean(value: str) -> str:
    return value.translate(_FULLWIDTH).strip()


def _is_digits(text: str) -> bool:
    """Only the ASCII digits 0-9 (an empty text too); str methods, not a loop per character."""
    return not text or (text.isascii() and text.isdigit())


def _show(chars: list[str]) -> str:
    """Distinct offending characters in order of appearance, a space named so it can be seen."""
    return "、".join("空格" if c.isspace() else c for c in dict.fromkeys(chars))


def resident_id_check_char(body: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits of a resident ID."""
    if len(body) != 17 or not _is_digits(body):
        raise ValueError("body must be 17 ASCII digits")
    return _ID_CHECK_CHARS[sum(map(operator.mul, map(int, body), _ID_WEIGHTS)) % 11]


def check_resident_id(value: str, today: date) -> IdCheck:
    """Check an 18-character resident ID number (居民身份证号码, GB 11643).

    Checks length, characters, the check character, and the birth date (a real calendar date,
    not after ``today``, not before 1900); an unknown province prefix is only a warning.
    The normalized number has surrounding spaces removed and an uppercase X.
    """
    text = _clean(value).upper()
    if not text:
        return IdCheck(False, text, (_issue("ID_EMPTY"),))
    if len(text) != 18:
        return IdCheck(False, text, (_issue("ID_LENGTH", count=len(text)),))
    well_formed = _is_digits(text[:17]) and (text[17] == "X" or _is_digits(text[17]))
    bad = (
        []
        if well_formed
        else [c for i, c in enumerate(text) if c not in _DIGITS and not (i == 17 and c == "X")]
    )
    if bad:
        return IdCheck(False, text, (_issue("ID_CHARS", chars=_show(bad)),))

    issues: list[Issue] = []
    if resident_id_check_char(text[:17]) != text[17]:
        issues.append(_issue("ID_CHECKSUM"))
    born = _birth_date(text[6:14], today, issues)
    if text[:2] not in _PROVINCES:
        issues.append(_issue("ID_AREA_UNKNOWN", warning=True, prefix=text[:2]))
    if not _no_errors(issues):
        return IdCheck(False, text, tuple(issues))
    sex = SEX_MALE if int(text[16]) % 2 else SEX_FEMALE
    return IdCheck(True, text, tuple(issues), born, sex)


def _birth_date(digits: str, today: date, issues: list[Issue]) -> date | None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        issues.append(_issue("ID_BIRTH_DATE", value=digits))
        return None
    if born > today:
        issues.append(_issue("ID_BIRTH_DATE:future", value=digits))
        return None
    if born.year < 1900:
        issues.append(_issue("ID_BIRTH_DATE:old", value=digits))
        return None
    return born


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC."""
    if len(body) != 17 or any(c not in _USCC_CHARSET for c in body):
        raise ValueError("body must be 17 characters of the USCC character set")
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def _org_code_check_char(body: str) -> str:
    # GB 11714: digits count as themselves, letters A=10 .. Z=35 (int base 36 does exactly that).
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def check_uscc(value: str) -> UsccCheck:
    """Check an 18-character 统一社会信用代码 (GB 32100).

    Checks length, characters, the check character and the digits of the region code.
    An unknown registration authority or category, or a failed organisation code check on
    positions 9-17, is only a warning. Codes starting with A, N or Y are accepted.
    """
    text = _clean(value).upper()
    if not text:
        return UsccCheck(False, text, (_issue("USCC_EMPTY"),))
    if len(text) != 18:
        return UsccCheck(False, text, (_issue("USCC_LENGTH", count=len(text)),))
    bad = [c for c in text if c not in _USCC_CHARSET]
    if bad:
        return UsccCheck(False, text, (_issue("USCC_CHARS", chars=_show(bad)),))

    issues: list[Issue] = []
    if uscc_check_char(text[:17]) != text[17]:
        issues.append(_issue("USCC_CHECKSUM"))
    if not _is_digits(text[2:8]):
        issues.append(_issue("USCC_REGION", value=text[2:8]))
    authority = _USCC_AUTHORITIES.get(text[0])
    if authority is None:
        issues.append(_issue("USCC_CATEGORY_UNKNOWN", warning=True, authority=text[0]))
    elif text[1] not in authority[1]:
        issues.append(
            _issue("USCC_CATEGORY_UNKNOWN:category", warning=True, category=text[1], name=authority[0])
        )
    if _org_code_check_char(text[8:16]) != text[16]:
        issues.append(_issue("USCC_ORG_CODE", warning=True))
    if not _no_errors(issues):
        return UsccCheck(False, text, tuple(issues))
    return UsccCheck(True, text, tuple(issues), text[2:8], text[8:17])


def _mobile_digits(text: str) -> str:
    compact = re.sub(r"[\s-]", "", text)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            return compact[len(prefix) :]
    # A bare 86 is a country code only in front of a full 11-digit number.
    if compact.startswith("86") and len(compact) == 13:
        return compact[2:]
    return compact


def check_mobile(value: str) -> PhoneCheck:
    """Check a mainland mobile number (手机号码).

    Spaces, dashes and a +86, 0086 or 86 country prefix are removed; what remains must be
    11 digits starting with 1 and then 3-9. The normalized form is those 11 digits.
    """
    text = _clean(value)
    if not text:
        return PhoneCheck(False, text, (_issue("PHONE_EMPTY"),))
    digits = _mobile_digits(text)
    if not _MOBILE.fullmatch(digits):
        return PhoneCheck(False, digits, (_issue("PHONE_MOBILE"),))
    return PhoneCheck(True, digits, (), PHONE_KIND_MOBILE)


def check_landline(value: str) -> PhoneCheck:
    """Check a landline number (固定电话): area code starting with 0, then 7-8 digits.

    A dash between area code and number is optional; an extension follows a dash or 转
    (normalized to a dash). Whitespace is removed.
    """
    text = _clean(value)
    if not text:
        return PhoneCheck(False, text, (_issue("PHONE_EMPTY"),))
    compact = re.sub(r"\s", "", text).replace("转", "-")
    if not _LANDLINE.fullmatch(compact):
        return PhoneCheck(False, compact, (_issue("PHONE_LANDLINE"),))
    return PhoneCheck(True, compact, (), PHONE_KIND_LANDLINE)


def check_contact_phone(value: str) -> PhoneCheck:
    """Check a contact phone (联系电话): either a mobile or a landline number."""
    mobile = check_mobile(value)
    if mobile.ok or mobile.issues[0].code == "PHONE_EMPTY":
        return mobile
    landline = check_landline(value)
    if landline.ok:
        return landline
    return PhoneCheck(False, _clean(value), (_issue("PHONE_CONTACT"),))


def check_document(doc_type: str, value: str, today: date) -> IdCheck | UsccCheck | DocumentCheck:
    """Check a document number by its 证件类型 code.

    ``CERT_RESIDENT_ID`` runs :func:`check_resident_id`, ``CERT_USCC`` runs :func:`check_uscc`;
    any other type only needs a non-empty number of at most 50 characters.
    """
    kind = doc_type.strip()
    if kind == CERT_RESIDENT_ID:
        return check_resident_id(value, today)
    if kind == CERT_USCC:
        return check_uscc(value)
    text = _clean(value)
    if not text:
        return DocumentCheck(False, text, (_issue("DOC_EMPTY"),))
    if len(text) > DOCUMENT_MAX_LENGTH:
        return DocumentCheck(False, text, (_issue("DOC_LENGTH", count=len(text)),))
    return DocumentCheck(True, text, ())


def _raise_on_errors(ok: bool, issues: tuple[Issue, ...]) -> None:
    if not ok:
        raise ValidationError(list(issues))


def require_valid_id(value: str, today: date) -> IdCheck:
    """:func:`check_resident_id`, raising ``ValidationError`` on any error (not on warnings)."""
    result = check_resident_id(value, today)
    _raise_on_errors(result.ok, result.issues)
    return result


def require_valid_uscc(value: str) -> UsccCheck:
    """:func:`check_uscc`, raising ``ValidationError`` on any error (not on warnings)."""
    result = check_uscc(value)
    _raise_on_errors(result.ok, result.issues)
    return result


def require_valid_mobile(value: str) -> PhoneCheck:
    """:func:`check_mobile`, raising ``ValidationError`` if the number is not valid."""
    result = check_mobile(value)
    _raise_on_errors(result.ok, result.issues)
    return result


def require_valid_contact_phone(value: str) -> PhoneCheck:
    """:func:`check_contact_phone`, raising ``ValidationError`` if the number is not valid."""
    result = check_contact_phone(value)
    _raise_on_errors(result.ok, result.issues)
    return result


def require_valid_document(doc_type: str, value: str, today: date) -> IdCheck | UsccCheck | DocumentCheck:
    """:func:`check_document`, raising ``ValidationError`` on any error (not on warnings)."""
    result = check_document(doc_type, value, today)
    _raise_on_errors(result.ok, result.issues)
    return result
