"""The arrival stream: agent n arrives a unit-rate gap (keyed by n) after agent n-1, at the rate in
force when n-1 came, and starts their journey (`Journeys.start`).

Most of a day's arrivals need nothing at their own hour. They do not know the licensed option
(or none is licensed), so they go unlicensed without weighing the KYC queue, and their first
top-up falls on a later day, or they have none (and so nothing to sell).
What they do reads nothing that moves within a day: awareness moves at midnight, and the rules,
licences and platforms change only after a settle (`World.settle`). So when a day's first
arrival comes, the rest of the day's are worked out in arrays: their hours, their choice, their
terms and first top-up. Each of the others (the *eventful*) still arrives as an event at their
hour, as every arrival does event by event; the *quiet* ones are made in a loop, without an
event, when something is about to read them: the next eventful arrival or a recruit (people are
made in the order they came), or a settle. A settle before the day is over tells the day's
remaining arrivals apart again, from the first not made, at its hour, as whatever it precedes
may change their choice or their rate.

Same seed, same people and records as one event per arrival (`Simulation(batched=False)`, which
this path follows only with the booked top-ups): the draws are the same keyed numbers in arrays,
bit for bit (`Keyed.exponentials`, `lognormals`), the hours the same sums in the same order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.components.channel import UNLICENSED
from sim.records import ArrivalsBatch, PersonArrived

if TYPE_CHECKING:
    from sim.world import World


class _Day(NamedTuple):
    """The arrivals from one to the day's end, told apart ahead: a list each, by index."""

    pids: list[int]
    times: list[float]
    quiet: list[bool]
    resident: list[bool]
    bad: list[bool]
    buys: np.ndarray
    """With a top-up before their end (read for the quiet: their plan is filed at the next
    settle)."""
    drafts: np.ndarray
    """Each one's plan as the book takes it, a row each (`UnlicensedBuyers.later`; their row
    in the people table is filled in when they are made)."""
    reason: str
    """Why the quiet ones went unlicensed (`ChannelChoice.unaware`)."""
    columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    """pids, times, resident and bad as arrays, for the people table (`Arrivals.make`)."""


