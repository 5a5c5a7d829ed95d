"""Experiments: replications in parallel, 95% intervals, and paired baseline-vs-reform comparisons.

Replication k of a scenario draws every stream from (seed, k), so replication k of a baseline and
of a reform share their random numbers (common random numbers): the difference between them is
mostly the policy, not the noise, and its interval is much narrower than the two intervals apart.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from multiprocessing.context import BaseContext
from typing import Any

from sim.engine import Cancelled, ReplicationResult, run_replication
from sim.errors import ScenarioError
from sim.fields import change_items
from sim.formatting import relative_change
from sim.loader import dump_yaml
from sim.processes import end_pool, init_worker
from sim.remembered import Remembered
from sim.scenario import Scenario
from sim.stats import benjamini_hochberg, paired_p_value, significant
from sim.summary import Estimate, estimate, estimates

Progress = Callable[[float, str], None]
"""Called with the fraction done (0-1) and a short message."""
OnResult = Callable[[int, ReplicationResult], None]
"""Called with a job's index and its result as soon as it finishes."""
ShouldStop = Callable[[], bool]
"""Asked between simulated days and while waiting for workers; True stops the experiment."""


def package_version() -> str:
    try:
        return version("exchange-sandbox")
    except PackageNotFoundError:
        return "0+unknown"


def config_hash(scenario: Scenario) -> str:
    """The SHA-256 of the scenario's canonical text (`scenario.resolved.yaml`, every value exact):
    two scenarios that differ in any value never share it."""
    return text_hash(dump_yaml(scenario))


def text_hash(resolved: str) -> str:
    """`config_hash` from the canonical text already made by `sim.loader.dump_yaml`."""
    return hashlib.sha256(resolved.encode("utf-8")).hexdigest()


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
    def warnings(self) -> list[str]:
        """What the scenario asked for that could not happen, by replication."""
        return [f"replication {r.replication}: {w}" for r in self.replications for w in r.warnings]

    @property
    def kpis(self) -> dict[str, Estimate]:
        done = [r.kpis for r in self.replications if r.kpis]
        return estimates(done)


def _workers(requested: int | None, jobs: int) -> int:
    return max(1, min(jobs, requested if requested else os.cpu_count() or 1))


MANAGER_JOIN_S = 15.0
"""How long a stopped pool's manager thread is waited for (it ends within a second or so)."""

_days_done: Any = None
"""In a worker process: the shared array where each job writes the simulated days it reached."""


def _share_progress(days_done: Any) -> None:
    global _days_done
    _days_done = days_done


def _init_worker(days_done: Any, parent: int, niceness: int) -> None:
    init_worker(parent, niceness)
    _share_progress(days_done)


def _run_job(scenario: Scenario, replication: int, slot: int) -> ReplicationResult:
    """One replication in a worker, reporting each simulated day to the parent's progress."""

    def on_day(day: int) -> None:
        if _days_done is not None:
            _days_done[slot] = day

    return run_replication(scenario, replication, on_day=on_day)


