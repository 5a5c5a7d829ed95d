"""The analysts' desk (`sim.components.team.Desk`): the queue both review teams work through."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.clock import Clock
from sim.components.team import Desk

Log = list[tuple[float, str]]


def _noting(env: Clock, log: Log, what: str) -> Callable[[str], None]:
    """A step that notes when it came and for which case."""
    return lambda case: log.append((env.now, f"{what} {case}".strip()))


def _desk(analysts: int) -> tuple[Clock, Desk[str], Log]:
    env = Clock()
    desk: Desk[str] = Desk(env)
    desk.resize(analysts)
    log: Log = []
    return env, desk, log


def test_a_desk_takes_cases_in_order_of_arrival_and_skips_those_withdrawn() -> None:
    env, desk, log = _desk(1)
    for name in "abcd":
        ticket = desk.take(_noting(env, log, ""), name)
        if name == "c":
            desk.withdraw(ticket)
    assert log == [(0.0, "a")]
    for hour in (1.0, 2.0, 3.0):
        env.after(hour, desk.free)
    env.run()
    assert log == [(0.0, "a"), (1.0, "b"), (2.0, "d")]
    assert desk.busy == 0  # the third analyst freed found nobody waiting


def test_a_case_taken_at_once_is_marked_taken_and_one_that_waits_is_not() -> None:
    _, desk, _ = _desk(1)
    assert desk.take(lambda _: None, "a").taken
    assert not desk.take(lambda _: None, "b").taken


def test_a_larger_team_takes_waiting_cases_at_once_and_a_smaller_one_finishes_its_cases() -> None:
    env, desk, log = _desk(1)
    for name in "abcd":
        desk.take(_noting(env, log, ""), name)
    desk.resize(3)
    assert [name for _, name in log] == ["a", "b", "c"]
    desk.resize(1)
    desk.free()
    desk.free()
    assert desk.busy == 1 and [name for _, name in log] == ["a", "b", "c"]
    desk.free()  # now below the team's size: the next case is taken
    assert [name for _, name in log] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(("length", "hold"), [(2.0, 3.0), (3.0, 2.0), (2.0, 2.0)])
def test_a_review_decides_after_its_length_and_frees_its_analyst_after_its_hold(
    length: float, hold: float
) -> None:
    env, desk, log = _desk(1)
    desk.take(_noting(env, log, "taken"), "a")
    desk.take(_noting(env, log, "taken"), "b")
    desk.review(length, hold, "a", _noting(env, log, "decided"), _noting(env, log, "released"))
    env.run()
    assert (length, "decided a") in log
    assert log.index((hold, "released a")) < log.index((hold, "taken b"))


def test_a_call_after_a_delay_keeps_its_place_among_simpy_timeouts_due_at_the_same_hour() -> None:
    env, log = Clock(), list[str]()
    env.after(1.0, log.append, "first")
    env.timeout(1.0).callbacks.append(lambda _: log.append("second"))
    env.after(1.0, log.append, "third")
    env.after(0.5, log.append, "earlier")
    env.run()
    assert log == ["earlier", "first", "second", "third"] and env.now == 1.0


def test_a_call_cannot_be_set_in_the_past() -> None:
    with pytest.raises(ValueError, match="negative delay"):
        Clock().after(-1.0, print)
