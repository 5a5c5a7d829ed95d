"""Output files of a run: summary.json, scenario.resolved.yaml, timeseries.csv and events.csv."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from sim.engine import ReplicationResult
from sim.experiment import RunResult, config_hash, package_version, text_hash
from sim.files import RunFolder, write_text_atomic
from sim.loader import dump_yaml
from sim.summary import KPI_BY_NAME, ScorecardRow

SUMMARY, RESOLVED, TIMESERIES, EVENTS, SCORECARD = (
    "summary.json",
    "scenario.resolved.yaml",
    "timeseries.csv",
    "events.csv",
    "scorecard.csv",
)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _undefined(value: object) -> bool:
    """NaN: a ratio with nothing to divide by. Written as an empty cell (null), never as 0."""
    return isinstance(value, float) and math.isnan(value)


def summary_document(result: RunResult, resolved: str | None = None) -> dict[str, Any]:
    """summary.json; `resolved` is the scenario's canonical text when already made."""
    s = result.scenario
    return {
        "scenario": s.name,
        "seed": s.run.seed,
        "replications": len(result.replications),
        "days": s.run.days,
        "version": package_version(),
        "config_hash": text_hash(resolved) if resolved is not None else config_hash(s),
        "status": result.status,
        "error": result.error,
        "warnings": result.warnings,
        "wall_seconds": round(result.wall_seconds, 3),
        "kpis": {
            name: {
                "mean": _finite(est.mean),
                "ci95": [_finite(est.ci95[0]), _finite(est.ci95[1])] if est.ci95 else None,
                "unit": KPI_BY_NAME[name].unit,
            }
            for name, est in result.kpis.items()
        },
    }


def failure_document(scenario: str, error: str) -> dict[str, Any]:
    """The summary of a run that never started (e.g. an invalid scenario)."""
    return {
        "scenario": scenario,
        "seed": None,
        "replications": 0,
        "days": None,
        "version": package_version(),
        "config_hash": None,
        "status": "failed",
        "error": error,
        "warnings": [],
        "wall_seconds": 0.0,
        "kpis": {},
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    """A JSON file, written atomically (whole or not at all)."""
    write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_timeseries(path: Path, replications: list[ReplicationResult]) -> None:
    rows = [row for r in replications for row in r.rows]
    with path.open("w", newline="", encoding="utf-8") as handle:
        if not rows:
            handle.write("replication,day\n")
            return
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_events(path: Path, replications: list[ReplicationResult]) -> int:
    """One row per event: replication, time, kind, person (if any) and the other fields as JSON."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["replication", "t_h", "kind", "person", "fields"])
        for r in replications:
            for record in r.records or ():
                fields = record._asdict()
                t, person = fields.pop("t"), fields.pop("person", "")
                writer.writerow(
                    [
                        r.replication,
                        round(t, 6),
                        type(record).__name__,
                        person,
                        json.dumps(fields, ensure_ascii=False),
                    ]
                )
                count += 1
    return count


def write_scorecard(path: Path, replications: list[ReplicationResult]) -> None:
    """The AML detection scorecard: a row per typology and for legitimate customers."""
    names = [f.name for f in dataclasses.fields(ScorecardRow)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["replication", *names])
        for r in replications:
            for row in r.scorecard:
                cells = (getattr(row, name) for name in names)
                writer.writerow([r.replication, *("" if _undefined(c) else c for c in cells)])


def write_run_files(
    folder: Path, result: RunResult, trace: bool = False, extra: dict[str, Any] | None = None
) -> list[str]:
    """Write every output file of a run into `folder`, summary.json last (`extra` joins it)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [RESOLVED, TIMESERIES]
    resolved = dump_yaml(result.scenario)
    write_text_atomic(folder / RESOLVED, resolved)
    write_timeseries(folder / TIMESERIES, result.replications)
    if any(r.scorecard for r in result.replications):
        write_scorecard(folder / SCORECARD, result.replications)
        names.append(SCORECARD)
    if trace:
        write_events(folder / EVENTS, result.replications)
        names.append(EVENTS)
    write_json(folder / SUMMARY, {**summary_document(result, resolved), **(extra or {})})
    return [SUMMARY, *names]


def write_run(
    out: Path,
    result: RunResult,
    trace: bool = False,
    extra: dict[str, Any] | None = None,
    keep: bool = False,
) -> list[Path]:
    """Write a run's folder whole: built beside `out`, then moved into place (`sim.files`).

    Raises `sim.files.OutError` when `out` cannot be used or another run is writing there.
    """
    with RunFolder(out, keep) as folder:
        names = write_run_files(folder.path, result, trace, extra)
        final = folder.commit()
    return [final / name for name in names]
