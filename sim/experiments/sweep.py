"""Sweeps: many cells, each with its replications on common random numbers, streamed to disk.

Files in the output folder:

* `sweep.json`: the design (base scenario, factors, every cell's values), written first and
  rewritten at the end with the counts;
* `cells.csv`: one tidy row per cell x replication x KPI (a failed job is one row with its error),
  appended as jobs finish, so a killed sweep loses no finished job and memory stays flat;
* `summary.csv`: per cell and KPI, the mean and 95% interval over the replications.

Running the same sweep into the same folder resumes it: jobs already in `cells.csv` are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, clip
from sim.experiment import config_hash, package_version
from sim.experiments.designs import Factor, Values, describe, grid, label, lhs
from sim.experiments.executors import Executor
from sim.experiments.jobs import Job, JobResult, ScenarioBuilder
from sim.size import check_size
from sim.summary import KPIS, Estimate, estimate

SWEEP, CELLS, CELL_SUMMARY = "sweep.json", "cells.csv", "summary.csv"


@dataclass(frozen=True)
class Cell:
    values: Values
    arm: str = ""
    """Which scenario the values apply to, when a study has several (baseline, reform)."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    failed: int
    skipped: int


@dataclass
class SweepResult:
    out: Path
    cells: list[Cell]
    replications: int
    estimates: dict[int, dict[str, Estimate]]
    """Cell index -> KPI -> mean and 95% interval over its replications."""
    values: dict[int, dict[str, list[float]]]
    """Cell index -> KPI -> the value of each finished replication (in replication order)."""
    failures: dict[tuple[int, int], str]
    ran: int
    skipped: int
    wall_seconds: float
    document: dict[str, Any] = field(default_factory=dict)


def write_json_atomic(path: Path, document: Mapping[str, Any]) -> None:
    """Write JSON to a temporary file and move it into place: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(temporary, path)


def _columns(cells: Sequence[Cell]) -> list[str]:
    paths: dict[str, None] = {}
    for cell in cells:
        paths.update(dict.fromkeys(cell.values))
    arms = ["arm"] if any(c.arm for c in cells) else []
    return ["cell", "replication", *arms, *paths, "kpi", "value", "status", "error"]


def _rows(result: JobResult, cell: Cell, columns: list[str]) -> str:
    """All of a job's rows as one piece of text, so it is appended with one write."""
    base: dict[str, Any] = {"cell": result.cell, "replication": result.replication}
    base.update(cell.values)
    if "arm" in columns:
        base["arm"] = cell.arm
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    if result.status != "ok":
        writer.writerow({**base, "status": "failed", "error": result.error or "failed"})
    for name, value in result.kpis.items():
        writer.writerow({**base, "kpi": name, "value": repr(value), "status": "ok"})
    return buffer.getvalue()


def read_cells(path: Path) -> Iterator[dict[str, str]]:
    """The complete rows of a cells.csv (a half-written last line after a kill is ignored)."""
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if None not in row.values() and None not in row:
                yield row


