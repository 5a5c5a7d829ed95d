"""Significance for a comparison: paired t-test p-values per KPI, and the Benjamini–Hochberg
false-discovery-rate control across the KPIs of one comparison (q = 0.05).

A comparison looks at some thirty KPIs at once; at a 5% level each, one or two would come out
"significant" by chance alone. Benjamini–Hochberg keeps the expected share of false discoveries
among the changes called significant at or below q. The family is the KPIs the reform can have
moved: a KPI undefined in these runs, or identical in every paired replication (common random
numbers make an untouched KPI exactly equal), is not tested.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

FDR_Q = 0.05
"""The false-discovery rate a comparison controls."""


def paired_p_value(differences: Sequence[float]) -> float | None:
    """Two-sided p-value of a paired t-test that the mean difference is zero.

    Undefined differences (NaN) are left out; None when fewer than two remain (the KPI is then
    undefined for this comparison). Differences that are all equal give 1.0 when they are zero
    (identical worlds) and 0.0 otherwise (the same change in every replication).
    """
    finite = [d for d in differences if math.isfinite(d)]
    n = len(finite)
    if n < 2:
        return None
    mean = sum(finite) / n
    variance = sum((d - mean) ** 2 for d in finite) / (n - 1)
    if variance == 0 or math.sqrt(variance) <= 1e-12 * abs(mean):
        return 1.0 if mean == 0 else 0.0
    from scipy import stats  # imported here: it costs a second at start-up

    t = mean / math.sqrt(variance / n)
    return float(2 * stats.t.sf(abs(t), n - 1))


def benjamini_hochberg(
    p_values: Mapping[str, float | None], untested: Collection[str] = ()
) -> dict[str, float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values), same keys.

    Keys whose p-value is None are not part of the family (undefined KPIs) and get None; keys in
    `untested` (KPIs identical in every paired replication: the reform does not touch them) are
    not part of it either and keep their p-value. A change is significant at false-discovery
    rate q when its q-value is at most q.
    """
    family = sorted(
        (p, name) for name, p in p_values.items() if p is not None and name not in untested
    )
    m = len(family)
    adjusted: dict[str, float | None] = {
        name: p if name in untested else None for name, p in p_values.items()
    }
    running = 1.0
    for rank in range(m, 0, -1):
        p, name = family[rank - 1]
        running = min(running, p * m / rank)
        adjusted[name] = running
    return adjusted


def significant(q_value: float | None, q: float = FDR_Q) -> bool:
    """A change that passes the false-discovery-rate test."""
    return q_value is not None and q_value <= q
