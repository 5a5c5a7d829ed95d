"""The process that owns the dashboard's Simulation: it advances in day slices and sends snapshots.

It runs apart from the UI so that the model's CPU time and garbage collections never hold up a
key press. The UI sends it commands through a pipe (pause, resume, step, speed, stop, questions);
it checks for them between simulated days, so each takes effect within one day. A snapshot carries
only the timeseries rows and the event records added since the one before (the UI keeps the rest,
`RecentEvents`): the UI unpickles what it is sent holding its interpreter, which took 11 ms for a
thousand days' rows, five times a second, and the event log's records, each sent again in every
snapshot, were three times as many objects as the new ones. This module does not import Textual:
it is preloaded by the fork server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from itertools import chain, islice
from multiprocessing.connection import Connection
from typing import Any

from sim import RunResult, Scenario, Simulation
from sim.engine import Stalled, watchdog, watchdog_seconds
from sim.people import PersonRow, people_rows, timeline

SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("1 day/s", 1.0),
    ("5 days/s", 5.0),
    ("20 days/s", 20.0),
    ("max", None),
)
"""Simulated days per wall-clock second; None runs as fast as the machine allows."""

RECENT_PER_KIND = 150
"""How many of the latest records of each kind the event log may show."""


class RecentEvents:
    """The latest `RECENT_PER_KIND` records of each kind (kept by the run, and by the UI as
    snapshots bring the new ones)."""

    def __init__(self) -> None:
        self.kinds: dict[str, deque[Any]] = {}
        """Kind -> its latest records; kinds in the order they first occurred."""
        self.added: Counter[str] = Counter()
        """Records of each kind added since `take_new`."""

    def add(self, records: Iterable[Any]) -> None:
        for record in records:
            kind = type(record).__name__
            self.kinds.setdefault(kind, deque(maxlen=RECENT_PER_KIND)).append(record)
            self.added[kind] += 1

    def take_new(self) -> tuple[Any, ...]:
        """The records added since the last call that are still kept, kind by kind (in the order
        of `kinds`, so that `add`ing them elsewhere keeps the kinds in the same order)."""
        new = chain.from_iterable(
            islice(kept, max(0, len(kept) - self.added[kind]), None)
            for kind, kept in self.kinds.items()
            if self.added[kind]
        )
        taken = tuple(new)
        self.added.clear()
        return taken

    def records(self) -> tuple[Any, ...]:
        """All kept, in time order (records of one time: by kind, in the order of `kinds`)."""
        return tuple(sorted(chain.from_iterable(self.kinds.values()), key=lambda r: r.t))


def matches(row: PersonRow, words: list[str]) -> bool:
    """Every word appears in the person's #id, name, IIN, residency, channel or outcome."""
    resident = "resident" if row.resident else "non-resident"
    bad = "bad actor" if row.bad_actor else ""
    text = f"#{row.id} {row.name} {row.iin} {resident} {row.channel} {row.outcome} {bad}".lower()
    return all(word in text for word in words)


def find_people(
    sim: Simulation, start: int, count: int, words: list[str]
) -> tuple[int, list[PersonRow]]:
    """(people so far, a page of them) or, with search words, the first `count` who match."""
    total = len(sim.world.population.people)
    if not words:
        return total, people_rows(sim, start, count)
    found: list[PersonRow] = []
    for first in range(0, total, 2000):
        found += [r for r in people_rows(sim, first, 2000) if matches(r, words)]
        if len(found) >= count:
            break
    return total, found[:count]


def run_result(sim: Simulation, wall: float) -> RunResult:
    """The run so far as `sandbox run` would report it; a run short of its end is `failed`."""
    if sim.done:
        replication = sim.result(wall_seconds=wall)
    else:
        error = f"stopped by the user on day {sim.day} of {sim.days}"
        replication = sim.result("failed", error, wall)
    return RunResult(sim.scenario, [replication], wall)


