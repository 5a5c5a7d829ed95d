"""Benchmark: a one-year paired comparison of the baseline, 8 replications, against a bare M/M/c.

The policy officer's loop is "change a lever, compare, read": this times that loop's comparison
(`sim.experiment.compare`, as `sandbox compare` runs it, on all cores) and divides it by a bare
SimPy M/M/c with 100,000 customers run in the same process (`bench/mmc.py`). Target (issue 12):
at most 8x on 2 cores.

    .venv/bin/python bench/compare_year.py [--days 365] [-r 8] [--set PATH=VALUE]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from mmc import CUSTOMERS, bare_mmc_seconds

from sim import load_scenario
from sim.experiment import compare

BASELINE = Path(__file__).resolve().parent.parent / "configs" / "aifc_pilot_2022.yaml"
TARGET_RATIO = 8.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("-r", "--replications", type=int, default=8)
    parser.add_argument("--set", dest="reform", default="kyc.reviewers=100")
    args = parser.parse_args()
    days = f"run.days={args.days}"
    baseline = load_scenario(BASELINE, [days])
    reform = load_scenario(BASELINE, [days, args.reform])
    started = time.perf_counter()
    comparison = compare(baseline, reform, args.replications)
    wall = time.perf_counter() - started
    bare = bare_mmc_seconds()
    pairs = len(comparison.baseline.replications)
    cores = os.cpu_count()
    print(f"comparison          {args.reform}, {args.days} days, {pairs} pairs, {cores} cores")
    print(f"wall time           {wall:.1f} s")
    print(f"bare SimPy M/M/c    {bare:.2f} s   ({CUSTOMERS:,} customers, best of 3)")
    print(f"ratio compare / M/M/c  {wall / bare:.1f}x   (target <= {TARGET_RATIO:g}x)")


if __name__ == "__main__":
    main()