def run_many(
    scenarios: Sequence[tuple[Scenario, int]],
    workers: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    mp_context: BaseContext | None = None,
    on_result: OnResult | None = None,
    keep_records: bool = False,
    niceness: int = 0,
) -> list[ReplicationResult]:
    """Run (scenario, replication) jobs, in parallel processes when there are several (one
    process when records are kept).

    Worker processes run `niceness` steps below this process's CPU priority (`os.nice`): the TUI
    asks for that so its keys are answered while the workers keep every core busy.

    `on_result(i, result)` is called as each job finishes (in finishing order). Raises
    `Cancelled` as soon as `should_stop()` says so (workers are terminated); it carries the
    replications finished so far and an "interrupted" envelope for each of the others.
    """
    jobs = list(scenarios)
    done_one = on_result or (lambda i, result: None)
    stop = should_stop or (lambda: False)
    n = 1 if keep_records else _workers(workers, len(jobs))
    if n == 1 or len(jobs) == 1:
        results: list[ReplicationResult] = []
        for i, (scenario, rep) in enumerate(jobs):

            def on_day(day: int, i: int = i, days: int = scenario.run.days) -> None:
                if stop():
                    raise Cancelled
                if progress is not None:
                    progress((i + day / days) / len(jobs), f"replication {i + 1}/{len(jobs)}")

            try:
                results.append(run_replication(scenario, rep, keep_records, on_day))
            except Cancelled as stopped:
                raise Cancelled([*results, *stopped.finished]) from None
            done_one(i, results[-1])
        return results
    out: list[ReplicationResult | None] = [None] * len(jobs)
    context = mp_context or multiprocessing.get_context()
    days_done = context.RawArray("i", len(jobs))
    total_days = sum(s.run.days for s, _ in jobs)
    pool = ProcessPoolExecutor(
        max_workers=n,
        mp_context=context,
        initializer=_init_worker,
        initargs=(days_done, os.getpid(), niceness),
    )
    try:
        pending: dict[Future[ReplicationResult], int] = {
            pool.submit(_run_job, s, rep, i): i for i, (s, rep) in enumerate(jobs)
        }
        while pending:
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                i = pending.pop(future)
                out[i] = result = future.result()
                days_done[i] = jobs[i][0].run.days
                done_one(i, result)
            if progress is not None:
                done = len(jobs) - len(pending)
                simulated = sum(
                    min(d, s.run.days) for d, (s, _) in zip(days_done, jobs, strict=True)
                )
                progress(
                    simulated / total_days,
                    f"{simulated:,}/{total_days:,} simulated days, "
                    f"{done}/{len(jobs)} replications done",
                )
            if stop() and pending:
                kept = [r for r in out if r is not None]
                raise Cancelled(
                    kept + [_unfinished(jobs[i], days_done[i]) for i in sorted(pending.values())]
                )
    finally:
        # Let the pool's manager thread close its pipes now, not while the interpreter exits:
        # CPython 3.11's exit hook can race with it and print "OSError: Bad file descriptor".
        # It takes a moment once the workers are ended; more than 2 s on a loaded machine (CI).
        # Taken before the shutdown, which forgets it.
        manager = getattr(pool, "_executor_manager_thread", None)
        end_pool(pool, terminate=stop())
        if manager is not None:
            manager.join(timeout=MANAGER_JOIN_S)
    return [r for r in out if r is not None]


def _unfinished(job: tuple[Scenario, int], day: int) -> ReplicationResult:
    scenario, rep = job
    error = f"interrupted on day {day} of {scenario.run.days}"
    return ReplicationResult(rep, scenario.run.seed, "failed", error, day, 0.0, {}, {}, [])


def run(
    scenario: Scenario,
    replications: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    keep_records: bool = False,
    should_stop: ShouldStop | None = None,
) -> RunResult:
    """Run a scenario's replications (default: its `run.replications`).

    When `should_stop()` turns true the run stops within a simulated day (or 0.2 s with worker
    processes) and the result holds the finished replications and the interrupted ones (failed).
    """
    started = time.perf_counter()
    count = replications or scenario.run.replications
    jobs = [(scenario, k) for k in range(count)]
    try:
        results = run_many(jobs, workers, progress, should_stop, None, None, keep_records)
    except Cancelled as stopped:
        results = sorted(stopped.finished, key=lambda r: r.replication)
    return RunResult(scenario, results, time.perf_counter() - started)


@dataclass(frozen=True)
class Change:
    """Reform minus baseline for one KPI, paired by replication, with its significance.

    `p_value` comes from a paired t-test on the per-replication differences; `q_value` is its
    Benjamini–Hochberg adjustment across the comparison's KPIs. Both are None when the KPI is
    undefined (fewer than two replications where both sides have a value): such a KPI is left
    out of the false-discovery-rate family and is never significant.
    """

    baseline: Estimate
    reform: Estimate
    difference: Estimate
    p_value: float | None = None
    q_value: float | None = None

    @property
    def significant(self) -> bool:
        """The change passes the false-discovery-rate test (Benjamini–Hochberg, q = 0.05)."""
        return significant(self.q_value)

    @property
    def defined(self) -> bool:
        """Both sides have a value in at least two paired replications."""
        return self.p_value is not None

    @property
    def relative(self) -> float | None:
        """The change as a share of the baseline mean (None when that is 0 or undefined)."""
        return relative_change(self.difference.mean, self.baseline.mean)


