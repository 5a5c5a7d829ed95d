"""The engine: one replication of a scenario, advanced in day slices; an envelope even on failure.

`Simulation` is what the TUI drives (advance a day, take an immutable snapshot, repeat) and what the
CLI runs to the end; both see the same numbers for the same scenario and seed.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sim.components.team import pooling_note
from sim.observe import Recorder, Tally
from sim.records import SUMS, Record
from sim.rng import Streams
from sim.scenario import Scenario
from sim.shocks import fire, live_shock
from sim.summary import ScorecardRow, compute_kpis, queue_diagnostics, scorecard, totals
from sim.world import World

Row = dict[str, Any]
_time = itemgetter(0)
"""A record's time (every record starts with `t`)."""

WATCHDOG_ENV = "SANDBOX_WATCHDOG_S"
"""Setting: wall-clock seconds one simulated day may take before the run fails (default 300)."""


class Stalled(Exception):
    """A simulated day did not finish within the watchdog's time: the run fails with this reason."""


def watchdog_seconds() -> float:
    try:
        return float(os.environ.get(WATCHDOG_ENV, "300"))
    except ValueError:
        return 300.0


@contextmanager
def watchdog(limit: float) -> Iterator[Callable[[], None]]:
    """Watch the calling thread: if it does not call the yielded `tick()` for `limit` seconds,
    raise `Stalled` in it (an asynchronous exception, so the simulation loop pays nothing)."""
    target, last, done = threading.get_ident(), [time.monotonic()], threading.Event()

    def watch() -> None:
        while not done.wait(min(1.0, limit / 4)):
            if time.monotonic() - last[0] > limit:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(Stalled)
                )
                return

    thread = threading.Thread(target=watch, name="watchdog", daemon=True)
    thread.start()
    try:
        yield lambda: last.__setitem__(0, time.monotonic())
    finally:
        done.set()
        thread.join()


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Python's cycle collector waits while a day is simulated. Run every few hundred
    allocations, it walked the whole world (every person and pending event) thousands of times a
    simulated year: a fifth of a baseline year's CPU. The model makes few reference cycles (a
    finished SimPy process); they are collected between days, as the allocations resume. With
    `freeze` (a run, `collector_for_run`), what the day left alive is set aside (`gc.freeze`)
    so later collections skip it (measured: a run is a few percent faster so than with the
    collector simply off throughout)."""
    global _made
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            _made += gc.get_count()[0]  # the day's new objects (a freeze counts from 0 again)
            gc.freeze()
        if enabled:
            gc.enable()


COLLECT_AFTER_OBJECTS = 20_000
"""How many objects the runs in a process may have made since its last collection (or a quarter
of what it held then, if more) before the next run starts with one (`collector_for_run`). By
this count (what each day leaves, summed) a baseline year makes about 65,000, a ten-day run at
scale 500 about 1,200."""

_made = 0
"""Objects the runs in this process made since its last collection (their worlds), about."""
_held = 0
"""Objects this process held after its last collection."""


@contextmanager
def collector_for_run() -> Iterator[None]:
    """A run (`Simulation.run`) freezes what each day leaves alive (`collector_paused`) and
    unfreezes it all at its end, so that its world can be collected once dropped. A world is
    full of reference cycles, which only a full collection frees, and the next run's first day
    would freeze a dead world again, for good: a run starts with a full collection when the runs
    before it in this process have made enough (`COLLECT_AFTER_OBJECTS`). A collection walks
    everything the process holds (about 35 ms with 86,000 objects), so a worker collects after
    each baseline year or national one, and every dozen or so tiny ones. (Without it, a worker
    running one replication after another grew by a world each, about 30 MiB a baseline year;
    a 200-cell sweep of tiny ones peaked at 557 MiB, 4x the 10 cells'.)"""
    global _made, _held
    if _made >= max(COLLECT_AFTER_OBJECTS, _held // 4):
        gc.collect()
        _made, _held = 0, len(gc.get_objects())
    try:
        yield
    finally:
        gc.unfreeze()  # the world can be collected again once dropped


class Cancelled(Exception):
    """The user stopped a run or an experiment; not a failure of the model.

    `finished` holds the replications already done, plus an "interrupted" envelope for each that
    was stopped part-way (its timeseries up to the day reached, no KPIs)."""

    def __init__(self, finished: list[ReplicationResult] | None = None) -> None:
        super().__init__("interrupted")
        self.finished = list(finished or [])


@dataclass(frozen=True)
class Snapshot:
    """What the world looks like at the end of a simulated day; safe to hand to another thread."""

    day: int
    days: int
    date: dt.date
    kpis: dict[str, float]
    rows: tuple[Row, ...]
    queue_length: int
    funnel: dict[str, float]


@dataclass(frozen=True)
class ReplicationResult:
    """The envelope of one replication: always made, even when the run failed part-way."""

    replication: int
    seed: int
    status: str
    """`ok` or `failed`."""
    error: str | None
    day_reached: int
    wall_seconds: float
    kpis: dict[str, float]
    diagnostics: dict[str, float]
    rows: list[Row]
    scorecard: list[ScorecardRow] = field(default_factory=list)
    records: list[Record] | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)
    """What the scenario asked for that could not happen in this replication."""


class Simulation:
    """One replication, advanced a day at a time."""

    def __init__(
        self,
        scenario: Scenario,
        replication: int = 0,
        keep_records: bool = False,
        trace_postings: bool = False,
        batched: bool = True,
    ) -> None:
        self.scenario = scenario
        self.replication = replication
        self.seed = scenario.run.seed
        self.tally = Tally(scenario.population.scale_factor)
        self.recorder = Recorder() if keep_records else None
        self._buffer: list[Record] = []
        self._detail: list[Record] = []
        """Records for the Recorder only: the booked top-ups and the quiet arrivals one by one
        (the tally has their sums, `SUMS`, the same with or without records kept)."""
        self.world = World(
            scenario,
            Streams(self.seed, replication),
            self._buffer.append,
            trace_postings,
            batched,
            self._detail.append if keep_records else None,
        )
        self.day = 0
        self.rows: list[Row] = []
        self._previous: dict[str, float] = {}

    @property
    def days(self) -> int:
        return self.scenario.run.days

    @property
    def done(self) -> bool:
        return self.day >= self.days

    def advance(self, days: int = 1, freeze: bool = False) -> None:
        """Simulate up to `days` more days (never past the end); `freeze`: see
        `collector_paused`."""
        for _ in range(min(days, self.days - self.day)):
            with collector_paused(freeze):
                self.world.env.run(until=(self.day + 1) * 24.0)
                self.world.settle()
            self.day += 1
            self._deliver()
            self.rows.append(self._row())

    def fire_shock(self, kind: str, note: str = "", exchange: int = 0) -> None:
        """A named shock takes effect now, on the current day (fired live by a facilitator).

        It joins the run's scenario (`self.scenario.shocks`), so the run's resolved scenario
        holds it and running that file again gives the same numbers."""
        date = self.world.calendar.date(self.world.env.now)
        shock = live_shock(kind, date, exchange, note)
        fire(self.world, shock)
        shocks = (*self.scenario.shocks, shock)
        self.scenario = self.scenario.model_copy(update={"shocks": shocks})

    def pending_records(self) -> list[Record]:
        """Records emitted since the last slice, not yet delivered to the Recorder."""
        return self._recorded()

    def _recorded(self) -> list[Record]:
        """What the Recorder gets: every record but the booked days' sums, the booked top-ups
        one by one instead, in time order."""
        records = [r for r in self._buffer if type(r) not in SUMS] + self._detail
        records.sort(key=_time)
        return records

    def _deliver(self) -> None:
        """Hand the records emitted since the last slice to the observers, in time order (the
        unlicensed top-ups are booked in batches, after some of what followed them)."""
        if self._buffer or self._detail:
            self._buffer.sort(key=_time)
            self.tally.observe(self._buffer)
            if self.recorder is not None:
                self.recorder.observe(self._recorded())
            self._buffer.clear()
            self._detail.clear()

    def run(self, on_day: Callable[[int], None] | None = None) -> None:
        """Simulate to the end; a day that takes longer than `watchdog_seconds()` fails the run
        with `Stalled` and the day it stuck on. The cycle collector waits while a day runs
        (`collector_for_run`)."""
        limit = watchdog_seconds()
        try:
            with collector_for_run(), watchdog(limit) as tick:
                while not self.done:
                    self.advance(1, freeze=True)
                    tick()
                    if on_day is not None:
                        on_day(self.day)
        except Stalled:
            raise Stalled(self.stalled_reason(limit)) from None

    def stalled_reason(self, limit: float) -> str:
        """Why the run failed when the watchdog found its current day stuck."""
        return (
            f"simulated day {self.day + 1} did not finish within {limit:g} s of wall-clock "
            f"time (simulated time at hour {self.world.env.now:.2f}); {WATCHDOG_ENV} sets "
            f"the limit"
        )

    def kpis(self) -> dict[str, float]:
        return compute_kpis(self.tally, self.world)

    def snapshot(self) -> Snapshot:
        t, k = self.tally, self.scenario.population.scale_factor
        funnel = {  # real people
            "arrived": k * t.arrivals + t.identities,
            "chose_licensed": k * t.channels["licensed"] + t.identities,
            "redirected": t.redirected,  # so "applied" can be more than chose licensed
            "applied": t.applicants,
            "passed": t.kyc["passed"],
            "rejected": t.kyc["rejected"],
            "abandoned": t.kyc["abandoned"],
            "went_unlicensed": k * (t.channels["unlicensed"] + t.channels["fallback"]),
        }
        return Snapshot(
            self.day,
            self.days,
            self.world.calendar.date(self.day * 24.0),
            self.kpis(),
            tuple(self.rows),
            self.world.kyc.queue_length,
            funnel,
        )

    def _row(self) -> Row:
        """One timeseries row: the day's flows (scaled to real people) and end-of-day levels."""
        t, world = self.tally, self.world
        k = self.scenario.population.scale_factor
        running = totals(t, world)
        cumulative = {"arrivals": k * t.arrivals + t.identities, **running}
        flows = {name: v - self._previous.get(name, 0.0) for name, v in cumulative.items()}
        self._previous = cumulative
        exchanges = world.exchanges.active
        return {
            "replication": self.replication,
            "day": self.day,
            "date": world.calendar.date((self.day - 1) * 24.0).isoformat(),
            "btc_usd": round(world.market.btc_usd[self.day - 1], 2),
            **flows,
            "capital_outflow_cum_kzt": running["capital_outflow_kzt"],
            "kyc_queue_length": world.kyc.queue_length,
            "kyc_expected_wait_h": round(world.kyc.expected_wait_h, 3),
            "licensed_exchanges": len(exchanges),
            "exchanges_with_bank": sum(world.banks.has_fiat(e) for e in exchanges),
            "unlicensed_platforms": len(world.unlicensed.active),
            "merchant_uptake": round(t.merchant_uptake, 4),
            "grey_mw": self.world.scenario.miners.grey_mw,
        }

    def result(
        self, status: str = "ok", error: str | None = None, wall_seconds: float = 0.0
    ) -> ReplicationResult:
        self._deliver()
        kpis = self.kpis()
        pooling = pooling_note(
            "KYC manual review", self.world.kyc.team, kpis["kyc_reviewer_utilisation"]
        )
        return ReplicationResult(
            self.replication,
            self.seed,
            status,
            error,
            self.day,
            wall_seconds,
            kpis,
            queue_diagnostics(self.tally, self.world),
            list(self.rows),
            scorecard(self.tally, self.world),
            self.recorder.records if self.recorder else None,
            [*self.world.warnings, *([pooling] if pooling else [])],
        )


def run_replication(
    scenario: Scenario,
    replication: int = 0,
    keep_records: bool = False,
    on_day: Callable[[int], None] | None = None,
) -> ReplicationResult:
    """Run one replication to the end; a failure still returns an envelope with what was reached."""
    started = time.perf_counter()
    simulation: Simulation | None = None
    try:
        simulation = Simulation(scenario, replication, keep_records, trace_postings=keep_records)
        simulation.run(on_day)
        return simulation.result(wall_seconds=time.perf_counter() - started)
    except Cancelled:
        day = simulation.day if simulation is not None else 0
        rows = list(simulation.rows) if simulation is not None else []
        wall = time.perf_counter() - started
        error = f"interrupted on day {day} of {scenario.run.days}"
        envelope = ReplicationResult(
            replication, scenario.run.seed, "failed", error, day, wall, {}, {}, rows
        )
        raise Cancelled([envelope]) from None
    except Exception as exc:  # the envelope reports any failure of the model
        error = f"{type(exc).__name__}: {exc}"
        wall = time.perf_counter() - started
        if simulation is None:
            return ReplicationResult(
                replication, scenario.run.seed, "failed", error, 0, wall, {}, {}, []
            )
        where = f"{error} (on day {simulation.day})"
        try:
            return simulation.result("failed", where, wall)
        except Exception:  # the model is too broken to summarise: report what we know
            detail = traceback.format_exc(limit=1).strip().splitlines()[-1]
            return ReplicationResult(
                replication,
                scenario.run.seed,
                "failed",
                f"{where}; {detail}",
                simulation.day,
                wall,
                {},
                {},
                list(simulation.rows),
            )
