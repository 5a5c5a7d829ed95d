"""Benchmark: one simulated year of a scenario at its default scale.

Prints wall time, agents simulated, SimPy events and model records per second, and the peak
resident memory of the process. Targets (issue 2): the baseline under 20 s and under 1 GiB on a
2-core machine.

    .venv/bin/python bench/baseline_year.py [SCENARIO] [--days 365]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from sim import Simulation, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "configs/aifc_pilot_2022.yaml"))
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, [f"run.days={args.days}"])
    simulation = Simulation(scenario)
    started = time.perf_counter()
    while not simulation.done:
        simulation.advance(1)
    wall = time.perf_counter() - started
    records = simulation.world.ledger.postings
    events = next(simulation.world.env._eid)  # SimPy's running count of scheduled events
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    agents = len(simulation.world.population.people)
    scale = scenario.population.scale_factor
    print(f"scenario            {scenario.name} ({args.days} days, scale {scale:g})")
    print(f"agents simulated    {agents:,}")
    print(f"wall time           {wall:.2f} s   (target < 20 s)")
    print(f"SimPy events        {events:,}   ({events / wall:,.0f} per second)")
    print(f"ledger postings     {records:,}   ({records / wall:,.0f} per second)")
    print(f"peak memory (RSS)   {peak_mib:,.0f} MiB   (target < 1024 MiB)")


if __name__ == "__main__":
    main()
