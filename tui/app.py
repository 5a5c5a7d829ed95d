"""Placeholder until the TUI lands: runs the scenario headless and prints the summary."""

from __future__ import annotations


def main(scenario: str | None = None) -> None:
    from sim.cli import app

    app(["run", scenario or "configs/aifc_pilot_2022.yaml"])
