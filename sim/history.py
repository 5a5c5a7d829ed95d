"""What goes into the run history for each kind of result (the store itself is `sim.store`)."""

from __future__ import annotations

import io
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sim.experiment import Comparison, RunResult, config_hash, package_version
from sim.fields import FIELD_BY_PATH, changes, display_value
from sim.loader import dump_yaml
from sim.scenario import Scenario
from sim.store import Entry, KpiRow, RunStore
from sim.summary import Estimate


def command_line() -> str:
    return shlex.join(["sandbox", *sys.argv[1:]])


def kpi_rows(arm: str, estimates: Mapping[str, Estimate]) -> list[KpiRow]:
    return [
        KpiRow(arm, name, e.mean, *(e.ci95 if e.ci95 else (None, None)))
        for name, e in estimates.items()
    ]


def _manifest(scenario: Scenario, replications: int) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "scenario_hash": config_hash(scenario),
        "scenario": dump_yaml(scenario),
        "seed": scenario.run.seed,
        "replications": replications,
        "days": scenario.run.days,
        "version": package_version(),
        "command": command_line(),
    }


def run_entry(
    result: RunResult, out: Path | None = None, **details: Any
) -> tuple[Entry, list[KpiRow]]:
    entry = Entry(
        kind="run",
        status=result.status,
        error=result.error,
        wall_seconds=round(result.wall_seconds, 3),
        out_dir=str(out.resolve()) if out else None,
        details=details,
        **_manifest(result.scenario, len(result.replications)),
    )
    return entry, kpi_rows("", result.kpis)


def comparison_entry(
    comparison: Comparison, out: Path | None = None, **details: Any
) -> tuple[Entry, list[KpiRow]]:
    base, reform = comparison.baseline, comparison.reform
    failed = [r for r in (base, reform) if r.status != "ok"]
    manifest = _manifest(reform.scenario, len(base.replications))
    manifest["name"] = comparison.label  # the reform by its changes if it shares the name
    entry = Entry(
        kind="compare",
        status="failed" if failed else "ok",
        error="; ".join(r.error or "" for r in failed) or None,
        wall_seconds=round(base.wall_seconds, 3),
        out_dir=str(out.resolve()) if out else None,
        details={
            "baseline": base.scenario.name,
            "baseline_scenario": dump_yaml(base.scenario),
            "significant": [n for n, c in comparison.changes.items() if c.significant],
            "remembered_replications": comparison.remembered,
            **details,
        },
        **manifest,
    )
    changes = comparison.changes
    rows = kpi_rows("baseline", {n: c.baseline for n, c in changes.items()})
    rows += kpi_rows("reform", {n: c.reform for n, c in changes.items()})
    rows += kpi_rows("change", {n: c.difference for n, c in changes.items()})
    return entry, rows


def study_entry(
    kind: str,
    scenario: Scenario,
    replications: int,
    out: Path,
    status: str,
    wall_seconds: float,
    rows: Sequence[KpiRow],
    error: str | None = None,
    name: str | None = None,
    **details: Any,
) -> tuple[Entry, list[KpiRow]]:
    """A sweep, uncertainty, sensitivity or robust-comparison study (`name`: what the history
    lists it as, if not its scenario's name)."""
    manifest = _manifest(scenario, replications)
    if name is not None:
        manifest["name"] = name
    entry = Entry(
        kind=kind,
        status=status,
        error=error,
        wall_seconds=round(wall_seconds, 3),
        out_dir=str(out.resolve()),
        details=details,
        **manifest,
    )
    return entry, list(rows)


def remember(entry: tuple[Entry, Sequence[KpiRow]], store: RunStore | None = None) -> int | None:
    """Record an entry; a store that cannot be written is reported by the caller, not fatal."""
    return (store or RunStore()).record(*entry)


def stored_scenario(text: str | None) -> Scenario | None:
    """A scenario as an entry keeps it (resolved YAML); None when absent or from another version."""
    if not text:
        return None
    try:
        return Scenario.model_validate(YAML(typ="safe").load(io.StringIO(text)))
    except Exception:  # an entry written by another version: its KPIs still show
        return None


def scenario_changes(first: str | None, second: str | None) -> list[str] | None:
    """What differs from the first stored scenario to the second, one `path: old → new` a line;
    None when either cannot be read."""
    a, b = stored_scenario(first), stored_scenario(second)
    if a is None or b is None:
        return None
    lines = []
    for path, (old, new) in changes(a, b).items():
        spec = FIELD_BY_PATH[path]
        lines.append(f"{path}: {display_value(spec, old)} → {display_value(spec, new)}")
    return lines
