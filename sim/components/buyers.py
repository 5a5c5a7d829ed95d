"""The unlicensed majority's top-ups, booked a day at a time instead of one SimPy event each.

A person buying unlicensed touches no finite resource: their top-up times follow from their own
keyed draws alone (gap n from `topup_gap`, the n-th key), so they are known the moment the person
starts. `UnlicensedBuyers` works them out in arrays for everyone who started that day and books
each simulated day's top-ups together (their sizes, frauds, platforms, ledger postings, and their
`Purchase` records when someone keeps them: `UnlicensedChannel.buy_many`) whenever something is
about to read or change what a top-up touches (`settle`): the end of a simulated day, an
enforcement shutdown, a successor platform growing, a dated rule, a shock, a licence granted or
ended. Between two such moments the platforms, rules and prices
stand still and each top-up touches only its own buyer, so the order in which different people's
top-ups are booked changes nothing.

What cannot be booked ahead is a top-up the bank blocks outright while the block could send the
buyer to a licensed exchange's KYC (they have never weighed one, and their own redirect draw is
below `channel.block_redirect_share`: `ChannelChoice.may_redirect`). Such a top-up is a *stop*. A
booked buyer has no SimPy process (nothing waits months in memory): the book wakes them at the
stop's exact hour to make that top-up as the event-by-event path would (`Journeys.stop`), which
hands the rest back unless they go to KYC; a hold after the last top-up it sells for those who
sell (`_sell`), with the bookings of the sale's day rather than as an event of its own. Whether
a top-up stops depends on the blocking rules in force, the channel mode, the redirect share and
whether any exchange is licensed, and whether and when a buyer sells on the share who do and
the hold time, so a change to those finds everyone's stops and wake-ups again. A top-up's route
(straight to the platform, through a P2P desk, or blocked) is drawn when it is booked; only for
the few buyers a block could redirect are the routes drawn ahead, to find their stop.

A plan is a row of the filing (`Filed`, columns by serial beside its top-ups): a day's quiet
newcomers come as one array of drafts (`later`) and never need more. A `Plan` object is made
for an eventful arrival's plan (`trade`), and from its row for a plan that stops or that a rule
files again; a sale waits as its plan's serial.

Same seed, same numbers as the event-by-event path (`Simulation(batched=False)`): every draw is the
same keyed number, computed in arrays bit for bit (`Keyed.uniforms`, `normal_quantiles`), so the
records are the same, bit for bit; the tally counts each booked day's sums (`UnlicensedBatch`), so
its totals agree to rounding. The test suite checks both.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import simpy

from sim.components.channel import UNLICENSED
from sim.components.population import PeopleTable, Person
from sim.records import PaymentBlocked
from sim.rng import Keyed, exact, normal_quantiles

if TYPE_CHECKING:
    from sim.world import World

LONGEST_GAP_H = 1e7
"""A gap this long ends a person's buying (their mean gap is effectively infinite)."""
SIZE_SIGMA = 0.5
"""Log-scale spread of one person's top-up sizes around their median."""
FIRST_GAPS = 8
"""Gaps drawn per person in the first array pass when planning: enough for most people (half
need four or fewer in the baseline, one in ten more than 16), and each gap drawn costs a
logarithm. With 16 a pass after it, the fewest instructions for a baseline year of the pairs
tried (12 and 32 before; 6 and 12; 32 for everyone took a third longer)."""
GAPS_AT_ONCE = 16
"""Gaps drawn per person in each later pass, for those who need more."""

ENDED, BOOKED = "ended", "booked"
"""What `trade` answers: the person has no top-up left before their end (the caller goes on as
after the last), or the book has them."""
DIRECT, P2P, BLOCKED = 0, 1, 2
"""How a top-up goes (`UnlicensedBuyers._routes`): straight to the platform, through a P2P desk at
a premium (the bank blocked the payment), or nowhere (blocked outright: nothing bought)."""


def block_reason(world: World) -> str:
    """Why an unlicensed top-up bought nothing: the bank blocked it outright (booked or made
    event by event, the same words)."""
    why = world.why("banks.unlicensed_block_prob")
    return f"{why}: bank blocked the payment to an unlicensed platform"


