"""`python -m tui [SCENARIO]` opens the terminal UI."""

import sys

from tui.app import main

main(sys.argv[1] if len(sys.argv) > 1 else None)
