"""Studies over the assumptions: uncertainty (Latin hypercube over the priors), global sensitivity
(SALib Morris or Sobol), a one-at-a-time tornado of policy levers, and robust comparison.

Each runs on the sweep machinery (any executor, streamed to cells.csv, resumable) and writes its
own JSON beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.experiment import config_hash, reform_label
from sim.experiments.designs import Factor, label
from sim.experiments.executors import Executor
from sim.experiments.jobs import ScenarioBuilder
from sim.experiments.priors import Priors
from sim.experiments.sweep import Cell, Progress, SweepResult, run_cells, write_json_atomic
from sim.fields import changes

ProgressFn = Callable[[Progress], None] | None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _document(
    kind: str, builder: ScenarioBuilder, priors: Priors | None, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "scenario": str(builder.path),
        "scenario_name": builder.base.name,
        "config_hash": config_hash(builder.base),
        "days": builder.base.run.days,
        **(
            {"priors": str(priors.path), "parameters": [p.path for p in priors.priors]}
            if priors
            else {}
        ),
        **extra,
    }


def cell_means(result: SweepResult, kpi: str) -> np.ndarray:
    """Each cell's mean of one KPI over its replications (NaN where none finished)."""
    means = []
    for i in range(len(result.cells)):
        found = result.estimates.get(i, {}).get(kpi)
        means.append(found.mean if found is not None else math.nan)
    return np.array(means)


@dataclass(frozen=True)
class Spread:
    median: float
    p05: float
    p95: float
    n: int


def spreads(result: SweepResult) -> dict[str, Spread]:
    """Per KPI, the distribution of the cells' means: median and 90% interval."""
    names = list(dict.fromkeys(k for est in result.estimates.values() for k in est))
    out = {}
    for name in names:
        values = cell_means(result, name)
        values = values[np.isfinite(values)]
        if values.size:
            p05, median, p95 = np.percentile(values, [5, 50, 95])
            out[name] = Spread(float(median), float(p05), float(p95), int(values.size))
    return out


def uncertainty(
    builder: ScenarioBuilder,
    priors: Priors,
    samples: int,
    out: Path,
    executor: Executor,
    replications: int = 1,
    progress: ProgressFn = None,
) -> tuple[SweepResult, dict[str, Spread]]:
    """Sample `samples` worlds from the priors (Latin hypercube); each KPI's distribution."""
    worlds = priors.sample(builder.base, samples, builder.base.run.seed)
    document = _document("uncertainty", builder, priors, samples=samples)
    result = run_cells(
        {"": builder}, [Cell(w) for w in worlds], replications, out, executor, document, progress
    )
    found = spreads(result)
    write_json_atomic(
        out / "uncertainty.json",
        {
            **document,
            "replications": replications,
            "kpis": {
                k: {
                    "median": _finite(s.median),
                    "p05": _finite(s.p05),
                    "p95": _finite(s.p95),
                    "n": s.n,
                }
                for k, s in found.items()
            },
        },
    )
    return result, found


# --- global sensitivity ---------------------------------------------------------------------


def design_points(method: str, dimensions: int, samples: int, seed: int) -> np.ndarray:
    """SALib's sample for `method` on the unit cube (Morris trajectories or Saltelli/Sobol)."""
    problem = {
        "num_vars": dimensions,
        "names": [f"x{i}" for i in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, samples, num_levels=4, seed=seed))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, samples, calc_second_order=False, seed=seed))


@dataclass(frozen=True)
class Index:
    name: str
    value: float
    """Morris mu* (mean absolute elementary effect) or the Sobol total-order index."""
    conf: float
    """Half-width of its 95% confidence interval."""
    second: float
    """Morris sigma, or the Sobol first-order index."""
    second_conf: float


def indices(
    method: str, names: Sequence[str], x: np.ndarray, y: np.ndarray, seed: int
) -> list[Index]:
    """Sensitivity indices of `y` over the design `x`, most influential first."""
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, num_levels=4, seed=seed)
        found = [
            Index(
                n,
                float(si["mu_star"][i]),
                float(si["mu_star_conf"][i]),
                float(si["sigma"][i]),
                math.nan,
            )
            for i, n in enumerate(names)
        ]
    else:
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        found = [
            Index(
                n,
                float(si["ST"][i]),
                float(si["ST_conf"][i]),
                float(si["S1"][i]),
                float(si["S1_conf"][i]),
            )
            for i, n in enumerate(names)
        ]
    return sorted(found, key=lambda index: -index.value if math.isfinite(index.value) else math.inf)


