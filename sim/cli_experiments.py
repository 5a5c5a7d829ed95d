"""The experiment commands of `sandbox`: sweep (more are registered by `register`).

Kept apart from `sim.cli` so the core commands stay short; each command parses, calls one function
of `sim.experiments` and prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar

from sim.cli import (
    DaysOpt,
    MaxAgentsOpt,
    SetOpt,
    _fail,
    _heard,
    _remember,
    err_console,
    out_console,
)
from sim.engine import Cancelled
from sim.errors import ScenarioError
from sim.experiments import Progress, ScenarioBuilder, SweepResult, make_executor, sweep
from sim.experiments.designs import label, parse_factors
from sim.files import safe_name
from sim.history import kpi_rows, study_entry
from sim.processes import StopRequest, stop_on_signals
from sim.scenario import Scenario
from sim.size import DEFAULT_MAX_AGENTS
from sim.store import KpiRow

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="Run on Dask: tcp://HOST:PORT of a running scheduler, or `local` for a LocalCluster."
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Local processes, or LocalCluster workers.")
]
RepsOpt = Annotated[int, typer.Option("--replications", "-r", min=1, help="Replications a cell.")]


@contextmanager
def job_bar(label_text: str) -> Iterator[Callable[[Progress], None] | None]:
    """A Rich bar of jobs done with ETA and failures, on an interactive terminal only."""
    if not err_console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]}[/red]"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label_text, total=None, failed="")

        def update(p: Progress) -> None:
            failed = f"{p.failed} failed" if p.failed else ""
            bar.update(task, completed=p.done, total=p.total, failed=failed)

        yield update


def builder(
    path: Path,
    overrides: list[str] | None,
    days: int | None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> ScenarioBuilder:
    extra = [*(overrides or []), *([f"run.days={days}"] if days else [])]
    try:
        return ScenarioBuilder(path, extra, max_agents)
    except ScenarioError as error:
        raise _fail(error.problems) from None


@contextmanager
def stoppable(cells: Path) -> Iterator[StopRequest]:
    """A study that Ctrl-C or SIGTERM stops within a poll: the finished jobs stay in `cells`,
    the user is told so, and the command exits 130 (a second signal stops at once)."""
    try:
        with stop_on_signals(_heard) as stop:
            yield stop
    except (Cancelled, KeyboardInterrupt):
        raise _fail(
            [f"interrupted: the finished jobs are kept in {cells}; the same command resumes"], 130
        ) from None


def remember_study(
    kind: str,
    scenario: Scenario,
    result: SweepResult,
    out: Path,
    rows: list[KpiRow] | None = None,
    name: str | None = None,
) -> None:
    """Record a study in the run history (its per-cell estimates unless `rows` are given; `name`:
    what the history lists it as, if not the scenario's name)."""
    if rows is None:
        rows = [
            row
            for i, cell in enumerate(result.cells)
            for row in kpi_rows(f"cell {i}: {label(cell.values)}", result.estimates.get(i, {}))
        ]
    status = "failed" if result.failures else "ok"
    errors = f"{len(result.failures)} job(s) failed" if result.failures else None
    _remember(
        study_entry(
            kind,
            scenario,
            result.replications,
            out,
            status,
            result.wall_seconds,
            rows,
            errors,
            name,
            cells=len(result.cells),
        )
    )


def sweep_command(
    scenario: ScenarioArg,
    vary: Annotated[
        list[str],
        typer.Option(help="path=v1,v2,... (grid) or path=low..high (lhs); repeatable."),
    ],
    design: Annotated[str, typer.Option(help="grid or lhs (Latin hypercube).")] = "grid",
    samples: Annotated[int, typer.Option(min=1, help="Cells of an lhs design.")] = 10,
    replications: RepsOpt = 1,
    days: DaysOpt = None,
    overrides: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default sweeps/NAME).")] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
) -> None:
    """Vary paths over a grid or a Latin hypercube; every cell on common random numbers.

    Rows stream to OUT/cells.csv as jobs finish; the same command again resumes.
    """
    if design not in {"grid", "lhs"}:
        raise _fail([f"--design {design}: expected grid or lhs"])
    base = builder(scenario, overrides, days, max_agents)
    try:
        factors = parse_factors(vary)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    out = out or Path("sweeps") / safe_name(base.base.name)
    try:
        with stoppable(out / "cells.csv") as stop, job_bar(f"sweep {base.base.name}") as bar:
            executor = make_executor(scheduler, workers, stop)
            result = sweep(base, factors, out, executor, design, samples, replications, bar)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    except OSError as error:
        raise _fail([f"--scheduler {scheduler}: cannot reach it ({error})"]) from None
    cells = len(result.cells)
    out_console.print(
        f"{cells} cell(s) x {replications} replication(s) on {executor.description}: "
        f"ran {result.ran}, skipped {result.skipped} already done, "
        f"{len(result.failures)} failed  ({result.wall_seconds:.1f} s)",
        highlight=False,
        soft_wrap=True,
    )
    for (cell, rep), message in sorted(result.failures.items()):
        out_console.print(
            f"[red]failed[/red] cell {cell} ({label(result.cells[cell].values)}) "
            f"replication {rep}: {message}",
            highlight=False,
            soft_wrap=True,
        )
    out_console.print(f"wrote {out / 'cells.csv'}, {out / 'summary.csv'}, {out / 'sweep.json'}")
    remember_study("sweep", base.base, result, out)
    if result.failures:
        raise typer.Exit(1)


def options(
    store: Annotated[
        Path | None,
        typer.Option(help="Run history database (default: SANDBOX_STORE, else user data dir)."),
    ] = None,
) -> None:
    """Exchange Sandbox: simulate a national crypto exchange sandbox and its what-ifs."""
    if store is not None:
        os.environ["SANDBOX_STORE"] = str(store)


def register(app: typer.Typer) -> None:
    """Add the experiment and history commands to the `sandbox` app."""
    from sim.cli_runs import runs_app

    app.callback()(options)
    app.command("sweep")(sweep_command)
    app.add_typer(runs_app, name="runs")
    from sim.cli_studies import register as register_studies

    register_studies(app)