@dataclass(eq=False, slots=True)
class Plan:
    """One person's top-ups until their active period or the run ends, as an object: an eventful
    arrival's (`UnlicensedBuyers.trade`), or made from its row of the filing for a plan that
    stops or is filed again (`Filed.plan`); the quiet majority's plans are rows only."""

    table: PeopleTable
    row: int
    """The person's row in `table` (their `Person` is made only if asked for: `person`)."""
    pid: int
    end: float
    gap_mean: float
    median: float
    """Median tenge per top-up."""
    first: int
    """The n of the first top-up (the person's top-ups before this plan)."""
    times: Sequence[float] = ()
    """When each top-up falls, in order: packed doubles, a view of its planning's
    (`Planned.hours`)."""
    ends: bool = False
    """Whether the person stops buying before the run ends (then they wake after the last)."""
    stop: int = 0
    """Index of the plan's stop: its first top-up the bank blocks outright while the block could
    send the buyer to a licensed exchange's KYC (len(times) if none)."""
    version: int = 0
    """Bumped when the stops are found again: older wake-ups are ignored."""
    serial: int = -1
    """The plan's filing in `Filed` (-1 when none): entries of an older filing are void."""

    @property
    def done(self) -> int:
        """Top-ups booked (or made at a stop) so far: the person's own count since `first` (a
        day's booking moves the counts of all its buyers at once, `UnlicensedBuyers._book`)."""
        return self.table.topups.item(self.row) - self.first

    @done.setter
    def done(self, done: int) -> None:
        self.table.topups[self.row] = self.first + done

    @property
    def person(self) -> Person:
        return self.table.person(self.row)


class Entries(NamedTuple):
    """Filed top-ups, one per row of these equally long columns."""

    hour: np.ndarray
    serial: np.ndarray
    """The filing (`Plan.serial`)."""
    place: np.ndarray
    """The top-up's index in its plan."""

    def rows(self, which: np.ndarray | slice) -> Entries:
        return Entries(*(column[which] for column in self))

    @staticmethod
    def joined(parts: Sequence[Entries]) -> Entries:
        return Entries(*(np.concatenate(columns) for columns in zip(*parts, strict=True)))


class Terms(NamedTuple):
    """What filing reads of each plan in a batch, a column each, plan by plan: read from the
    plans once per batch (`of`), or kept from planning them (`UnlicensedBuyers._plan`)."""

    pid: np.ndarray
    row: np.ndarray
    """The person's row in the people table (`Person.row`)."""
    first: np.ndarray
    """`Plan.first`."""
    median: np.ndarray
    topups: np.ndarray
    """The plan's top-ups (`len(Plan.times)`)."""

    @staticmethod
    def of(plans: Sequence[Plan]) -> Terms:
        read = [(p.pid, p.row, p.first, len(p.times)) for p in plans]
        ints = np.array(read, np.int64).reshape(-1, 4)
        median = np.array([plan.median for plan in plans])
        return Terms(ints[:, 0], ints[:, 1], ints[:, 2], median, ints[:, 3])


DRAFT = ("pid", "row", "first", "start", "end", "gap_mean", "median")
"""The columns of a draft: plans not planned yet, a row each (`UnlicensedBuyers.later`), in
the order planning reads them (`UnlicensedBuyers._plan`)."""
_DRAFT_ROW = DRAFT.index("row")


class Planned(NamedTuple):
    """What planning works out for each new plan beyond its `Terms`, a column each, plan by plan:
    with the terms, enough to make its `Plan` when something asks for one (`Filed.plan`)."""

    end: np.ndarray
    gap_mean: np.ndarray
    ends: np.ndarray
    """`Plan.ends`."""
    lo: np.ndarray
    """Where the plan's times begin in `hours`."""
    last: np.ndarray
    """The hour of the plan's last top-up (nan if it has none)."""
    hours: Sequence[float]
    """All the plans' top-up times, plan by plan, as packed doubles."""


def left(plans: Sequence[Plan], dones: Sequence[int]) -> Entries:
    """Each plan's top-ups not done yet (`dones`: each one's `done`), plan by plan in order;
    their serial is the plan's index in `plans`."""
    hours: array[float] = array("d")
    serials: list[int] = []
    places: list[int] = []
    for index, (plan, done) in enumerate(zip(plans, dones, strict=True)):
        count = len(plan.times)
        if count > done:
            hours.extend(plan.times[done:])
            serials += [index] * (count - done)
            places += range(done, count)
    return Entries(
        np.frombuffer(hours) if hours else np.empty(0),
        np.array(serials, np.int64),
        np.array(places, np.int64),
    )


