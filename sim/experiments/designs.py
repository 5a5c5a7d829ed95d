"""Experiment designs: the cells of a sweep (a full grid, or a Latin hypercube over ranges).

A cell is a mapping of dotted scenario paths to values, applied on top of one base scenario exactly
like `--set path=value`. Every design is deterministic: the same arguments give the same cells.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.fields import FIELD_BY_PATH
from sim.loader import leaf_paths, parse_override
from sim.units import parse_duration, parse_money

Values = dict[str, Any]
"""Dotted path -> value (a number, or text as `--set` reads it)."""


@dataclass(frozen=True)
class Factor:
    """One varied path: either a list of values (grid) or a numeric range (sampled)."""

    path: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str = "KZT"
    """The currency of a money range."""

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None


def numeric(path: str, text: Any) -> float:
    """A number from a value as typed for `path` (durations in hours, money in tenge)."""
    if isinstance(text, bool):
        raise ScenarioError([f"--vary {path}: expected a number, got {text!r}"])
    if isinstance(text, int | float):
        return float(text)
    kind = FIELD_BY_PATH[path].kind if path in FIELD_BY_PATH else ""
    try:
        if kind == "duration":
            return parse_duration(text)
        if kind == "money":
            return parse_money(text).amount
        return float(str(text).replace("_", ""))
    except (ValueError, TypeError):
        raise ScenarioError([f"--vary {path}: expected a number, got {text!r}"]) from None


def parse_vary(text: str) -> Factor:
    """`kyc.reviewers=2,4,8` (values) or `kyc.reviewers=2..8` (a range for sampled designs)."""
    try:
        return _parse_vary(text)
    except ScenarioError as error:
        raise ScenarioError([p.replace("--set ", "--vary ", 1) for p in error.problems]) from None


def parse_factors(texts: Sequence[str]) -> list[Factor]:
    """Every `--vary`, or a `ScenarioError` listing every problem."""
    factors, problems = [], []
    for text in texts:
        try:
            factors.append(parse_vary(text))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return factors


def _parse_vary(text: str) -> Factor:
    path, sep, rest = text.partition("=")
    path = path.strip()
    if not sep or not path or not rest.strip():
        raise ScenarioError([f"--vary {text}: expected path=v1,v2,... or path=low..high"])
    if path not in leaf_paths():
        parse_override(text)  # raises with a 'did you mean'
    if ".." in rest:
        low_text, _, high_text = rest.partition("..")
        low, high = numeric(path, low_text.strip()), numeric(path, high_text.strip())
        if not low < high:
            raise ScenarioError([f"--vary {text}: the range must have low < high"])
        return Factor(path, low=low, high=high, unit=currency(low_text.strip()))
    values = tuple(v.strip() for v in rest.split(",") if v.strip())
    if not values:
        raise ScenarioError([f"--vary {text}: no values"])
    for value in values:
        parse_override(f"{path}={value}")  # each value reads as the field's type
    return Factor(path, values=values)


def grid(factors: Sequence[Factor]) -> list[Values]:
    """Every combination of the factors' values (the first factor varies slowest)."""
    problems = [f"--vary {f.path}: a grid needs listed values, not a range" for f in factors]
    problems = [p for p, f in zip(problems, factors, strict=True) if f.is_range]
    if problems:
        raise ScenarioError(problems)
    combos = itertools.product(*(f.values for f in factors))
    return [dict(zip((f.path for f in factors), combo, strict=True)) for combo in combos]


def unit_lhs(dimensions: int, samples: int, seed: int) -> np.ndarray:
    """A Latin hypercube in [0, 1)^d; the same seed gives the same points."""
    from scipy.stats import qmc  # imported here: scipy.stats costs half a second at start-up

    sampler = qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed))
    points: np.ndarray = sampler.random(samples)
    return points


def currency(text: Any) -> str:
    """The currency of a money value as typed (`1000 USD` -> USD; a bare number is tenge)."""
    try:
        return parse_money(text).currency
    except ValueError:
        return "KZT"


def scale(
    path: str, u: float, low: float, high: float, log: bool = False, unit: str = "KZT"
) -> Any:
    """A unit draw mapped onto [low, high] (log-uniform if `log`), typed for the path."""
    if log and low > 0:
        value = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        value = low + u * (high - low)
    kind = FIELD_BY_PATH[path].kind if path in FIELD_BY_PATH else ""
    if kind == "int":
        return round(value)
    if kind == "money":
        return f"{value:.0f} {unit}"
    return float(value)


def lhs(factors: Sequence[Factor], samples: int, seed: int) -> list[Values]:
    """A Latin hypercube of `samples` cells over the factors' ranges (a value list is its range)."""
    ranges: list[tuple[float, float, str]] = []
    for f in factors:
        if f.low is not None and f.high is not None:
            ranges.append((f.low, f.high, f.unit))
            continue
        numbers = [numeric(f.path, v) for v in f.values]
        if min(numbers) == max(numbers):
            raise ScenarioError([f"--vary {f.path}: a sampled design needs a range"])
        ranges.append((min(numbers), max(numbers), currency(f.values[0])))
    points = unit_lhs(len(factors), samples, seed)
    return [
        {
            f.path: scale(f.path, float(u), lo, hi, unit=unit)
            for f, u, (lo, hi, unit) in zip(factors, row, ranges, strict=True)
        }
        for row in points
    ]


def describe(factors: Sequence[Factor]) -> list[dict[str, Any]]:
    """The factors as JSON-ready data for sweep.json."""
    return [
        {"path": f.path, "low": f.low, "high": f.high}
        if f.is_range
        else {"path": f.path, "values": list(f.values)}
        for f in factors
    ]


def label(values: Mapping[str, Any]) -> str:
    """A short readable name of a cell: `kyc.reviewers=4, banks.partner_banks=2`."""
    return ", ".join(
        f"{p}={v:g}" if isinstance(v, float) else f"{p}={v}" for p, v in values.items()
    )
