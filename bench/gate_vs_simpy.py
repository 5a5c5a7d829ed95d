"""Benchmark: the KYC manual-review gate through the whole engine vs a bare SimPy M/M/c.

Both serve the same number of Poisson arrivals with exponential handling and c servers (the
defaults of configs/validation/mmc.yaml), in one process. Prints both CPU times and the ratio.
Target (issue 12): the project at most 1.3x the bare SimPy time.

    .venv/bin/python bench/gate_vs_simpy.py [--days 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mmc import bare_mmc

from sim.engine import Simulation
from sim.loader import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "configs" / "validation" / "mmc.yaml"


def project_mmc(days: int) -> tuple[int, float]:
    """The engine on mmc.yaml; returns (arrivals, mean wait in queue)."""
    scenario = load_scenario(SCENARIO, [f"run.days={days}"])
    simulation = Simulation(scenario)
    simulation.run()
    tally = simulation.tally
    return tally.queued, tally.queue_wait_sum / max(1, tally.review_started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    lam = scenario.population.arrivals_per_day / 24
    best_project = best_bare = float("inf")
    for _ in range(args.repeat):
        started = time.process_time()
        arrivals, project_wait = project_mmc(args.days)
        best_project = min(best_project, time.process_time() - started)
        started = time.process_time()
        bare_wait = bare_mmc(
            arrivals, lam, scenario.kyc.review_time_mean, scenario.kyc.reviewers, 1
        )
        best_bare = min(best_bare, time.process_time() - started)
    print(f"arrivals            {arrivals:,}")
    print(f"bare SimPy M/M/c    {best_bare:.3f} s   (mean wait {bare_wait:.4f} h)")
    print(f"project (mmc.yaml)  {best_project:.3f} s   (mean wait {project_wait:.4f} h)")
    ratio = best_project / best_bare
    print(f"ratio               {ratio:.2f}x   (target <= 1.3x; best of {args.repeat})")


if __name__ == "__main__":
    main()
