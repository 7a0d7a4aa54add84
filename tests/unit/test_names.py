"""Names and certificate types as typed at the window: every problem has a code, a Chinese message
and the field it belongs to."""

from __future__ import annotations

import pytest

from counter_app.domain.names import CERT_TYPES, NAME_LIMITS, check_cert_type, check_name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("王\n建国", "NAME_CONTROL_CHAR"),
        ("王建国\r\n李", "NAME_CONTROL_CHAR"),
        ("王\t建国", "NAME_CONTROL_CHAR"),
        ("王\u2028建国", "NAME_CONTROL_CHAR"),
        ("王\u200b建国", "NAME_CONTROL_CHAR"),
        ("王建国😀", "NAME_EMOJI"),
        ("王建国\u2764\ufe0f", "NAME_EMOJI"),
        ("王建国\U0001f468\u200d\U0001f469", "NAME_EMOJI"),  # the joiner is Cf, yet part of the emoji
        ("王\ue000国", "NAME_PRIVATE_USE"),
        ("王" * 51, "NAME_TOO_LONG"),
        ("   ", "NAME_EMPTY"),
    ],
)
def test_bad_names_get_a_code_and_the_field(name: str, code: str) -> None:
    issues = check_name(name, "applicant.name", "申请人姓名")
    assert [(i.code, i.field, i.warning) for i in issues] == [(code, "applicant.name", False)]
    assert issues[0].message.startswith("申请人姓名")


def test_control_characters_are_named_by_code_point() -> None:
    (issue,) = check_name("王\n建国", "agent.name", "经办人姓名")
    assert issue.message == "经办人姓名不能含换行、制表符等控制字符（U+000A）"


@pytest.mark.parametrize(
    "name",
    ["𠮷野家", "王䶮", "李鎔", "阿依古丽·买买提", "Émile Zola", "王" * NAME_LIMITS["person"], "张三丰"],
)
def test_real_names_pass(name: str) -> None:
    assert check_name(name, "applicant.name", "申请人姓名") == []


def test_limits_per_field() -> None:
    entity = "云溪市" + "甲" * 97
    assert len(entity) == 100 and check_name(entity, "applicant.name", "申请人名称", "entity") == []
    (issue,) = check_name(entity + "乙", "applicant.name", "申请人名称", "entity")
    assert issue.message == "申请人名称最多100个字符，当前为101个"
    (issue,) = check_name("王" * 51, "applicant.legal_rep", "申请人法定代表人", "legal_rep")
    assert issue.code == "NAME_TOO_LONG"


def test_cert_type_must_be_in_the_table() -> None:
    assert check_cert_type("111", "applicant.cert_type", "申请人") == []
    assert check_cert_type("414", "agent.cert_type", "经办人") == []
    (issue,) = check_cert_type("999", "applicant.cert_type", "申请人")
    assert (issue.code, issue.field) == ("CERT_TYPE_UNKNOWN", "applicant.cert_type")
    assert issue.message.startswith("申请人证件类型代码 '999' 不在证件类型代码表中")
    assert CERT_TYPES["516"] == "港澳居民来往内地通行证" and CERT_TYPES["990"] == "其他"
