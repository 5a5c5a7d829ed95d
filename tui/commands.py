"""Keys and commands as data: bindings with stable ids; palette entries read "category: action"."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from tui.widgets.nav import SCREENS

SCREENS_GROUP = Binding.Group("screens", compact=True)


@dataclass(frozen=True)
class Command:
    """A command palette entry: it runs `action` (an app action) when the app allows it."""

    title: str
    help: str
    action: str


def screen_bindings() -> list[Binding]:
    """1-7 switch screens (digits still type into a focused input)."""
    return [
        Binding(key, f"app.switch_mode('{mode}')", title, id=f"screen.{mode}", group=SCREENS_GROUP)
        for mode, key, title in SCREENS
    ]


APP_BINDINGS: list[BindingType] = [
    *screen_bindings(),
    Binding("f1", "app.switch_mode('help')", "Help", id="screen.help_f1", show=False),
    Binding("ctrl+r", "app.run_restart", "Run", id="app.run", show=False),
    Binding("ctrl+g", "app.compare", "Compare", id="app.compare", show=False),
    Binding("ctrl+s", "app.save_as", "Save as…", id="app.save_as", show=False),
    Binding("ctrl+q", "app.quit", "Quit", id="app.quit", priority=True, show=False),
]

COMMANDS = (
    *(
        Command(
            f"go: {title.lower()}", f"Show the {title} screen (key {key})", f"switch_mode('{mode}')"
        )
        for mode, key, title in SCREENS
    ),
    Command(
        "scenario: open from library",
        "Pick a scenario or a saved what-if",
        "switch_mode('scenarios')",
    ),
    Command("scenario: save as…", "Write the what-if as YAML that extends the baseline", "save_as"),
    Command(
        "scenario: reset all changes", "Forget every edit: back to the baseline", "reset_edits"
    ),
    Command("run: start", "Run the what-if (or the baseline) from day 0", "run_restart"),
    Command("run: pause", "Pause the running simulation", "pause"),
    Command("run: resume", "Carry on from where it paused", "resume"),
    Command("run: step one day", "Advance the paused simulation by one day", "step"),
    Command("run: stop", "Stop the simulation; its results so far stay on screen", "stop"),
    Command("run: faster", "More simulated days per second", "faster"),
    Command("run: slower", "Fewer simulated days per second", "slower"),
    Command("compare: start", "Baseline vs what-if, paired replications", "compare"),
    Command("compare: stop", "Stop the comparison that is running", "stop_compare"),
    Command("compare: more replications", "One more replication per side", "replications(1)"),
    Command("compare: fewer replications", "One fewer replication per side", "replications(-1)"),
    Command(
        "export: results CSV and JSON",
        "timeseries.csv, summary.json and scenario.resolved.yaml of the run, as `sandbox run`",
        "export_results",
    ),
    Command(
        "export: scenario YAML", "The full effective scenario, defaults included", "export_scenario"
    ),
    Command(
        "export: comparison report (Markdown)", "A short report of the comparison", "export_report"
    ),
    Command(
        "export: comparison results CSV and JSON",
        "comparison.json plus each side's run files",
        "export_comparison",
    ),
    Command(
        "view: toggle light and dark", "Switch between the light and dark themes", "toggle_dark"
    ),
    Command("view: choose theme", "Pick any theme", "change_theme"),
    Command("view: keys panel", "Show or hide the keys of the focused widget", "toggle_keys"),
    Command("app: quit", "Leave Exchange Sandbox", "quit"),
)
"""Everything the palette offers; an entry is listed only when its action applies now."""
