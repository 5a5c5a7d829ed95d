"""The `sandbox` command line (Typer): run, compare, validate, schema, scenarios, tui, serve.

Exit codes: 0 done, 1 the simulation failed (its summary.json says why), 2 bad input (every problem
is printed with its file, line and key; nothing is run).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.engine import Cancelled
from sim.experiment import Comparison, RunResult, check_comparable, compare, run
from sim.experiments.adaptive import Target, compare_until, parse_target, run_until
from sim.files import OutError, RunFolder, find_scenario, safe_name
from sim.formatting import (
    format_interval,
    format_quantity,
    format_relative,
    format_value,
    unit_label,
)
from sim.history import comparison_entry, run_entry
from sim.library import library, library_root
from sim.loader import ScenarioError, leaf_paths, load_scenario
from sim.outputs import SUMMARY, failure_document, write_json, write_run_files
from sim.processes import stop_on_signals
from sim.remembered import Remembered
from sim.report import METHOD, comparison_document, plain_summary
from sim.scenario import Scenario
from sim.size import DEFAULT_MAX_AGENTS, check_size
from sim.store import Entry, KpiRow, RunStore, StoreError
from sim.summary import KPI_BY_NAME

app = typer.Typer(
    name="sandbox",
    help="Exchange Sandbox: simulate a national crypto exchange sandbox and its what-ifs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
out_console = Console()
err_console = Console(stderr=True)
PIPED_WIDTH = 160
"""Columns a table gets in a pipe or a file, which have no width of their own: Rich's 80 cut
the targets' verdicts and the run summary's columns to "…" there."""


def print_table(table: Table) -> None:
    """A table at the terminal's width, or in a pipe or a file at `PIPED_WIDTH`, a row a line."""
    console = out_console if out_console.is_terminal else Console(width=PIPED_WIDTH)
    console.print(table)


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: path=value (repeatable), e.g. kyc.reviewers=5."),
]
SeedOpt = Annotated[int | None, typer.Option(min=0, help="Root seed (default: the scenario's).")]
DaysOpt = Annotated[int | None, typer.Option(min=1, help="Simulated days (default: scenario's).")]
RepsOpt = Annotated[
    int | None,
    typer.Option("--replications", "-r", min=1, help="Replications (default: scenario's)."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        help="KPI=share: add replications until that KPI's 95% CI half-width is under this share "
        "of its mean (of the change, for compare), e.g. capital_outflow_kzt=0.05."
    ),
]
MaxRepsOpt = Annotated[
    int, typer.Option(min=3, help="With --until-ci: stop at this many replications anyway.")
]
AllowOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-dir",
        help="Another folder scenario files may read from (extends:, market.btc_csv); repeatable.",
    ),
]
MaxAgentsOpt = Annotated[
    int,
    typer.Option(
        min=1,
        help="Refuse a run estimated to simulate more agents than this a replication "
        "(about 1.5 kB each).",
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Parallel processes (default: all cores).")
]


def _fail(problems: list[str], code: int = 2) -> typer.Exit:
    for problem in problems:
        err_console.print(f"[red]error:[/red] {problem}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


_OPTION_OF = {"run.seed": "--seed", "run.days": "--days", "run.replications": "-r"}


def _load(
    path: Path,
    overrides: list[str] | None,
    seed: int | None = None,
    days: int | None = None,
    out: Path | None = None,
    allow: list[Path] | None = None,
    replications: int | None = None,
) -> Scenario:
    """The scenario with the command line's options applied and validated like the file."""
    extra = [*(overrides or [])]
    for key, value in (("run.seed", seed), ("run.days", days), ("run.replications", replications)):
        if value is not None:
            extra.append(f"{key}={value}")
    try:
        return load_scenario(path, extra, allow or ())
    except ScenarioError as error:
        problems = error.problems
        for key, option in _OPTION_OF.items():
            problems = [p.replace(f"(--set {key}=", f"({option} ") for p in problems]
        if out is not None:
            with contextlib.suppress(OSError, OutError), RunFolder(out) as folder:
                write_json(folder.path / SUMMARY, failure_document(str(path), str(error)))
                folder.commit()
        raise _fail(problems) from None


def _fits(scenario: Scenario, max_agents: int) -> None:
    """Refuse, before anything runs, a scenario too big for --max-agents (exit 2)."""
    problems = check_size(scenario, max_agents)
    if problems:
        raise _fail([f"{scenario.name}: {problem}" for problem in problems])


def _open_out(out: Path, keep: bool) -> RunFolder:
    """The run folder, locked and checked before anything is simulated (exit 2 if unusable)."""
    try:
        return RunFolder(out, keep).__enter__()
    except OutError as error:
        raise _fail(error.problems) from None


def _warn(warnings: list[str], most: int = 5) -> None:
    """Print a run's warnings (the first few; summary.json holds them all)."""
    for text in warnings[:most]:
        err_console.print(f"[yellow]warning:[/yellow] {text}", highlight=False, soft_wrap=True)
    if len(warnings) > most:
        more = len(warnings) - most
        err_console.print(f"[yellow]warning:[/yellow] and {more} more (see summary.json)")


def _heard(signal_name: str) -> None:
    err_console.print(
        f"[yellow]{signal_name}: stopping, keeping what is finished (again: stop now)[/yellow]",
        highlight=False,
    )


@contextmanager
def _progress(label: str, eta: bool = False) -> Iterator[Progress | None]:
    """A progress bar on an interactive terminal (with the time left when `eta`); silence
    elsewhere (CI, pipes)."""
    if not err_console.is_terminal:
        yield None
        return
    columns: list[ProgressColumn] = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    ]
    if eta:
        columns += [TextColumn("left"), TimeRemainingColumn()]
    with Progress(*columns, console=err_console, transient=True) as progress:
        progress.add_task(label, total=1.0, note="")
        yield progress


def _reporter(progress: Progress | None):  # type: ignore[no-untyped-def]
    if progress is None:
        return None
    task = progress.task_ids[0]
    return lambda fraction, note: progress.update(task, completed=fraction, note=note)


def _target(text: str | None) -> Target | None:
    """The --until-ci target, or exit 2 with the problem."""
    if text is None:
        return None
    try:
        return parse_target(text)
    except ScenarioError as error:
        raise _fail(error.problems) from None


def _remember(entry: tuple[Entry, list[KpiRow]]) -> None:
    """Record a result in the run history; a history that cannot be written only warns."""
    store = RunStore()
    if store.off:
        return
    try:
        entry_id = store.record(*entry)
    except (OSError, sqlite3.Error, StoreError) as error:
        err_console.print(
            f"[yellow]warning:[/yellow] not recorded in the run history: {error}",
            highlight=False,
            soft_wrap=True,
        )
        return
    err_console.print(f"[dim]recorded as run {entry_id} (sandbox runs show {entry_id})[/dim]")


def _summary_table(result: RunResult) -> Table:
    table = Table(
        title=f"{result.scenario.name}  (seed {result.scenario.run.seed}, "
        f"{len(result.replications)} replication(s), {result.scenario.run.days} days)"
    )
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("unit")
    for name, est in result.kpis.items():
        table.add_row(
            name,
            format_value(name, est.mean),
            format_interval(name, est.ci95, signed=False),
            unit_label(name),
        )
    return table


@app.command("run")
def run_command(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    replications: RepsOpt = None,
    overrides: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Output directory (default: runs/NAME).")] = None,
    trace: Annotated[bool, typer.Option(help="Also write events.csv, one row per event.")] = False,
    workers: WorkersOpt = None,
    until_ci: UntilOpt = None,
    max_replications: MaxRepsOpt = 100,
    allow_dir: AllowOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
    keep: Annotated[
        bool,
        typer.Option(
            help="Move an existing --out folder aside (NAME.DATE) instead of replacing it."
        ),
    ] = False,
) -> None:
    """Run a scenario headless: print a summary table and write the output files.

    The files appear together when the run is complete (built in a temporary folder beside the
    output folder); Ctrl-C or SIGTERM stops the run within a moment and keeps what finished.
    """
    target = _target(until_ci)
    loaded = _load(scenario, overrides, seed, days, out, allow_dir, replications)
    _fits(loaded, max_agents)
    out = out if out is not None else Path("runs") / safe_name(loaded.name)
    until = None
    try:  # signals are caught before the temporary folder appears: a stop always writes a record
        with stop_on_signals(_heard) as stop, _open_out(out, keep) as folder:
            with _progress(f"running {loaded.name}") as progress:
                if target is not None:
                    result, until = run_until(
                        loaded, target, max_replications, workers, _reporter(progress), stop
                    )
                else:
                    result = run(
                        loaded,
                        workers=workers,
                        progress=_reporter(progress),
                        keep_records=trace,
                        should_stop=stop,
                    )
            extra = {"stopped": until.reason} if until else None
            names = write_run_files(folder.path, result, trace, extra)
            final = folder.commit()
    except KeyboardInterrupt:
        raise _fail([f"stopped at once; nothing written to {out}"], code=130) from None
    _remember(run_entry(result, final, **(extra or {})))
    print_table(_summary_table(result))
    if result.replications and result.replications[0].scorecard:
        print_table(_scorecard_table(result))
    written = ", ".join(str(final / name) for name in names)
    out_console.print(f"wrote {written}  ({result.wall_seconds:.1f} s)")
    _warn(result.warnings)
    if until is not None and not stop():
        out_console.print(until.reason, highlight=False, soft_wrap=True)
    if stop():
        raise _fail([f"interrupted by {stop.reason}: {result.error} (see {final / SUMMARY})"], 130)
    if result.status != "ok":
        raise _fail([f"the run failed: {result.error} (see {final / SUMMARY})"], code=1)


def _scorecard_table(result: RunResult) -> Table:
    first = result.replications[0]
    table = Table(title=f"AML detection scorecard (replication {first.replication})")
    for column in ("typology", "cases", "recall", "precision", "detect h", "analyst h", "legit"):
        table.add_column(column, justify="left" if column == "typology" else "right")
    for row in first.scorecard:
        table.add_row(
            row.typology,
            format_quantity(row.cases, "people"),
            format_quantity(row.recall, "0-1"),
            format_quantity(row.precision, "0-1"),
            format_quantity(row.time_to_detection_h, "h"),
            format_quantity(row.analyst_hours, "h"),
            format_quantity(row.legit_customers_hit, "people"),
        )
    return table


PinOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--pin",
        help="A KPI the summary must answer for, significant or not (repeatable), "
        "e.g. --pin kyc_wait_mean_h.",
    ),
]


