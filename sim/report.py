"""Plain-language summaries and Markdown reports of comparisons: templated and deterministic.

Only changes that pass the false-discovery-rate test (Benjamini–Hochberg, q = 0.05, across the
comparison's KPIs) are called significant; KPIs the reader pinned are answered either way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sim.experiment import Change, Comparison
from sim.fields import describe_changes
from sim.formatting import (
    format_change,
    format_interval,
    format_relative,
    format_value,
    kpi_of,
    unit_label,
)
from sim.stats import FDR_Q
from sim.summary import INVARIANTS

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

METHOD = (
    f"significant: passes a false-discovery-rate test across this comparison's KPIs "
    f"(Benjamini–Hochberg, q = {FDR_Q:g}, on paired t-test p-values); KPIs undefined in these "
    f"runs or identical in every replication are not tested"
)
"""One sentence on how significance is decided, for tables and reports."""


def short_label(name: str) -> str:
    """A KPI's plain label without its unit: `KYC wait, mean`."""
    text = kpi_of(name).label
    return text.rsplit(" (", 1)[0] if text.endswith(")") else text


def _q_text(change: Change) -> str:
    if change.q_value is None:
        return "—"
    return "< 0.001" if change.q_value < 0.001 else f"{change.q_value:.3f}"


def _sentence(name: str, change: Change) -> str:
    """One KPI's answer: a significant change, no significant change, or undefined."""
    what = short_label(name)
    if not change.defined:
        return f"{what}: undefined in these runs (nothing to measure), so not compared."
    delta = format_value(name, change.difference.mean, signed=True, with_unit=True)
    ci = format_interval(name, change.difference.ci95)
    if not change.significant:
        return f"{what}: no significant change, {delta} {ci}."
    direction = "rose" if change.difference.mean > 0 else "fell"
    before = format_value(name, change.baseline.mean, with_unit=True)
    after = format_value(name, change.reform.mean, with_unit=True)
    relative = format_relative(change.relative)
    size = delta if relative == "—" else f"{delta}, {relative}"
    return (
        f"{what} {direction} from {before} to {after} ({size}; 95% CI {ci}, q {_q_text(change)})."
    )


def plain_summary(
    comparison: Comparison, limit: int = 5, pinned: Sequence[str] | None = None
) -> list[str]:
    """The pinned KPIs' answers first, then one sentence per significant change (largest first).

    Nothing that fails the false-discovery-rate test is called a change.
    """
    changes = comparison.changes
    pins = [n for n in (comparison.pinned if pinned is None else pinned) if n in changes]
    sentences = [_sentence(name, changes[name]) for name in pins]
    ranked = []
    for name, change in changes.items():
        if not change.significant or name in pins or name in INVARIANTS:
            continue
        relative = abs(change.relative) if change.relative is not None else math.inf
        ranked.append((relative, name, change))
    for _, name, change in sorted(ranked, key=lambda item: (-item[0], item[1]))[:limit]:
        sentences.append(_sentence(name, change))
    if not ranked:
        other = " other" if any(changes[n].significant for n in pins) else ""
        sentences.append(
            f"No{other} KPI changed significantly (false-discovery rate {FDR_Q:.0%}) with these "
            "replications."
        )
    return sentences


def comparison_markdown(comparison: Comparison, pinned: Sequence[str] | None = None) -> str:
    """A short report: what changed in the scenario, what changed in the results (`pinned` KPIs
    answered either way, as in `plain_summary`), and a table of every KPI."""
    base = comparison.baseline.scenario
    reps = len(comparison.baseline.replications)
    lines = [
        f"# {comparison.label}",
        "",
        f"Exchange Sandbox, {dt.date.today().isoformat()}. {reps} paired replications on common "
        f"random numbers (seed {base.run.seed}), {base.run.days} simulated days from "
        f"{base.run.start_date.isoformat()}.",
        "",
        "## What the what-if changes",
        "",
    ]
    edits = describe_changes(base, comparison.reform.scenario)
    lines += [f"- {edit}" for edit in edits] or ["- nothing: the two scenarios are the same"]
    lines += ["", "## What changed", ""]
    lines += [f"- {sentence}" for sentence in plain_summary(comparison, pinned=pinned)]
    lines += ["", "## All KPIs", ""]
    lines += [
        "| KPI | unit | baseline | what-if | change (relative) | 95% CI of change | q |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, change in comparison.changes.items():
        mark = " ★" if change.significant else ""
        lines.append(
            f"| {short_label(name)}{mark} | {unit_label(name)} | "
            f"{format_value(name, change.baseline.mean)} | "
            f"{format_value(name, change.reform.mean)} | "
            f"{format_change(name, change.difference.mean, change.baseline.mean)} | "
            f"{format_interval(name, change.difference.ci95)} | {_q_text(change)} |"
        )
    lines += ["", f"★ {METHOD}. — : undefined or no interval.", ""]
    return "\n".join(lines)


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def comparison_document(comparison: Comparison) -> dict[str, object]:
    """A comparison as JSON-ready data: every KPI's baseline, what-if, change, CI and significance.

    Undefined values are null, never 0; an undefined KPI has null p and q values and is not part
    of the false-discovery-rate family.
    """
    return {
        "baseline": comparison.baseline.scenario.name,
        "reform": comparison.reform.scenario.name,
        "label": comparison.label,
        "changes": describe_changes(comparison.baseline.scenario, comparison.reform.scenario),
        "seed": comparison.baseline.scenario.run.seed,
        "days": comparison.baseline.scenario.run.days,
        "replications": len(comparison.baseline.replications),
        "significance": {
            "test": "paired t-test per KPI, two-sided",
            "correction": "Benjamini-Hochberg false-discovery rate across the defined KPIs",
            "q": FDR_Q,
        },
        "pinned": list(comparison.pinned),
        "kpis": {
            name: {
                "label": kpi_of(name).label,
                "unit": kpi_of(name).unit,
                "baseline": _number(c.baseline.mean),
                "reform": _number(c.reform.mean),
                "change": _number(c.difference.mean),
                "relative_change": _number(c.relative),
                "ci95": [_number(x) for x in c.difference.ci95] if c.difference.ci95 else None,
                "p_value": c.p_value,
                "q_value": c.q_value,
                "significant": c.significant,
            }
            for name, c in comparison.changes.items()
        },
    }
