"""The population: synthetic residents and non-residents arriving over time, with their attributes.

Attributes are keyed draws (see `sim.rng`) with the person's arrival number as the key, so person
17 has the same income, documents and patience in a baseline and a reform run on the same seed,
and in a run of any length. They are computed when a component first asks, which keeps the
validation worlds as cheap as bare SimPy.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from array import array
from collections import deque
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.identities import (
    corrupt_iin,
    corrupt_tm_passport,
    make_iin,
    make_tm_passport,
    person_name,
)

if TYPE_CHECKING:
    from sim.world import World

HOURS_PER_MONTH = 730.0
HOURS_PER_YEAR = 8760.0
RECRUITS = 1 << 40
"""Ids of laundering-case members start here, apart from the arrival stream's (the miners' too)."""


def real_people(person: int, scale: float) -> float:
    """Real people one simulated person stands for: `scale` for a sampled one, 1 for one
    simulated at full size (a laundering case's member, the miners: ids from RECRUITS on)."""
    return 1.0 if person >= RECRUITS else scale


class PeopleTable:
    """Everyone simulated, a row each in the order they came, in columns: who they are (id,
    arrival, residence, bad actor), and what booked purchases change of them (their unlicensed
    platform, the satoshi held there, the platforms joined, their top-ups so far, whether they
    weighed the licensed option after a block). The day's booked top-ups read and update these
    columns at once (`UnlicensedBuyers._book`, `UnlicensedChannel.buy_many`).

    A person's `Person` is made when someone first asks for it (`person`): the quiet majority
    (`Arrivals.make`) come as rows only (`add_unlicensed`), and most are never asked for. One
    person reads and writes their own row through `Person.platform`, `offshore`, `topups` and
    `reconsidered`, so a `Person` made late finds what the days changed."""

    __slots__ = (
        "_before",
        "_others",
        "arrivals",
        "bad",
        "book",
        "ids",
        "offshore",
        "people",
        "picks",
        "platform",
        "reconsidered",
        "resident",
        "rows",
        "t_arrival",
        "topups",
    )

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "t_arrival", "resident", "bad", "platform", "offshore", "picks", "topups",
        "reconsidered",
    )  # fmt: skip
    """The columns, a value per row."""
    FILL: ClassVar[dict[str, int]] = {"platform": -1}
    """What a new row holds in a column, where not 0 (or False)."""

    def __init__(self, book: dict[int, int] | None = None) -> None:
        self.rows = 1024
        """Rows the columns hold."""
        self.book = book
        """The clients' book a `Person` made from a row keeps up to date (`Population.book`)."""
        self.people: list[Person | None] = []
        """By row: the person, None until asked for (`person`)."""
        self.arrivals = 0
        """Arrivals in the table: ids 0, 1, … in order (the arrival stream numbers people as
        they come, and they are made in that order), found by their id (`row_of`)."""
        self._others: dict[int, int] = {}
        """The row of everyone else by id (laundering members; people made apart in tests)."""
        self._before: list[int] = []
        """For each of the others in row order, the arrivals made before them."""
        self.ids: array[int] = array("q")
        """By row: the person's id (each new row appends its own: `pid` for them in an array)."""
        self.t_arrival = np.zeros(1024)
        self.resident = np.zeros(1024, bool)
        self.bad = np.zeros(1024, bool)
        """By row: the hour they came, resident, a bad actor: what a `Person` is made from, so
        written only for the rows added without one (`add_unlicensed`; a `Person` made on
        arrival holds its own)."""
        self.platform = np.full(1024, -1, np.int64)
        """By row: the unlicensed platform's id, -1 if none."""
        self.offshore = np.zeros(1024, np.int64)
        """By row: satoshi held at the platform."""
        self.picks = np.zeros(1024, np.int64)
        """By row: platforms joined so far (keys the draw of which one is next)."""
        self.topups = np.zeros(1024, np.int64)
        """By row: top-up occasions so far (the n of the keyed draws of the next one)."""
        self.reconsidered = np.zeros(1024, bool)
        """By row: weighed the licensed option after a bank blocked an unlicensed payment."""

    def double(self, needed: int = 0) -> None:
        """Twice the rows (or more, to hold `needed`): each new person takes the next row, and
        the table doubles when that is past the last it holds."""
        rows = self.rows
        self.rows = max(2 * rows, needed)
        for name in self.COLUMNS:
            old = getattr(self, name)
            grown = np.full(self.rows, self.FILL.get(name, 0), old.dtype)
            grown[:rows] = old
            setattr(self, name, grown)

    def add_unlicensed(
        self, pids: np.ndarray, times: np.ndarray, resident: np.ndarray, bad: np.ndarray
    ) -> int:
        """Rows for arrivals with consecutive ids who chose the unlicensed channel, their
        `Person` made only when asked for (`person`); the first one's row."""
        start, count = len(self.people), len(pids)
        end = start + count
        if end > self.rows:
            self.double(end)
        self.ids.frombytes(pids.astype(np.int64).tobytes())
        self.t_arrival[start:end] = times
        self.resident[start:end] = resident
        self.bad[start:end] = bad
        self.people += [None] * count
        if count and int(pids[0]) == self.arrivals:  # the next arrivals, as they come
            self.arrivals += count
        else:
            for row, pid in enumerate(pids.tolist(), start):
                self.added(pid, row)
        return start

    def row_of(self, pid: int) -> int:
        """The row of the person with this id (KeyError if none)."""
        row = self._others.get(pid)
        if row is not None:
            return row
        if not 0 <= pid < self.arrivals:
            raise KeyError(pid)
        return pid + bisect.bisect_right(self._before, pid)  # the others made before them

    def added(self, pid: int, row: int) -> None:
        """A person with this id, not the next arrival, took the next row, `row`."""
        self._others[pid] = row
        self._before.append(self.arrivals)

    def person(self, row: int) -> Person:
        """The person in the row, made now if nobody asked before (an arrival who chose the
        unlicensed channel: `add_unlicensed`)."""
        person = self.people[row]
        if person is None:
            person = Person(
                self.ids[row],
                self.t_arrival.item(row),
                self.resident.item(row),
                self.bad.item(row),
                -1,
                self.book,
                self,
                row,
            )
            person.channel = "unlicensed"  # `channel.UNLICENSED` (which imports this module)
        return person

    @property
    def pid(self) -> np.ndarray:
        """By row: the person's id, as an array (a view of `ids`, good until the next row)."""
        return np.frombuffer(self.ids, np.int64)

    def user_rows(self, platform: int) -> np.ndarray:
        """The rows of the people at the platform, by id."""
        rows = np.flatnonzero(self.platform[: len(self.people)] == platform)
        ordered: np.ndarray = rows[np.argsort(self.pid[rows], kind="stable")]
        return ordered

    def users(self, platform: int) -> list[Person]:
        """The people at the platform, by id."""
        return [self.person(row) for row in self.user_rows(platform).tolist()]


