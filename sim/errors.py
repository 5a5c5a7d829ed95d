"""The one error type a user sees about a scenario: every problem as a complete, short line."""

from __future__ import annotations

from collections.abc import Sequence

MAX_PROBLEMS = 20
"""At most a screenful of problems; the rest are counted ("and N more")."""
MAX_QUOTE = 60
"""Longest piece of a file (a key or a value) an error quotes."""


def clip(text: str, limit: int = MAX_QUOTE) -> str:
    """`text` cut to `limit` characters (with an ellipsis), on one line."""
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ScenarioError(Exception):
    """One or more problems with a scenario, each a complete, human-readable line."""

    def __init__(self, problems: Sequence[str]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS + 1
            problems = [*problems[: MAX_PROBLEMS - 1], f"and {more} more"]
        self.problems = problems
        super().__init__("\n".join(self.problems))
