"""Priors over the assumptions: a range for every parameter the library marks ASSUMPTION or grades
[C], read from `configs/priors/<regime>.yaml` and validated like scenarios.

Each prior is either an absolute range (`low`, `high`, typed like `--set` values: `2h`, `500 USD`)
or a `relative` one (`[0.5, 2]`: from half to twice the scenario's own value), so a reform's own
setting of a parameter stays its centre. `distribution` is `uniform` (default) or `loguniform`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError, clip
from sim.experiments.designs import currency, numeric, scale, unit_lhs
from sim.fields import FIELD_BY_PATH, value_at
from sim.library import library_root
from sim.loader import _read, leaf_paths, refuse_foreign
from sim.scenario import Scenario
from sim.units import Money

NUMERIC_KINDS = {"int", "float", "share", "duration", "money"}
REGIMES = {"kk_KZ": "kz", "tk_TM": "tm"}
_MARK = re.compile(r"ASSUMPTION|\[C\]")
_KEY = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Prior:
    path: str
    reason: str
    low: float | None = None
    high: float | None = None
    relative: tuple[float, float] | None = None
    distribution: str = "uniform"
    unit: str = "KZT"
    """Currency of an absolute money range."""

    def bounds(self, scenario: Scenario) -> tuple[float, float] | None:
        """The range for this scenario (None when the scenario's value cannot be scaled)."""
        spec = FIELD_BY_PATH[self.path]
        if self.relative is None:
            return (float(self.low or 0.0), float(self.high or 0.0))
        current = value_at(scenario, self.path)
        if isinstance(current, Money):
            current = current.amount
        if current is None or not isinstance(current, int | float) or not math.isfinite(current):
            return None
        low, high = current * self.relative[0], current * self.relative[1]
        if spec.minimum is not None:
            low = max(low, spec.minimum)
        if spec.maximum is not None:
            high = min(high, spec.maximum)
        return (low, high) if low < high else None

    def value(self, scenario: Scenario, u: float) -> Any:
        bounds = self.bounds(scenario)
        if bounds is None:
            return None
        unit = self.unit
        if self.relative is not None:
            current = value_at(scenario, self.path)
            unit = current.currency if isinstance(current, Money) else "KZT"
        log = self.distribution == "loguniform"
        return scale(self.path, u, bounds[0], bounds[1], log=log, unit=unit)


@dataclass(frozen=True)
class Priors:
    path: Path
    regime: str
    description: str
    priors: tuple[Prior, ...]

    def without(self, paths: Sequence[str]) -> Priors:
        """The same priors minus some paths (e.g. the levers a reform sets)."""
        kept = tuple(p for p in self.priors if p.path not in set(paths))
        return Priors(self.path, self.regime, self.description, kept)

    def sample(self, scenario: Scenario, samples: int, seed: int) -> list[dict[str, Any]]:
        """A Latin hypercube of `samples` worlds around `scenario` (path -> value per world)."""
        points = unit_lhs(len(self.priors), samples, seed)
        return [self.world(scenario, row) for row in points]

    def world(self, scenario: Scenario, unit_point: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """The values of one point of the unit cube (one coordinate per prior, in order)."""
        out = {}
        for prior, u in zip(self.priors, unit_point, strict=True):
            value = prior.value(scenario, float(u))
            if value is not None:
                out[prior.path] = value
        return out


def regime_of(scenario: Scenario) -> str:
    return REGIMES.get(scenario.population.locale, "kz")


def default_priors(scenario: Scenario) -> Path:
    """`configs/priors/<regime>.yaml` for the scenario's regime (its population locale)."""
    return library_root() / "priors" / f"{regime_of(scenario)}.yaml"


def _prior(path: str, entry: Any, where: str) -> tuple[Prior | None, list[str]]:
    shown = clip(path, 60)  # the file's own text, until it is known to be a scenario path
    if not isinstance(entry, Mapping):
        return None, [
            f"{shown}: expected a mapping with low/high or relative, and reason ({where})"
        ]
    unknown = set(entry) - {"low", "high", "relative", "distribution", "reason"}
    problems = [f"{shown}: unknown key '{clip(str(k), 40)}' ({where})" for k in sorted(unknown)]
    if path not in leaf_paths() or path not in FIELD_BY_PATH:
        return None, [f"{shown}: no such scenario path (see sandbox paths) ({where})"]
    spec = FIELD_BY_PATH[path]
    if spec.kind not in NUMERIC_KINDS:
        problems.append(f"{path}: a prior needs a numeric parameter, this is {spec.kind} ({where})")
    reason = str(entry.get("reason") or "").strip()
    if not reason:
        problems.append(f"{path}: reason is required: why this range? ({where})")
    distribution = entry.get("distribution", "uniform")
    if distribution not in {"uniform", "loguniform"}:
        problems.append(f"{path}: distribution must be uniform or loguniform ({where})")
    if problems:
        return None, problems
    if "relative" in entry:
        rel = entry["relative"]
        if not (
            isinstance(rel, list)
            and len(rel) == 2
            and all(isinstance(x, int | float) for x in rel)
            and 0 <= rel[0] < rel[1]
        ):
            return None, [
                f"{path}: relative must be [low, high] factors, 0 <= low < high ({where})"
            ]
        return Prior(
            path, reason, relative=(float(rel[0]), float(rel[1])), distribution=distribution
        ), []
    if "low" not in entry or "high" not in entry:
        return None, [f"{path}: give low and high, or relative ({where})"]
    try:
        low, high = numeric(path, entry["low"]), numeric(path, entry["high"])
    except ScenarioError as error:
        return None, [f"{p.replace('--vary ', '')} ({where})" for p in error.problems]
    problems = []
    if not low < high:
        problems.append(f"{path}: low must be below high ({where})")
    if spec.minimum is not None and low < spec.minimum:
        problems.append(f"{path}: low must be >= {spec.minimum:g} ({where})")
    if spec.maximum is not None and high > spec.maximum:
        problems.append(f"{path}: high must be <= {spec.maximum:g} ({where})")
    if distribution == "loguniform" and low <= 0:
        problems.append(f"{path}: a loguniform range needs low > 0 ({where})")
    if problems:
        return None, problems
    return Prior(path, reason, low, high, None, distribution, currency(entry["low"])), []


def load_priors(path: str | Path) -> Priors:
    """Read and validate a priors file; every problem is one line with its file and line."""
    path = Path(path)
    data, sources = _read(path)
    keys = ("regime", "description", "priors")
    refuse_foreign(path, data, keys, "priors file")
    problems = [
        f"unknown key '{clip(str(k), 40)}' ({sources.get((k,), path)})"
        for k in data
        if k not in keys
    ]
    entries = data.get("priors")
    if not isinstance(entries, Mapping) or not entries:
        raise ScenarioError([*problems, f"{path}: needs a 'priors:' mapping of path -> range"])
    priors = []
    for key, entry in entries.items():
        prior, found = _prior(str(key), entry, sources.get(("priors", str(key)), str(path)))
        problems.extend(found)
        if prior is not None:
            priors.append(prior)
    if problems:
        raise ScenarioError(problems)
    return Priors(
        path, str(data.get("regime", "")), str(data.get("description", "")), tuple(priors)
    )


def marked_paths(scenario_file: Path) -> dict[str, str]:
    """Scalar parameters a scenario file marks ASSUMPTION or grades [C]: path -> its comment."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    above = ""
    for line in scenario_file.read_text(encoding="utf-8").splitlines():
        code, _, comment = line.partition("#")
        if not code.strip():
            continued = len(line) - len(line.lstrip()) > 16  # a long comment's second line
            above = comment.strip() if _MARK.search(comment) and not continued else ""
            continue
        comment, above = f"{comment.strip()} {above}".strip(), ""
        match = _KEY.match(code)
        if not match or code.lstrip().startswith("-"):
            continue
        indent, key, value = len(match.group(1)), match.group(2), match.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([*(k for _, k in stack), key])
        if not value:
            stack.append((indent, key))
            continue
        if _MARK.search(comment) and path in FIELD_BY_PATH and not value.startswith("{"):
            found[path] = comment.strip()
    return found
