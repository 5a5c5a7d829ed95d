"""Fixtures for the workshop tests: the TUI tests' tiny scenario and scratch folder."""

from tests.tui.conftest import tiny, workdir

__all__ = ["tiny", "workdir"]