def sensitivity(
    builder: ScenarioBuilder,
    priors: Priors,
    kpi: str,
    out: Path,
    executor: Executor,
    method: str = "morris",
    samples: int = 10,
    replications: int = 1,
    progress: ProgressFn = None,
) -> tuple[SweepResult, list[Index]]:
    """Global sensitivity of one KPI to every prior (SALib), ranked."""
    seed = builder.base.run.seed
    usable = [p for p in priors.priors if p.bounds(builder.base) is not None]
    narrowed = Priors(priors.path, priors.regime, priors.description, tuple(usable))
    x = design_points(method, len(usable), samples, seed)
    cells = [Cell(narrowed.world(builder.base, row)) for row in x]
    document = _document("sensitivity", builder, narrowed, kpi=kpi, method=method, samples=samples)
    result = run_cells({"": builder}, cells, replications, out, executor, document, progress)
    y = cell_means(result, kpi)
    missing = int(np.sum(~np.isfinite(y)))
    if missing:
        raise ScenarioError(
            [
                f"{kpi}: {missing} of {len(y)} cells have no value (failed, or the KPI is "
                "undefined "
                "there); choose another KPI or see cells.csv"
            ]
        )
    ranked = indices(method, [p.path for p in usable], x, y, seed)
    write_json_atomic(
        out / "sensitivity.json",
        {
            **document,
            "replications": replications,
            "indices": [
                {
                    "parameter": i.name,
                    "index": _finite(i.value),
                    "conf": _finite(i.conf),
                    "second": _finite(i.second),
                    "second_conf": _finite(i.second_conf),
                }
                for i in ranked
            ],
            "index_names": ["mu_star", "mu_star_conf", "sigma", None]
            if method == "morris"
            else ["ST", "ST_conf", "S1", "S1_conf"],
        },
    )
    return result, ranked


@dataclass(frozen=True)
class Swing:
    path: str
    low: Any
    high: Any
    at_low: float
    at_high: float


def tornado(
    builder: ScenarioBuilder,
    levers: Sequence[Factor],
    kpi: str,
    out: Path,
    executor: Executor,
    replications: int = 1,
    progress: ProgressFn = None,
) -> tuple[float, list[Swing]]:
    """One lever at a time at its low and its high value, the rest as in the scenario."""
    problems = [
        f"--lever {f.path}: give exactly two values, low,high" for f in levers if len(f.values) != 2
    ]
    if problems:
        raise ScenarioError(problems)
    cells = [Cell({})] + [Cell({f.path: v}) for f in levers for v in f.values]
    document = _document(
        "tornado",
        builder,
        None,
        kpi=kpi,
        levers=[label({f.path: ",".join(f.values)}) for f in levers],
    )
    result = run_cells({"": builder}, cells, replications, out, executor, document, progress)
    y = cell_means(result, kpi)
    swings = [
        Swing(f.path, f.values[0], f.values[1], float(y[1 + 2 * i]), float(y[2 + 2 * i]))
        for i, f in enumerate(levers)
    ]
    swings.sort(
        key=lambda s: (
            -abs(s.at_high - s.at_low) if math.isfinite(s.at_high - s.at_low) else math.inf
        )
    )
    write_json_atomic(
        out / "tornado.json",
        {
            **document,
            "base": _finite(float(y[0])),
            "levers": [
                {
                    "path": s.path,
                    "low": s.low,
                    "high": s.high,
                    "at_low": _finite(s.at_low),
                    "at_high": _finite(s.at_high),
                }
                for s in swings
            ],
        },
    )
    return float(y[0]), swings


# --- robust comparison ----------------------------------------------------------------------


@dataclass(frozen=True)
class Robustness:
    kpi: str
    rises: float
    """Share of sampled worlds where the reform raises the KPI."""
    falls: float
    median_change: float
    worlds: int


def robust_compare(
    baseline: ScenarioBuilder,
    reform: ScenarioBuilder,
    priors: Priors,
    samples: int,
    out: Path,
    executor: Executor,
    replications: int = 1,
    progress: ProgressFn = None,
) -> tuple[SweepResult, list[Robustness], list[str]]:
    """Baseline and reform in each sampled world, paired: in how many worlds each KPI moves.

    Priors on the paths the reform itself changes are left out (the reform sets them). Returns the
    result, per-KPI robustness and the left-out paths.
    """
    levers = list(changes(baseline.base, reform.base))
    kept = priors.without(levers)
    worlds = kept.sample(baseline.base, samples, baseline.base.run.seed)
    cells = [Cell(w, arm) for w in worlds for arm in ("baseline", "reform")]
    document = _document(
        "robust",
        baseline,
        kept,
        reform=str(reform.path),
        reform_name=reform_label(baseline.base, reform.base),  # its changes, if it shares the name
        samples=samples,
        left_out=levers,
    )
    result = run_cells(
        {"baseline": baseline, "reform": reform},
        cells,
        replications,
        out,
        executor,
        document,
        progress,
    )
    found = []
    names = list(dict.fromkeys(k for est in result.estimates.values() for k in est))
    for name in names:
        means = cell_means(result, name)
        diff = means[1::2] - means[0::2]
        diff = diff[np.isfinite(diff)]
        if diff.size:
            found.append(
                Robustness(
                    name,
                    float(np.mean(diff > 0)),
                    float(np.mean(diff < 0)),
                    float(np.median(diff)),
                    int(diff.size),
                )
            )
    write_json_atomic(
        out / "robust.json",
        {
            **document,
            "replications": replications,
            "kpis": {
                r.kpi: {
                    "rises": r.rises,
                    "falls": r.falls,
                    "median_change": _finite(r.median_change),
                    "worlds": r.worlds,
                }
                for r in found
            },
        },
    )
    return result, found, levers
