"""Experiments at scale: designs, executors (local processes or Dask) and studies over them."""

from sim.experiments.designs import Factor, parse_vary
from sim.experiments.executors import DaskExecutor, Executor, LocalExecutor, make_executor
from sim.experiments.jobs import ScenarioBuilder
from sim.experiments.sweep import Cell, Progress, SweepResult, run_cells, sweep

__all__ = [
    "Cell",
    "DaskExecutor",
    "Executor",
    "Factor",
    "LocalExecutor",
    "Progress",
    "ScenarioBuilder",
    "SweepResult",
    "make_executor",
    "parse_vary",
    "run_cells",
    "sweep",
]
