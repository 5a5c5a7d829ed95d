"""SimPy's environment, with two additions: an event at an exact hour, and a call after a delay.

`env.timeout(hour - env.now)` fires at `env.now + (hour - env.now)`, which floating point can put
a unit in the last place away from `hour`. Where the hour was worked out ahead (a person's booked
top-ups: `sim.components.buyers`), the process must wake on it exactly, or every later time of
that person, each a gap added to the clock, would move with it.

Both go on SimPy's own event queue (`heappush` as `Environment.schedule` does, with the same
running number), so they interleave with every other event exactly as a `Timeout` would. These
are the pieces of SimPy's inside this module relies on: the queue's entries are
`(hour, priority, number, event)`, `step` calls each of the event's `callbacks` with it, and the
clock is kept in `_now` (read by `now` here without SimPy's property in between).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from operator import attrgetter
from typing import Any

import simpy
from simpy.events import NORMAL


class _Call:
    """A timer for `Clock.after`: what `step` needs of an event (its callbacks, `_ok`) and the
    call to make. Lighter than a `Timeout` with a closure: the timers of a case at a desk and of
    the arrivals are most of a gate's events."""

    __slots__ = ("args", "call", "callbacks")
    _ok = True

    def __init__(self, call: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.callbacks: tuple[Callable[[_Call], None], ...] | None = (_fire,)
        self.call, self.args = call, args


def _fire(timer: _Call) -> None:
    timer.call(*timer.args)


class Clock(simpy.Environment):
    now = property(attrgetter("_now"), doc="The current simulation time (hours).")
    """SimPy's `now`, read in C: half the cost of SimPy's property, which a run reads about
    eight times per applicant."""

    def at(self, hour: float) -> simpy.Event:
        """An event that fires at `hour` exactly (not before now)."""
        if hour < self.now:
            raise ValueError(f"hour {hour} is in the past (now {self.now})")
        event = simpy.Event(self)
        event._ok, event._value = True, None  # triggered, as a Timeout is when made
        heappush(self._queue, (hour, NORMAL, next(self._eid), event))  # SimPy's schedule(), at
        return event

    def call_at(self, hour: float, call: Callable[..., None], *args: Any) -> None:
        """Call `call(*args)` at `hour` exactly (not before now): `after` for an hour worked out
        ahead (the day's arrivals: `sim.components.arrivals`)."""
        if hour < self._now:
            raise ValueError(f"hour {hour} is in the past (now {self._now})")
        timer = _Call(call, args)
        heappush(self._queue, (hour, NORMAL, next(self._eid), timer))  # type: ignore[misc]

    def after(self, delay: float, call: Callable[..., None], *args: Any) -> None:
        """Call `call(*args)` `delay` hours from now: a step of work that needs no process of its
        own to wait for it (a case at a desk, `sim.components.team.Desk`). Not cancellable: a
        step that may have lost its reason checks when it comes (`KycGate._gave_up`)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        timer = _Call(call, args)  # an event to `step`, not to the type checker:
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), timer))  # type: ignore[misc]
