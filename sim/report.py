"""Plain-language summaries and Markdown reports of comparisons: templated and deterministic."""

from __future__ import annotations

import datetime as dt
import math

from sim.experiment import Comparison
from sim.fields import FIELD_BY_PATH, changes, display_value
from sim.summary import KPI_BY_NAME, format_interval, format_value

HEADLINE = (
    "licensed_share",
    "capital_outflow_kzt",
    "kyc_wait_mean_h",
    "kyc_abandoned",
    "false_reject_rate",
    "bad_actors_onboarded",
    "fraud_losses_kzt",
    "fees_kzt",
)
"""The KPIs a policy reader looks at first, in this order."""


def plain_summary(comparison: Comparison, limit: int = 5) -> list[str]:
    """One sentence per significant change, largest relative change first."""
    sentences = []
    ranked = []
    for name, change in comparison.changes.items():
        if not change.significant or name == "ledger_imbalance_kzt":
            continue
        base = change.baseline.mean
        relative = abs(change.difference.mean / base) if base else float("inf")
        ranked.append((relative, name, change))
    for _, name, change in sorted(ranked, key=lambda item: (-item[0], item[1]))[:limit]:
        unit = KPI_BY_NAME[name].unit
        direction = "rose" if change.difference.mean > 0 else "fell"
        meaning = KPI_BY_NAME[name].meaning
        before, after = change.baseline.mean, change.reform.mean
        delta = format_value(change.difference.mean, unit, signed=True)
        sentences.append(
            f"{meaning[0].upper()}{meaning[1:]} {direction} from {format_value(before, unit)} to "
            f"{format_value(after, unit)} ({delta}; 95% CI "
            f"{format_interval(change.difference.ci95, unit, signed=True)})."
        )
    if not sentences:
        sentences.append("No KPI changed significantly at the 95% level with these replications.")
    return sentences


def comparison_markdown(comparison: Comparison) -> str:
    """A short report: what changed in the scenario, what changed in the results, and the table."""
    base, reform = comparison.baseline.scenario, comparison.reform.scenario
    reps = len(comparison.baseline.replications)
    lines = [
        f"# {reform.name} vs {base.name}",
        "",
        f"Exchange Sandbox, {dt.date.today().isoformat()}. {reps} paired replications on common "
        f"random numbers (seed {base.run.seed}), {base.run.days} simulated days from "
        f"{base.run.start_date.isoformat()}.",
        "",
        "## What the what-if changes",
        "",
    ]
    edits = changes(base, reform)
    for path, (old, new) in edits.items():
        spec = FIELD_BY_PATH[path]
        lines.append(f"- `{path}`: {display_value(spec, old)} → {display_value(spec, new)}")
    if not edits:
        lines.append("- nothing: the two scenarios are the same")
    lines += ["", "## What changed", ""]
    lines += [f"- {sentence}" for sentence in plain_summary(comparison)]
    lines += ["", "## Headline KPIs", ""]
    lines += [
        "| KPI | baseline | what-if | change | 95% CI of change |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, change in comparison.changes.items():
        unit = KPI_BY_NAME[name].unit
        ci_text = format_interval(change.difference.ci95, unit, signed=True)
        mark = " *" if change.significant else ""
        lines.append(
            f"| {name}{mark} | {format_value(change.baseline.mean, unit)} | "
            f"{format_value(change.reform.mean, unit)} | "
            f"{format_value(change.difference.mean, unit, signed=True)} | {ci_text} |"
        )
    lines += ["", "\\* significant: the 95% interval of the change excludes zero.", ""]
    return "\n".join(lines)


def comparison_document(comparison: Comparison) -> dict[str, object]:
    """A comparison as JSON-ready data: every KPI's baseline, what-if, change and its 95% CI."""

    def clean(v: float) -> float | None:
        return v if math.isfinite(v) else None

    return {
        "baseline": comparison.baseline.scenario.name,
        "reform": comparison.reform.scenario.name,
        "seed": comparison.baseline.scenario.run.seed,
        "replications": len(comparison.baseline.replications),
        "kpis": {
            name: {
                "baseline": clean(c.baseline.mean),
                "reform": clean(c.reform.mean),
                "change": clean(c.difference.mean),
                "ci95": [clean(x) for x in c.difference.ci95] if c.difference.ci95 else None,
                "significant": c.significant,
                "unit": KPI_BY_NAME[name].unit,
            }
            for name, c in comparison.changes.items()
        },
    }
