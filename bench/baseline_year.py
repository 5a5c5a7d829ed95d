"""Benchmark: one simulated year of a scenario at its default scale.

Prints wall time, agents simulated, SimPy events and ledger postings per second, and the peak
resident memory of the process. Targets: the baseline (aifc_pilot_2022) under 20 s, the full model
(aifc_cooperation_2023) under 30 s, both under 1 GiB on a 2-core machine. With no argument both
run, each in a fresh process so the memory figure is its own.

    .venv/bin/python bench/baseline_year.py [SCENARIO] [--days 365]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from sim import Simulation, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "configs/aifc_pilot_2022.yaml": 20.0,
    "configs/aifc_cooperation_2023.yaml": 30.0,
}


def measure(path: str, days: int, target: float) -> None:
    scenario = load_scenario(path, [f"run.days={days}"])
    simulation = Simulation(scenario)
    started = time.perf_counter()
    simulation.run()
    wall = time.perf_counter() - started
    postings = simulation.world.ledger.postings
    events = next(simulation.world.env._eid)  # SimPy's running count of scheduled events
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    agents = len(simulation.world.population.people)
    scale = scenario.population.scale_factor
    print(f"scenario            {scenario.name} ({days} days, scale {scale:g})")
    print(f"agents simulated    {agents:,}")
    print(f"wall time           {wall:.2f} s   (target < {target:g} s)")
    print(f"SimPy events        {events:,}   ({events / wall:,.0f} per second)")
    print(f"ledger postings     {postings:,}   ({postings / wall:,.0f} per second)")
    print(f"peak memory (RSS)   {peak_mib:,.0f} MiB   (target < 1024 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--target", type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        measure(args.scenario, args.days, args.target)
        return
    for path, target in DEFAULTS.items():
        command = [
            sys.executable,
            __file__,
            str(ROOT / path),
            "--days",
            str(args.days),
            "--target",
            str(target),
        ]
        subprocess.run(command, check=True)
        print()


if __name__ == "__main__":
    main()
