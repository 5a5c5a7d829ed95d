"""The TUI's finished runs and comparisons go into the run history the CLI uses (`sim.store`)."""

from __future__ import annotations

from dataclasses import replace

from sim import Comparison, RunResult
from sim.history import comparison_entry, run_entry
from sim.store import Entry, KpiRow, RunStore

COMMAND = "sandbox tui"
"""The command a TUI entry names (a what-if made in the Editor has no file of its own)."""


def _record(entry: tuple[Entry, list[KpiRow]], what: str) -> int | None:
    """Record an entry in the history CLI and TUI share; None when the history is off."""
    store = RunStore()
    if store.off:
        return None
    manifest, rows = entry
    manifest = replace(manifest, command=f"{COMMAND} ({what})")
    return store.record(manifest, rows)


def record_run(result: RunResult) -> int | None:
    """A run of the Run screen, as `sandbox run` records one."""
    return _record(run_entry(result, source="tui"), "Run screen")


def record_comparison(comparison: Comparison) -> int | None:
    """A comparison of the Compare screen, as `sandbox compare` records one."""
    return _record(comparison_entry(comparison, source="tui"), "Compare screen")