@dataclass(frozen=True)
class Comparison:
    """Paired replications of a baseline and a reform (what-if) on common random numbers.

    `pinned` names KPIs the reader asked about: the plain-language summary answers for them
    whether or not they changed significantly.
    """

    baseline: RunResult
    reform: RunResult
    pinned: tuple[str, ...] = ()
    remembered: int = 0
    """How many of the replications were remembered from an earlier comparison (`Remembered`)
    rather than run again: the wall time is this comparison's own."""

    @cached_property
    def changes(self) -> dict[str, Change]:
        pairs = [
            (b.kpis, r.kpis)
            for b, r in zip(self.baseline.replications, self.reform.replications, strict=True)
            if b.kpis and r.kpis
        ]
        names = list(pairs[0][0].keys()) if pairs else []
        differences = {name: [r[name] - b[name] for b, r in pairs] for name in names}
        p_values = {name: paired_p_value(d) for name, d in differences.items()}
        untouched = [n for n, d in differences.items() if d and all(x == 0 for x in d)]
        q_values = benjamini_hochberg(p_values, untested=untouched)
        return {
            name: Change(
                estimate([b[name] for b, _ in pairs]),
                estimate([r[name] for _, r in pairs]),
                estimate(differences[name]),
                p_values[name],
                q_values[name],
            )
            for name in names
        }

    @property
    def label(self) -> str:
        """What is compared, in words: `reform vs baseline`, or `A + kyc.reviewers=4 vs A`."""
        return f"{reform_label(self.baseline.scenario, self.reform.scenario)} vs " + (
            self.baseline.scenario.name
        )


def reform_label(baseline: Scenario, reform: Scenario, limit: int = 3) -> str:
    """The reform's name, or, when it carries the baseline's name, the baseline plus its changes."""
    if reform.name != baseline.name:
        return reform.name
    edits = [f"{path}={new}" for path, _, new in change_items(baseline, reform)]
    if not edits:
        return f"{reform.name} (unchanged)"
    more = f" +{len(edits) - limit} more" if len(edits) > limit else ""
    return f"{reform.name} + {', '.join(edits[:limit])}{more}"


class NotComparable(ScenarioError):
    """The two sides of a comparison cover different periods or run at different scales."""


def check_comparable(baseline: Scenario, reform: Scenario) -> None:
    """Refuse a comparison whose two sides differ in what is not policy: the horizon (its
    changes would mix policy and calendar) or the sampling scale (queues do not yet scale by
    sampling, so the scale alone moves KPIs: README, "Scale")."""
    problems = [
        f"run.{field} differs: baseline {getattr(baseline.run, field)}, "
        f"what-if {getattr(reform.run, field)}; a comparison needs the same horizon on both "
        f"sides (set the same run.{field}, e.g. --days for both in `sandbox compare`)"
        for field in ("days", "start_date")
        if getattr(baseline.run, field) != getattr(reform.run, field)
    ]
    scales = baseline.population.scale_factor, reform.population.scale_factor
    if scales[0] != scales[1]:
        problems.append(
            f"population.scale_factor differs: baseline {scales[0]:g}, what-if {scales[1]:g}; "
            "the scale is how many real people one agent stands for, not a policy, and it still "
            "moves queue-driven KPIs (README, 'Scale'): compare both sides at the same scale"
        )
    if problems:
        raise NotComparable(problems)


def same_streams(baseline: Scenario, reform: Scenario) -> Scenario:
    """The reform on the baseline's seed, so replication k of both shares its random numbers."""
    if reform.run.seed == baseline.run.seed:
        return reform
    return reform.model_copy(
        update={"run": reform.run.model_copy(update={"seed": baseline.run.seed})}
    )


