"""KPI tiles: the headline numbers of a run, each with its unit, updated from snapshots."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from sim.report import HEADLINE
from sim.summary import KPI_BY_NAME, format_value


def headline() -> list[str]:
    """The headline KPIs this engine computes, in the report's order."""
    return [name for name in HEADLINE if name in KPI_BY_NAME]


def unit_suffix(unit: str) -> str:
    return {"0-1": "share", "people": "people", "h": "hours"}.get(unit, unit)


def tile_label(name: str) -> str:
    """`kyc_wait_mean_h` reads `kyc wait mean`: the unit is shown beside the value."""
    for suffix in ("_kzt", "_h"):
        name = name.removesuffix(suffix)
    return name.replace("_", " ")


class KpiTile(Static):
    """One KPI: its name, and its value with the unit."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"tile-{name}", classes="kpi-tile")
        self.kpi = KPI_BY_NAME[name]
        self.value: float | None = None
        self.tooltip = f"{name} ({self.kpi.unit}): {self.kpi.meaning}"

    def on_mount(self) -> None:
        self.show(None)

    def show(self, value: float | None) -> None:
        if value == self.value and self.is_mounted and value is not None:
            return
        self.value = value
        text = "—" if value is None else format_value(value, self.kpi.unit)
        label = tile_label(self.kpi.name)
        unit = unit_suffix(self.kpi.unit)
        self.update(f"[$text-muted]{label}[/]\n[b]{text}[/] [$text-muted]{unit}[/]", layout=False)

    def text(self) -> str:
        """The value as the tile shows it."""
        return "—" if self.value is None else format_value(self.value, self.kpi.unit)


class KpiTiles(Grid):
    """The headline KPI tiles."""

    def compose(self) -> ComposeResult:
        for name in headline():
            yield KpiTile(name)

    def show(self, kpis: Mapping[str, float] | None) -> None:
        for tile in self.query(KpiTile):
            tile.show(None if kpis is None else kpis.get(tile.kpi.name))
