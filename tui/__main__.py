"""`python -m tui [SCENARIO] [--lesson NAME] [--workshop DIR] [--max-runs N] [--facilitator]
[--roleplay DIR] [--no-run-ahead]`: the terminal UI, a workshop's facilitator view, or a
role-play team's screen."""

import argparse
from pathlib import Path

from tui.app import main


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tui", description=__doc__)
    parser.add_argument("scenario", nargs="?", help="scenario to open (default: the baseline)")
    parser.add_argument("--workshop", type=Path, help="folder of a served workshop's spaces")
    parser.add_argument("--max-runs", type=int, help="simulations the room runs at once")
    parser.add_argument("--lesson", help="a lesson of configs/lessons (e.g. 01_kyc_bottleneck)")
    parser.add_argument(
        "--facilitator", action="store_true", help="the facilitator's view of --workshop DIR"
    )
    parser.add_argument("--roleplay", type=Path, help="join the role-play world of this folder")
    parser.add_argument(
        "--no-run-ahead",
        dest="run_ahead",
        action="store_false",
        help="do not run the baseline's replications while you edit",
    )
    return parser.parse_args()


if __name__ == "__main__":  # the simulation's child process imports this module too
    arguments = _arguments()
    if arguments.roleplay is not None:
        from tui.workshop.roleplay import roleplay_main

        roleplay_main(arguments.roleplay, arguments.facilitator)
    elif arguments.facilitator:
        from tui.workshop.facilitator import facilitator_main

        facilitator_main(arguments.workshop or Path("."), arguments.lesson)
    else:
        main(
            arguments.scenario,
            arguments.workshop,
            arguments.max_runs,
            arguments.lesson,
            arguments.run_ahead,
        )
