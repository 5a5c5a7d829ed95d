"""`sandbox runs list|show|diff`: the run history from the command line."""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from ruamel.yaml import YAML

from sim.cli import _fail, out_console, print_table
from sim.fields import FIELD_BY_PATH, changes, display_value
from sim.formatting import format_interval, format_value
from sim.scenario import Scenario
from sim.store import KINDS, Entry, KpiRow, RunStore, StoreError

HEADLINE = {
    "licensed_share": "licensed",
    "capital_outflow_kzt": "outflow",
    "kyc_wait_mean_h": "KYC h",
}
"""The KPIs `runs list` shows, with their short column titles."""

runs_app = typer.Typer(
    help="The run history: every run, comparison and study.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
StoreOpt = Annotated[
    Path | None,
    typer.Option(help="History database (default: SANDBOX_STORE, else the user data directory)."),
]


def _store(path: Path | None) -> RunStore:
    """The history to read, or exit 2 when it is off or the path is not a run history."""
    history = RunStore(path)
    if history.off:
        raise _fail(["the run history is off (SANDBOX_STORE=off); nothing is recorded"])
    try:
        history.check()
    except StoreError as error:
        raise _fail([str(error)]) from None
    return history


def _entry(store: RunStore, entry_id: int) -> Entry:
    try:
        entry = store.get(entry_id)
    except sqlite3.Error as error:
        raise _fail([f"{store.path}: cannot read the run history ({error})"]) from None
    if entry is None:
        raise _fail([f"no run {entry_id} in {store.path} (see sandbox runs list)"])
    return entry


def _value(name: str, value: float | None, signed: bool = False) -> str:
    return format_value(name, value, signed)


@runs_app.command("list")
def list_command(
    store: StoreOpt = None,
    kind: Annotated[str | None, typer.Option(help=f"Only one kind: {', '.join(KINDS)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest entries to show.")] = 30,
) -> None:
    """Past runs, newest first, with their kind and headline KPIs."""
    if kind is not None and kind not in KINDS:
        raise _fail([f"--kind {kind}: expected one of {', '.join(KINDS)}"])
    history = _store(store)
    entries = history.entries(limit, kind)
    headline = history.headline([e.id for e in entries if e.id is not None], list(HEADLINE))
    table = Table(title=f"run history ({history.path})")
    for column in ("id", "kind", "name", "started", "wall s", "status"):
        table.add_column(column, justify="right" if column in {"id", "wall s"} else "left")
    for title in HEADLINE.values():
        table.add_column(title, justify="right")
    for e in entries:
        values = headline.get(e.id or 0, {})
        table.add_row(
            str(e.id),
            e.kind,
            e.name,
            e.started.replace("T", " ")[5:16],
            f"{e.wall_seconds or 0:.1f}",
            e.status,
            *(_value(n, values.get(n)) for n in HEADLINE),
        )
    print_table(table)


SHARES_OF_WORLDS = ("falls", "rises")
"""A robust comparison's arms: the share of sampled worlds where a KPI falls (or rises)."""
CHANGES = ("change", "median change")
"""Arms that are a change of a KPI (a comparison's, a robust comparison's median): signed."""


def _cell(arm: str, name: str, value: float) -> str:
    """A row's value: a share of worlds as a percentage, a change signed, else in the KPI's
    own unit."""
    if arm in SHARES_OF_WORLDS and math.isfinite(value):
        return f"{value:.0%}"
    return _value(name, value, signed=arm in CHANGES)


def _kpi_table(title: str, rows: list[KpiRow], limit: int = 6) -> Table:
    arms = list(dict.fromkeys(r.arm for r in rows))
    shown = arms[:limit]
    table = Table(title=title)
    table.add_column("KPI")
    for arm in shown:
        table.add_column(arm or "mean", justify="right")
    if len(shown) == 1:
        table.add_column("95% CI", justify="right")
    by_key = {(r.arm, r.kpi): r for r in rows}
    for name in dict.fromkeys(r.kpi for r in rows):
        cells = [
            _cell(a, name, by_key[(a, name)].mean) if (a, name) in by_key else "" for a in shown
        ]
        if len(shown) == 1:
            r = by_key[(shown[0], name)]
            ci = (r.ci_low, r.ci_high) if r.ci_low is not None and r.ci_high is not None else None
            cells.append(format_interval(name, ci, signed=False))
        table.add_row(name, *cells)
    if len(arms) > limit:
        table.caption = f"{len(arms) - limit} more in the study's summary.csv"
    return table


@runs_app.command("show")
def show_command(
    entry_id: Annotated[int, typer.Argument(help="A run id.")], store: StoreOpt = None
) -> None:
    """One entry: its manifest and its KPIs, without re-running anything."""
    history = _store(store)
    e = _entry(history, entry_id)
    for label, value in (
        ("kind", e.kind),
        ("name", e.name),
        ("status", e.status + (f" ({e.error})" if e.error else "")),
        ("started", e.started),
        ("wall time", f"{e.wall_seconds or 0:.1f} s"),
        ("seed", e.seed),
        ("replications", e.replications),
        ("days", e.days),
        ("scenario hash", e.scenario_hash),
        ("version", e.version),
        ("command", e.command),
        ("output", e.out_dir),
    ):
        if value not in (None, ""):
            out_console.print(f"[bold]{label}:[/bold] {value}", highlight=False, soft_wrap=True)
    rows = history.kpis(entry_id)
    if rows:
        print_table(_kpi_table(f"run {entry_id}: {e.name}", rows))


def _scenario(entry: Entry) -> Scenario | None:
    if not entry.scenario:
        return None
    try:
        return Scenario.model_validate(YAML(typ="safe").load(io.StringIO(entry.scenario)))
    except Exception:  # an entry written by another version: show KPIs only
        return None


def _main(rows: list[KpiRow]) -> dict[str, KpiRow]:
    arms = list(dict.fromkeys(r.arm for r in rows))
    arm = next((a for a in ("", "reform", "median") if a in arms), arms[0] if arms else "")
    return {r.kpi: r for r in rows if r.arm == arm}


@runs_app.command("diff")
def diff_command(
    first: Annotated[int, typer.Argument(help="A run id.")],
    second: Annotated[int, typer.Argument(help="Another run id.")],
    store: StoreOpt = None,
) -> None:
    """Two entries side by side: what differs in their scenarios, and in their KPIs."""
    history = _store(store)
    a, b = _entry(history, first), _entry(history, second)
    sa, sb = _scenario(a), _scenario(b)
    if sa is not None and sb is not None:
        edits = changes(sa, sb)
        out_console.print(f"[bold]scenario changes ({first} → {second}):[/bold]")
        for path, (old, new) in edits.items():
            spec = FIELD_BY_PATH[path]
            out_console.print(
                f"  {path}: {display_value(spec, old)} → {display_value(spec, new)}",
                highlight=False,
            )
        if not edits:
            out_console.print("  none: the same scenario")
    ka, kb = _main(history.kpis(first)), _main(history.kpis(second))
    table = Table(title=f"run {second} vs run {first}")
    for column, justify in (
        ("KPI", "left"),
        (f"run {first}", "right"),
        (f"run {second}", "right"),
        ("change", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name in dict.fromkeys([*ka, *kb]):
        va = ka[name].mean if name in ka else math.nan
        vb = kb[name].mean if name in kb else math.nan
        table.add_row(name, _value(name, va), _value(name, vb), _value(name, vb - va, signed=True))
    print_table(table)
