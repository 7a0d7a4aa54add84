"""The alert life's table (counter_app.domain.alert_life)."""

from __future__ import annotations

import pytest

from counter_app.domain.alert_life import AlertAction, AlertState, AlertStepRefused, fold, next_state


def test_the_happy_path_and_its_fold() -> None:
    path = [
        AlertAction.NOTIFY,
        AlertAction.ACKNOWLEDGE,
        AlertAction.APPEAL,
        AlertAction.CONFIRM,
        AlertAction.CLOSE,
    ]
    state = AlertState.RAISED
    for action in path:
        state = next_state(state, action, "说明")
    assert state is fold(path) is AlertState.CLOSED


def test_comments_keep_the_state_and_a_closed_alert_takes_only_comments() -> None:
    assert next_state(AlertState.APPEALED, AlertAction.COMMENT, "补充材料") is AlertState.APPEALED
    assert next_state(AlertState.CLOSED, AlertAction.COMMENT, "归档") is AlertState.CLOSED
    with pytest.raises(AlertStepRefused) as refused:
        next_state(AlertState.CLOSED, AlertAction.ESCALATE, "督办")
    assert refused.value.code == "ALERT_STEP_NOT_ALLOWED"
    assert refused.value.message == "预警当前为「已关闭」，不能督办"


def test_a_decision_needs_an_appeal_and_a_reason() -> None:
    with pytest.raises(AlertStepRefused) as refused:
        next_state(AlertState.ACKNOWLEDGED, AlertAction.UPHOLD, "成立")
    assert refused.value.code == "ALERT_STEP_NOT_ALLOWED"
    with pytest.raises(AlertStepRefused) as refused:
        next_state(AlertState.APPEALED, AlertAction.UPHOLD, "")
    assert (refused.value.code, refused.value.message) == (
        "ALERT_NOTE_REQUIRED",
        "申诉成立（撤销）须填写说明",
    )
