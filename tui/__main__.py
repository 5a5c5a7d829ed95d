"""`python -m tui [SCENARIO]` opens the terminal UI."""

import sys

from tui.app import main

if __name__ == "__main__":  # the simulation's child process imports this module too
    main(sys.argv[1] if len(sys.argv) > 1 else None)