class Filed:
    """The top-ups waiting to be booked (`Entries`), and what each filing's plan draws with.

    A plan is filed with a new serial number, its top-ups from the next to book up to its stop;
    filing it again (its stops found again, or back from a stop) voids the older filing, whose
    entries are dropped when taken or merged. Entries sit in runs sorted by hour, one run a
    call to `file`, the newest merged into the one before while that is at most twice its size
    (a few dozen runs, each entry moved a few times): the top-ups due before an hour are a
    binary search in each run away, and come out as arrays, not one Python step each.

    A new plan is filed as a row of columns by serial; its `Plan` object is made only when
    something asks for it (`plan`): its stop's wake-up, or a rule that files it again.
    """

    def __init__(self, table: PeopleTable) -> None:
        self._table = table
        self._runs: list[Entries] = []
        """Each sorted by hour."""
        self._plans: list[Plan | None] = []
        """The plan of each serial once made (`plan`); None before, and once its top-ups are
        all booked or it is released."""
        self._hours: list[Sequence[float]] = []
        """Each planning's top-up times (`Planned.hours`), by number: kept for the run (8 bytes a
        top-up; a national year's are about 80 MB)."""
        self.live = np.zeros(0, bool)
        """By serial: whether the filing still holds."""
        self.pid = np.zeros(0, np.int64)
        """By serial: the person."""
        self.row = np.zeros(0, np.int64)
        """By serial: the person's row in the people table (`Person.row`)."""
        self.first = np.zeros(0, np.int64)
        """By serial: the plan's first top-up number (`Plan.first`)."""
        self.stop = np.zeros(0, np.int64)
        """By serial: the index of the filing's last top-up, plus one (`Plan.stop`)."""
        self.topups = np.zeros(0, np.int64)
        """By serial: the plan's top-ups (`len(Plan.times)`)."""
        self.median = np.zeros(0)
        """By serial: the plan's median tenge per top-up."""
        self.pending = np.zeros(0, bool)
        """By serial: the plan still has top-ups to book or to make at its stop."""
        self.void = np.zeros(0, bool)
        """By serial: released (`release`), so its sale, if it had one, is void."""
        self.end = np.zeros(0)
        """By serial, for a plan filed new (its `Plan` not made yet): `Plan.end`."""
        self.gap_mean = np.zeros(0)
        """By serial, likewise: `Plan.gap_mean`."""
        self.ends = np.zeros(0, bool)
        """By serial, likewise: `Plan.ends`."""
        self.lo = np.zeros(0, np.int64)
        """By serial, likewise: where the plan's times begin in its planning's hours."""
        self.planning = np.zeros(0, np.int64)
        """By serial, likewise: the number of its planning's hours (`_hours`)."""

    def file(
        self,
        plans: Sequence[Plan | None],
        todo: Entries,
        terms: Terms,
        stops: np.ndarray,
        done: np.ndarray | None = None,
        planned: Planned | None = None,
    ) -> int:
        """File each plan anew (voiding its older filing): of its top-ups not done yet (`todo`,
        their serial the plan's index in `plans`: `left`), those before its stop (`stops`,
        `Plan.stop`; `terms`: the plans' columns; `done`: each one's `Plan.done`). New plans
        (`done` None: nothing done, no filing to void) come with what planning worked out
        (`planned`) and may have no object yet (None in `plans`). Returns the first serial."""
        start = len(self._plans)
        if done is None:
            for serial, plan in enumerate(plans, start):
                if plan is not None:
                    plan.serial = serial
        else:
            for serial, plan in enumerate(plans, start):
                assert plan is not None  # filed before: made
                self.release(plan)
                plan.serial = serial
        self._plans += plans
        self._grow(len(self._plans))
        new = slice(start, len(self._plans))
        self.live[new] = True
        self.pending[new] = terms.topups > (0 if done is None else done)
        self.pid[new] = terms.pid
        self.row[new] = terms.row
        self.first[new] = terms.first
        self.stop[new] = stops
        self.topups[new] = terms.topups
        self.median[new] = terms.median
        if planned is not None:
            self.end[new], self.gap_mean[new], self.ends[new] = planned[:3]
            self.lo[new] = planned.lo
            self.planning[new] = len(self._hours)
            self._hours.append(planned.hours)
        filed = todo.rows(todo.place < self.stop[new][todo.serial])
        if not len(filed.hour):
            return start
        entries = Entries(filed.hour, filed.serial + start, filed.place)
        runs = self._runs
        runs.append(entries.rows(np.argsort(entries.hour, kind="stable")))
        while len(runs) > 1 and len(runs[-2].hour) <= 2 * len(runs[-1].hour):
            newer, older = runs.pop(), runs.pop()
            merged = Entries.joined([older, newer])
            merged = merged.rows(self.live[merged.serial])  # void filings go
            runs.append(merged.rows(np.argsort(merged.hour, kind="stable")))
        return start

    def _grow(self, size: int) -> None:
        """Room for `size` serials in the by-serial columns (doubling)."""
        if len(self.live) >= size:
            return
        for name in _BY_SERIAL:
            old = getattr(self, name)
            grown = np.zeros(max(1024, 2 * size), old.dtype)
            grown[: len(old)] = old
            setattr(self, name, grown)

    def close(self, serials: np.ndarray) -> None:
        """Void these live filings, their last entries booked. The plans of those that ran to
        their plan's last top-up are done (their `serial` stays: a serial is never given again,
        and releasing a void filing changes nothing); the others' wait for their stop."""
        self.live[serials] = False
        whole = serials[self.stop[serials] == self.topups[serials]]
        self.pending[whole] = False
        plans = self._plans
        for serial in whole.tolist():
            plans[serial] = None

    def release(self, plan: Plan) -> None:
        """Void the plan's filing (its entries are dropped when met): the plan is woken at its
        stop, sells, or is filed anew."""
        if plan.serial >= 0:
            self._plans[plan.serial] = None
            self.live[plan.serial] = False
            self.pending[plan.serial] = False
            self.void[plan.serial] = True
            plan.serial = -1

    def waiting(self) -> np.ndarray:
        """The serials of the plans with top-ups left to book or to make at their stop."""
        return np.flatnonzero(self.pending)

    def first_hour(self) -> float:
        """The hour of the earliest entry (void ones too), inf if none."""
        return min((float(run.hour[0]) for run in self._runs), default=math.inf)

    def plan(self, serial: int) -> Plan:
        """The plan of a filing that holds, or waits for its stop: made now from its columns
        if it has no object yet (a new plan's first filing)."""
        plan = self._plans[serial]
        if plan is None:
            lo, count = self.lo.item(serial), self.topups.item(serial)
            plan = self._plans[serial] = Plan(
                self._table,
                self.row.item(serial),
                self.pid.item(serial),
                self.end.item(serial),
                self.gap_mean.item(serial),
                self.median.item(serial),
                self.first.item(serial),
                self._hours[self.planning.item(serial)][lo : lo + count],
                self.ends.item(serial),
                self.stop.item(serial),
                serial=serial,
            )
        return plan

    def take(self, before: float) -> Entries:
        """The live entries due before `before`, and forget them all. A plan's entries come in
        their order (a filing's entries share a run)."""
        due: list[Entries] = []
        kept: list[Entries] = []
        for run in self._runs:
            count = int(np.searchsorted(run.hour, before))  # the entries before `before`
            if count:
                due.append(run.rows(slice(count)))
            if count < len(run.hour):
                kept.append(run.rows(slice(count, None)))
        self._runs = kept
        if not due:
            return Entries(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64))
        entries = Entries.joined(due)
        return entries.rows(self.live[entries.serial])


