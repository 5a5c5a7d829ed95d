"""`python -m tui [SCENARIO] [--lesson NAME] [--workshop DIR] [--max-runs N]`: the terminal UI."""

import argparse
from pathlib import Path

from tui.app import main


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tui", description=__doc__)
    parser.add_argument("scenario", nargs="?", help="scenario to open (default: the baseline)")
    parser.add_argument("--workshop", type=Path, help="folder of a served workshop's spaces")
    parser.add_argument("--max-runs", type=int, help="simulations the room runs at once")
    parser.add_argument("--lesson", help="a lesson of configs/lessons (e.g. 01_kyc_bottleneck)")
    return parser.parse_args()


if __name__ == "__main__":  # the simulation's child process imports this module too
    arguments = _arguments()
    main(arguments.scenario, arguments.workshop, arguments.max_runs, arguments.lesson)
