"""Reports of a result folder: a run, a comparison, a sweep, an uncertainty, sensitivity or robust
study. A `Report` is plain data (summary sentences, tables, charts, how to reproduce), rendered to
self-contained HTML and to Markdown by `sim.reports.render`."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.formatting import format_interval, format_value, kpi_of, label
from sim.reports import charts
from sim.summary import INVARIANTS

FOCUS = ("licensed_share", "capital_outflow_kzt", "kyc_wait_mean_h", "fraud_losses_kzt")
"""KPIs a sweep report charts first."""


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    """First row is the header."""
    charts: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Report:
    title: str
    kind: str
    summary: list[str]
    sections: list[Section]
    reproduce: list[str]
    scenario_yaml: str = ""


def _unit(name: str) -> str:
    return kpi_of(name).unit


def _fmt(name: str, value: Any, signed: bool = False) -> str:
    return format_value(name, None if value is None else float(value), signed)


def _meaning(name: str) -> str:
    return label(name)


def _json(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScenarioError([f"{path}: cannot read it ({error})"]) from None
    return document


def _resolved(folder: Path) -> str:
    path = folder / "scenario.resolved.yaml"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def run_report(folder: Path) -> Report:
    doc = _json(folder / "summary.json")
    kpis = doc.get("kpis", {})
    summary = [
        f"{doc['scenario']}: {doc['replications']} replication(s) of {doc['days']} days, "
        f"status {doc['status']}."
    ]
    for name in FOCUS:
        if name in kpis and kpis[name]["mean"] is not None:
            ci = kpis[name]["ci95"]
            interval = f" (95% CI {format_interval(name, ci, signed=False)})" if ci else ""
            summary.append(f"{_meaning(name)}: {_fmt(name, kpis[name]['mean'])}{interval}.")
    table = [["KPI", "mean", "95% CI", "unit"]]
    for name, k in kpis.items():
        ci = tuple(k["ci95"]) if k["ci95"] and None not in k["ci95"] else None
        table.append(
            [name, _fmt(name, k["mean"]), format_interval(name, ci, signed=False), k["unit"]]
        )
    section = Section("KPIs", table=table)
    series = _timeseries(folder / "timeseries.csv")
    if series:
        days = (
            sorted(series["capital_outflow_cum_kzt"]) if "capital_outflow_cum_kzt" in series else []
        )
        if days:
            section.charts.append(
                (
                    "Capital outflow through unlicensed channels, cumulative (mean)",
                    charts.lines(
                        days,
                        {"outflow (KZT)": [series["capital_outflow_cum_kzt"][d] for d in days]},
                        "Cumulative capital outflow",
                        "day",
                        "KZT",
                    ),
                )
            )
    return Report(
        f"Run: {doc['scenario']}",
        "run",
        summary,
        [section],
        [
            f"seed {doc['seed']}, {doc['replications']} replication(s), {doc['days']} days, "
            f"version {doc['version']}, config hash {doc['config_hash']}",
            f"sandbox run scenario.resolved.yaml -r {doc['replications']}",
        ],
        _resolved(folder),
    )


def _timeseries(path: Path) -> dict[str, dict[int, float]]:
    """Column -> day -> mean over replications, for the numeric columns of timeseries.csv."""
    if not path.is_file():
        return {}
    sums: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = int(row["day"])
            for key, value in row.items():
                if key in {"replication", "day", "date"}:
                    continue
                try:
                    sums[key][day].append(float(value))
                except (TypeError, ValueError):
                    continue
    return {k: {d: sum(v) / len(v) for d, v in days.items()} for k, days in sums.items()}


def comparison_report(folder: Path) -> Report:
    doc = _json(folder / "comparison.json")
    kpis = doc["kpis"]
    ranked = []
    for name, k in kpis.items():
        if k["significant"] and name not in INVARIANTS and k["baseline"] is not None:
            relative = abs(k["change"] / k["baseline"]) if k["baseline"] else math.inf
            ranked.append((relative, name, k))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    label = doc.get("label") or f"{doc['reform']} vs {doc['baseline']}"  # names its changes
    summary = [
        f"{label}: {doc['replications']} paired replications on common random numbers "
        f"(seed {doc['seed']})."
    ]
    if doc.get("changes"):
        summary.append(f"What changed: {'; '.join(doc['changes'])}.")
    for _, name, k in ranked[:6]:
        direction = "rose" if k["change"] > 0 else "fell"
        ci = format_interval(name, k["ci95"]) if k["ci95"] else "—"
        summary.append(
            f"{_meaning(name)} {direction} from {_fmt(name, k['baseline'])} to "
            f"{_fmt(name, k['reform'])} ({_fmt(name, k['change'], True)}; 95% CI {ci})."
        )
    if not ranked:
        summary.append("No KPI changed significantly at the 95% level with these replications.")
    table = [["KPI", "baseline", "what-if", "change", "95% CI of change", "significant"]]
    for name, k in kpis.items():
        ci = format_interval(name, k["ci95"]) if k["ci95"] else "—"
        table.append(
            [
                name,
                _fmt(name, k["baseline"]),
                _fmt(name, k["reform"]),
                _fmt(name, k["change"], True),
                ci,
                "yes" if k["significant"] else "",
            ]
        )
    section = Section("Changes", table=table)
    if ranked:
        names = [name for _, name, _ in ranked[:15]]
        values = [
            100 * kpis[n]["change"] / kpis[n]["baseline"] if kpis[n]["baseline"] else 0.0
            for n in names
        ]
        section.charts.append(
            (
                "Significant changes, relative to the baseline",
                charts.ranking(
                    names, values, None, "Change vs baseline", "% of the baseline value"
                ),
            )
        )
    return Report(
        label,
        "compare",
        summary,
        [section],
        [
            f"seed {doc['seed']}, {doc['replications']} paired replications",
            f"sandbox compare BASELINE REFORM -r {doc['replications']}",
        ],
        _resolved(folder),
    )


def _reproduce(doc: dict[str, Any]) -> list[str]:
    return [
        f"scenario {doc.get('scenario')} (config hash {doc.get('config_hash')}), seed "
        f"{doc.get('seed')}, {doc.get('replications')} replication(s) per cell, "
        f"{doc.get('days')} days, version {doc.get('version')}",
        "re-running the same command into this folder resumes (finished cells are kept)",
    ]


def _summary_rows(folder: Path) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(dict)
    path = folder / "summary.csv"
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    out[int(row["cell"])][row["kpi"]] = float(row["mean"])
                except ValueError:
                    continue
    return out


def sweep_report(folder: Path, doc: dict[str, Any]) -> Report:
    cells = doc["cells"]
    means = _summary_rows(folder)
    factors = [f["path"] for f in doc.get("factors", [])]
    summary = [
        f"Sweep of {doc['scenario_name']}: {len(cells)} cells ({doc['design']['kind']} over "
        f"{', '.join(factors)}) x {doc['replications']} replication(s) on common random numbers; "
        f"{doc.get('failed', 0)} job(s) failed."
    ]
    sections = []
    for name in FOCUS:
        values = [means.get(c["cell"], {}).get(name, math.nan) for c in cells]
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            continue
        best = cells[values.index(min(finite))]["values"]
        worst = cells[values.index(max(finite))]["values"]
        summary.append(
            f"{_meaning(name)}: from {_fmt(name, min(finite))} "
            f"({', '.join(f'{k}={v}' for k, v in best.items())}) to {_fmt(name, max(finite))} "
            f"({', '.join(f'{k}={v}' for k, v in worst.items())})."
        )
        section = Section(name)
        chart = _sweep_chart(name, factors, cells, values, doc["design"]["kind"])
        if chart:
            section.charts.append((f"{name} over the sweep", chart))
        sections.append(section)
    table = [["cell", *factors, *FOCUS]]
    for c in cells:
        row = [str(c["cell"]), *(str(c["values"].get(f, "")) for f in factors)]
        row += [_fmt(n, means.get(c["cell"], {}).get(n)) for n in FOCUS]
        table.append(row)
    sections.append(Section("Cells (means over replications)", table=table))
    return Report(f"Sweep: {doc['scenario_name']}", "sweep", summary, sections, _reproduce(doc))


def _sweep_chart(
    name: str, factors: list[str], cells: list[dict[str, Any]], values: list[float], design: str
) -> bytes | None:
    if design == "grid" and len(factors) == 2:
        xs = list(dict.fromkeys(str(c["values"][factors[1]]) for c in cells))
        ys = list(dict.fromkeys(str(c["values"][factors[0]]) for c in cells))
        grid = [[math.nan] * len(xs) for _ in ys]
        for c, v in zip(cells, values, strict=True):
            grid[ys.index(str(c["values"][factors[0]]))][xs.index(str(c["values"][factors[1]]))] = v
        return charts.heatmap(ys, xs, grid, name, factors[1], factors[0])
    if factors:
        first = factors[0]
        order = sorted(range(len(cells)), key=lambda i: _number(cells[i]["values"][first]))
        x = [cells[i]["values"][first] for i in order]
        series = {name: [values[i] for i in order]}
        return charts.lines(x, series, name, first, _unit(name))
    return None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def uncertainty_report(folder: Path, doc: dict[str, Any]) -> Report:
    found = _json(folder / "uncertainty.json")
    kpis = found["kpis"]
    summary = [
        f"What {doc['scenario_name']} says given what we do not know: {doc.get('samples')} worlds "
        f"sampled by Latin hypercube from {len(doc.get('parameters', []))} uncertain parameters "
        f"({doc.get('priors')}), {doc['replications']} replication(s) each."
    ]
    for name in FOCUS:
        if name in kpis:
            k = kpis[name]
            summary.append(
                f"{_meaning(name)}: median {_fmt(name, k['median'])}; 90% of sampled worlds "
                f"between "
                f"{_fmt(name, k['p05'])} and {_fmt(name, k['p95'])}."
            )
    table = [["KPI", "median", "5%", "95%", "worlds"]]
    for name, k in kpis.items():
        table.append(
            [name, _fmt(name, k["median"]), _fmt(name, k["p05"]), _fmt(name, k["p95"]), str(k["n"])]
        )
    means = _summary_rows(folder)
    series = {n: [m[n] for m in means.values() if n in m] for n in FOCUS if n in kpis}
    section = Section("KPI distributions over the sampled worlds", table=table)
    if series:
        section.charts.append(
            (
                "Spread of each KPI over the sampled worlds",
                charts.distributions(series, "KPIs over sampled worlds"),
            )
        )
    return Report(
        f"Uncertainty: {doc['scenario_name']}", "uncertainty", summary, [section], _reproduce(doc)
    )


def sensitivity_report(folder: Path, doc: dict[str, Any]) -> Report:
    found = _json(folder / "sensitivity.json")
    labels = found["index_names"]
    ranked = found["indices"]
    method = doc["method"]
    summary = [
        f"Which assumptions move {doc['kpi']} in {doc['scenario_name']}: {method} global "
        f"sensitivity over {len(ranked)} parameters ({len(doc['cells'])} model runs)."
    ]
    top = [r["parameter"] for r in ranked[:3]]
    if top:
        summary.append(f"Most influential: {', '.join(top)}.")
    table = [
        ["rank", "parameter", labels[0], labels[1], labels[2], *(labels[3:] if labels[3] else [])]
    ]
    for i, r in enumerate(ranked, 1):
        row = [
            str(i),
            r["parameter"],
            *(f"{r[k]:.4g}" if r[k] is not None else "—" for k in ("index", "conf", "second")),
        ]
        if labels[3]:
            row.append(f"{r['second_conf']:.4g}" if r["second_conf"] is not None else "—")
        table.append(row)
    section = Section("Ranking", table=table)
    section.charts.append(
        (
            f"{labels[0]} of {doc['kpi']} per parameter (with its 95% interval)",
            charts.ranking(
                [r["parameter"] for r in ranked],
                [r["index"] or 0.0 for r in ranked],
                [r["conf"] or 0.0 for r in ranked],
                f"{method}: {doc['kpi']}",
                labels[0],
            ),
        )
    )
    return Report(f"Sensitivity: {doc['kpi']}", "sensitivity", summary, [section], _reproduce(doc))


def tornado_report(folder: Path, doc: dict[str, Any]) -> Report:
    found = _json(folder / "tornado.json")
    kpi = doc["kpi"]
    levers = found["levers"]
    summary = [
        f"{kpi} with one policy lever at a time at its low and high value ({doc['scenario_name']})."
    ]
    for lever in levers[:3]:
        summary.append(
            f"{lever['path']} {lever['low']} → {lever['high']}: {_fmt(kpi, lever['at_low'])} → "
            f"{_fmt(kpi, lever['at_high'])}."
        )
    table = [["lever", "low", "high", f"{kpi} at low", f"{kpi} at high"]]
    for lever in levers:
        table.append(
            [
                lever["path"],
                str(lever["low"]),
                str(lever["high"]),
                _fmt(kpi, lever["at_low"]),
                _fmt(kpi, lever["at_high"]),
            ]
        )
    section = Section("Tornado", table=table)
    base = found["base"] or 0.0
    swings = [(lv["path"], lv["at_low"] or base, lv["at_high"] or base) for lv in levers]
    section.charts.append(
        (f"{kpi}: one lever at a time", charts.tornado(base, swings, kpi, _unit(kpi)))
    )
    return Report(f"Tornado: {kpi}", "tornado", summary, [section], _reproduce(doc))


def robust_report(folder: Path, doc: dict[str, Any]) -> Report:
    found = _json(folder / "robust.json")
    kpis = found["kpis"]
    worlds = doc.get("samples")
    summary = [
        f"{doc['reform_name']} against {doc['scenario_name']} in {worlds} sampled worlds (paired, "
        f"common random numbers); the reform's own levers are not sampled: "
        f"{', '.join(doc.get('left_out', [])) or 'none'}."
    ]
    for name in FOCUS:
        if name in kpis:
            k = kpis[name]
            summary.append(
                f"{_meaning(name)} falls in {k['falls']:.0%} of sampled worlds and rises in "
                f"{k['rises']:.0%} (median change {_fmt(name, k['median_change'], True)})."
            )
    table = [["KPI", "falls in", "rises in", "median change", "worlds"]]
    for name, k in kpis.items():
        table.append(
            [
                name,
                f"{k['falls']:.0%}",
                f"{k['rises']:.0%}",
                _fmt(name, k["median_change"], True),
                str(k["worlds"]),
            ]
        )
    return Report(
        f"Robust comparison: {doc['reform_name']} vs {doc['scenario_name']}",
        "robust",
        summary,
        [Section("In how many plausible worlds", table=table)],
        _reproduce(doc),
    )


def build(folder: Path) -> Report:
    """The report of whatever result `folder` holds."""
    if (folder / "sweep.json").is_file():
        doc = _json(folder / "sweep.json")
        kind = doc.get("kind", "sweep")
        makers = {
            "sweep": sweep_report,
            "uncertainty": uncertainty_report,
            "sensitivity": sensitivity_report,
            "tornado": tornado_report,
            "robust": robust_report,
        }
        if kind not in makers:
            raise ScenarioError([f"{folder}: unknown study kind '{kind}'"])
        return makers[kind](folder, doc)
    if (folder / "comparison.json").is_file():
        return comparison_report(folder)
    if (folder / "summary.json").is_file():
        return run_report(folder)
    raise ScenarioError(
        [
            f"{folder}: no run, comparison or study here "
            "(no summary.json, comparison.json or sweep.json)"
        ]
    )
