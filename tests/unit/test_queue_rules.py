"""The queue's rules without a server: ticket life, next-ticket choice, numbers, spoken calls."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from counter_app.domain.queue import (
    TICKET_EVENTS,
    Outcome,
    Priority,
    PriorityPolicy,
    QueueError,
    Ticket,
    TicketState,
    business_date,
    chinese_number,
    display_call,
    offline_number,
    pick_next,
    spoken_call,
    ticket_number,
    walk_in_number,
)

TZ = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
DAY = date(2026, 11, 30)


def ticket(number: str = "A001", minutes: int = 0, **changes: object) -> Ticket:
    base = Ticket(
        number=number, category=number[0], business_date=DAY, issued_at=T0 + timedelta(minutes=minutes)
    )
    return Ticket(**{**base.__dict__, **changes})


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_visit_from_call_to_case() -> None:
    served = ticket().call(3, at(12)).recall(at(13)).start(at(14)).finish(Outcome.CASE, at(30), [" P-1 ", ""])
    assert served.state is TicketState.FINISHED
    assert served.outcome is Outcome.CASE and served.case_nos == ("P-1",)
    assert served.window_no == 3 and served.recalls == 1
    assert served.wait_seconds == 720.0  # to the first call
    assert served.walk_seconds == 60.0  # from the last call
    assert served.service_seconds == 960.0


def test_finish_needs_an_outcome_and_a_case_needs_its_number() -> None:
    serving = ticket().call(3, at(1)).start(at(2))
    with pytest.raises(QueueError) as none:
        serving.finish(None, at(3))
    assert none.value.code == "TICKET_OUTCOME_REQUIRED"
    with pytest.raises(QueueError) as no_case:
        serving.finish(Outcome.CASE, at(3), [])
    assert no_case.value.code == "TICKET_CASE_REQUIRED"
    with pytest.raises(QueueError) as consult:
        serving.finish(Outcome.CONSULT, at(3), ["P-1"])
    assert consult.value.code == "TICKET_CONSULT_WITH_CASE"
    with pytest.raises(QueueError) as wrong:
        serving.finish(Outcome.NO_SHOW, at(3))
    assert wrong.value.code == "TICKET_OUTCOME_NOT_ALLOWED"
    assert serving.finish(Outcome.CONSULT, at(3)).outcome is Outcome.CONSULT


def test_recalls_are_capped() -> None:
    called = ticket().call(3, at(1))
    for n in range(3):
        called = called.recall(at(2 + n))
    assert called.recalls == 3 and called.called_at == at(4) and called.first_called_at == at(1)
    with pytest.raises(QueueError) as capped:
        called.recall(at(5))
    assert capped.value.code == "TICKET_RECALL_LIMIT"
    assert called.recall(at(5), cap=4).recalls == 4
    gone = called.no_show(at(6))
    assert gone.state is TicketState.NO_SHOW and gone.outcome is Outcome.NO_SHOW and gone.ended_at == at(6)


def test_transfer_ends_one_ticket_and_queues_the_same_number_again() -> None:
    serving = ticket("A007", minutes=5).call(3, at(10)).start(at(11))
    ended, again = serving.transfer(at(20), to_category="B")
    assert (ended.state, ended.outcome, ended.to_category) == (TicketState.TRANSFERRED, Outcome.TRANSFER, "B")
    assert (again.number, again.category, again.state) == ("A007", "B", TicketState.WAITING)
    assert again.issued_at == at(5) and again.transferred_from == "A"
    # issued before a B ticket that came later, so called first there
    later = ticket("B003", minutes=6)
    assert pick_next([later, again], {"B"}) == again
    with pytest.raises(QueueError) as target:
        serving.transfer(at(20))
    assert target.value.code == "TICKET_TRANSFER_TARGET_REQUIRED"
    with pytest.raises(QueueError) as same:
        serving.transfer(at(20), to_window_no=3)
    assert same.value.code == "TICKET_TRANSFER_SAME_WINDOW"


def test_transfer_to_a_window_is_called_there_first_and_only_there() -> None:
    _, again = ticket("A002", minutes=9).call(3, at(10)).transfer(at(11), to_window_no=5)
    early = ticket("A001", minutes=0)
    assert pick_next([early, again], {"A"}, window_no=5) == again
    assert pick_next([early, again], {"A"}, window_no=4) == early
    assert pick_next([again], {"A"}, window_no=4) is None


def test_park_and_call_back_the_same_day_only() -> None:
    parked = ticket().call(3, at(1)).start(at(2)).park()
    assert parked.state is TicketState.PARKED
    back = parked.call_back(3, at(30), DAY)
    assert back.state is TicketState.CALLED and back.called_at == at(30) and back.first_called_at == at(1)
    with pytest.raises(QueueError) as expired:
        parked.call_back(3, at(30), DAY + timedelta(days=1))
    assert expired.value.code == "TICKET_PARK_EXPIRED"


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (lambda t: t.start(at(1)), TicketState.WAITING),
        (lambda t: t.no_show(at(1)), TicketState.WAITING),
        (lambda t: t.call(4, at(1)), TicketState.CALLED),
        (lambda t: t.cancel(at(1)), TicketState.CALLED),
        (lambda t: t.finish(Outcome.CONSULT, at(1)), TicketState.CALLED),
        (lambda t: t.park(), TicketState.WAITING),
    ],
)
def test_illegal_steps_are_refused_with_a_code(action, state) -> None:
    start = ticket() if state is TicketState.WAITING else ticket().call(3, at(0))
    with pytest.raises(QueueError) as refused:
        action(start)
    assert refused.value.code == "TICKET_ILLEGAL_TRANSITION"
    assert state.label in refused.value.message


def test_priority_first_by_default() -> None:
    a1 = ticket("A001", minutes=0)
    a2 = ticket("A002", minutes=1, priority=Priority.ELDERLY)
    a3 = ticket("A003", minutes=2, priority=Priority.DISABLED)
    assert pick_next([a1, a2, a3], {"A"}) == a2
    assert pick_next([a1, a3], {"A"}) == a3
    assert pick_next([a1], {"A"}) == a1
    assert pick_next([a1, a2], {"B"}) is None


def test_priority_every_n_ordinary_calls() -> None:
    policy = PriorityPolicy(every=2)
    a1, a2 = ticket("A001", minutes=0), ticket("A002", minutes=1)
    vip = ticket("A003", minutes=2, priority=Priority.MILITARY)
    assert pick_next([a1, a2, vip], {"A"}, policy, ordinary_in_a_row=0) == a1
    assert pick_next([a2, vip], {"A"}, policy, ordinary_in_a_row=1) == a2
    assert pick_next([vip], {"A"}, policy, ordinary_in_a_row=1) == vip  # nothing else waits
    assert pick_next([a2, vip], {"A"}, policy, ordinary_in_a_row=2) == vip
    with pytest.raises(Exception) as bad:
        PriorityPolicy(every=-1)
    assert getattr(bad.value, "code", "") == "QUEUE_POLICY_INVALID"


def test_only_waiting_tickets_of_the_windows_categories_are_called() -> None:
    called = ticket("A001").call(2, at(1))
    other = ticket("B001", minutes=-5)
    mine = ticket("A002", minutes=3)
    assert pick_next([called, other, mine], {"A", "C"}) == mine
    # equal issue times: the shorter (server) number, then the number, decides
    same = [ticket("A1001", minutes=3), ticket("A010", minutes=3), ticket("A009", minutes=3)]
    assert pick_next(same, {"A"}) == same[2]


def test_business_date_rolls_over_at_four_not_midnight() -> None:
    assert business_date(datetime(2026, 11, 30, 0, 30, tzinfo=TZ)) == date(2026, 11, 29)
    assert business_date(datetime(2026, 11, 30, 3, 59, 59, tzinfo=TZ)) == date(2026, 11, 29)
    assert business_date(datetime(2026, 11, 30, 4, 0, tzinfo=TZ)) == date(2026, 11, 30)
    assert business_date(datetime(2026, 11, 30, 23, 59, tzinfo=TZ)) == date(2026, 11, 30)
    assert business_date(datetime(2026, 11, 30, 5, 0, tzinfo=TZ), rollover=time(6, 0)) == date(2026, 11, 29)


def test_numbers_never_collide_between_server_kiosks_and_walk_ins() -> None:
    assert ticket_number("A", 5) == "A005"
    assert ticket_number("A", 999) == "A999"
    assert offline_number("A", 1, 5) == "A1005"
    assert offline_number("B", 9, 999) == "B9999"
    assert walk_in_number(3, 1) == "W03-01"
    server = {ticket_number("A", n) for n in range(1, 1000)}
    kiosks = [{offline_number("A", k, n) for n in range(1, 1000)} for k in range(1, 10)]
    assert all(not (server & block) for block in kiosks)
    assert len(set().union(*kiosks)) == 9 * 999
    for bad in (
        lambda: ticket_number("A", 0),
        lambda: ticket_number("A", 1000),
        lambda: offline_number("A", 1, 1000),
    ):
        with pytest.raises(QueueError) as exhausted:
            bad()
        assert exhausted.value.code == "TICKET_NUMBERS_EXHAUSTED"
    with pytest.raises(QueueError) as kiosk:
        offline_number("A", 10, 1)
    assert kiosk.value.code == "KIOSK_INDEX_INVALID"


def test_calls_are_shown_and_spoken_digit_by_digit() -> None:
    assert display_call("A005", 3) == "请A005号到3号窗口办理"
    assert spoken_call("A005", 3) == "请 A 零零五 号 到 三 号窗口办理"
    assert spoken_call("B1020", 12) == "请 B 一零二零 号 到 十二 号窗口办理"
    assert [chinese_number(n) for n in (1, 10, 11, 20, 25, 99)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十五",
        "九十九",
    ]


def test_event_table_matches_the_ticket_methods() -> None:
    """Each event's allowed states are exactly the states its method accepts."""
    samples = {
        TicketState.WAITING: ticket(),
        TicketState.CALLED: ticket().call(3, at(1)),
        TicketState.SERVING: ticket().call(3, at(1)).start(at(2)),
        TicketState.PARKED: ticket().call(3, at(1)).park(),
    }
    actions = {
        "ticket.called": lambda t: t.call(4, at(5)),
        "ticket.recalled": lambda t: t.recall(at(5)),
        "ticket.started": lambda t: t.start(at(5)),
        "ticket.parked": lambda t: t.park(),
        "ticket.called_back": lambda t: t.call_back(4, at(5), DAY),
        "ticket.finished": lambda t: t.finish(Outcome.CONSULT, at(5)),
        "ticket.no_show": lambda t: t.no_show(at(5)),
        "ticket.transferred": lambda t: t.transfer(at(5), to_category="B")[0],
        "ticket.cancelled": lambda t: t.cancel(at(5)),
    }
    for event, action in actions.items():
        allowed, target = TICKET_EVENTS[event]
        accepted = set()
        for state, sample in samples.items():
            try:
                result = action(sample)
            except QueueError:
                continue
            accepted.add(state)
            assert result.state is target, event
        assert accepted == set(allowed), event
