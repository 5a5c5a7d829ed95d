"""KPI values as people read them, one way for the CLI, the reports and the TUI.

Counts are whole numbers, tenge read as 1.20 bn, shares as 0.235, hours as 14.80; an undefined
value (NaN or None: no laundering to detect, no alerts, no licensed flows) is "—", never 0.
Negative numbers carry a true minus sign (−), changes an explicit plus.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.summary import KPI_BY_NAME, Kpi

DASH = "—"
MINUS = "−"

COUNT_UNITS = frozenset(
    {"people", "alerts", "reports", "events", "exchanges", "platforms", "cases"}
)
"""Units counted in whole things: shown without decimals."""

UNIT_LABELS = {"0-1": "share", "KZT": "KZT", "h": "h", "days": "days"}
"""Code units as a column header or a label reads them (others are shown as they are)."""


def kpi_of(kpi: str | Kpi) -> Kpi:
    """The KPI named (a code name) or given; an unknown name is a unitless KPI of that name."""
    if isinstance(kpi, Kpi):
        return kpi
    return KPI_BY_NAME.get(kpi) or Kpi(kpi, "", kpi, kpi)


def unit_label(kpi: str | Kpi) -> str:
    """The unit as a table's unit column shows it: `people`, `KZT`, `h`, `share`."""
    unit = kpi_of(kpi).unit
    return UNIT_LABELS.get(unit, unit)


def label(kpi: str | Kpi) -> str:
    """The KPI in plain words with its unit, for people: `KYC wait, mean (h)`."""
    return kpi_of(kpi).label


def defined(value: float | None) -> bool:
    """A value that can be shown and compared (not None, not NaN, not infinite)."""
    return value is not None and math.isfinite(value)


def format_quantity(value: float | None, unit: str, signed: bool = False) -> str:
    """A number in a code unit (`KZT`, `people`, `0-1`, `h`, …) without the unit's name."""
    if value is None or not math.isfinite(value):
        return DASH
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    magnitude = abs(value)
    if unit == "KZT":
        for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if round(magnitude / size, 2) >= 1:
                return f"{sign}{magnitude / size:,.2f} {suffix}"
        text = f"{magnitude:,.0f}"
    elif unit in COUNT_UNITS:
        text = f"{magnitude:,.0f}"
    elif unit == "0-1":
        text = f"{magnitude:.3f}"
    elif unit == "days":
        text = f"{magnitude:,.1f}"
    elif unit == "BTC":
        text = f"{magnitude:,.8f}".rstrip("0").rstrip(".")  # to the satoshi: 0, 0.00000001
    else:
        text = f"{magnitude:,.2f}"
    if set(text) <= set("0.,"):
        sign = ""  # rounds to zero: no sign in front of 0
    return f"{sign}{text}"


def format_value(
    kpi: str | Kpi, value: float | None, signed: bool = False, with_unit: bool = False
) -> str:
    """One KPI value: `1.20 bn`, `7,605`, `0.235`, `14.80` (`with_unit` adds `KZT`, `people`, …)."""
    k = kpi_of(kpi)
    text = format_quantity(value, k.unit, signed)
    if with_unit and text != DASH and k.unit and k.unit != "0-1":
        return f"{text} {k.unit}"
    return text


def format_interval(kpi: str | Kpi, ci: Sequence[float | None] | None, signed: bool = True) -> str:
    """A 95% interval as `[−0.08, +0.01]`, or a dash when there is none (one replication)."""
    if ci is None or not all(defined(x) for x in ci):
        return DASH
    lo, hi = ci
    return f"[{format_value(kpi, lo, signed)}, {format_value(kpi, hi, signed)}]"


def relative_change(difference: float | None, baseline: float | None) -> float | None:
    """The change as a share of the baseline (None when the baseline is 0 or undefined)."""
    if difference is None or baseline is None or not defined(difference) or not defined(baseline):
        return None
    return difference / abs(baseline) if baseline else None


def format_relative(relative: float | None) -> str:
    """A relative change as `+3.2%` (a dash when it has no meaning)."""
    if relative is None or not math.isfinite(relative):
        return DASH
    percent = 100 * relative
    digits = 1 if abs(percent) < 100 else 0
    text = f"{abs(percent):,.{digits}f}"
    sign = "" if set(text) <= set("0.,") else (MINUS if percent < 0 else "+")
    return f"{sign}{text}%"


def format_change(
    kpi: str | Kpi,
    difference: float | None,
    baseline: float | None = None,
    with_unit: bool = False,
) -> str:
    """A change with its relative size beside it: `+1,234 (+3.2%)`; `+1,234` with no baseline."""
    text = format_value(kpi, difference, signed=True, with_unit=with_unit)
    relative = relative_change(difference, baseline)
    if text == DASH or relative is None:
        return text
    return f"{text} ({format_relative(relative)})"