class Server:
    """The state of one run, driven by commands from the pipe."""

    def __init__(self, conn: Connection, scenario: Scenario, paused: bool, speed: int) -> None:
        self.conn = conn
        self.scenario = scenario
        self.paused, self.speed, self.steps = paused, speed, 0
        self.stopped = self.quit = False
        self.sim: Simulation | None = None
        self.recent = RecentEvents()
        self.seen = 0
        self.rows_sent = 0
        """Timeseries rows already sent in snapshots."""
        self.started = time.perf_counter()
        self.wall = 0.0

    def status(self) -> str:
        sim = self.sim
        if sim is not None and sim.done:
            return "finished"
        if self.stopped:
            return "stopped"
        return "paused" if self.paused else "running"  # a step's days too: it stays paused

    def send_state(self, error: str | None = None) -> None:
        self.conn.send(("state", "failed" if error else self.status(), error))

    def send_snapshot(self) -> None:
        assert self.sim is not None
        new = self.recent.take_new()
        snapshot = self.sim.snapshot()
        new_rows = snapshot.rows[self.rows_sent :]
        self.rows_sent = len(snapshot.rows)
        snapshot = dataclasses.replace(snapshot, rows=new_rows)
        self.conn.send(("snapshot", self.status(), snapshot, new, self.wall))

    def handle(self, command: tuple[Any, ...]) -> None:
        kind = command[0]
        if kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "step":
            self.paused, self.steps = True, self.steps + int(command[1])
        elif kind == "speed":
            self.speed = int(command[1])
        elif kind == "stop":
            self.stopped = True
        elif kind == "quit":
            self.quit = True
        elif kind == "query":
            self.answer(command[1], command[2], command[3:])
        elif kind == "shock" and self.sim is not None and not self.sim.done:
            self.sim.fire_shock(command[1], command[2])
        if kind in {"pause", "stop"} and self.sim is not None:
            self.send_snapshot()  # show the day it actually stopped on
        if kind in {"pause", "resume", "step", "stop"} and self.sim is not None:
            self.send_state()

    def answer(self, ask: int, question: str, args: tuple[Any, ...]) -> None:
        try:
            if self.sim is None:
                value: Any = None
            elif question == "people":
                value = find_people(self.sim, *args)
            elif question == "timeline":
                value = timeline(self.sim, *args)
            elif question == "result":
                value = run_result(self.sim, self.wall)
            else:
                raise ValueError(f"unknown question {question!r}")
            self.conn.send(("reply", ask, value, None))
        except Exception as error:  # the asker gets the error, the run goes on
            self.conn.send(("reply", ask, None, f"{type(error).__name__}: {error}"))

    def serve(self) -> None:
        try:
            self.sim = Simulation(self.scenario, keep_records=True)
        except Exception as error:
            self.send_state(f"{type(error).__name__}: {error}")
            self.listen_until_quit()
            return
        self.send_snapshot()
        self.send_state()
        limit = watchdog_seconds()
        try:
            with watchdog(limit) as tick:
                self.loop(tick)
        except Stalled:  # a day that never ends fails the run with a reason, not a hang
            self.send_state(self.sim.stalled_reason(limit))
        self.listen_until_quit()  # after a failure, questions are still answered

    def loop(self, tick: Callable[[], None]) -> None:
        """Advance day by day as the commands say, until told to quit; `tick` tells the
        watchdog the loop is alive (it comes round at least every 0.2 s unless a day is stuck)."""
        assert self.sim is not None
        last_post, due = 0.0, time.perf_counter()
        sim = self.sim
        while not self.quit:
            tick()
            active = not sim.done and not self.stopped and (not self.paused or self.steps)
            rate = SPEEDS[self.speed][1]
            wait = 0.0 if active else 0.2
            if active and rate is not None and not self.steps:
                wait = max(0.0, due - time.perf_counter())
            if self.conn.poll(wait):
                self.handle(self.conn.recv())
                if not active:  # no days are owed for the time it stood still: a resumed run
                    due = time.perf_counter()  # goes on at its speed from its first day
                continue
            if not active:
                continue
            due = max(due, time.perf_counter() - 1.0) + (1.0 / rate if rate else 0.0)
            stepped = self.steps > 0
            try:
                sim.advance(1)
            except Stalled:
                raise
            except Exception as error:
                self.send_state(f"{type(error).__name__}: {error} (on day {sim.day + 1})")
                return
            gc.freeze()  # the records are long-lived: keep full collections short
            self.collect_recent()
            self.steps -= stepped
            now = time.perf_counter()
            self.wall = now - self.started
            if stepped or sim.done or now - last_post >= REFRESH:
                last_post = now
                self.send_snapshot()
                if sim.done or (stepped and not self.steps):
                    self.send_state()

    def collect_recent(self) -> None:
        assert self.sim is not None and self.sim.recorder is not None
        records = self.sim.recorder.records
        self.recent.add(records[self.seen :])
        self.seen = len(records)

    def listen_until_quit(self) -> None:
        while not self.quit:
            self.handle(self.conn.recv())


REFRESH = 0.2
"""Seconds between snapshots while running (the UI keeps only the newest it has not shown)."""

NICENESS = 5
"""How much lower than the app's this process's CPU priority is: the run is background work (keys
come first), but its days are what the dashboard shows (a comparison's workers go lower)."""


def serve(conn: Connection, scenario: Scenario, paused: bool, speed: int) -> None:
    """The child process's body: run until told to quit (or the pipe closes)."""
    with contextlib.suppress(OSError, AttributeError):  # background work: the UI comes first
        os.nice(NICENESS)
    with contextlib.suppress(EOFError, BrokenPipeError, KeyboardInterrupt):
        Server(conn, scenario, paused, speed).serve()
