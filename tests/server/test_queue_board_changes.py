"""A board stream wakes when its hall's queue changes in this process, and only then (or at its
poll interval): the generations it waits on, on a real event loop."""

from __future__ import annotations

import asyncio

from supervision_server.queue_board import BoardChanges


def test_a_stream_wakes_on_its_halls_change_not_on_another_halls() -> None:
    async def scenario() -> list[str]:
        changes = BoardChanges()
        woke: list[str] = []

        async def stream(hall: str) -> None:
            seen = changes.generation(hall)
            await changes.wait(hall, seen, timeout=60)
            woke.append(hall)

        first, second = asyncio.create_task(stream("H1")), asyncio.create_task(stream("H2"))
        await asyncio.sleep(0.01)  # both are waiting now
        changes.changed("H1")
        await first
        assert not second.done()
        changes.changed("H2")
        await second
        return woke

    assert asyncio.run(scenario()) == ["H1", "H2"]


def test_a_change_between_reading_and_waiting_is_not_missed() -> None:
    async def scenario() -> tuple[int, int]:
        changes = BoardChanges()
        seen = changes.generation("H1")  # noted before the stream reads the board
        changes.changed("H1")  # a call commits while it reads
        await changes.wait("H1", seen, timeout=60)  # returns at once, no 60 s wait
        return seen, changes.generation("H1")

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=30)) == (0, 1)


def test_without_a_change_the_wait_ends_at_the_poll_interval() -> None:
    async def scenario() -> int:
        changes = BoardChanges()
        await changes.wait("H1", changes.generation("H1"), timeout=0.01)
        return changes.generation("H1")

    assert asyncio.run(scenario()) == 0


def test_waiting_again_on_a_new_event_loop() -> None:
    changes = BoardChanges()

    async def quiet() -> None:  # waits and times out: its event stays behind, bound to this loop
        await changes.wait("H1", changes.generation("H1"), timeout=0.01)

    async def woken() -> int:
        seen = changes.generation("H1")
        waiter = asyncio.create_task(changes.wait("H1", seen, timeout=60))
        await asyncio.sleep(0.01)  # it is waiting now
        changes.changed("H1")
        await waiter
        return changes.generation("H1")

    asyncio.run(quiet())
    assert asyncio.run(asyncio.wait_for(woken(), timeout=30)) == 1  # a second app's loop waits as well
