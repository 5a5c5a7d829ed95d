"""Published targets as data: target files, the measure each names over a run, and its verdict.

A target file (`configs/targets/<regime>.yaml`) lists published figures, each with what it
measures in the model (a KPI over the run, or a sum, mean, ratio, level at a date or first date
over the daily timeseries), an accepted range and its source in the fact sheet. A scenario names
its file with `targets:`; `sandbox targets SCENARIO` runs it and checks every target whose period
lies inside the run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.engine import ReplicationResult
from sim.errors import ScenarioError, clip
from sim.scenario import Scenario
from sim.summary import KPI_BY_NAME, Estimate, estimate

Measure = Literal["kpi", "sum", "mean", "ratio", "at", "first"]
LEVELS = (
    "licensed_exchanges",
    "exchanges_with_bank",
    "unlicensed_platforms",
    "kyc_queue_length",
    "kyc_expected_wait_h",
    "merchant_uptake",
    "capital_outflow_cum_kzt",
    "btc_usd",
    "grey_mw",
)
"""Timeseries columns that are end-of-day levels; every other column is the day's flow."""
_SOURCE = re.compile(r"^facts §\d+(\.\d+)? .*\[(A|B|C)(/[ABC])?\]")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Target(_Strict):
    """One published figure and how the model's run is measured against it."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    """Short snake_case name, shown in the verdict."""
    measure: Measure
    """kpi: a KPI over the whole run; sum / mean: of a daily timeseries column over the period;
    ratio: sum of `of` / sum of `per` over the period; at: a column's level on `date`;
    first: the first date in the period on which the column is above zero."""
    of: str
    """A KPI name or a timeseries column (e.g. receipts_mining_kzt, licensed_exchanges)."""
    per: str | None = None
    """Denominator column of a ratio."""
    period: tuple[dt.date, dt.date] | None = None
    """First and last day (inclusive) of a sum, mean, ratio or first; none = the whole run."""
    date: dt.date | None = None
    """Day of an `at` measure (its end-of-day level)."""
    range: tuple[float | dt.date, float | dt.date]
    """Accepted [low, high], inclusive (dates for `first`)."""
    currency: Literal["KZT", "USD"] = "KZT"
    """USD: model tenge are converted at the scenario's market.usd_kzt in force at the end."""
    one_minus: bool = False
    """Compare 1 - the measure (e.g. the false-positive share is 1 - aml_precision)."""
    source: str = Field(min_length=1)
    """Where the figure comes from: `facts §N [grade]` (grade A, B or C; U is never a target)."""
    note: str = Field(min_length=1)
    """Definitions: what the published figure counts and how the model's measure matches it."""

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if not _SOURCE.match(self.source) or "[U]" in self.source:
            raise ValueError(
                f"source must read 'facts §N ... [A|B|C]' (grade U figures are not targets), "
                f"got {self.source!r}"
            )
        low, high = self.range
        dates = isinstance(low, dt.date) and isinstance(high, dt.date)
        if (self.measure == "first") != dates:
            raise ValueError("range: dates for a `first` measure, numbers for any other")
        if low > high:  # type: ignore[operator]
            raise ValueError(f"range: low {low} is above high {high}")
        if (self.measure == "at") != (self.date is not None):
            raise ValueError("date: required by an `at` measure, and only by it")
        if (self.measure == "ratio") != (self.per is not None):
            raise ValueError("per: required by a `ratio` measure, and only by it")
        if self.measure in ("kpi", "at") and self.period is not None:
            raise ValueError(f"period: not used by a `{self.measure}` measure")
        if self.measure == "kpi" and self.of not in KPI_BY_NAME:
            raise ValueError(f"of: '{self.of}' is not a KPI")
        if self.period is not None and self.period[0] > self.period[1]:
            raise ValueError("period: the first day is after the last")
        return self

    @property
    def low(self) -> float | dt.date:
        return self.range[0]

    @property
    def high(self) -> float | dt.date:
        return self.range[1]

    def describe(self) -> str:
        """The measure in words: `sum receipts_mining_kzt 2022-07-01..2025-06-30 (USD)`."""
        what = f"{self.of}/{self.per}" if self.per else self.of
        when = (
            f" on {self.date}"
            if self.date
            else f" {self.period[0]}..{self.period[1]}"
            if self.period
            else ""
        )
        prefix = "1 - " if self.one_minus else ""
        unit = " (USD)" if self.currency == "USD" else ""
        return f"{prefix}{self.measure} {what}{when}{unit}"


