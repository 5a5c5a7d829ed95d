"""`python -m tui [SCENARIO] [--workshop DIR] [--max-runs N]` opens the terminal UI."""

import argparse
from pathlib import Path

from tui.app import main


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tui", description=__doc__)
    parser.add_argument("scenario", nargs="?", help="scenario to open (default: the baseline)")
    parser.add_argument("--workshop", type=Path, help="folder of a served workshop's spaces")
    parser.add_argument("--max-runs", type=int, help="simulations the room runs at once")
    return parser.parse_args()


if __name__ == "__main__":  # the simulation's child process imports this module too
    arguments = _arguments()
    main(arguments.scenario, arguments.workshop, arguments.max_runs)