def run_ahead(
    baseline: Scenario,
    replications: int,
    remembered: Remembered,
    workers: int | None = None,
    should_stop: ShouldStop | None = None,
    mp_context: BaseContext | None = None,
    niceness: int = 0,
    on_result: Callable[[int], None] | None = None,
) -> int:
    """Run the baseline's replications 0..`replications`-1 that `remembered` lacks, into it: a
    comparison against this baseline then runs only its what-if's side (`compare`), with the
    same numbers as if it had run them itself. The TUI does this while the user edits.

    `on_result(ready)` is called with the count of the baseline's replications in `remembered`:
    first with those already there, then as each finishes. Returns how many ran. Raises
    `Cancelled` when `should_stop()` says so (the replications finished by then stay remembered).
    """
    digest = config_hash(baseline)
    todo = [k for k in range(replications) if remembered.recall((digest, k)) is None]
    ready = replications - len(todo)
    told = on_result or (lambda ready: None)
    told(ready)

    def ran(j: int, result: ReplicationResult) -> None:
        nonlocal ready
        remembered.keep((digest, todo[j]), result, share=True)
        ready += result.status == "ok"
        told(ready)

    jobs = [(baseline, k) for k in todo]
    run_many(jobs, workers, None, should_stop, mp_context, ran, niceness=niceness)
    return len(todo)


def compare(
    baseline: Scenario,
    reform: Scenario,
    replications: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    mp_context: BaseContext | None = None,
    *,
    pinned: Sequence[str] = (),
    on_pairs: Callable[[Comparison], None] | None = None,
    niceness: int = 0,
    remembered: Remembered | None = None,
) -> Comparison:
    """Paired runs: replication k of both scenarios on the same streams (the baseline's seed).

    `on_pairs(partial)` is called each time a pair finishes, with the pairs finished so far (a
    partial comparison: what a stopped comparison still shows).

    Both scenarios must cover the same period (`run.days`, `run.start_date`) at the same
    `population.scale_factor`: otherwise this raises `NotComparable` (a `ScenarioError`) before
    running anything. `pinned` KPIs are
    always answered by the plain-language summary. `niceness` lowers the worker processes' CPU
    priority (see `run_many`). Replications in `remembered` are not run again, and those this
    comparison runs are added to it (the baseline's to its folder too, if it has one).
    """
    check_comparable(baseline, reform)
    count = replications or max(baseline.run.replications, 2)
    reform = same_streams(baseline, reform)
    started = time.perf_counter()
    # Pairs side by side (baseline k, reform k, …), so whole pairs finish early for `on_pairs`.
    jobs = [(scenario, k) for k in range(count) for scenario in (baseline, reform)]
    finished: dict[int, ReplicationResult] = {}

    def pair_done(i: int, result: ReplicationResult) -> None:
        finished[i] = result
        if on_pairs is not None and i ^ 1 in finished:
            pairs = [k for k in range(count) if 2 * k in finished and 2 * k + 1 in finished]
            wall = time.perf_counter() - started
            on_pairs(
                Comparison(
                    RunResult(baseline, [finished[2 * k] for k in pairs], wall),
                    RunResult(reform, [finished[2 * k + 1] for k in pairs], wall),
                    tuple(pinned),
                )
            )

    memory = remembered if remembered is not None else Remembered(limit=0)
    hashes = config_hash(baseline), config_hash(reform)
    keys = [(hashes[i % 2], k) for i, (_, k) in enumerate(jobs)]
    known = {i: r for i, key in enumerate(keys) if (r := memory.recall(key)) is not None}
    for i, result in known.items():
        pair_done(i, result)
    todo = [i for i in range(len(jobs)) if i not in known]

    def ran(j: int, result: ReplicationResult) -> None:
        i = todo[j]
        memory.keep(keys[i], result, share=i % 2 == 0)  # the baseline: what a room shares
        pair_done(i, result)

    def running(fraction: float, note: str) -> None:
        if progress is not None:
            note += f"; {len(known)} more remembered, not run again" if known else ""
            progress((len(known) + fraction * len(todo)) / len(jobs), note)

    if known:
        running(0.0, "starting")
    run_many(
        [jobs[i] for i in todo], workers, running, should_stop, mp_context, ran, niceness=niceness
    )
    results = [finished[i] for i in range(len(jobs))]
    wall = time.perf_counter() - started
    return Comparison(
        RunResult(baseline, results[0::2], wall),
        RunResult(reform, results[1::2], wall),
        tuple(pinned),
        len(known),
    )
