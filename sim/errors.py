"""The one error type a user sees about a scenario: every problem as a complete line."""

from __future__ import annotations

from collections.abc import Sequence


class ScenarioError(Exception):
    """One or more problems with a scenario, each a complete, human-readable line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