@app.command("compare")
def compare_command(
    baseline: ScenarioArg,
    reform: ScenarioArg,
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-r",
            min=1,
            help="Paired replications (default 5; with --priors, per sampled world, default 1).",
        ),
    ] = None,
    overrides: SetOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    pins: PinOpt = None,
    workers: WorkersOpt = None,
    out: Annotated[Path | None, typer.Option(help="Write comparison.json here.")] = None,
    remember: Annotated[
        Path | None,
        typer.Option(
            help="Keep the baseline's replications in this folder and take them from it when "
            "they are asked for again (same scenario, seed, days, replication): a series of "
            "what-ifs against one baseline runs it once.",
        ),
    ] = None,
    until_ci: UntilOpt = None,
    max_replications: MaxRepsOpt = 100,
    priors: Annotated[
        Path | None,
        typer.Option(help="Robust comparison: compare in worlds sampled from this priors file."),
    ] = None,
    samples: Annotated[int, typer.Option(min=2, help="With --priors: sampled worlds.")] = 20,
    scheduler: Annotated[
        str | None, typer.Option(help="With --priors: a Dask scheduler address, or local.")
    ] = None,
    allow_dir: AllowOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
) -> None:
    """Paired runs on common random numbers: the change of every KPI with a 95% CI.

    `--set` applies to the reform only; `--seed` and `--days` to both. A change is significant
    (★) when it passes a false-discovery-rate test across the KPIs (Benjamini–Hochberg, q = 0.05).
    With `--priors`, the pair runs in each of `--samples` worlds sampled from the priors and the
    table says in how many worlds each KPI falls or rises.
    """
    if remember is not None and (priors is not None or until_ci is not None):
        raise _fail(["--remember works with a fixed -r, not with --until-ci or --priors"])
    if remember is not None and remember.exists() and not remember.is_dir():
        raise _fail([f"--remember {remember}: not a folder"])
    if priors is not None:
        from sim.cli_studies import robust

        overrides = [*(overrides or []), *([f"run.seed={seed}"] if seed is not None else [])]
        robust(
            baseline,
            reform,
            priors,
            samples,
            replications or 1,
            days,
            overrides,
            out,
            scheduler,
            workers,
            max_agents,
        )
        return
    if (replications or 5) < 2:
        raise _fail(["compare needs -r 2 or more paired replications"])
    target = _target(until_ci)
    unknown = [p for p in pins or [] if p not in KPI_BY_NAME]
    if unknown:
        raise _fail([f"--pin {p}: no such KPI (see the KPI table in README.md)" for p in unknown])
    base = _load(baseline, None, seed, days, allow=allow_dir)
    ref = _load(reform, overrides, seed, days, allow=allow_dir)
    for side in (base, ref):
        _fits(side, max_agents)
    try:
        check_comparable(base, ref)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    stop = None
    pairs: list[Comparison] = []  # the pairs finished so far, kept if the comparison is stopped
    try:
        with stop_on_signals(_heard) as signalled, _progress("comparing", eta=True) as progress:
            if target is not None:
                comparison, stop = compare_until(
                    base, ref, target, max_replications, workers, _reporter(progress), pins or ()
                )
            else:
                comparison = compare(
                    base,
                    ref,
                    replications or 5,
                    workers,
                    _reporter(progress),
                    signalled,
                    pinned=tuple(pins or ()),
                    on_pairs=pairs.append,
                    remembered=Remembered(folder=remember) if remember is not None else None,
                )
    except (Cancelled, KeyboardInterrupt):
        if not pairs:
            raise _fail(["interrupted before any pair of replications finished"], 130) from None
        comparison = pairs[-1]
    print_table(_comparison_table(comparison))
    if comparison.remembered:
        out_console.print(
            f"{comparison.remembered} replications taken from {remember}, not run "
            "again (the same scenario, seed and replication numbers, run by this engine)",
            highlight=False,
            soft_wrap=True,
        )
    for sentence in plain_summary(comparison):
        out_console.print(f"• {sentence}", highlight=False, soft_wrap=True)
    if stop is not None:
        out_console.print(stop.reason, highlight=False, soft_wrap=True)
    if out is not None:
        write_json(out / "comparison.json", comparison_document(comparison))
        out_console.print(f"wrote {out / 'comparison.json'}")
    _remember(comparison_entry(comparison, out))
    if signalled():
        done = len(comparison.baseline.replications)
        raise _fail(
            [f"interrupted by {signalled.reason}: the table holds the {done} pairs done"], 130
        )
    failed = [r for r in (comparison.baseline, comparison.reform) if r.status != "ok"]
    if failed:
        raise _fail([f"{r.scenario.name} failed: {r.error}" for r in failed], code=1)


