"""Checks on names and certificate types as they are typed at the window.

A name is printed on receipts and notices and shown in tables: a line break splits it on
paper and breaks a list, an emoji or a private-use character cannot be printed in any bundled
font, and a name longer than its field cannot be stored or printed whole. Each problem is an
:class:`~counter_app.domain.errors.Issue` with a stable code, a Simplified Chinese message and
the field it is about.

Issue codes:

======================  =======  ==========================================================
code                    level    meaning
======================  =======  ==========================================================
NAME_EMPTY              error    nothing but spaces
NAME_CONTROL_CHAR       error    a control or format character: line break, tab, zero width …
NAME_EMOJI              error    an emoji or pictograph
NAME_PRIVATE_USE        error    a private-use code point (PUA): store the standard character
NAME_TOO_LONG           error    longer than the field allows (NAME_LIMITS)
CERT_TYPE_UNKNOWN       error    a 证件类型 code not in CERT_TYPES
======================  =======  ==========================================================
"""

from __future__ import annotations

import re
import unicodedata

from counter_app.domain.errors import Issue

# 证件类型 (GA/T 2000.156, as GB/T 39046 表5 requires). 001 is the USCC of an organisation
# (持证主体代码类型, GB/T 36903), which GA/T 2000.156 lacks.
CERT_TYPES: dict[str, str] = {
    "001": "统一社会信用代码",
    "111": "居民身份证",
    "112": "临时居民身份证",
    "113": "户口簿",
    "114": "中国人民解放军军官证",
    "115": "中国人民武装警察部队警官证",
    "335": "机动车驾驶证",
    "411": "外交护照",
    "412": "公务护照",
    "413": "因公普通护照",
    "414": "普通护照",
    "420": "香港特别行政区护照",
    "421": "澳门特别行政区护照",
    "511": "台湾居民来往大陆通行证",
    "512": "台湾居民来往大陆通行证（一次有效）",
    "513": "往来港澳通行证",
    "516": "港澳居民来往内地通行证",
    "553": "外国人永久居留身份证",
    "554": "外国人居留证",
    "990": "其他",
}

# Longest text each name field takes, in characters. 民委发〔2016〕33号 asks name fields to hold
# at least 50 characters (少数民族 names in transcription are long).
NAME_LIMITS: dict[str, int] = {
    "person": 50,  # 姓名
    "entity": 100,  # 单位名称
    "legal_rep": 50,  # 法定代表人
}

# Blocks of emoji and pictographs, the emoji presentation selector, ZWJ and keycap.
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # mahjong .. symbols and pictographs extended-A (incl. flags, skin tones)
    (0x2600, 0x27BF),  # miscellaneous symbols, dingbats
    (0x2B00, 0x2BFF),  # arrows and stars used as emoji (⭐ ⬛)
    (0xFE0F, 0xFE0F),  # variation selector-16 (emoji presentation)
    (0x200D, 0x200D),  # zero width joiner (emoji sequences)
    (0x20E3, 0x20E3),  # combining enclosing keycap
    (0xE0020, 0xE007F),  # tag characters (subdivision flags)
)
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


# The ranges as one character class: a name is scanned by the regex engine, not char by char.
_EMOJI = re.compile(
    "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _EMOJI_RANGES) + "]"
)


def _is_emoji(ch: str) -> bool:
    return _EMOJI.match(ch) is not None


def _shown(ch: str) -> str:
    """A character as a clerk can read it in a message: U+000A for an invisible one."""
    return f"U+{ord(ch):04X}"


def check_name(value: str, field: str, role: str, kind: str = "person") -> list[Issue]:
    """Problems with a name typed into ``field`` (``applicant.name`` …); ``role`` names it in the
    message (申请人姓名), ``kind`` picks the length limit from NAME_LIMITS."""
    text = value.strip()
    if not text:
        return [Issue("NAME_EMPTY", f"{role}不能为空", field=field)]
    issues: list[Issue] = []
    emoji = _EMOJI.findall(text)
    if emoji:
        issues.append(
            Issue("NAME_EMOJI", f"{role}不能含表情符号：{''.join(dict.fromkeys(emoji))}", field=field)
        )
    control = [c for c in text if unicodedata.category(c) in _CONTROL_CATEGORIES and not _is_emoji(c)]
    if control:
        shown = "、".join(_shown(c) for c in dict.fromkeys(control))
        text_ = f"{role}不能含换行、制表符等控制字符（{shown}）"
        issues.append(Issue("NAME_CONTROL_CHAR", text_, field=field))
    private = [c for c in text if unicodedata.category(c) == "Co"]
    if private:
        shown = "、".join(_shown(c) for c in dict.fromkeys(private))
        text_ = f"{role}含私用区字符（{shown}），请改用国家标准编码的汉字"
        issues.append(Issue("NAME_PRIVATE_USE", text_, field=field))
    limit = NAME_LIMITS[kind]
    if len(text) > limit:
        issues.append(Issue("NAME_TOO_LONG", f"{role}最多{limit}个字符，当前为{len(text)}个", field=field))
    return issues


def check_cert_type(code: str, field: str, role: str) -> list[Issue]:
    """A 证件类型 code must be one of CERT_TYPES (GA/T 2000.156)."""
    if code.strip() in CERT_TYPES:
        return []
    known = "、".join(f"{k} {v}" for k, v in CERT_TYPES.items())
    message = f"{role}证件类型代码 {code!r} 不在证件类型代码表中（可用：{known}）"
    return [Issue("CERT_TYPE_UNKNOWN", message, field=field)]