class TargetFile(_Strict):
    """A regime's published targets."""

    regime: str = Field(min_length=1)
    """The regime these figures describe (e.g. Kazakhstan, AIFC 2022-2025)."""
    description: str = ""
    """What the file is for."""
    targets: tuple[Target, ...] = Field(min_length=1)
    """The targets, each a published figure."""

    @model_validator(mode="after")
    def _unique(self) -> TargetFile:
        names = [t.name for t in self.targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target names must be unique; repeated: {', '.join(twice)}")
        return self


def load_targets(path: str | Path) -> TargetFile:
    """A target file, validated; every problem is one line with its file and line."""
    from sim.loader import _locate, _message, _read, refuse_foreign

    data, sources = _read(Path(path))
    refuse_foreign(Path(path), data, tuple(TargetFile.model_fields), "target file")
    try:
        return TargetFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(
                clip(str(p), 40) for p in error["loc"] if not str(p).startswith("function-")
            )
            problems.append(f"{'.'.join(loc)}: {_message(error, loc)} ({_locate(loc, sources)})")
        raise ScenarioError(problems) from None


def targets_of(scenario: Scenario) -> TargetFile:
    """The target file the scenario names with `targets:`."""
    if not scenario.targets:
        raise ScenarioError(
            [f"{scenario.name}: names no target file (add `targets: targets/<regime>.yaml`)"]
        )
    return load_targets(scenario.targets)


# --- measuring a run ----------------------------------------------------------------------------


def _usd_kzt_on(scenario: Scenario, day: dt.date) -> float:
    """The scenario's tenge per US dollar in force on a day (dated rules included)."""
    rate = scenario.market.usd_kzt
    for rule in sorted(scenario.rules, key=lambda r: r.date):
        if rule.date <= day and "market.usd_kzt" in rule.values:
            rate = float(rule.values["market.usd_kzt"])  # type: ignore[arg-type]
    return rate


def window(scenario: Scenario) -> tuple[dt.date, dt.date]:
    """First and last simulated day."""
    start = scenario.run.start_date
    return start, start + dt.timedelta(days=scenario.run.days - 1)


def outside_run(target: Target, scenario: Scenario) -> str | None:
    """Why the target cannot be checked on this run (its period is not inside it), or None."""
    first, last = window(scenario)
    days = [target.date] if target.date else list(target.period or ())
    for day in days:
        if not first <= day <= last:
            return f"outside the run ({first}..{last})"
    return None


def _column(rows: Sequence[dict[str, Any]], name: str) -> list[float]:
    if rows and name not in rows[0]:
        raise ScenarioError([f"no timeseries column '{name}' (see README, Outputs)"])
    return [float(row[name]) for row in rows]


def measure(target: Target, scenario: Scenario, result: ReplicationResult) -> float:
    """The target's measure on one replication (in the target's units; `first`: day index)."""
    rows = result.rows
    first, last = window(scenario)
    if target.measure == "kpi":
        value = result.kpis[target.of]
        end = last
    elif target.measure == "at":
        wanted = target.date.isoformat() if target.date else ""
        values = [
            v
            for row, v in zip(rows, _column(rows, target.of), strict=True)
            if row["date"] == wanted
        ]
        value = values[0] if values else math.nan
        end = target.date or last
    else:
        start, end = target.period or (first, last)
        inside = [start.isoformat() <= row["date"] <= end.isoformat() for row in rows]
        series = [v for v, keep in zip(_column(rows, target.of), inside, strict=True) if keep]
        if target.measure == "sum":
            value = sum(series)
        elif target.measure == "mean":
            value = sum(series) / len(series) if series else math.nan
        elif target.measure == "ratio":
            per = [
                v for v, keep in zip(_column(rows, target.per or ""), inside, strict=True) if keep
            ]
            value = sum(series) / sum(per) if sum(per) else math.nan
        else:  # first
            dates = [row["date"] for row, keep in zip(rows, inside, strict=True) if keep]
            hit = next((d for d, v in zip(dates, series, strict=True) if v > 0), None)
            return (dt.date.fromisoformat(hit) - first).days if hit else math.nan
    if target.currency == "USD":
        value /= _usd_kzt_on(scenario, end)
    return 1.0 - value if target.one_minus else value


@dataclass(frozen=True)
class Check:
    """A target's verdict on a run: inside its range, outside it, or not checkable (skipped)."""

    target: Target
    estimate: Estimate
    inside: bool | None
    skipped: str | None = None


def check(
    target_file: TargetFile, scenario: Scenario, results: Sequence[ReplicationResult]
) -> list[Check]:
    """Every target's verdict on the replications of a run (the mean must lie in the range)."""
    start = scenario.run.start_date
    checks = []
    for target in target_file.targets:
        why = outside_run(target, scenario)
        if why:
            checks.append(Check(target, Estimate(math.nan, None), None, why))
            continue
        est = estimate([measure(target, scenario, r) for r in results if r.rows])
        low, high = target.range
        if isinstance(low, dt.date) and isinstance(high, dt.date):
            low_v: float = (low - start).days
            high_v: float = (high - start).days
        else:
            low_v, high_v = float(low), float(high)  # type: ignore[arg-type]
        inside = not math.isnan(est.mean) and low_v <= est.mean <= high_v
        checks.append(Check(target, est, inside))
    return checks


def as_date(scenario: Scenario, day: float) -> str:
    """A day index of the run as an ISO date (for `first` measures)."""
    if math.isnan(day):
        return "never"
    return (scenario.run.start_date + dt.timedelta(days=round(day))).isoformat()


def document(checks: Sequence[Check], scenario: Scenario) -> list[dict[str, Any]]:
    """The verdicts as JSON-ready objects (dates as ISO text for `first` measures)."""
    out = []
    for c in checks:
        t, est = c.target, c.estimate
        is_date = t.measure == "first"

        def value(v: float, is_date: bool = is_date) -> float | str | None:
            if math.isnan(v):
                return None
            return as_date(scenario, v) if is_date else v

        low, high = t.range
        out.append(
            {
                "name": t.name,
                "measure": t.describe(),
                "low": low.isoformat() if isinstance(low, dt.date) else low,
                "high": high.isoformat() if isinstance(high, dt.date) else high,
                "mean": value(est.mean),
                "ci95": [value(est.ci95[0]), value(est.ci95[1])] if est.ci95 else None,
                "inside": c.inside,
                "skipped": c.skipped,
                "source": t.source,
                "note": t.note,
            }
        )
    return out
