"""KPI tiles: the headline numbers of a run, each with its unit, updated from snapshots."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.widgets import Static

from sim.formatting import DASH, format_value, unit_label
from sim.report import HEADLINE
from sim.summary import KPI_BY_NAME, Kpi


def headline() -> list[str]:
    """The headline KPIs this engine computes, in the report's order."""
    return [name for name in HEADLINE if name in KPI_BY_NAME]


TILE_LABELS = {
    "licensed_share": "Licensed share",
    "capital_outflow_kzt": "Capital outflow",
    "kyc_wait_mean_h": "KYC wait, mean",
    "kyc_abandoned": "KYC abandoned",
    "false_reject_rate": "Wrongly rejected",
    "bad_actors_onboarded": "Bad actors let in",
    "fraud_losses_kzt": "Fraud losses",
    "fees_kzt": "Exchange fees",
}
"""Headline KPIs in plain words short enough for a tile (at most 17 cells, a quarter of 80)."""


def tile_label(kpi: Kpi) -> str:
    """The KPI in plain words without its unit (the unit is shown beside the value)."""
    return TILE_LABELS.get(kpi.name) or kpi.label.rsplit(" (", 1)[0]


class KpiTile(Static):
    """One KPI: its name, and its value with the unit."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"tile-{name}", classes="kpi-tile")
        self.kpi = KPI_BY_NAME[name]
        self.value: float | None = None
        self.shown = False
        """`value` is on the tile."""
        self.tooltip = f"{self.kpi.label}: {self.kpi.meaning} (in files: {name})"

    def on_mount(self) -> None:
        self.show(None)

    def show(self, value: float | None) -> None:
        if self.shown and value == self.value:
            return  # a dash or the same value: already on screen (a screen switch redraws it)
        self.value, self.shown = value, True
        text = self.text()
        unit = unit_label(self.kpi) if text != DASH else ""
        self.update(
            Content.assemble(
                (tile_label(self.kpi), "$text-muted"),
                "\n",
                (text, "bold"),
                " ",
                (unit, "$text-muted"),
            ),
            layout=False,
        )

    def text(self) -> str:
        """The value as the tile shows it."""
        return format_value(self.kpi, self.value)


class KpiTiles(Grid):
    """The headline KPI tiles."""

    def compose(self) -> ComposeResult:
        for name in headline():
            yield KpiTile(name)

    def show(self, kpis: Mapping[str, float] | None) -> None:
        for tile in self.query(KpiTile):
            tile.show(None if kpis is None else kpis.get(tile.kpi.name))
