"""The life of a supervision alert (预警处置): one definition for the server and the supervisor's console.

An alert is raised by a rule and then handled by people, step by step; every step is a row of
its own (who, when, what they said), never an edit::

    RAISED 已发出 ─notify→ NOTIFIED 已通知 ─acknowledge(response)→ ACKNOWLEDGED 已回复
       │                      │                     │
       │                      └──────appeal─────────┴→ APPEALED 申诉中 ─decide→ UPHELD 申诉成立（撤销）
       │                                                                   └→ CONFIRMED 维持
       └── close (by a person, or by itself when its cause clears) ──→ CLOSED 已关闭

``comment`` and ``escalate`` (督办) may be added at any open step and do not change the state.
An alert can be closed from any open state; a closed alert takes only comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from counter_app.domain.errors import DomainError


class AlertState(StrEnum):
    """Where an alert stands in its handling."""

    RAISED = "RAISED"
    NOTIFIED = "NOTIFIED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    APPEALED = "APPEALED"
    UPHELD = "UPHELD"  # the appeal is upheld: the alert is withdrawn (撤销)
    CONFIRMED = "CONFIRMED"  # the appeal is rejected: the alert stands
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        """The state as the supervision office says it."""
        return _LABELS[self]


_LABELS = {
    AlertState.RAISED: "已发出",
    AlertState.NOTIFIED: "已通知",
    AlertState.ACKNOWLEDGED: "已回复",
    AlertState.APPEALED: "申诉中",
    AlertState.UPHELD: "申诉成立（撤销）",
    AlertState.CONFIRMED: "维持",
    AlertState.CLOSED: "已关闭",
}


class AlertAction(StrEnum):
    """A step someone (or the system) takes on an alert."""

    NOTIFY = "notify"
    ACKNOWLEDGE = "acknowledge"
    COMMENT = "comment"
    ESCALATE = "escalate"
    APPEAL = "appeal"
    UPHOLD = "uphold"
    CONFIRM = "confirm"
    CLOSE = "close"

    @property
    def label(self) -> str:
        """The step as the supervision office says it."""
        return {
            "notify": "通知",
            "acknowledge": "回复",
            "comment": "备注",
            "escalate": "督办",
            "appeal": "申诉",
            "uphold": "申诉成立（撤销）",
            "confirm": "维持",
            "close": "关闭",
        }[self.value]


@dataclass(frozen=True)
class Step:
    """One step of the alert life: from which states, to which state (None: unchanged)."""

    sources: frozenset[AlertState]
    target: AlertState | None
    needs_note: bool = False


_OPEN = frozenset(s for s in AlertState if s is not AlertState.CLOSED)

STEPS: dict[AlertAction, Step] = {
    AlertAction.NOTIFY: Step(frozenset({AlertState.RAISED}), AlertState.NOTIFIED),
    AlertAction.ACKNOWLEDGE: Step(
        frozenset({AlertState.RAISED, AlertState.NOTIFIED}), AlertState.ACKNOWLEDGED, needs_note=True
    ),
    AlertAction.COMMENT: Step(frozenset(AlertState), None, needs_note=True),
    AlertAction.ESCALATE: Step(_OPEN, None, needs_note=True),
    AlertAction.APPEAL: Step(
        frozenset({AlertState.RAISED, AlertState.NOTIFIED, AlertState.ACKNOWLEDGED}),
        AlertState.APPEALED,
        needs_note=True,
    ),
    AlertAction.UPHOLD: Step(frozenset({AlertState.APPEALED}), AlertState.UPHELD, needs_note=True),
    AlertAction.CONFIRM: Step(frozenset({AlertState.APPEALED}), AlertState.CONFIRMED, needs_note=True),
    AlertAction.CLOSE: Step(_OPEN, AlertState.CLOSED),
}


class AlertStepRefused(DomainError):
    """A step that the alert's state does not allow, or that lacks its text."""

    code = "ALERT_STEP_REFUSED"


def next_state(state: AlertState, action: AlertAction, note: str = "") -> AlertState:
    """The state after ``action`` on an alert in ``state``; AlertStepRefused if not allowed."""
    step = STEPS[action]
    if state not in step.sources:
        raise AlertStepRefused(f"预警当前为「{state.label}」，不能{action.label}", "ALERT_STEP_NOT_ALLOWED")
    if step.needs_note and not note.strip():
        raise AlertStepRefused(f"{action.label}须填写说明", "ALERT_NOTE_REQUIRED")
    return step.target or state


def fold(actions: list[AlertAction]) -> AlertState:
    """The state an alert reaches through ``actions`` (recorded steps, already checked)."""
    state = AlertState.RAISED
    for action in actions:
        state = STEPS[action].target or state
    return state
