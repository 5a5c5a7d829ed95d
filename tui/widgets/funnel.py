"""The KYC funnel: who arrived, chose a licensed exchange (or was sent to one by a bank block),
applied, passed or fell out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

LABELS = {
    "arrived": "arrived wanting crypto",
    "chose_licensed": "chose a licensed exchange",
    "redirected": "+ sent by a bank block",
    "applied": "applied for KYC",
    "passed": "passed KYC",
    "rejected": "rejected by KYC",
    "abandoned": "abandoned KYC",
    "went_unlicensed": "went unlicensed",
}
STYLES = {
    "passed": "$text-success",
    "rejected": "$text-error",
    "abandoned": "$text-warning",
    "went_unlicensed": "$text-accent",
}
"""Theme colours, so the bars read on light and dark backgrounds alike."""


class Funnel(Static):
    """Bars of the funnel stages, in real people (agents times the scale factor)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stages: dict[str, float] = {}
        self.scale = 1.0
        self.shape: tuple[Any, ...] = ()
        """What the height depends on: the stages, the scale, the widest count."""

    def show(self, funnel: Mapping[str, float], scale: float) -> None:
        """Show the stages (real people) of a run at scale factor `scale`."""
        if dict(funnel) != self.stages or scale != self.scale:
            # Its height follows its lines (one a stage, and the note), which may wrap when
            # narrow: a layout pass (of the whole screen) only when they may have changed, not
            # at each new count of a running simulation.
            shape = (
                tuple(funnel),
                scale,
                max((len(f"{n:,.0f}") for n in funnel.values()), default=0),
            )
            layout, self.shape = shape != self.shape, shape
            self.stages, self.scale = dict(funnel), scale
            self.refresh(layout=layout)

    def render(self) -> Content:
        if not self.stages:
            return Content.styled("Run a scenario to see who gets through KYC.", "$text-muted")
        top = max(1, max(self.stages.values()))
        labels = {stage: LABELS.get(stage, stage.replace("_", " ")) for stage in self.stages}
        counts = {stage: f"{count:,.0f}" for stage, count in self.stages.items()}
        label_width = max(len(label) for label in labels.values()) + 1
        count_width = max(len(count) for count in counts.values())
        width = max(0, self.size.width - label_width - count_width - 2)  # bars get what is left
        lines = []
        for stage, count in self.stages.items():
            bar = "█" * max(1 if count and width else 0, round(width * count / top))
            lines.append(
                Content(f"{labels[stage]:<{label_width}}{counts[stage]:>{count_width}}  ")
                + Content.styled(bar, STYLES.get(stage, "$text-primary"))
            )
        note = f"real people (each simulated agent stands for {self.scale:g})"
        lines.append(Content.styled(note, "$text-muted"))
        return Content("\n").join(lines)
