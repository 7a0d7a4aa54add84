"""Who may speak about a case (办件归属): the window that received it, or the one it was handed to.

A case number is bound to the device that received it (its *owner*). At any time one device, the
*holder*, may record events about the case: first the owner, then whichever device the holder
named in a signed ``case.handed_over`` event. The handover serves 统一出件: a closed case whose
certificate was issued goes to the hall's delivery window, which then records 送达. A device that
holds a case it did not receive may only deliver it or hand it on (:data:`HOLDER_EVENTS`).

The client refuses to record such events itself; the server refuses a batch carrying one (see
``supervision_server.ingest``). Both read the rules here.
"""

from __future__ import annotations

from counter_app.domain.case import Case, CaseState, IllegalTransition, ResultCode
from counter_app.domain.errors import DomainError

CASE_EVENT_PREFIX = "case."
RECEIVED = "case.received"
HANDED_OVER = "case.handed_over"
# What a device that was handed a case it did not receive may record about it.
HOLDER_EVENTS = frozenset({"case.delivered", HANDED_OVER})

NOT_HOLDER = "CASE_NOT_HOLDER"
HOLDER_EVENT_NOT_ALLOWED = "CASE_HOLDER_EVENT_NOT_ALLOWED"


def is_case_event(event_type: str) -> bool:
    """Whether events of ``event_type`` speak about one case (and so need its holder)."""
    return event_type.startswith(CASE_EVENT_PREFIX)


def authority_problem(event_type: str, device_id: str, owner: str, holder: str) -> str | None:
    """Why ``device_id`` may not record ``event_type`` about a case bound as given, or None.

    ``owner`` received the case; ``holder`` is the device the last handover named (the owner if
    it was never handed over). Codes: :data:`NOT_HOLDER`, :data:`HOLDER_EVENT_NOT_ALLOWED`.
    """
    if device_id != holder:
        return NOT_HOLDER
    if device_id != owner and event_type not in HOLDER_EVENTS:
        return HOLDER_EVENT_NOT_ALLOWED
    return None


def check_hand_over(case: Case, device_id: str, to_device_id: str) -> None:
    """Raise unless ``case`` may be handed from ``device_id`` to ``to_device_id`` now.

    Only a case closed with a certificate (出证办结) awaiting delivery is handed over: the
    delivery window can do nothing else with it.
    """
    target = to_device_id.strip()
    if not target:
        raise DomainError("请填写接收办件的设备编号", "HANDOVER_TARGET_EMPTY")
    if target == device_id:
        raise DomainError("不能把办件移交给本设备", "HANDOVER_TO_SELF")
    if case.state is not CaseState.CLOSED or case.result is not ResultCode.ISSUED:
        raise IllegalTransition(
            f"办件当前状态为「{case.state.label}」，只有出证办结、待送达的办件可以移交统一出件窗口",
            "HANDOVER_NOT_ALLOWED",
        )
