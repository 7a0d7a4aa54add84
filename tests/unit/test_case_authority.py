"""Who may speak about a case: the shared rules (domain), without a server or a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from counter_app.domain.case import Case, IllegalTransition, ResultCode
from counter_app.domain.case_authority import (
    HOLDER_EVENT_NOT_ALLOWED,
    NOT_HOLDER,
    authority_problem,
    check_hand_over,
    is_case_event,
)
from counter_app.domain.case_numbers import issued_by, make_case_number
from counter_app.domain.errors import DomainError

AT = datetime(2026, 11, 25, 9, 0)


def test_a_case_number_names_the_device_that_issued_it() -> None:
    no = make_case_number("YX330781", date(2026, 11, 25), 3, "K7Q", 7)
    assert issued_by(no, "YX330781", 3, "K7Q") is True
    assert issued_by(no, "yx330781", 3, "K7Q") is True  # numbers are read in upper case
    others = [("YX330782", 3, "K7Q"), ("YX330781", 4, "K7Q"), ("YX330781", 3, "K7R")]
    assert [issued_by(no, *other) for other in others] == [False, False, False]
    assert issued_by("P-000001", "YX330781", 3, "K7Q") is None  # not a case number: no issuer


def test_only_the_holder_speaks_and_a_handed_case_is_only_delivered_or_handed_on() -> None:
    assert authority_problem("case.closed", "A", owner="A", holder="A") is None
    assert authority_problem("case.closed", "B", owner="A", holder="A") == NOT_HOLDER
    assert authority_problem("case.voided", "A", owner="A", holder="D") == NOT_HOLDER
    assert authority_problem("case.delivered", "D", owner="A", holder="D") is None
    assert authority_problem("case.handed_over", "D", owner="A", holder="D") is None
    assert authority_problem("case.voided", "D", owner="A", holder="D") == HOLDER_EVENT_NOT_ALLOWED
    assert is_case_event("case.handed_over") and not is_case_event("document.issued")


def test_only_a_closed_issued_case_is_handed_over_and_never_to_itself() -> None:
    case = Case.receive("P1", instant=False, at=AT).accept(AT)
    with pytest.raises(IllegalTransition) as early:
        check_hand_over(case, "A", "D")
    assert early.value.code == "HANDOVER_NOT_ALLOWED"
    denied = case.close(ResultCode.DENIED, AT, "不符合条件")
    with pytest.raises(IllegalTransition):
        check_hand_over(denied, "A", "D")
    issued = case.close(ResultCode.ISSUED, AT)
    check_hand_over(issued, "A", "D")
    for target, code in (("A", "HANDOVER_TO_SELF"), (" ", "HANDOVER_TARGET_EMPTY")):
        with pytest.raises(DomainError) as refused:
            check_hand_over(issued, "A", target)
        assert refused.value.code == code