def _comparison_table(comparison: Comparison) -> Table:
    b = comparison.baseline.scenario
    table = Table(
        title=f"{comparison.label}  ({len(comparison.baseline.replications)} paired "
        f"replications, seed {b.run.seed}, {b.run.days} days)",
        caption=f"★ {METHOD}; — undefined",
        box=box.SIMPLE_HEAD,
    )
    for column, justify in (
        ("KPI", "left"),
        ("unit", "left"),
        ("baseline", "right"),
        ("what-if", "right"),
        ("change", "right"),
        ("relative", "right"),
        ("95% CI of change", "right"),
        ("q", "right"),
    ):
        table.add_column(
            column,
            justify=justify,  # type: ignore[arg-type]
            min_width=len(column) if column != "KPI" else 24,
            overflow="fold",
        )
    for name, change in comparison.changes.items():
        style = "bold" if change.significant else "dim"
        table.add_row(
            ("★ " if change.significant else "  ") + name,
            unit_label(name),
            format_value(name, change.baseline.mean),
            format_value(name, change.reform.mean),
            format_value(name, change.difference.mean, signed=True),
            format_relative(change.relative),
            format_interval(name, change.difference.ci95),
            "—" if change.q_value is None else f"{change.q_value:.3f}",
            style=style,
        )
    return table


