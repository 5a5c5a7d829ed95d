"""SimPy's environment, with two additions: an event at an exact hour, and a call after a delay.

`env.timeout(hour - env.now)` fires at `env.now + (hour - env.now)`, which floating point can put
a unit in the last place away from `hour`. Where the hour was worked out ahead (a person's booked
top-ups: `sim.components.buyers`), the process must wake on it exactly, or every later time of
that person, each a gap added to the clock, would move with it.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Clock(simpy.Environment):
    def at(self, hour: float) -> simpy.Event:
        """An event that fires at `hour` exactly (not before now)."""
        if hour < self.now:
            raise ValueError(f"hour {hour} is in the past (now {self.now})")
        event = simpy.Event(self)
        event._ok, event._value = True, None  # triggered, as a Timeout is when made
        heappush(self._queue, (hour, NORMAL, next(self._eid), event))  # SimPy's schedule(), at
        return event

    def after(self, delay: float, call: Callable[..., None], *args: Any) -> None:
        """Call `call(*args)` `delay` hours from now: a step of work that needs no process of its
        own to wait for it (a case at a desk, `sim.components.team.Desk`)."""
        self.timeout(delay).callbacks.append(lambda _: call(*args))