class Arrivals:
    def __init__(self, world: World, batched: bool = True) -> None:
        self.world = world
        self._gaps = world.streams.per_person("arrival_gap")
        book = world.book
        self._batched = batched and book is not None
        """Whether to tell a day's arrivals apart ahead (with the booked top-ups only)."""
        self._book = book
        self._day: _Day | None = None
        """Today's arrivals from the first not made, told apart; None when all are made."""
        self._cursor = 0
        """Index in `_day` of the first arrival not made."""
        self._version = 0
        """Bumped when the day's arrivals are told apart again: older events are void."""
        self._alone = 0.0 if self._batched else math.inf
        """Until this hour arrivals come one by one: always without the book; else while none
        of the day's could be quiet (all weigh the licensed option, or must take it: the
        queueing validation worlds)."""
        self._env, self._population = world.env, world.population
        self._journeys = world.journeys

    def start(self) -> None:
        """The first agent's gap begins now (once the world is built)."""
        self._next(0)

    def _next(self, n: int) -> None:
        """Agent n arrives after a unit-rate gap (keyed by n) at the current rate; while the rate
        is nought (a dated rule may start arrivals later), look again a day later."""
        rate_per_hour = self._population.arrival_rate
        if rate_per_hour <= 0:
            self._env.after(24.0, self._next, n)
        else:
            gap = self._gaps.exponential(n, 1.0) / rate_per_hour
            self._env.after(gap, self._arrive, n)

    def _told(self, n: int, version: int) -> None:
        """Agent n arrives now, told apart ahead as the first of a day or the first not made
        before a settle: `_arrive`, unless the day was told apart again since."""
        if version == self._version:
            self._arrive(n)

    def _arrive(self, n: int) -> None:
        """Agent n arrives now: alone (the next drawn at the rate now), or as the first of the
        rest of the day's. (Never void: a day told apart draws no gap one by one.)"""
        now = self._env.now
        if now < self._alone:
            self._journeys.start(self._population.arrive(n, now))  # as `_start`, inline: the
            self._next(n + 1)  # queueing validation worlds' every arrival comes this way
        else:
            self._ahead(n)

    def _start(self, pid: int) -> None:
        """The person arrives now and starts their journey, as each arrival does one by one."""
        self._journeys.start(self._population.arrive(pid, self._env.now))

    # --- a day ahead ----------------------------------------------------------------------------

    def _ahead(self, n: int) -> None:
        """Agent n arrives now: work out the day's arrivals from n on, set an event at the hour
        of each eventful one and of the first of the next day, and make n if it is eventful."""
        world, population, book = self.world, self._population, self._book
        now, rate = self._env.now, population.arrival_rate
        tomorrow = (now // 24 + 1) * 24
        self.make(now)  # the day before's quiet ones (a settle at midnight has made them)
        only = world.channel.only()
        if rate <= 0 or (only is not None and only[0] != UNLICENSED):  # none quiet today (all
            self._alone = tomorrow  # go licensed, or nowhere; or none comes after n): the rest
            self._start(n)  # of the day one by one, each drawing the next one's gap
            self._next(n + 1)
            return
        pids, times = self._hours(n, now, rate, tomorrow)
        head = int(pids[-1]), float(times[-1])  # the first at or after midnight
        pids, times = pids[:-1], times[:-1]
        assert book is not None  # `_batched`
        quiet, reason = world.channel.unaware(pids)
        active, gap_mean, median = population.terms(pids)
        end = times + active
        calm, buys = book.quiet(pids, times, end, gap_mean, tomorrow)
        quiet &= (active <= 0) | calm
        resident, bad = population.kinds(pids)
        day = _Day(
            pids.tolist(),
            times.tolist(),
            quiet.tolist(),
            resident.tolist(),
            bad.tolist(),
            buys & (active > 0),
            # the columns `buyers.DRAFT` names: the row filled when made, no top-up yet
            np.column_stack([pids, np.zeros((len(pids), 2)), times, end, gap_mean, median]),
            reason,
            (pids, times, resident, bad),
        )
        self._day, self._cursor = day, 0
        version, env = self._version, self._env
        eventful = np.flatnonzero(~quiet).tolist()
        for i in eventful:
            if i:  # n itself is now
                env.call_at(day.times[i], self._eventful, i, version)
        env.call_at(head[1], self._told, head[0], version)
        if eventful and eventful[0] == 0:
            self._eventful(0, version)

    def _hours(
        self, n: int, now: float, rate: float, tomorrow: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Agents n, n+1, … and their hours (n's is now) up to the first at or after
        `tomorrow`, each a gap after the one before, as `_next` adds them."""
        pids, hours = [np.array([n])], [np.array([now])]
        block = int(rate * (tomorrow - now) * 1.25) + 8
        last, t = n, now
        while t < tomorrow:
            ids = np.arange(last + 1, last + 1 + block)
            gaps = self._gaps.exponentials(ids, 1.0) / rate
            at = np.add.accumulate(np.concatenate([[t], gaps]))[1:]  # one sum at a time
            pids.append(ids)
            hours.append(at)
            last, t = int(ids[-1]), float(at[-1])
        pid, hour = np.concatenate(pids), np.concatenate(hours)
        stop = int(np.searchsorted(hour, tomorrow)) + 1  # through the first not before midnight
        return pid[:stop], hour[:stop]

    def _eventful(self, i: int, version: int) -> None:
        """Arrival i of the day is now and needs its hour: the quiet ones before it first."""
        day = self._day
        if version != self._version or day is None:
            return
        self.make(day.times[i])
        self._cursor = i + 1
        self._start(day.pids[i])

    def make(self, until: float) -> None:
        """Make the quiet arrivals before `until` not made yet, in the order they came: each
        arrives, chooses the unlicensed channel and hands their top-ups to the book, as
        `Journeys.start` does at their hour. They come as rows of the people table (their
        `Person` made only if someone asks: `PeopleTable.person`)."""
        day = self._day
        if day is None:
            return
        world, book = self.world, self._book
        assert book is not None  # a day is told apart only with the book
        pids, times, quiet = day.pids, day.times, day.quiet
        start = end = self._cursor
        while end < len(pids) and quiet[end] and times[end] < until:
            end += 1
        self._cursor = end
        if end > start:
            row = world.population.enter_unlicensed(*(c[start:end] for c in day.columns))
            if world.detail is not None:  # the tally counts them together (below)
                for i in range(start, end):
                    record = PersonArrived(
                        times[i], pids[i], day.resident[i], day.bad[i], UNLICENSED, 0.0,
                        day.reason, -1,
                    )  # fmt: skip
                    world.detail(record)
            buying = np.flatnonzero(day.buys[start:end])
            book.later(day.drafts[start:end][buying], row + buying)
            world.channel.counted(end - start)
            world.emit(ArrivalsBatch(times[end - 1], end - start))
        if end == len(pids):
            self._day = None

    def settle(self, until: float) -> None:
        """Something is about to read or change what the day's arrivals were told apart on:
        make the quiet ones before `until`, and tell the rest apart again from the first not
        made, at its hour (after the change)."""
        self.make(until)
        day = self._day
        if day is None:
            return
        self._version += 1  # their events are void
        i, self._day = self._cursor, None
        self.world.env.call_at(day.times[i], self._told, day.pids[i], self._version)
