"""Baseline-vs-what-if comparisons in a worker thread: `sim.compare`, stoppable part-way.

Small worlds run their replications in this process one after another (no start-up cost); larger
ones in a pool of processes started by a fork server (safe beside Textual's threads), at a lower CPU
priority than the app (`NICENESS`): they keep every core busy, and a key pressed meanwhile must
still be answered at once.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from textual.worker import Worker, get_current_worker

from sim import Comparison, Scenario, compare
from sim.engine import Cancelled
from sim.experiment import run_ahead
from sim.remembered import Remembered
from sim.workshop import RunSlots
from tui.messages import BaselineAhead, ComparisonFinished, ComparisonProgressed
from tui.runner import process_context

NICENESS = 10
"""How much lower than the app's the CPU priority of a comparison's worker processes is. They take
every core, and a key must still show within 50 ms: at the app's own priority it took up to twice
that (README, "Benchmarks"). Lower is faster for the keys (19 was fastest), but 19 would leave a
comparison about 1.5% of a core beside any other busy process; 10 leaves it about a tenth."""

AHEAD_NICENESS = 19
"""The baseline's run-ahead takes only what nothing else wants: beside a busy process of the app's
priority it gets about 1.5% of a core, so a run or a key never waits for it."""

SMALL_WORLD = 5_000
"""Agents per replication below which replications run in this process, one after another."""


def worked_out(comparison: Comparison) -> Comparison:
    """The comparison with its KPIs' changes computed (a cached property), in the worker thread:
    20-25 ms for 8 pairs, which the Compare screen took from the UI thread when it showed them."""
    _ = comparison.changes
    return comparison


def pool_size(scenarios: list[Scenario], jobs: int, requested: int | None) -> int:
    """Processes for `jobs` replications of these scenarios: `requested` if given; else this
    process alone for small worlds (no start-up cost), one a job up to the cores for the rest."""
    if requested is not None:
        return requested
    if sum(agents(s) for s in scenarios) < len(scenarios) * SMALL_WORLD:
        return 1
    return min(jobs, os.cpu_count() or 1)


def agents(scenario: Scenario) -> float:
    """Roughly how many agents one replication simulates."""
    population = scenario.population
    return scenario.run.days * population.arrivals_per_day / population.scale_factor


class Job:
    """A thread worker's body (`run`) for the app, numbered `job_id` in the messages it posts;
    `stop` (from any thread) ends it early."""

    def __init__(self, app: Any, job_id: int) -> None:
        self._app = app
        self.job_id = job_id
        self._stop = threading.Event()
        self._worker: Worker[None] | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        """Stopped by the user, or the app is closing (its workers are cancelled)."""
        return self._stop.is_set() or (self._worker is not None and self._worker.is_cancelled)


class ComparisonJob(Job):
    """One comparison: `run` is a thread worker's body; `stop` may be called from any thread."""

    def __init__(
        self,
        app: Any,
        job_id: int,
        baseline: Scenario,
        reform: Scenario,
        replications: int,
        workers: int | None = None,
        slots: RunSlots | None = None,
        remembered: Remembered | None = None,
    ) -> None:
        super().__init__(app, job_id)
        self.slots = slots
        self.baseline = baseline
        self.reform = reform
        self.replications = replications
        self.workers = workers
        self.remembered = remembered
        """The session's finished replications: those asked for again are not run again."""
        self.started = time.perf_counter()
        self.partial: Comparison | None = None
        """The pairs of replications finished so far (set from the worker thread)."""
        self.fraction = 0.0

    def _progress(self, fraction: float, note: str) -> None:
        self.fraction = min(1.0, fraction)
        self._app.post_message(ComparisonProgressed(self.job_id, self.fraction, note))

    def _pairs(self, partial: Comparison) -> None:
        self.partial = worked_out(partial)
        done = len(partial.baseline.replications)
        self._progress(self.fraction, f"{done}/{self.replications} pairs of replications done")

    def eta(self) -> float | None:
        """Seconds left, from the simulated days done so far (None until there is a rate)."""
        elapsed = time.perf_counter() - self.started
        if self.fraction < 0.02 or elapsed < 1:
            return None
        return elapsed * (1 - self.fraction) / self.fraction

    def run(self) -> None:
        self._worker = get_current_worker()
        slot = None
        if self.slots is not None:
            slot = self.slots.acquire(
                waiting=lambda busy: self._progress(0.0, f"queued: {busy} runs in the room"),
                cancelled=lambda: self.stopped,
            )
            if slot is None:
                self._finish(None, None, stopped=True)
                return
        try:
            self._compare()
        finally:
            if slot is not None:
                slot.release()

    def _compare(self) -> None:
        sides = [self.baseline, self.reform]
        workers = pool_size(sides, 2 * self.replications, self.workers)
        try:
            comparison = compare(
                self.baseline,
                self.reform,
                self.replications,
                workers,
                progress=self._progress,
                should_stop=lambda: self.stopped,
                mp_context=process_context(),
                on_pairs=self._pairs,
                niceness=NICENESS,
                remembered=self.remembered,
            )
        except Cancelled:
            self._finish(None, None, stopped=True)
            return
        except Exception as error:  # report any failure; the app keeps running
            self._finish(None, f"{type(error).__name__}: {error}")
            return
        failed = [
            r
            for result in (comparison.baseline, comparison.reform)
            for r in result.replications
            if r.status != "ok"
        ]
        problem = (
            f"replication {failed[0].replication} failed: {failed[0].error}" if failed else None
        )
        self._finish(worked_out(comparison), problem)

    def _finish(
        self, comparison: Comparison | None, error: str | None, stopped: bool = False
    ) -> None:
        self._app.post_message(ComparisonFinished(self.job_id, comparison, error, stopped))


class RunAheadJob(Job):
    """The baseline's replications, run while the user edits a what-if (`sim.experiment.run_ahead`):
    the first comparison then runs only the what-if's side. A thread worker's body, like
    `ComparisonJob`; `stop` (from any thread) ends it within 0.2 s, its finished replications kept.
    """

    def __init__(
        self,
        app: Any,
        job_id: int,
        baseline: Scenario,
        replications: int,
        remembered: Remembered,
        workers: int | None = None,
    ) -> None:
        super().__init__(app, job_id)
        self.baseline = baseline
        self.replications = replications
        self.remembered = remembered
        self.workers = workers

    def run(self) -> None:
        self._worker = get_current_worker()
        workers = pool_size([self.baseline], self.replications, self.workers)
        ready, error = 0, None

        def progressed(count: int) -> None:
            nonlocal ready
            ready = count
            self._app.post_message(BaselineAhead(self.job_id, count, running=True))

        try:
            run_ahead(
                self.baseline,
                self.replications,
                self.remembered,
                workers,
                should_stop=lambda: self.stopped,
                mp_context=process_context(),
                niceness=AHEAD_NICENESS,
                on_result=progressed,
            )
        except Cancelled:
            pass
        except Exception as failed:  # only a head start: the comparison runs what is missing
            error = f"{type(failed).__name__}: {failed}"
        self._app.post_message(BaselineAhead(self.job_id, ready, running=False, error=error))
