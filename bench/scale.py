"""Benchmark: is the engine's cost linear in agents? 120 days of the baseline at k = 25, 5 and 1.

Each scale runs in a fresh process (so its peak memory is its own) and prints agents, CPU time,
time per agent and peak memory per agent. Targets (issue 12): time per agent at k = 1 within 1.3x
of k = 25; a national-scale year (k = 1, about 1.6M agents) under 2 GiB. The k = 1 run takes a few
minutes on a 2-core machine.

    .venv/bin/python bench/scale.py [--days 120] [--scales 25,5,1] [SCENARIO]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from sim import Simulation, load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "configs" / "aifc_pilot_2022.yaml"
TARGET_PER_AGENT = 1.3


def one(path: str, days: int, scale: float) -> dict[str, float]:
    """One run in this process: its agents, CPU time and peak memory."""
    overrides = [f"run.days={days}", f"population.scale_factor={scale:g}"]
    simulation = Simulation(load_scenario(path, overrides))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.process_time()
    simulation.run()
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    agents = len(simulation.world.population.people)
    return {"agents": agents, "cpu": cpu, "peak": peak, "grown": peak - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(BASELINE))
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--scales", default="25,5,1")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.scenario, args.days, args.one)))
        return
    print(f"{args.days} days of {Path(args.scenario).name}, each scale in a fresh process")
    print("(KiB/agent: the growth of peak memory during the run, over the agents)")
    heads = ("k", "agents", "CPU s", "µs/agent", "peak MiB", "KiB/agent")
    print(" ".join(f"{h:>{w}}" for h, w in zip(heads, (4, 10, 8, 9, 9, 10), strict=True)))
    per_agent: dict[float, float] = {}
    for scale in (float(k) for k in args.scales.split(",")):
        command = [sys.executable, __file__, args.scenario, "--days", str(args.days)]
        output = subprocess.run(
            [*command, "--one", f"{scale:g}"], check=True, capture_output=True, text=True
        ).stdout
        run = json.loads(output.strip().splitlines()[-1])
        agents = max(1, int(run["agents"]))
        per_agent[scale] = run["cpu"] / agents
        print(
            f"{scale:>4g} {agents:>10,} {run['cpu']:>8.1f} {per_agent[scale] * 1e6:>9.1f} "
            f"{run['peak'] / 2**20:>9,.0f} {run['grown'] / agents / 1024:>10.2f}"
        )
    if len(per_agent) > 1:
        coarse, fine = max(per_agent), min(per_agent)
        ratio = per_agent[fine] / per_agent[coarse]
        print(
            f"time per agent at k = {fine:g} / at k = {coarse:g}: {ratio:.2f}x "
            f"(target <= {TARGET_PER_AGENT:g}x)"
        )


if __name__ == "__main__":
    main()
