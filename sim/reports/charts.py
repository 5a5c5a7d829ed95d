"""Charts as PNG bytes (matplotlib, Agg backend: no display needed): rankings, tornadoes,
distributions, sweep lines and heatmaps."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

WIDTH = 7.5


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def ranking(
    names: Sequence[str],
    values: Sequence[float],
    errors: Sequence[float] | None,
    title: str,
    xlabel: str,
    limit: int = 20,
) -> bytes:
    """Horizontal bars, largest on top, with confidence whiskers."""
    names, values = list(names)[:limit], list(values)[:limit]
    errs = [e if math.isfinite(e) else 0.0 for e in (errors or [0.0] * len(values))][:limit]
    figure, axes = plt.subplots(figsize=(WIDTH, 0.32 * len(names) + 1.2))
    rows = list(range(len(names)))[::-1]
    axes.barh(rows, values, xerr=errs, color="#3b6ea5", ecolor="#333333", capsize=2)
    axes.set_yticks(rows, names, fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=10)
    return _png(figure)


def tornado(
    base: float, swings: Sequence[tuple[str, float, float]], title: str, xlabel: str
) -> bytes:
    """One bar per lever from the KPI at its low value to the KPI at its high value."""
    figure, axes = plt.subplots(figsize=(WIDTH, 0.45 * len(swings) + 1.3))
    rows = list(range(len(swings)))[::-1]
    for row, (_, at_low, at_high) in zip(rows, swings, strict=True):
        axes.barh(row, at_low - base, left=base, color="#a5473b")
        axes.barh(row, at_high - base, left=base, color="#3b6ea5")
    axes.axvline(base, color="#333333", linewidth=1)
    axes.set_yticks(rows, [name for name, _, _ in swings], fontsize=8)
    axes.set_xlabel(f"{xlabel} (red: lever low, blue: lever high)")
    axes.set_title(title, fontsize=10)
    return _png(figure)


def distributions(series: Mapping[str, Sequence[float]], title: str) -> bytes:
    """A small histogram per KPI (the spread over sampled worlds)."""
    names = list(series)
    columns = 3
    rows = max(1, math.ceil(len(names) / columns))
    figure, grid = plt.subplots(rows, columns, figsize=(WIDTH, 1.9 * rows + 0.6), squeeze=False)
    for i, axes in enumerate(grid.flat):
        if i >= len(names):
            axes.set_visible(False)
            continue
        values = [v for v in series[names[i]] if math.isfinite(v)]
        axes.hist(values, bins=min(20, max(5, len(values) // 3)), color="#3b6ea5")
        axes.set_title(names[i], fontsize=8)
        axes.tick_params(labelsize=6)
    figure.suptitle(title, fontsize=10)
    return _png(figure)


def lines(
    x: Sequence[float | str],
    series: Mapping[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
) -> bytes:
    """One line per series over a swept value."""
    figure, axes = plt.subplots(figsize=(WIDTH, 3.6))
    positions = list(range(len(x)))
    for name, values in series.items():
        axes.plot(positions, values, marker="o", label=name)
    axes.set_xticks(positions, [str(v) for v in x], fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    if len(series) > 1:
        axes.legend(fontsize=7)
    return _png(figure)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
) -> bytes:
    """A KPI over a two-way grid."""
    figure, axes = plt.subplots(figsize=(WIDTH, 0.45 * len(rows) + 2.0))
    image = axes.imshow(values, aspect="auto", cmap="viridis", origin="lower")
    axes.set_xticks(range(len(columns)), columns, fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    figure.colorbar(image, ax=axes)
    return _png(figure)
