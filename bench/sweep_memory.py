"""Benchmark: peak memory of a 200-cell sweep against a 10-cell one (rows stream to disk, so the
peak should not grow with the sweep: target within 1.2x). Each size runs in a fresh process on one
in-process worker, so the figure is the whole sweep's peak resident set. Prints figures."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import resource, sys, time
from pathlib import Path
from sim.experiments import LocalExecutor, ScenarioBuilder, parse_vary, sweep

cells, folder = int(sys.argv[1]), Path(sys.argv[2])
builder = ScenarioBuilder(sys.argv[3], ["run.days=10", "population.scale_factor=500"])
factors = [parse_vary("kyc.reviewers=1.." + str(1 + cells))]
started = time.perf_counter()
result = sweep(builder, factors, folder, LocalExecutor(1), "lhs", samples=cells)
assert len(result.cells) == cells and not result.failures
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{peak:.1f} {time.perf_counter() - started:.1f}")
"""


def peak_mib(cells: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(cells),
                folder,
                str(ROOT / "configs" / "aifc_pilot_2022.yaml"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    peak, wall = (float(x) for x in done.stdout.split())
    print(f"{cells:>4} cells: peak RSS {peak:6.1f} MiB  ({wall:.1f} s)", flush=True)
    return peak


def main() -> None:
    small, large = peak_mib(10), peak_mib(200)
    print(f"200 cells / 10 cells: {large / small:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