@app.command("targets")
def targets_command(
    scenario: ScenarioArg,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Replications (default 5).")
    ] = 5,
    overrides: SetOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdicts as JSON.")] = False,
    workers: WorkersOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
) -> None:
    """Check a scenario against its published targets (the file its `targets:` key names).

    Exit 0 when every target inside the run is met, 1 when any is missed, 2 for bad input,
    130 when stopped by Ctrl-C (no verdict from a run stopped part-way).
    """
    from sim.targets import check, document, targets_of

    loaded = _load(scenario, overrides)
    try:
        target_file = targets_of(loaded)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    _fits(loaded, max_agents)
    try:
        with stop_on_signals(_heard) as stop, _progress(f"running {loaded.name}") as progress:
            result = run(loaded, replications, workers, _reporter(progress), should_stop=stop)
    except KeyboardInterrupt:
        raise _fail(["stopped at once; no verdict"], code=130) from None
    if stop():
        raise _fail([f"interrupted by {stop.reason}: no verdict from a run stopped part-way"], 130)
    if result.status != "ok":
        raise _fail([f"the run failed: {result.error}"], code=1)
    try:
        checks = check(target_file, loaded, result.replications)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    rows = document(checks, loaded)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    else:
        print_table(_targets_table(loaded, target_file.regime, rows, len(result.replications)))
    if not any(c.inside is not None for c in checks):
        raise _fail([f"{loaded.name}: no target of {target_file.regime} falls inside the run"])
    missed = [row for row in rows if row["inside"] is False]
    if missed:
        raise _fail(
            [
                f"missed {row['name']}: model {_short(row['mean'])} outside "
                f"[{_short(row['low'])}, {_short(row['high'])}] ({row['source']})"
                for row in missed
            ],
            code=1,
        )