class People(Mapping[int, "Person"]):
    """Simulated people by id, in the order they came (arrivals and recruits): each `Person`
    made when first asked for (`PeopleTable.person`)."""

    def __init__(self, table: PeopleTable) -> None:
        self.table = table

    def __getitem__(self, pid: int) -> Person:
        return self.table.person(self.table.row_of(pid))

    def __iter__(self) -> Iterator[int]:
        return iter(self.table.ids)

    def __len__(self) -> int:
        return len(self.table.people)


class Person:
    """One simulated agent (standing for `scale_factor` real people) and where they are now."""

    __slots__ = (
        "_exchange",
        "_holdings",
        "alerts",
        "bad_actor",
        "book",
        "case",
        "channel",
        "exited",
        "id",
        "kyc_outcome",
        "month_key",
        "month_spent",
        "recent",
        "resident",
        "row",
        "t_arrival",
        "table",
        "year_spent",
    )

    def __init__(
        self,
        pid: int,
        t: float,
        resident: bool,
        bad_actor: bool,
        case: int,
        book: dict[int, int] | None,
        table: PeopleTable,
        row: int = -1,
    ) -> None:
        self.book = {} if book is None else book
        """Satoshi each exchange holds for its clients, by their own account (see `holdings`)."""
        self._exchange, self._holdings = -1, 0
        self.id = pid
        self.t_arrival = t
        self.resident = resident
        self.bad_actor = bad_actor
        self.case = case
        """Ground truth: the injected laundering case this person serves, -1 if none."""
        self.exited = False
        """The exchange ended the relationship (after a suspicious-transaction report)."""
        self.channel = ""
        self.kyc_outcome = ""
        self.table = table
        if row >= 0:  # made from its row (`PeopleTable.person`)
            table.people[row] = self
        else:  # a new row, made here: every eventful arrival passes here
            people = table.people
            row = len(people)
            people.append(self)
            if row == table.rows:
                table.double()
            table.ids.append(pid)
            if pid == table.arrivals:  # the next arrival (`PeopleTable.row_of`)
                table.arrivals += 1
            else:
                table.added(pid, row)
        self.row = row
        """The person's row in `table`."""
        self.month_key = -1
        self.alerts = 0
        """AML alerts raised on this person so far (the n of each alert's keyed draws)."""
        self.month_spent = 0.0
        self.year_spent = 0.0
        """Tenge bought on licensed exchanges in the last 12 months (the purchases in `recent`)."""
        self.recent: deque[tuple[float, float]] | None = None
        """(time, tenge) of the purchases still inside the rolling 12 months, oldest first."""

    @property
    def exchange(self) -> int:
        """The person's licensed exchange, -1 if none."""
        return self._exchange

    @exchange.setter
    def exchange(self, exchange: int) -> None:
        # The clients' book follows the person; the ledger must move the coins too (the custody
        # audit compares the two every simulated day: `Exchanges.custody_mismatch`).
        if self._holdings:
            if self._exchange >= 0:
                self.book[self._exchange] -= self._holdings
            if exchange >= 0:
                self.book[exchange] = self.book.get(exchange, 0) + self._holdings
        self._exchange = exchange

    @property
    def platform(self) -> int:
        """The person's unlicensed platform, -1 if none."""
        return self.table.platform.item(self.row)

    @platform.setter
    def platform(self, platform: int) -> None:
        self.table.platform[self.row] = platform

    @property
    def offshore(self) -> int:
        """Satoshi held at the person's unlicensed platform."""
        return self.table.offshore.item(self.row)

    @offshore.setter
    def offshore(self, sats: int) -> None:
        self.table.offshore[self.row] = sats

    @property
    def reconsidered(self) -> bool:
        """Weighed the licensed option after a bank blocked an unlicensed payment (once only)."""
        weighed: bool = self.table.reconsidered.item(self.row)
        return weighed

    @reconsidered.setter
    def reconsidered(self, weighed: bool) -> None:
        self.table.reconsidered[self.row] = weighed

    @property
    def topups(self) -> int:
        """Top-up occasions so far (the n of the keyed draws of the next one)."""
        return self.table.topups.item(self.row)

    @topups.setter
    def topups(self, count: int) -> None:
        self.table.topups[self.row] = count

    @property
    def holdings(self) -> int:
        """Satoshi held in custody at the person's licensed exchange."""
        return self._holdings

    @holdings.setter
    def holdings(self, sats: int) -> None:
        if self._exchange >= 0:
            self.book[self._exchange] = self.book.get(self._exchange, 0) + sats - self._holdings
        self._holdings = sats


