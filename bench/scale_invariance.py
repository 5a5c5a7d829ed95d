"""Benchmark of validity: does the scale factor alone move the baseline's KPIs? (issue 7 §1)

Runs the same scenario at two scale factors (the same seed and replications) and prints, per KPI,
both means, the relative difference, and whether the two agree within their 95% CIs plus 5% of the
mean: the metamorphic test that issue 7 §1 asks for, as a figure until the engine passes it. The
finer scale costs k_coarse / k_fine times more.

    .venv/bin/python bench/scale_invariance.py [SCENARIO] [--scales 25,12.5] [--days 180] [-r 4]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from sim import load_scenario
from sim.experiment import run
from sim.summary import KPI_BY_NAME

BASELINE = Path(__file__).resolve().parent.parent / "configs" / "aifc_pilot_2022.yaml"
SLACK = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(BASELINE))
    parser.add_argument("--scales", default="25,12.5")
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("-r", "--replications", type=int, default=4)
    args = parser.parse_args()
    coarse, fine = (float(k) for k in args.scales.split(","))
    results = [
        run(
            load_scenario(
                args.scenario, [f"run.days={args.days}", f"population.scale_factor={k:g}"]
            ),
            args.replications,
        ).kpis
        for k in (coarse, fine)
    ]
    print(f"{Path(args.scenario).name}, {args.days} days, {args.replications} replications each")
    print(f"{'KPI':<36} {f'k = {coarse:g}':>14} {f'k = {fine:g}':>14} {'change':>8}  agree")
    moved = 0
    for name, a in results[0].items():
        b = results[1][name]
        if name not in KPI_BY_NAME:
            continue
        same = a.agrees_with(b, SLACK)
        moved += not same
        relative = (b.mean - a.mean) / abs(a.mean) if a.mean and not math.isnan(a.mean) else None
        change = "—" if relative is None else f"{relative:+.1%}"
        print(
            f"{name:<36} {a.mean:>14,.4g} {b.mean:>14,.4g} {change:>8}  {'yes' if same else 'NO'}"
        )
    print(f"{moved} KPIs moved with the scale alone (beyond their CIs plus {SLACK:.0%})")


if __name__ == "__main__":
    main()
