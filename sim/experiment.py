"""Experiments: replications in parallel, 95% intervals, and paired baseline-vs-reform comparisons.

Replication k of a scenario draws every stream from (seed, k), so replication k of a baseline and
of a reform share their random numbers (common random numbers): the difference between them is
mostly the policy, not the noise, and its interval is much narrower than the two intervals apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from multiprocessing.context import BaseContext

from sim.engine import Cancelled, ReplicationResult, run_replication
from sim.scenario import Scenario
from sim.summary import Estimate, estimate, estimates

Progress = Callable[[float, str], None]
"""Called with the fraction done (0-1) and a short message."""
ShouldStop = Callable[[], bool]
"""Asked between simulated days and while waiting for workers; True stops the experiment."""


def package_version() -> str:
    try:
        return version("exchange-sandbox")
    except PackageNotFoundError:
        return "0+unknown"


def config_hash(scenario: Scenario) -> str:
    """A short fingerprint of the full effective scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunResult:
    """Replications of one scenario and their KPI estimates."""

    scenario: Scenario
    replications: list[ReplicationResult]
    wall_seconds: float

    @property
    def status(self) -> str:
        return "ok" if all(r.status == "ok" for r in self.replications) else "failed"

    @property
    def error(self) -> str | None:
        errors = [f"replication {r.replication}: {r.error}" for r in self.replications if r.error]
        return "; ".join(errors) or None

    @property
    def kpis(self) -> dict[str, Estimate]:
        done = [r.kpis for r in self.replications if r.kpis]
        return estimates(done)


def _workers(requested: int | None, jobs: int) -> int:
    return max(1, min(jobs, requested if requested else os.cpu_count() or 1))


def run_many(
    scenarios: Sequence[tuple[Scenario, int]],
    workers: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    mp_context: BaseContext | None = None,
) -> list[ReplicationResult]:
    """Run (scenario, replication) jobs, in parallel processes when there are several.

    Raises `Cancelled` as soon as `should_stop()` says so (workers are terminated).
    """
    jobs = list(scenarios)
    stop = should_stop or (lambda: False)
    n = _workers(workers, len(jobs))
    if n == 1 or len(jobs) == 1:
        results = []
        for i, (scenario, rep) in enumerate(jobs):

            def on_day(day: int, i: int = i, days: int = scenario.run.days) -> None:
                if stop():
                    raise Cancelled
                if progress is not None:
                    progress((i + day / days) / len(jobs), f"replication {i + 1}/{len(jobs)}")

            results.append(run_replication(scenario, rep, on_day=on_day))
        return results
    out: list[ReplicationResult | None] = [None] * len(jobs)
    pool = ProcessPoolExecutor(max_workers=n, mp_context=mp_context)
    try:
        pending: dict[Future[ReplicationResult], int] = {
            pool.submit(run_replication, s, rep): i for i, (s, rep) in enumerate(jobs)
        }
        while pending:
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if stop():
                raise Cancelled
            for future in finished:
                out[pending.pop(future)] = future.result()
                if progress is not None:
                    done = len(jobs) - len(pending)
                    progress(done / len(jobs), f"{done}/{len(jobs)} replications done")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if stop():
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
    return [r for r in out if r is not None]


def run(
    scenario: Scenario,
    replications: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    keep_records: bool = False,
) -> RunResult:
    """Run a scenario's replications (default: its `run.replications`)."""
    started = time.perf_counter()
    count = replications or scenario.run.replications
    if keep_records:
        results = [run_replication(scenario, k, keep_records=True) for k in range(count)]
    else:
        results = run_many([(scenario, k) for k in range(count)], workers, progress)
    return RunResult(scenario, results, time.perf_counter() - started)


@dataclass(frozen=True)
class Change:
    """Reform minus baseline for one KPI, paired by replication."""

    baseline: Estimate
    reform: Estimate
    difference: Estimate

    @property
    def significant(self) -> bool:
        """The 95% interval of the difference excludes zero."""
        ci = self.difference.ci95
        return ci is not None and (ci[0] > 0 or ci[1] < 0)


@dataclass(frozen=True)
class Comparison:
    baseline: RunResult
    reform: RunResult

    @property
    def changes(self) -> dict[str, Change]:
        pairs = [
            (b.kpis, r.kpis)
            for b, r in zip(self.baseline.replications, self.reform.replications, strict=True)
            if b.kpis and r.kpis
        ]
        names = pairs[0][0].keys() if pairs else ()
        return {
            name: Change(
                estimate([b[name] for b, _ in pairs]),
                estimate([r[name] for _, r in pairs]),
                estimate([r[name] - b[name] for b, r in pairs]),
            )
            for name in names
        }


def same_streams(baseline: Scenario, reform: Scenario) -> Scenario:
    """The reform on the baseline's seed, so replication k of both shares its random numbers."""
    if reform.run.seed == baseline.run.seed:
        return reform
    return reform.model_copy(
        update={"run": reform.run.model_copy(update={"seed": baseline.run.seed})}
    )


def compare(
    baseline: Scenario,
    reform: Scenario,
    replications: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    mp_context: BaseContext | None = None,
) -> Comparison:
    """Paired runs: replication k of both scenarios on the same streams (the baseline's seed)."""
    count = replications or max(baseline.run.replications, 2)
    reform = same_streams(baseline, reform)
    started = time.perf_counter()
    jobs = [(baseline, k) for k in range(count)] + [(reform, k) for k in range(count)]
    results = run_many(jobs, workers, progress, should_stop, mp_context)
    wall = time.perf_counter() - started
    return Comparison(
        RunResult(baseline, results[:count], wall), RunResult(reform, results[count:], wall)
    )
