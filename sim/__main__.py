"""`python -m sim` is the `sandbox` command line."""

from sim.cli import main

main()
