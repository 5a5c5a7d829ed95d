"""Files the TUI writes: run results (as `sandbox run`), scenario YAML, comparison reports."""

from __future__ import annotations

from pathlib import Path

from sim import Comparison, RunResult, Scenario
from sim.loader import dump_yaml
from sim.outputs import RESOLVED, write_json, write_run
from sim.report import comparison_document, comparison_markdown, plain_summary
from tui.session import RUNS_DIR, slug
from tui.widgets.tiles import headline


def run_folder(scenario: Scenario, root: Path = RUNS_DIR) -> Path:
    """Where `sandbox run` writes by default: runs/NAME."""
    return root / slug(scenario.name)


def export_run(result: RunResult, root: Path = RUNS_DIR) -> list[Path]:
    """summary.json, scenario.resolved.yaml and timeseries.csv, the files of `sandbox run`."""
    return write_run(run_folder(result.scenario, root), result)


def export_scenario(scenario: Scenario, root: Path = RUNS_DIR) -> Path:
    """The full effective scenario, defaults included, loadable on its own."""
    folder = run_folder(scenario, root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RESOLVED
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    return path


def comparison_folder(comparison: Comparison, root: Path = RUNS_DIR) -> Path:
    base, reform = comparison.baseline.scenario.name, comparison.reform.scenario.name
    return root / f"{slug(reform)}-vs-{slug(base)}"


def answered(comparison: Comparison) -> list[str]:
    """KPIs the summary answers whether or not they changed significantly: the pinned ones, then
    the first three headline KPIs (as the Compare screen does)."""
    return [*comparison.pinned, *(n for n in headline()[:3] if n not in comparison.pinned)]


def export_report(comparison: Comparison, root: Path = RUNS_DIR) -> Path:
    """A short Markdown report of the comparison."""
    folder = comparison_folder(comparison, root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.md"
    path.write_text(comparison_markdown(comparison, answered(comparison)), encoding="utf-8")
    return path


def export_comparison(comparison: Comparison, root: Path = RUNS_DIR) -> list[Path]:
    """comparison.json (as `sandbox compare --out`) and each side's run files."""

    folder = comparison_folder(comparison, root)
    written = [folder / "comparison.json"]
    write_json(written[0], comparison_document(comparison))
    written += write_run(folder / "baseline", comparison.baseline)
    written += write_run(folder / "whatif", comparison.reform)
    return written


def keep_for_debrief(comparison: Comparison, root: Path = RUNS_DIR) -> list[Path]:
    """In a workshop: the comparison's files, its report and its plain summary, for the debrief."""
    written = export_comparison(comparison, root)
    written.append(export_report(comparison, root))
    summary = comparison_folder(comparison, root) / "summary.json"
    write_json(summary, {"sentences": plain_summary(comparison, pinned=answered(comparison))})
    return [*written, summary]
