"""Benchmark: the same 16-cell sweep on 1 local worker, 2 local workers and a 2-worker Dask
LocalCluster. Target: speed-up >= 1.8x on 2 cores for both parallel forms. Prints figures."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sim.experiments import DaskExecutor, LocalExecutor, ScenarioBuilder, parse_vary, sweep
from sim.experiments.executors import Executor

ROOT = Path(__file__).resolve().parent.parent
DAYS = int(sys.argv[1]) if len(sys.argv) > 1 else 90


def timed(name: str, executor: Executor) -> float:
    builder = ScenarioBuilder(
        ROOT / "configs" / "aifc_pilot_2022.yaml",
        [f"run.days={DAYS}", "population.scale_factor=50"],
    )
    factors = [
        parse_vary("kyc.reviewers=25,50,75,100"),
        parse_vary("banks.unlicensed_block_prob=0.2,0.4,0.6,0.8"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = sweep(builder, factors, Path(folder), executor)
        wall = time.perf_counter() - started
    assert len(result.cells) == 16 and not result.failures
    print(f"{name:<28} {wall:7.1f} s", flush=True)
    return wall


def main() -> None:
    print(f"16-cell sweep of the baseline, {DAYS} days at scale 50, 1 replication a cell")
    one = timed("1 local worker", LocalExecutor(1))
    two = timed("2 local workers", LocalExecutor(2))
    dask = timed("Dask LocalCluster, 2 workers", DaskExecutor("local", 2))
    print(f"speed-up: local {one / two:.2f}x, Dask {one / dask:.2f}x (target >= 1.8x)")


if __name__ == "__main__":
    main()