_BY_SERIAL = (
    *("live", "pid", "row", "first", "stop", "topups", "median", "pending", "void"),
    *("end", "gap_mean", "ends", "lo", "planning"),
)
"""`Filed`'s columns by serial."""


class UnlicensedBuyers:
    """Plans people's unlicensed top-ups and books them a day (or part of one) at a time."""

    def __init__(self, world: World, gaps: Keyed, sizes: Keyed, p2p: Keyed) -> None:
        self.world = world
        self._gaps, self._sizes, self._p2p = gaps, sizes, p2p
        self._unplanned: list[tuple[float, Plan] | np.ndarray] = []
        """Started since the last settle, first top-up on a later day: their times are drawn
        at the settle. Each a plan and the hour it started, or the drafts of quiet newcomers
        (`later`)."""
        self._unfiled: list[Plan] = []
        """Planned, next top-up on a later day: their stops are found at the settle."""
        self._paused: dict[int, Plan] = {}
        """Plans stopped at a top-up the caller is making event by event, by person."""
        self._filed = Filed(world.population.table)
        """The top-ups to book, up to each plan's stop."""
        self._sales: list[tuple[float, int, int]] = []
        """A heap of (hour, order set, the plan's serial in `Filed`): the sales to make, a hold
        after the buyer's last top-up (`_sell`), with the day's bookings."""
        self._sold = itertools.count()
        self._rules = self._blocking()

    # --- the person's side ----------------------------------------------------------------------

    def trade(self, person: Person, end: float, gap_mean: float, median: float) -> str:
        """Take over the person's top-ups until `end`: `BOOKED` (the book calls the person's
        journey back at a stop, `Journeys.stop`, and sells for them a hold after the last
        top-up if they sell, `_sell`), or `ENDED` (no top-up left before `end`: the caller goes
        on as after the last, `Journeys.sell_later`)."""
        now = self.world.env.now
        tomorrow = (now // 24 + 1) * 24
        plan = self._paused.pop(person.id, None)
        if plan is not None and plan.times[plan.stop] == now and plan.end == end:
            plan.done = plan.stop + 1  # back right after the stop: the same times go on
            if plan.done == len(plan.times):
                return ENDED if plan.ends else BOOKED  # else buys past the run's end
            plan.version += 1  # its wake-up from before is void
            if plan.times[plan.done] < tomorrow:
                self._find_stops([plan])
            else:
                self._unfiled.append(plan)
            return BOOKED
        first = self._gaps.exponential(person.id, gap_mean, person.topups)
        if now + first > end or first > LONGEST_GAP_H:
            return ENDED
        plan = Plan(person.table, person.row, person.id, end, gap_mean, median, person.topups)
        if now + first < tomorrow and self._wakes_today(
            person.id,
            person.topups,
            now + first,
            gap_mean,
            end,
            self._can_block() and self.world.channel.may_redirect(person),
            tomorrow,
        ):
            # its wake-up must be set before the day's settle plans it
            self._find_stops(*self._plan([(now, plan)]))
        else:
            self._unplanned.append((now, plan))
        return BOOKED

    def quiet(
        self,
        pids: np.ndarray,
        times: np.ndarray,
        ends: np.ndarray,
        gap_means: np.ndarray,
        tomorrow: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For newcomers who start buying at `times`, all before `tomorrow`'s midnight (no
        top-up yet), and are active until `ends`, what `trade` would do, in arrays: (quiet,
        buys). Quiet: nothing of theirs needs an event today, as their first top-up is on a
        later day, or none of today's wakes them (`_wakes_today`: the few with a top-up today
        walked one by one), or they have none (and so nothing to sell,
        `Journeys.sell_later`). Buys: they have a top-up before their end (a plan, `later`)."""
        first = self._gaps.exponentials(pids, gap_means)  # n = 0: a newcomer's first
        at = times + first
        buys = ~((at > ends) | (first > LONGEST_GAP_H))
        quiet = ~buys | (at >= tomorrow)
        today = np.flatnonzero(~quiet)
        if today.size:
            may = (  # none of them has weighed the licensed option yet
                self.world.channel.may_redirect_newcomers(pids[today])
                if self._can_block()
                else np.zeros(today.size, bool)
            )
            for i, stops in zip(today.tolist(), may.tolist(), strict=True):
                hour, gap_mean, end = at.item(i), gap_means.item(i), ends.item(i)
                wakes = self._wakes_today(pids.item(i), 0, hour, gap_mean, end, stops, tomorrow)
                quiet[i] = not wakes
        return quiet, buys

    def later(self, drafts: np.ndarray, rows: np.ndarray) -> None:
        """Newcomers `quiet` found buying from a later day on: `trade`, at the hour each came.
        A draft each, in the columns `DRAFT` names (first 0: they have no top-up yet), and
        their rows in the people table. Their plans are rows of the filing, not objects
        (`Filed.plan`)."""
        if len(drafts):
            drafts[:, _DRAFT_ROW] = rows
            self._unplanned.append(drafts)

    def _wakes_today(
        self,
        pid: int,
        n: int,
        at: float,
        gap_mean: float,
        end: float,
        stops: bool,
        tomorrow: float,
    ) -> bool:
        """Whether person pid, whose next top-up (their n-th) is `at`, before `tomorrow`'s
        midnight, and who buys until `end`, needs waking today: one of today's top-ups stops
        (`stops`: a block may send them to KYC under the rules in force), or is their last and
        they sell. Walked one draw at a time (a day holds a top-up or two): the same keyed draws
        and sums as `_plan` and `_find_stops`."""
        horizon = self.world.scenario.run.days * 24.0
        while at < tomorrow and at < horizon:
            if stops and self._route(pid, n) == BLOCKED:
                return True
            n += 1
            gap = self._gaps.exponential(pid, gap_mean, n)
            if at + gap > end or gap > LONGEST_GAP_H:
                return self.world.population.sells(pid)  # their last: a sale to set
            at += gap
        return False

    def _wake(self, plan: Plan, version: int, _: simpy.Event) -> None:
        """The plan's stop is now: the person's top-ups before it are booked first (those their
        day has not booked yet) and the person makes it (`Journeys.stop`)."""
        if version != plan.version:
            return  # its stops were found again since
        person = plan.person
        self._book_own(plan, plan.stop)
        self._filed.release(plan)
        self._paused[person.id] = plan
        n = plan.first + plan.stop
        self.world.journeys.stop(person, plan.end, plan.gap_mean, plan.median, n)

    def _sell(self, serial: int, hour: float) -> None:
        """The buyer of the plan filed as `serial` sells at `hour`, a hold after their last
        top-up (decided and drawn then, with the rules then: a change to who sells or how long
        they hold files the plans with top-ups left again, which voids their sales). Their
        top-ups the days have not booked yet go first."""
        filed = self._filed
        if filed.void.item(serial):
            return  # filed again since, its wake-ups set anew
        if filed.live.item(serial):  # (the days book a seller's top-ups before the sale)
            plan = filed.plan(serial)
            self._book_own(plan, len(plan.times))
            filed.release(plan)
        row, pid = filed.row.item(serial), filed.pid.item(serial)
        self.world.unlicensed.sell_row(self.world.population.table, row, pid, hour)

    def _sell_due(self, before: float) -> None:
        """Make the sales due before `before`, in time order (booked after the top-ups due
        before it: a buyer's sale comes after their last top-up; different buyers' commute)."""
        sales = self._sales
        while sales and sales[0][0] < before:
            hour, _, serial = heapq.heappop(sales)
            self._sell(serial, hour)

    # --- planning -------------------------------------------------------------------------------

    def _plan(
        self, unplanned: Sequence[tuple[float, Plan] | np.ndarray]
    ) -> tuple[list[Plan | None], Entries, Terms, Planned]:
        """Each new plan's top-up times, all plans together in array passes: `FIRST_GAPS` gaps
        each first (most people need no more), then `GAPS_AT_ONCE` at a time for those who do.
        Returns the plans (None for a draft's: no object), their times as entries, plan by plan
        (`left`: none is done yet), and the plans' terms and what planning worked out (read
        once here for all that follows)."""
        horizon = self.world.scenario.run.days * 24.0
        plans: list[Plan | None] = []
        made: list[int] = []  # the plans' indices that have an object
        parts = []
        for part in unplanned:
            if isinstance(part, np.ndarray):
                plans += [None] * len(part)
                parts.append(part)
            else:  # ids and counts are exact as doubles
                began, plan = part
                made.append(len(plans))
                plans.append(plan)
                terms = (plan.pid, plan.row, plan.first, began, plan.end, plan.gap_mean)
                parts.append(np.array([(*terms, plan.median)]))
        read = np.concatenate(parts) if len(parts) > 1 else parts[0]  # the columns `DRAFT` names
        pid, person_row, first = read[:, :3].astype(np.int64).T
        t, end, mean = read[:, 3].copy(), read[:, 4:5], read[:, 5:6]
        owners: list[np.ndarray] = []
        stamps: list[np.ndarray] = []
        ends = np.zeros(len(plans), bool)
        rows, drawn, width = np.arange(len(plans)), 0, FIRST_GAPS
        while rows.size:
            ns = first[rows][:, None] + drawn + np.arange(width)
            u = self._gaps.uniforms(np.repeat(pid[rows], width), ns.ravel())
            gap = -mean[rows] * exact(math.log, u.reshape(ns.shape))
            # sequential sums from the last time, as the event-by-event clock adds them
            at = np.add.accumulate(np.hstack([t[rows][:, None], gap]), axis=1)[:, 1:]
            over = (at > end[rows]) | (gap > LONGEST_GAP_H)
            beyond = at >= horizon  # a top-up at or after the horizon never happens
            halt = over | beyond
            count = np.where(halt.any(axis=1), halt.argmax(axis=1), width)
            kept = np.arange(width) < count[:, None]
            owners.append(np.repeat(rows, count))
            stamps.append(at[kept])  # row by row, in order
            finished = count < width
            ends[rows[finished & over[np.arange(rows.size), np.minimum(count, width - 1)]]] = True
            t[rows] = at[:, -1]
            rows = rows[~finished]
            drawn += width
            width = GAPS_AT_ONCE
        order = np.argsort(np.concatenate(owners), kind="stable")  # plan by plan, in time
        serial, hour = np.concatenate(owners)[order], np.concatenate(stamps)[order]
        counts = np.bincount(serial, minlength=len(plans))
        starts = np.cumsum(counts) - counts
        packed = memoryview(hour.tobytes()).cast("d")  # the plans' views keep it
        for i in made:
            lo, made_plan = starts.item(i), plans[i]
            assert made_plan is not None
            made_plan.times, made_plan.ends = packed[lo : lo + counts.item(i)], ends.item(i)
        todo = Entries(hour, serial, np.arange(len(serial)) - np.repeat(starts, counts))
        last = np.full(len(plans), np.nan)
        last[counts > 0] = hour[(starts + counts - 1)[counts > 0]]
        planned = Planned(read[:, 4], read[:, 5], ends, starts, last, packed)
        return plans, todo, Terms(pid, person_row, first, read[:, 6], counts), planned

    def _find_stops(
        self,
        plans: Sequence[Plan | None],
        todo: Entries | None = None,
        terms: Terms | None = None,
        planned: Planned | None = None,
    ) -> None:
        """Each plan's first stop from its next top-up on: the first top-up blocked outright
        while a block could still send the person to a licensed exchange's KYC
        (`ChannelChoice.may_redirect`; else a block changes nothing else: it is booked like any
        top-up, its route drawn then, `_routes`). The draws of all plans that may stop in one
        array pass; then file the top-ups before the stop and set the wake-up. `todo`, `terms`
        and `planned`: new plans' top-ups, columns and what planning worked out (`_plan`; a
        plan may be None: a draft's, no object yet); else the plans are filed again."""
        dones: np.ndarray | None = None  # new plans' (`_plan` gives their `todo`): none done
        if todo is None:
            made = [plan for plan in plans if plan is not None]  # filed before: all made
            done_list = [plan.done for plan in made]
            dones = np.array(done_list, np.int64)
            plans, todo, terms = made, left(made, done_list), Terms.of(made)
        assert terms is not None
        stops = terms.topups.copy()
        if self._can_block() and len(todo.hour):
            may = self.world.channel.may_redirect_rows(terms.pid, terms.row)
            weighed = todo.rows(may[todo.serial])  # the top-ups of those a block may send
            first, pid = terms.first[weighed.serial], terms.pid[weighed.serial]
            routes = self._routes(pid, first + weighed.place)
            blocked = weighed.rows(routes == BLOCKED)
            stopped, at = np.unique(blocked.serial, return_index=True)  # each plan's first
            stops[stopped] = blocked.place[at]
        for plan, stop in zip(plans, stops.tolist(), strict=True):
            if plan is not None:
                plan.stop = stop
        self._file(plans, dones, todo, terms, stops, planned)

    def _can_block(self) -> bool:
        """Whether the bank may block a top-up under the rules in force (platforms are open and
        the block chance is above 0): else every top-up goes straight, and none stops."""
        available, block_prob, _, _, _ = self._rules
        return available and block_prob > 0.0

    def _routes(self, pid: np.ndarray, n: np.ndarray) -> np.ndarray:
        """How each top-up (person pid's n-th) goes under the rules in force: `DIRECT`, `P2P` or
        `BLOCKED`. Drawn when needed (a stop is looked for, a day is booked): the rules cannot
        change between, as a change finds the stops again after booking what was due."""
        if not self._can_block():
            return np.full(len(pid), DIRECT, np.int64)
        blocked = self.world.banks.blocks_unlicensed_many(pid, n)
        outright = blocked & ~(self._p2p.uniforms(pid, n) < self._rules[2])
        return blocked.astype(np.int64) + outright

    def _route(self, pid: int, n: int) -> int:
        """`_routes` for one top-up, with the same draws."""
        if not self._can_block() or not self.world.banks.blocks_unlicensed(pid, n):
            return DIRECT
        return P2P if self._p2p.chance(pid, self._rules[2], n) else BLOCKED

    def _file(
        self,
        plans: Sequence[Plan | None],
        dones: np.ndarray | None,
        todo: Entries,
        terms: Terms,
        stops: np.ndarray,
        planned: Planned | None,
    ) -> None:
        """File each plan's top-ups up to its stop (`dones`: each one's `done`, None for new
        plans; `todo`: their top-ups not done yet; `terms`: their columns; `stops`: each one's
        stop; `planned`: for new plans, what planning worked out); set its wake-up: at its
        stop (its `Plan` made for it), or if the buyer sells, a hold after their last top-up.
        Who sells and their hold are drawn in arrays, for the plans that end."""
        env, population, filed = self.world.env, self.world.population, self._filed
        counts = terms.topups
        first = filed.file(plans, todo, terms, stops, dones, planned)
        stopping = stops < counts
        ending = ~stopping & (counts > 0)
        if planned is not None:
            ending &= planned.ends
        else:
            ending[ending] = [plans[i].ends for i in np.flatnonzero(ending).tolist()]  # type: ignore[union-attr]
        for i in np.flatnonzero(stopping).tolist():
            plan = filed.plan(first + i)
            wake = env.at(plan.times[plan.stop])
            wake.callbacks.append(partial(self._wake, plan, plan.version))
        if ending.any():  # whether the last top-up's buyer sells (`Population.sells`)
            pids = terms.pid[ending]
            sells = population.sellers(pids)
            selling = np.flatnonzero(ending)[sells]
            if planned is not None:
                last = planned.last[selling]
            else:
                last = np.array([plans[i].times[-1] for i in selling.tolist()])
            # as if woken at the last; made with the day's bookings (`_sell_due`)
            hours = last + population.holds_hours(pids[sells])
            sales, sold = self._sales, self._sold
            for hour, serial in zip(hours.tolist(), (first + selling).tolist(), strict=True):
                heapq.heappush(sales, (hour, next(sold), serial))
        # the others are still buying when the run ends, or keep what they bought

    # --- booking --------------------------------------------------------------------------------

    def settle(self, until: float) -> None:
        """Book every top-up due before `until`: the days before it whole, its own day's up to
        it. First plan and file everyone who started or came back since the last settle."""
        if self._unfiled:  # back from a stop, with their times
            self._find_stops(self._unfiled)
            self._unfiled = []
        if self._unplanned:
            unplanned, self._unplanned = self._unplanned, []
            self._find_stops(*self._plan(unplanned))
        self._paused.clear()  # a plan resumes only at its stop's own time
        filed, sales = self._filed, self._sales
        while (first := min(filed.first_hour(), sales[0][0] if sales else math.inf)) < until:
            before = min(until, (first // 24 + 1) * 24.0)  # a day at a time
            self._book(before)
            self._sell_due(before)

    def _book(self, before: float) -> None:
        """Book the filed top-ups due before `before` (those not booked at their buyer's
        wake-up, of plans not filed again since). Each person's top-ups go in time order;
        different people's commute (the records are sorted by time when delivered)."""
        world, filed = self.world, self._filed
        due = filed.take(before)
        if not len(due.hour):
            return
        serial, place = due.serial, due.place
        pid, number, row = filed.pid[serial], filed.first[serial] + place, filed.row[serial]
        available = world.unlicensed.available
        if available:  # each buyer's count moves to their last top-up here (and `Plan.done`)
            np.maximum.at(world.population.table.topups, row, number + 1)
        else:  # nothing is bought: only the counts move, and the records say so one by one
            for s, i in zip(serial.tolist(), place.tolist(), strict=True):
                self._book_own(filed.plan(s), i + 1)
        filed.close(serial[place + 1 == filed.stop[serial]])
        if not available:
            return
        route, when = self._routes(pid, number), due.hour
        u = self._sizes.uniforms(pid, number)
        want = filed.median[serial] * exact(math.exp, SIZE_SIGMA * normal_quantiles(u))
        if (route == BLOCKED).any():
            blocked = route == BLOCKED
            if world.detail is not None:
                self._blocked(pid[blocked], when[blocked], want[blocked])
            world.channel.weighed_rows(row[blocked])
            buys = ~blocked
            row, pid, number, when, want, route = (
                row[buys],
                pid[buys],
                number[buys],
                when[buys],
                want[buys],
                route[buys],
            )
        extra = np.where(route == P2P, world.scenario.unlicensed.p2p_premium, 0.0)
        world.unlicensed.buy_many(row, pid, number, when, want, extra)

    def _blocked(self, pids: np.ndarray, times: np.ndarray, want: np.ndarray) -> None:
        """The bank blocked these top-ups outright, from people who have weighed a licensed
        exchange before (`Journeys._buy_unlicensed`, when `_redirected` changes nothing)."""
        emit, reason = self.world.detail, block_reason(self.world)
        assert emit is not None
        for pid, t, kzt in zip(pids.tolist(), times.tolist(), want.tolist(), strict=True):
            emit(PaymentBlocked(t, pid, UNLICENSED, kzt, reason))

    def _book_own(self, plan: Plan, until: int) -> None:
        """Book one person's top-ups up to index `until`, one by one."""
        if plan.done >= until:
            return  # (their `Person` is not needed)
        world, person = self.world, plan.person
        unlicensed, p2p = world.unlicensed, world.scenario.unlicensed.p2p_premium
        for i in range(plan.done, until):
            n, t = plan.first + i, plan.times[i]
            person.topups = n + 1
            want = self._sizes.lognormal(person.id, plan.median, SIZE_SIGMA, n)
            if not unlicensed.available:
                continue
            route = self._route(person.id, n)
            if route == BLOCKED:
                world.emit(PaymentBlocked(t, person.id, UNLICENSED, want, block_reason(self.world)))
                world.channel.weighed(person)
            else:
                unlicensed.buy(person, want, p2p if route == P2P else 0.0, n, t)
        plan.done = max(plan.done, until)

    # --- the world's side -----------------------------------------------------------------------

    def _blocking(self) -> tuple[bool, float, float, tuple[bool, float], tuple[float, float]]:
        """What decides a top-up's route, whether it stops, and whether and when the buyer
        sells after their last."""
        world = self.world
        return (
            world.unlicensed.available,
            world.scenario.banks.unlicensed_block_prob,
            world.scenario.unlicensed.p2p_workaround_share,
            (  # whether a block may send a buyer to KYC (`ChannelChoice.may_redirect`)
                world.channel.blocks_weigh(),
                world.scenario.channel.block_redirect_share,
            ),
            (world.scenario.population.sell_share, world.scenario.population.hold_time_median),
        )

    def configure(self) -> None:
        """After a rule or a licence (settled up to now): if what decides the routes or the
        wake-ups changed, the stops are found again and the wake-ups set anew. A plan that had
        no stop and cannot stop now keeps its filing (its routes are drawn when booked), and
        its wake-up too unless who sells or how long they hold changed."""
        rules, old = self._blocking(), self._rules
        if rules == old:
            return
        self._rules = rules
        filed = self._filed
        waiting = filed.waiting()
        if rules[-1] == old[-1]:  # who sells and their hold stand: only plans that may stop
            stops = filed.stop[waiting] < filed.topups[waiting]
            if self._can_block():
                stops |= self.world.channel.may_redirect_rows(
                    filed.pid[waiting], filed.row[waiting]
                )
            waiting = waiting[stops]
        plans = sorted((filed.plan(serial) for serial in waiting.tolist()), key=lambda p: p.pid)
        for plan in plans:
            plan.version += 1  # its wake-up is set anew; filing it again voids its entries
        self._find_stops(plans)