def _short(value: object) -> str:
    """A target's number as people read it: 0.253, 36, 1.52 M, 2.50 bn; dates as they are."""
    if value is None:
        return "—"
    if not isinstance(value, float | int):
        return str(value)
    magnitude = abs(value)
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e4, " k")):
        if magnitude >= size:
            return f"{value / (size if suffix != ' k' else 1e3):.3g}{suffix}"
    return f"{value:.3g}"


def _targets_table(
    scenario: Scenario, regime: str, rows: list[dict[str, object]], reps: int
) -> Table:
    table = Table(title=f"{scenario.name} against {regime}  ({reps} replication(s))")
    table.add_column("target", no_wrap=True)
    for column in ("range", "model mean", "95% CI", "verdict", "source"):
        right = column in ("model mean", "95% CI")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    skipped = [row for row in rows if row["inside"] is None]
    for row in rows:
        if row["inside"] is None:
            continue
        ci = row["ci95"]
        table.add_row(
            str(row["name"]),
            f"{_short(row['low'])} … {_short(row['high'])}",
            _short(row["mean"]),
            f"{_short(ci[0])} … {_short(ci[1])}" if isinstance(ci, list) else "—",
            "[green]inside[/green]" if row["inside"] else "[red]MISS[/red]",
            str(row["source"]).replace("facts ", ""),
        )
    if skipped:
        names = ", ".join(str(row["name"]) for row in skipped)
        table.caption = f"not checked, {skipped[0]['skipped']}: {names}"
    return table


@app.command("validate")
def validate_command(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files.", show_default=False)],
    allow_dir: AllowOpt = None,
) -> None:
    """Check scenario files (and target and prior files, in `targets/` and `priors/` folders; a
    library file by name, as a scenario): exit 0, or print every error with file, line and key."""
    from sim.targets import load_targets

    problems: list[str] = []
    for path in scenarios:
        try:
            found = find_scenario(path)
            if found.parent.name == "targets":
                load_targets(found)
            elif found.parent.name == "priors":
                from sim.experiments.priors import load_priors

                load_priors(found)
            else:
                load_scenario(path, (), allow_dir or ())
            out_console.print(f"[green]ok[/green]  {path}", highlight=False)
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise _fail(problems)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Another scenario file this one overrides.",
    }
    sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


@app.command("scenarios")
def scenarios_command() -> None:
    """List the scenario library, one line each."""
    root = library_root()
    for entry in library():
        description = entry.description or f"[red]{entry.error}[/red]"
        out_console.print(
            f"{entry.path.relative_to(root.parent)}  [dim]{description}[/dim]", highlight=False
        )


@app.command("paths")
def paths_command() -> None:
    """List every settable --set path."""
    for path in leaf_paths():
        out_console.print(path, highlight=False)