def _finished(path: Path) -> set[tuple[int, int]]:
    """Jobs whose rows are all on disk; rewrites the file without any half-written job."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    failed: set[tuple[int, int]] = set()
    for row in read_cells(path):
        key = (int(row["cell"]), int(row["replication"]))
        if row["status"] == "failed":
            failed.add(key)
        else:
            counts[key] += 1
    done = failed | {key for key, n in counts.items() if n == len(KPIS)}
    partial = set(counts) - done
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if partial or (text and not text.endswith("\n")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            names = list(reader.fieldnames or [])
            keep = [
                r
                for r in reader
                if None not in r.values() and (int(r["cell"]), int(r["replication"])) in done
            ]
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(keep)
        os.replace(temporary, path)
    return done


def check_all(builders: Mapping[str, ScenarioBuilder], cells: Sequence[Cell]) -> None:
    """Validate and size every cell before running any: a `ScenarioError` names each problem
    once (a cell too big for its builder's `max_agents` is one, saying what to change)."""
    problems: dict[str, None] = {}
    for i, cell in enumerate(cells):
        builder = builders[cell.arm]
        try:
            scenario = builder.build(cell.values)
        except ScenarioError as error:
            problems.update(dict.fromkeys(error.problems))
            continue
        where = f"cell {i} ({clip(label(cell.values), 60)})" if cell.values else scenario.name
        for problem in check_size(scenario, builder.max_agents):
            problems[f"{where}: {problem}"] = None
    if problems:
        raise ScenarioError(list(problems))


def design_hash(builders: Mapping[str, ScenarioBuilder], cells: Sequence[Cell], reps: int) -> str:
    text = json.dumps(
        {
            "scenarios": {arm: config_hash(b.base) for arm, b in sorted(builders.items())},
            "replications": reps,
            "cells": [[c.arm, {k: str(v) for k, v in c.values.items()}] for c in cells],
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_cells(
    builders: Mapping[str, ScenarioBuilder],
    cells: Sequence[Cell],
    replications: int,
    out: Path,
    executor: Executor,
    document: Mapping[str, Any],
    progress: Callable[[Progress], None] | None = None,
) -> SweepResult:
    """Run every cell's replications (skipping those already in `out`), streaming rows to disk.

    `builders` maps each cell's `arm` to its scenario; `document` is the study's design, saved in
    sweep.json. Raises `ScenarioError` if a cell's values are invalid or `out` holds another study.
    """
    started = time.perf_counter()
    key = design_hash(builders, cells, replications)
    sweep_file, cells_file = out / SWEEP, out / CELLS
    if sweep_file.is_file():
        try:
            previous = json.loads(sweep_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
        if previous.get("design_hash") != key:
            raise ScenarioError(
                [f"{out} holds a different study; choose another --out or remove that folder"]
            )
    check_all(builders, cells)
    columns = _columns(cells)
    doc: dict[str, Any] = {
        **document,
        "design_hash": key,
        "version": package_version(),
        "replications": replications,
        "seed": next(iter(builders.values())).base.run.seed,
        "cells": [
            {"cell": i, **({"arm": c.arm} if c.arm else {}), "values": c.values}
            for i, c in enumerate(cells)
        ],
        "status": "running",
    }
    write_json_atomic(sweep_file, doc)
    done = _finished(cells_file)
    if not cells_file.is_file():
        cells_file.write_text(",".join(columns) + "\n", encoding="utf-8")

    def jobs() -> Iterator[Job]:
        """Built as the executor asks for them: one scenario in memory per cell in flight."""
        for i, cell in enumerate(cells):
            wanted = [r for r in range(replications) if (i, r) not in done]
            if wanted:
                scenario = builders[cell.arm].build(cell.values)
                yield from (Job(i, r, scenario) for r in wanted)

    total, skipped, failed = len(cells) * replications, len(done), 0
    count = skipped
    if progress is not None:
        progress(Progress(count, total, failed, skipped))
    with executor, cells_file.open("a", newline="", encoding="utf-8") as handle:
        for job_result in executor.map(jobs()):
            handle.write(_rows(job_result, cells[job_result.cell], columns))
            handle.flush()
            os.fsync(handle.fileno())
            count += 1
            failed += job_result.status != "ok"
            if progress is not None:
                progress(Progress(count, total, failed, skipped))
    result = collect(out, cells, replications)
    result.ran, result.skipped = total - skipped, skipped
    result.wall_seconds = time.perf_counter() - started
    doc.update(
        status="done" if not result.failures else "done with failures",
        jobs=total,
        ran=total - skipped,
        skipped=skipped,
        failed=len(result.failures),
        wall_seconds=round(result.wall_seconds, 3),
    )
    result.document = doc
    write_json_atomic(sweep_file, doc)
    write_summary(out / CELL_SUMMARY, result)
    return result


def collect(out: Path, cells: Sequence[Cell], replications: int) -> SweepResult:
    """Read a study's cells.csv back: per cell and KPI the replication values and estimates."""
    by_rep: dict[int, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    failures: dict[tuple[int, int], str] = {}
    for row in read_cells(out / CELLS):
        cell, rep = int(row["cell"]), int(row["replication"])
        if row["status"] == "failed":
            failures[(cell, rep)] = row["error"]
        else:
            by_rep[cell][row["kpi"]][rep] = float(row["value"])
    values = {
        cell: {kpi: [reps[r] for r in sorted(reps)] for kpi, reps in kpis.items()}
        for cell, kpis in by_rep.items()
    }
    estimates = {cell: {k: estimate(v) for k, v in kpis.items()} for cell, kpis in values.items()}
    return SweepResult(out, list(cells), replications, estimates, values, failures, 0, 0, 0.0)


def write_summary(path: Path, result: SweepResult) -> None:
    """summary.csv: per cell and KPI, the replications counted, the mean and the 95% interval."""
    columns = _columns(result.cells)
    names = [c for c in columns if c not in {"replication", "value", "status", "error"}]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*names, "n", "mean", "ci_low", "ci_high"])
        writer.writeheader()
        for i, cell in enumerate(result.cells):
            for kpi, est in result.estimates.get(i, {}).items():
                low, high = est.ci95 if est.ci95 else (math.nan, math.nan)
                row: dict[str, Any] = {"cell": i, **cell.values, "kpi": kpi}
                if "arm" in names:
                    row["arm"] = cell.arm
                n = sum(not math.isnan(v) for v in result.values[i][kpi])
                writer.writerow({**row, "n": n, "mean": est.mean, "ci_low": low, "ci_high": high})


def sweep(
    builder: ScenarioBuilder,
    factors: Sequence[Factor],
    out: Path,
    executor: Executor,
    design: str = "grid",
    samples: int = 10,
    replications: int = 1,
    progress: Callable[[Progress], None] | None = None,
) -> SweepResult:
    """Vary `factors` over `builder`'s scenario: a full grid, or a Latin hypercube of `samples`."""
    seed = builder.base.run.seed
    values = grid(factors) if design == "grid" else lhs(factors, samples, seed)
    document = {
        "kind": "sweep",
        "scenario": str(builder.path),
        "scenario_name": builder.base.name,
        "config_hash": config_hash(builder.base),
        "days": builder.base.run.days,
        "design": {"kind": design, "samples": samples if design == "lhs" else None},
        "factors": describe(factors),
    }
    cells = [Cell(v) for v in values]
    return run_cells({"": builder}, cells, replications, out, executor, document, progress)
