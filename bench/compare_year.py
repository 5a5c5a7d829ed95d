"""Benchmark: a one-year paired comparison of the baseline, 8 replications, against a bare M/M/c.

The policy officer's loop is "change a lever, compare, read": this times that loop's comparison
(`sim.experiment.compare`, as `sandbox compare` runs it, on all cores) and divides it by a bare
SimPy M/M/c with 100,000 customers run in the same process (`bench/mmc.py`). Target (issue 12):
at most 8x on 2 cores.

Then the loop's next turn: a second what-if (`--then`) against the same baseline, with the
replications of the first comparison remembered as the TUI remembers them (`Remembered`), so only
the what-if's side runs. That one is printed beside the first, not in its place. Last, the TUI's
first comparison as a user meets it: the baseline's replications run ahead while the user edits
(`sim.experiment.run_ahead`, timed apart: nobody waits for it), then the first what-if.

Then the workers' peak memory: a worker runs one replication after another, and must free each
world it lets go (it kept them all until 1 Dec 2026). Last, the floor under the first
comparison: one year of the baseline alone in this process, and the wall time 2 x pairs such
years would take on these cores with nothing else to do, beside the year the target asks for
(at 8x on 2 cores with 8 pairs: a year as fast as the bare M/M/c).

    .venv/bin/python bench/compare_year.py [--days 365] [-r 8] [--set PATH=VALUE]
        [--then PATH=VALUE]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from pathlib import Path

from mmc import CUSTOMERS, bare_mmc_seconds

from sim import Scenario, Simulation, load_scenario
from sim.experiment import compare, run_ahead
from sim.remembered import Remembered

BASELINE = Path(__file__).resolve().parent.parent / "configs" / "aifc_pilot_2022.yaml"
TARGET_RATIO = 8.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("-r", "--replications", type=int, default=8)
    parser.add_argument("--set", dest="reform", default="kyc.reviewers=100")
    parser.add_argument("--then", default="kyc.reviewers=150")
    args = parser.parse_args()
    days = f"run.days={args.days}"
    baseline = load_scenario(BASELINE, [days])
    memory = Remembered()
    walls = []
    for what, change in (("first what-if", args.reform), ("next what-if", args.then)):
        started = time.perf_counter()
        comparison = compare(
            baseline, load_scenario(BASELINE, [days, change]), args.replications, remembered=memory
        )
        walls.append((what, change, time.perf_counter() - started, comparison.remembered))
    ahead = Remembered()
    started = time.perf_counter()
    run_ahead(baseline, args.replications, ahead)
    ahead_wall = time.perf_counter() - started
    started = time.perf_counter()
    reform = load_scenario(BASELINE, [days, args.reform])
    comparison = compare(baseline, reform, args.replications, remembered=ahead)
    wall = time.perf_counter() - started
    walls.append(("after a run-ahead", args.reform, wall, comparison.remembered))
    year = one_year(baseline)
    bare = bare_mmc_seconds()
    pairs = len(comparison.baseline.replications)
    cores = os.cpu_count() or 1
    print(f"comparison          {args.days} days, {pairs} pairs, {cores} cores")
    print(f"bare SimPy M/M/c    {bare:.2f} s   ({CUSTOMERS:,} customers, best of 3)")
    for what, change, wall, remembered in walls:
        print(f"{what:<19} {change}: {wall:.1f} s wall, {remembered} replications remembered")
        target = f"target <= {TARGET_RATIO:g}x" if not remembered else "no target"
        print(f"  ratio / M/M/c     {wall / bare:.1f}x   ({target})")
    print(f"(the run-ahead itself: {ahead_wall:.1f} s wall, while the user edits)")
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"workers' peak RSS   {workers:.0f} MiB   (the largest worker of the runs above)")
    floor = year * 2 * pairs / cores  # every year of both sides, the cores never idle
    needed = TARGET_RATIO * bare * cores / (2 * pairs)
    print(f"one year alone      {year:.2f} s CPU ({year / bare:.1f}x the M/M/c, best of 2)")
    years = f"{2 * pairs} such years on {cores} cores"
    print(f"  the floor         {years}: {floor:.1f} s wall, {floor / bare:.1f}x")
    target = f"for {TARGET_RATIO:g}x"
    print(f"  {target:<17} a year of {needed:.2f} s ({needed / bare:.1f}x the M/M/c)")


def one_year(scenario: Scenario) -> float:
    """CPU seconds of one replication of `scenario` in this process, the best of two."""
    best = math.inf
    for _ in range(2):
        simulation = Simulation(scenario)
        started = time.process_time()
        simulation.run()
        best = min(best, time.process_time() - started)
    return best


if __name__ == "__main__":
    main()