@app.command("explain")
def explain_command(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written with --trace.")],
    person: Annotated[int | None, typer.Option(help="A synthetic person's id.")] = None,
    exchange: Annotated[int | None, typer.Option(help="A licensed exchange's id.")] = None,
    replication: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """The reason trail: one person's or one exchange's journey, with the rule behind each step."""
    from sim.explain import explain_exchange, explain_person

    if (person is None) == (exchange is None):
        raise _fail(["give exactly one of --person ID or --exchange ID"])
    try:
        if person is not None:
            lines = explain_person(run_dir, person, replication)
        else:
            lines = explain_exchange(run_dir, exchange or 0, replication)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    for line in lines:
        out_console.print(line, highlight=False, soft_wrap=True)


@app.command("tui")
def tui_command(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario to open.")] = None,
    lesson: Annotated[
        str | None, typer.Option(help="A workshop lesson (e.g. 01_kyc_bottleneck, or 1).")
    ] = None,
    workshop: Annotated[
        Path | None, typer.Option(help="A workshop folder (with --facilitator).")
    ] = None,
    facilitator: Annotated[
        bool, typer.Option(help="The facilitator's view of --workshop DIR (or of --roleplay DIR).")
    ] = False,
    roleplay: Annotated[
        Path | None, typer.Option(help="Join the role-play world running in this folder.")
    ] = None,
    run_ahead: Annotated[
        bool,
        typer.Option(
            help="Run the baseline's replications at the lowest CPU priority while you edit, "
            "so the first comparison runs only the what-if's side."
        ),
    ] = True,
) -> None:
    """Open the terminal UI (also `python -m tui`), a room's facilitator view, or a role-play."""
    if lesson is not None:
        _lesson_or_exit(lesson)
    if roleplay is not None:
        from tui.workshop.roleplay import roleplay_main

        roleplay_main(roleplay, facilitator)
        return
    if facilitator:
        if workshop is None:
            raise _fail(["--facilitator: give the room's folder with --workshop DIR"])
        from tui.workshop.facilitator import facilitator_main

        facilitator_main(workshop, lesson)
        return
    if workshop is not None:
        raise _fail(["--workshop: only with --facilitator here (participants use sandbox serve)"])
    from tui.app import main as tui_main

    tui_main(str(scenario) if scenario else None, lesson=lesson, run_ahead=run_ahead)


def _lesson_or_exit(name: str) -> None:
    from sim.workshop.lessons import find_lesson

    try:
        find_lesson(name)
    except ScenarioError as error:
        raise _fail(error.problems) from None


@app.command("lessons")
def lessons_command() -> None:
    """The workshop lessons under configs/lessons, one line each."""
    from sim.workshop.lessons import lessons

    try:
        found = lessons()
    except ScenarioError as error:
        raise _fail(error.problems) from None
    for lesson in found:
        line = f"{lesson.name:28} {lesson.minutes:3} min  {lesson.title}"
        out_console.print(line, markup=False, soft_wrap=True)


@app.command("debrief")
def debrief_command(
    workshop: Annotated[Path, typer.Argument(help="The workshop folder (serve --workshop DIR).")],
    lesson: Annotated[str | None, typer.Option(help="Lesson (default: the one answered).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write (default: DIR).")] = None,
) -> None:
    """A workshop's debrief: each participant's what-ifs, changes with CIs, answers (MD + HTML)."""
    from sim.workshop.debrief import write_debrief
    from sim.workshop.roleplay import MOVES, replay_folder
    from sim.workshop.roleplay_debrief import write_debrief as write_roleplay

    try:
        if (workshop / MOVES).is_file():  # a role-play: replay its moves to the same numbers
            written = write_roleplay(replay_folder(workshop), out or workshop, workshop.name)
        else:
            written = write_debrief(workshop, lesson, out)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    for path in written:
        out_console.print(str(path), markup=False, soft_wrap=True)


@app.command("scoreboard")
def scoreboard_command(
    workshop: Annotated[Path, typer.Argument(help="The workshop folder (serve --workshop DIR).")],
    lesson: Annotated[str | None, typer.Option(help="Lesson (default: the one answered).")] = None,
) -> None:
    """The room's scoreboard: each participant's latest comparison, ranked on the lesson's goal."""
    from sim.workshop.debrief import lesson_of, read_room, scoreboard

    if not workshop.is_dir():
        raise _fail([f"{workshop}: no such workshop folder"])
    try:
        room = read_room(workshop)
        found = lesson_of(room, lesson)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    if found is None:
        raise _fail(["no lesson answered yet: name one with --lesson"])
    table = Table(title=f"{found.title}: {found.goal.describe()}")
    for column in ("rank", "participant", "result"):
        table.add_column(column)
    for rank, person, why in scoreboard(room, found.goal):
        table.add_row(str(rank or "-"), person.name, why)
    print_table(table)


@app.command("serve")
def serve_command(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario to open.")] = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 or :: for the whole room).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workshop: Annotated[
        Path | None,
        typer.Option(help="Folder for the room: each participant gets a space of their own in it."),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="The URL participants open, when a proxy sits in front (https://…)."),
    ] = None,
    max_runs: Annotated[
        int | None,
        typer.Option(min=1, help="Simulations the room runs at once (workshop; default: cores)."),
    ] = None,
    lesson: Annotated[
        str | None, typer.Option(help="Open every participant on this lesson.")
    ] = None,
    facilitator: Annotated[
        bool,
        typer.Option(help="Serve the facilitator's view of --workshop DIR (for the projector)."),
    ] = False,
    roleplay: Annotated[
        Path | None,
        typer.Option(help="Role-play: one shared world of this scenario; teams join in the page."),
    ] = None,
    round_days: Annotated[
        int, typer.Option(min=1, help="Role-play: simulated days per round (a month).")
    ] = 30,
) -> None:
    """Serve the terminal UI in a browser (textual-serve), for workshops."""
    from tui.workshop.serve import SandboxServer, app_command

    if lesson is not None:
        _lesson_or_exit(lesson)
    problems = []
    if roleplay is not None and not roleplay.is_file():
        problems.append(f"--roleplay: {roleplay}: no such scenario file")
    if roleplay is not None and (scenario or lesson or max_runs or facilitator):
        problems.append(
            "--roleplay: one shared world; no SCENARIO, --lesson, --max-runs or --facilitator"
        )
    if facilitator and workshop is None:
        problems.append("--facilitator: give the room's folder with --workshop DIR")
    if roleplay is not None and workshop is None:
        workshop = Path("roleplay")
    scenario = find_scenario(scenario) if scenario is not None else None
    if scenario is not None and not scenario.is_file():
        problems.append(f"{scenario}: no such scenario file")
    elif scenario is not None:
        try:  # checked here, not in each participant's page
            load_scenario(scenario)
        except ScenarioError as error:
            problems.extend(error.problems)
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        problems.append(f"--public-url: must start with http:// or https://, got {public_url!r}")
    if workshop is not None and workshop.exists() and not workshop.is_dir():
        problems.append(f"--workshop: {workshop} is a file, not a folder")
    if max_runs is not None and workshop is None:
        problems.append("--max-runs: only with --workshop (the room's cap on concurrent runs)")
    if problems:
        raise _fail(problems)
    notes = []
    if roleplay is not None and workshop is not None:
        notes = _start_roleplay(roleplay, workshop, round_days)
    elif facilitator and workshop is not None:
        notes.append(f"the facilitator's view of {workshop.resolve()}: keep this page to yourself")
    elif workshop is not None:
        workshop.mkdir(parents=True, exist_ok=True)
        cap = max_runs or os.cpu_count() or 1
        notes.append(f"workshop folder {workshop.resolve()}: one space per participant")
        notes.append(f"at most {cap} simulations at once; more wait their turn")
    command = app_command(scenario, workshop, max_runs, lesson, facilitator, roleplay is not None)
    server = SandboxServer(command, host=host, port=port, public_url=public_url, notes=notes)
    try:
        server.serve()
    except OSError as error:
        raise _fail([f"cannot listen on {host}:{port}: {error.strerror}"]) from None


def _start_roleplay(scenario_path: Path, folder: Path, round_days: int) -> list[str]:
    """Start the role-play's world process; what the server prints about it."""
    from sim.workshop.shared import start_world

    try:
        scenario = load_scenario(scenario_path)
        _fits(scenario, DEFAULT_MAX_AGENTS)  # the room's one world must fit this machine
        start_world(folder, scenario, round_days)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    except RuntimeError as error:
        raise _fail([str(error)]) from None
    rounds = -(-scenario.run.days // round_days)
    return [
        f"role-play: one world ({scenario.name}), {rounds} rounds of {round_days} days; "
        f"moves are logged in {(folder / 'moves.json').resolve()}",
        f"facilitator: sandbox tui --roleplay {folder} --facilitator (on this machine)",
    ]


from sim.cli_experiments import register  # noqa: E402  (the experiment commands use this module)

register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
