"""The scenario library: the YAML files under `configs/`, each with its name and description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.files import library_root as library_root
from sim.loader import ScenarioError, load_scenario


@dataclass(frozen=True)
class Entry:
    path: Path
    name: str
    description: str
    error: str | None = None


NOT_SCENARIOS = {"priors", "targets"}
"""Folders of the library that hold other files than scenarios (priors, published targets)."""


def entries(paths: list[Path], allow: Sequence[Path] = ()) -> list[Entry]:
    """Each file's name and description, or why it does not load (`allow`: see load_scenario)."""
    found = []
    for path in paths:
        try:
            scenario = load_scenario(path, (), allow)
            found.append(Entry(path, scenario.name, scenario.description))
        except ScenarioError as error:
            found.append(Entry(path, path.stem, "", f"invalid: {error.problems[0]}"))
    return found


def library(root: Path | None = None) -> list[Entry]:
    """Every scenario under the library root, top level first, then sub-folders (target files in
    `targets/` are not scenarios)."""
    root = root or library_root()
    paths = sorted(
        (p for p in root.rglob("*.yaml") if not NOT_SCENARIOS & set(p.relative_to(root).parts)),
        key=lambda p: (len(p.relative_to(root).parts), str(p)),
    )
    return entries(paths)
