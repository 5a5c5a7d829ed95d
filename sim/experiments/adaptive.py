"""Replications that stop when precise enough: add replications until a KPI's 95% interval is
narrow enough relative to its mean (a run) or to the change (a comparison)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sim.engine import Cancelled, ReplicationResult
from sim.errors import ScenarioError
from sim.experiment import (
    Comparison,
    Progress,
    RunResult,
    ShouldStop,
    check_comparable,
    run_many,
    same_streams,
)
from sim.scenario import Scenario
from sim.summary import KPI_BY_NAME, estimate

MIN_REPLICATIONS = 3


@dataclass(frozen=True)
class Target:
    kpi: str
    relative: float
    """Wanted 95% half-width as a share of the mean (or of the change)."""


@dataclass(frozen=True)
class Stop:
    replications: int
    precise: bool
    half_width: float | None
    reference: float
    """The mean (run) or the mean change (compare) the half-width is measured against."""
    reason: str


def parse_target(text: str) -> Target:
    """`capital_outflow_kzt=0.05` -> half-width under 5% of the mean."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if name not in KPI_BY_NAME:
        raise ScenarioError([f"--until-ci {text}: unknown KPI '{name}'"])
    try:
        relative = float(value) if sep else math.nan
    except ValueError:
        relative = math.nan
    if not relative > 0:
        raise ScenarioError([f"--until-ci {text}: expected KPI=share, e.g. {name}=0.05"])
    return Target(name, relative)


def _check(values: list[float], target: Target, max_replications: int) -> Stop | None:
    n = len(values)
    est = estimate(values)
    half = (est.ci95[1] - est.ci95[0]) / 2 if est.ci95 else None
    reference = est.mean
    wanted = f"{target.relative:.1%} of {abs(reference):.4g}"
    if half is not None and n >= MIN_REPLICATIONS and half <= target.relative * abs(reference):
        share = half / abs(reference) if reference else 0.0
        reason = (
            f"stopped after {n} replications: the 95% half-width of {target.kpi} is "
            f"{half:.4g} ({share:.1%}), within {wanted}"
        )
        return Stop(n, True, half, reference, reason)
    if n >= max_replications:
        shown = f"{half:.4g}" if half is not None else "undefined"
        reason = (
            f"stopped at --max-replications {max_replications}: the 95% half-width of "
            f"{target.kpi} is still {shown}, wanted {wanted}"
        )
        return Stop(n, False, half, reference, reason)
    return None


def _batch(workers: int | None) -> int:
    return max(MIN_REPLICATIONS, workers or os.cpu_count() or 1)


def run_until(
    scenario: Scenario,
    target: Target,
    max_replications: int = 100,
    workers: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> tuple[RunResult, Stop]:
    """Replications in batches until the target KPI is precise enough (or the maximum); when
    `should_stop()` turns true, the finished replications and the interrupted ones (failed)."""
    started = time.perf_counter()
    results: list[ReplicationResult] = []
    while True:
        n = len(results)
        count = min(_batch(workers) if n else MIN_REPLICATIONS, max_replications - n)
        try:
            results += run_many(
                [(scenario, n + k) for k in range(count)], workers, None, should_stop
            )
        except Cancelled as stopped:
            results += sorted(stopped.finished, key=lambda r: r.replication)
            interrupted = Stop(len(results), False, None, math.nan, "stopped: interrupted")
            return RunResult(scenario, results, time.perf_counter() - started), interrupted
        failed = [r for r in results if r.status != "ok"]
        values = [r.kpis[target.kpi] for r in results if r.kpis]
        stop = _check(values, target, max_replications)
        if failed:
            stop = Stop(len(results), False, None, math.nan, "stopped: a replication failed")
        if progress is not None:
            progress(len(results) / max_replications, f"{len(results)} replications")
        if stop is not None:
            return RunResult(scenario, results, time.perf_counter() - started), stop


def compare_until(
    baseline: Scenario,
    reform: Scenario,
    target: Target,
    max_replications: int = 100,
    workers: int | None = None,
    progress: Progress | None = None,
    pinned: Sequence[str] = (),
) -> tuple[Comparison, Stop]:
    """Paired replications until the change of the target KPI is precise enough."""
    check_comparable(baseline, reform)
    reform = same_streams(baseline, reform)
    started = time.perf_counter()
    base: list[ReplicationResult] = []
    ref: list[ReplicationResult] = []
    while True:
        n = len(base)
        count = min(_batch(workers) if n else MIN_REPLICATIONS, max_replications - n)
        jobs = [(baseline, n + k) for k in range(count)] + [(reform, n + k) for k in range(count)]
        results = run_many(jobs, workers)
        base += results[:count]
        ref += results[count:]
        failed = [r for r in (*base, *ref) if r.status != "ok"]
        changes = [
            r.kpis[target.kpi] - b.kpis[target.kpi]
            for b, r in zip(base, ref, strict=True)
            if b.kpis and r.kpis
        ]
        stop = _check(changes, target, max_replications)
        if failed:
            stop = Stop(len(base), False, None, math.nan, "stopped: a replication failed")
        if progress is not None:
            progress(len(base) / max_replications, f"{len(base)} paired replications")
        if stop is not None:
            wall = time.perf_counter() - started
            comparison = Comparison(
                RunResult(baseline, base, wall), RunResult(reform, ref, wall), tuple(pinned)
            )
            return comparison, stop
