"""The study commands of `sandbox`: uncertainty, sensitivity, report, and the robust form of
compare; each parses, calls one function of `sim.experiments` or `sim.reports`, and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli import DaysOpt, MaxAgentsOpt, SetOpt, _fail, out_console, print_table
from sim.cli_experiments import (
    RepsOpt,
    SchedulerOpt,
    WorkersOpt,
    builder,
    job_bar,
    remember_study,
    stoppable,
)
from sim.errors import ScenarioError
from sim.experiment import check_comparable, reform_label
from sim.experiments import make_executor
from sim.experiments.designs import parse_factors
from sim.experiments.priors import Priors, default_priors, load_priors
from sim.experiments.studies import robust_compare, sensitivity, tornado, uncertainty
from sim.files import safe_name
from sim.history import kpi_rows
from sim.size import DEFAULT_MAX_AGENTS
from sim.store import KpiRow
from sim.summary import KPI_BY_NAME, Estimate, format_value

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
PriorsOpt = Annotated[
    Path | None,
    typer.Option(help="Priors file (default: `configs/priors/<regime>.yaml` for the scenario)."),
]


def _priors(path: Path | None, base: object) -> Priors:
    try:
        return load_priors(path or default_priors(base))  # type: ignore[arg-type]
    except ScenarioError as error:
        raise _fail(error.problems) from None


def _fmt(name: str, value: float) -> str:
    return format_value(value, KPI_BY_NAME[name].unit if name in KPI_BY_NAME else "")


def uncertainty_command(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option(min=2, help="Worlds sampled from the priors.")] = 20,
    priors: PriorsOpt = None,
    replications: RepsOpt = 1,
    days: DaysOpt = None,
    overrides: SetOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default studies/NAME-uncertainty).")
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
) -> None:
    """What the model says given what we do not know: a Latin hypercube over the priors; for each
    KPI the median and the 90% interval over the sampled worlds."""
    base = builder(scenario, overrides, days, max_agents)
    found = _priors(priors, base.base)
    out = out or Path("studies") / safe_name(f"{base.base.name}-uncertainty")
    try:
        with stoppable(out / "cells.csv") as stop, job_bar(f"uncertainty {base.base.name}") as bar:
            executor = make_executor(scheduler, workers, stop)
            result, spreads = uncertainty(base, found, samples, out, executor, replications, bar)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    table = Table(
        title=f"{base.base.name}: {samples} worlds from {found.path} "
        f"({len(found.priors)} parameters)"
    )
    for column in ("KPI", "median", "5%", "95%"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    for name, s in spreads.items():
        table.add_row(name, _fmt(name, s.median), _fmt(name, s.p05), _fmt(name, s.p95))
    print_table(table)
    rows: list[KpiRow] = []
    for name, s in spreads.items():
        rows += [
            KpiRow("median", name, s.median),
            KpiRow("p05", name, s.p05),
            KpiRow("p95", name, s.p95),
        ]
    remember_study("uncertainty", base.base, result, out, rows)
    out_console.print(
        f"wrote {out / 'uncertainty.json'}, {out / 'cells.csv'}  ({result.wall_seconds:.1f} s)"
    )
    if result.failures:
        raise _fail([f"{len(result.failures)} job(s) failed; see {out / 'cells.csv'}"], code=1)


def sensitivity_command(
    scenario: ScenarioArg,
    kpi: Annotated[str, typer.Option(help="The KPI to explain.")],
    method: Annotated[
        str, typer.Option(help="morris (screening) or sobol (variance indices).")
    ] = "morris",
    samples: Annotated[
        int,
        typer.Option(
            min=2,
            help="Morris trajectories, or Sobol base samples (a power of 2). At least 2: with one,"
            " a Morris study has no spread (sigma) and a confidence interval of 0.",
        ),
    ] = 10,
    priors: PriorsOpt = None,
    lever: Annotated[
        list[str] | None,
        typer.Option(help="A policy lever for the tornado: path=low,high (repeatable)."),
    ] = None,
    replications: RepsOpt = 1,
    days: DaysOpt = None,
    overrides: SetOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default studies/NAME-KPI).")
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    max_agents: MaxAgentsOpt = DEFAULT_MAX_AGENTS,
) -> None:
    """Which assumptions move a KPI: SALib Morris or Sobol over the priors, ranked, with a chart;
    and a one-at-a-time tornado of the given policy levers."""
    if kpi not in KPI_BY_NAME:
        raise _fail([f"--kpi {kpi}: unknown KPI (see the README's KPI list)"])
    if method not in {"morris", "sobol"}:
        raise _fail([f"--method {method}: expected morris or sobol"])
    base = builder(scenario, overrides, days, max_agents)
    found = _priors(priors, base.base)
    try:
        levers = parse_factors(lever or [])
    except ScenarioError as error:
        raise _fail(error.problems) from None
    out = out or Path("studies") / safe_name(f"{base.base.name}-{kpi}")
    from sim.reports import charts

    try:
        with stoppable(out / method / "cells.csv") as stop, job_bar(f"{method} {kpi}") as bar:
            result, ranked = sensitivity(
                base,
                found,
                kpi,
                out / method,
                make_executor(scheduler, workers, stop),
                method,
                samples,
                replications,
                bar,
            )
        label = "mu*" if method == "morris" else "ST"
        (out / method / "sensitivity.png").write_bytes(
            charts.ranking(
                [i.name for i in ranked],
                [i.value for i in ranked],
                [i.conf for i in ranked],
                f"{method}: {kpi}",
                label,
            )
        )
        table = Table(
            title=f"{kpi}: {method} over {len(ranked)} parameters ({len(result.cells)} runs)"
        )
        for column in (
            "rank",
            "parameter",
            label,
            "± 95%",
            "sigma" if method == "morris" else "S1",
        ):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for i, index in enumerate(ranked[:20], 1):
            table.add_row(
                str(i), index.name, f"{index.value:.4g}", f"{index.conf:.2g}", f"{index.second:.4g}"
            )
        print_table(table)
        remember_study(
            "sensitivity",
            base.base,
            result,
            out / method,
            [KpiRow(i.name, kpi, i.value, i.value - i.conf, i.value + i.conf) for i in ranked],
        )
        if levers:
            with stoppable(out / "tornado" / "cells.csv") as stop, job_bar(f"tornado {kpi}") as bar:
                centre, swings = tornado(
                    base,
                    levers,
                    kpi,
                    out / "tornado",
                    make_executor(scheduler, workers, stop),
                    replications,
                    bar,
                )
            (out / "tornado" / "tornado.png").write_bytes(
                charts.tornado(
                    centre,
                    [(s.path, s.at_low, s.at_high) for s in swings],
                    kpi,
                    KPI_BY_NAME[kpi].unit,
                )
            )
            table = Table(title=f"{kpi}: one lever at a time (scenario value {_fmt(kpi, centre)})")
            for column in ("lever", "low → high", "KPI at low", "KPI at high"):
                table.add_column(column, justify="left" if column == "lever" else "right")
            for s in swings:
                table.add_row(
                    s.path, f"{s.low} → {s.high}", _fmt(kpi, s.at_low), _fmt(kpi, s.at_high)
                )
            print_table(table)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    written = [out / method / "sensitivity.json", out / method / "sensitivity.png"]
    if levers:
        written += [out / "tornado" / "tornado.json", out / "tornado" / "tornado.png"]
    out_console.print(f"wrote {', '.join(map(str, written))}", highlight=False, soft_wrap=True)


def robust(
    baseline: Path,
    reform: Path,
    priors: Path | None,
    samples: int,
    replications: int,
    days: int | None,
    overrides: list[str] | None,
    out: Path | None,
    scheduler: str | None = None,
    workers: int | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> None:
    """`sandbox compare BASELINE REFORM --priors FILE --samples N`: paired in each sampled world."""
    base = builder(baseline, None, days, max_agents)
    ref = builder(reform, [*(overrides or []), f"run.seed={base.base.run.seed}"], days, max_agents)
    found = _priors(priors, base.base)
    named = reform_label(base.base, ref.base)  # its changes, if it shares the baseline's name
    out = out or Path("studies") / safe_name(f"{named}-vs-{base.base.name}-robust")
    try:
        check_comparable(base.base, ref.base)
        with stoppable(out / "cells.csv") as stop, job_bar("robust comparison") as bar:
            executor = make_executor(scheduler, workers, stop)
            result, robustness, left_out = robust_compare(
                base, ref, found, samples, out, executor, replications, bar
            )
    except ScenarioError as error:
        raise _fail(error.problems) from None
    table = Table(title=f"{named} vs {base.base.name} in {samples} sampled worlds")
    for column in ("KPI", "falls in", "rises in", "median change"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    for r in robustness:
        unit = KPI_BY_NAME[r.kpi].unit if r.kpi in KPI_BY_NAME else ""
        table.add_row(
            r.kpi, f"{r.falls:.0%}", f"{r.rises:.0%}", format_value(r.median_change, unit, True)
        )
    print_table(table)
    if left_out:
        out_console.print(
            f"not sampled (the reform sets them): {', '.join(left_out)}", highlight=False
        )
    rows = [KpiRow("falls", r.kpi, r.falls) for r in robustness]
    rows += [KpiRow("median change", r.kpi, r.median_change) for r in robustness]
    remember_study("robust", ref.base, result, out, rows, f"{named} vs {base.base.name}")
    out_console.print(f"wrote {out / 'robust.json'}")


def report_command(
    target: Annotated[
        str, typer.Argument(help="A result folder, or a run id from `sandbox runs list`.")
    ],
) -> None:
    """Write report.html (self-contained, charts embedded) and report.md into its folder."""
    from sim.reports import build_report, write_report

    folder = Path(target)
    if target.isdigit() and not folder.is_dir():
        from sim.cli_runs import _store

        entry = _store(None).get(int(target))
        if entry is None:
            raise _fail([f"no run {target} in the run history (see sandbox runs list)"])
        if not entry.out_dir:
            raise _fail([f"run {target} has no output folder (run it again with --out DIR)"])
        folder = Path(entry.out_dir)
    if not folder.is_dir():
        raise _fail([f"{target}: no such folder or run id"])
    try:
        written = write_report(build_report(folder), folder)
    except ScenarioError as error:
        raise _fail(error.problems) from None
    out_console.print(f"wrote {', '.join(str(p) for p in written[:2])}")


def register(app: typer.Typer) -> None:
    app.command("uncertainty")(uncertainty_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("report")(report_command)


__all__ = ["Estimate", "kpi_rows", "register", "robust"]