class Population:
    """Draws people and their attributes from per-person random columns."""

    def __init__(self, world: World) -> None:
        self.world = world
        streams = world.streams
        self.start = world.scenario.run.start_date
        self._col = streams.per_person
        self._resident = streams.per_person("resident")
        self._bad = streams.per_person("bad_actor")
        self._active = streams.per_person("active")
        self._patience = streams.per_person("patience")
        self._recruited = 0
        self.book: dict[int, int] = {}
        """Satoshi each exchange holds for its clients, kept up to date by the people."""
        self.table = PeopleTable(self.book)
        """Everyone simulated, a row each."""
        self.people = People(self.table)
        """Simulated people by id, in the order they came (arrivals and recruits)."""
        self.configure()

    def configure(self) -> None:
        """Read (again) the population section, e.g. after a dated rule."""
        self.config = c = self.world.scenario.population
        self.income_median = c.income_median_month.kzt(self.world.scenario.market.usd_kzt)
        self.arrival_rate = c.arrivals_per_day / c.scale_factor / 24
        """Simulated people arriving per hour (`World` draws the gaps between them)."""

    def arrive(self, pid: int, t: float) -> Person:
        """Person `pid` of the arrival stream (the pid-th to arrive: it keys all their draws),
        made now: every eventful arrival passes here (the gate's every one)."""
        c = self.config
        person = Person(
            pid,
            t,
            not self._resident.chance(pid, c.nonresident_share),
            self._bad.chance(pid, c.bad_actor_share),
            -1,
            self.book,  # by position: a keyword makes every arrival's call slower
            self.table,
        )
        return person

    def enter_unlicensed(
        self, pids: np.ndarray, times: np.ndarray, resident: np.ndarray, bad: np.ndarray
    ) -> int:
        """Arrivals who chose the unlicensed channel, with their residence and bad-actor draws
        made (`kinds`): rows of the table, each `Person` made only when asked for; the first
        one's row."""
        return self.table.add_unlicensed(pids, times, resident, bad)

    def kinds(self, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(resident, bad actor) of many arrivals at once: `arrive`'s draws, in arrays."""
        c = self.config
        resident = ~(self._resident.uniforms(pids) < c.nonresident_share)
        return resident, self._bad.uniforms(pids) < c.bad_actor_share

    def terms(self, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(active hours, mean hours between top-ups, median tenge per top-up) of many people at
        once: `active_hours`, `topup_gap_mean` and `topup_median`, in arrays, bit for bit."""
        c, col = self.config, self._col
        per_month = col("frequency").lognormals(pids, c.topups_per_month, 0.6)
        income = col("income").lognormals(pids, self.income_median, c.income_sigma)
        share = col("size").lognormals(pids, c.topup_income_share, 0.5)
        active = self._active.exponentials(pids, c.active_period_mean)
        return active, HOURS_PER_MONTH / per_month, income * share

    def recruit(self, t: float, case: int) -> Person:
        """A bad actor who serves an injected laundering case (numbered apart from arrivals, so
        a reform that recruits more or fewer leaves every arrival's number and draws alone).
        The arrivals before them are made first: people stay in the order they came."""
        self.world.arrivals.make(t)
        person = Person(RECRUITS + self._recruited, t, True, True, case, self.book, self.table)
        self._recruited += 1
        return person

    # --- attributes, computed on demand -----------------------------------------------------

    def female(self, pid: int) -> bool:
        return self._col("sex").chance(pid, 0.5)

    def birth_date(self, pid: int) -> dt.date:
        age_days = int((18 + 47 * self._col("age")[pid]) * 365.25)
        return self.start - dt.timedelta(days=age_days)

    def iin(self, pid: int) -> str:
        """The person's identity number — a Kazakh IIN, or a Turkmen passport number under the
        tk_TM locale —; fabricated (invalid) for some bad actors."""
        rng = random.Random(int(self._col("iin")[pid] * 2**53))
        if self.config.locale == "tk_TM":
            number = make_tm_passport(rng)
            fake = self.fabricated_iin(self.people[pid])
            return corrupt_tm_passport(number, rng) if fake else number
        iin = make_iin(self.birth_date(pid), self.female(pid), rng)
        return corrupt_iin(iin, rng) if self.fabricated_iin(self.people[pid]) else iin

    def fabricated_iin(self, person: Person) -> bool:
        """Whether the person's identity number is fabricated (some bad actors')."""
        return person.bad_actor and self._col("iin_fake").chance(
            person.id, self.config.bad_actor_invalid_iin_share
        )

    def name(self, pid: int) -> str:
        seed = int(self._col("name")[pid] * 2**53)
        locale = self.config.locale if self.people[pid].resident else "ru_RU"
        return person_name(seed, self.female(pid), locale)

    def income_month(self, pid: int) -> float:
        return self._col("income").lognormal(pid, self.income_median, self.config.income_sigma)

    def wealth(self, pid: int) -> float:
        years = self._col("wealth").lognormal(pid, self.config.wealth_income_years, 1.0)
        return self.income_month(pid) * 12 * years

    def document_quality(self, person: Person) -> float:
        """Chance that one of the person's automated document/biometric attempts passes."""
        c = self.config
        mean = c.bad_actor_document_quality if person.bad_actor else c.document_quality_mean
        return max(0.02, 1.0 - (1.0 - mean) * -math.log(self._col("documents")[person.id]))

    def proves_income(self, pid: int) -> bool:
        return self._col("proof").chance(pid, self.config.proof_of_income_share)

    def topup_gap_mean(self, pid: int) -> float:
        """Mean hours between top-ups."""
        per_month = self._col("frequency").lognormal(pid, self.config.topups_per_month, 0.6)
        return HOURS_PER_MONTH / per_month

    def topup_median(self, pid: int) -> float:
        """Median tenge per top-up."""
        share = self._col("size").lognormal(pid, self.config.topup_income_share, 0.5)
        return self.income_month(pid) * share

    def active_hours(self, pid: int) -> float:
        return self._active.exponential(pid, self.config.active_period_mean)

    def sells(self, pid: int) -> bool:
        return self._col("sells").chance(pid, self.config.sell_share)

    def sellers(self, pids: np.ndarray) -> np.ndarray:
        """`sells` of many people at once, bit for bit (a uniform lies inside (0, 1), so
        `u < share` is `chance` for any share)."""
        return self._col("sells").uniforms(pids) < self.config.sell_share

    def self_custodies(self, pid: int) -> bool:
        return self._col("self_custody").chance(pid, self.config.self_custody_share)

    def hold_hours(self, pid: int) -> float:
        return self._col("hold").lognormal(pid, self.config.hold_time_median, 0.8)

    def holds_hours(self, pids: np.ndarray) -> np.ndarray:
        """`hold_hours` of many people at once, bit for bit."""
        return self._col("hold").lognormals(pids, self.config.hold_time_median, 0.8)

    def patience(self, pid: int) -> float:
        return self._patience.exponential(pid, self.config.patience_mean)
