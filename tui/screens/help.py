"""Help: every key of every screen, the command palette, and a glossary of every KPI."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from sim.summary import KPIS
from tui.commands import APP_BINDINGS, COMMANDS
from tui.screens.base import WorkbenchScreen
from tui.widgets.nav import SCREENS
from tui.widgets.scrolling import VerticalScroll

INTRO = """\
# Exchange Sandbox

A what-if workbench for a national crypto exchange sandbox (modelled on Kazakhstan's AIFC pilot).
**Open the baseline, change a lever, run it beside the baseline, read what changed.**

- **Editor** (key 2): pick a part of the world on the left, change a value. Every change is
  listed under *Changes vs baseline*; a value the model cannot accept is marked ✗ with the reason.
- **Compare** (ctrl+g): the baseline and your what-if run on the same random numbers; the table
  shows each KPI's change with its 95% confidence interval, ★ where the change is significant.
- **Run** (key 3, then space): watch one run day by day: KPI tiles, charts, the KYC funnel and
  the event log.
- **People** (key 5): follow one synthetic person and the reason behind each decision.
- **Save** (ctrl+s) writes the what-if under `whatifs/`; exports go under `runs/`.
- **Scenarios** (key 1): the library; open another baseline or a saved what-if.
- **History** (key 7): every run and comparison made here or with `sandbox`, newest first with
  headline KPIs; **enter** shows one's KPIs and manifest without re-running it.

Press **ctrl+p** for every command, typed as *category: action* (e.g. `run: start`).
"""


def key_name(binding: Binding) -> str:
    key = binding.key_display or binding.key.split(",")[0]
    return {"escape": "esc", "equals_sign": "=", "plus": "+", "minus": "-"}.get(key, key)


def keys_markdown() -> str:
    """A table of every visible binding, screen by screen (the same data the footer uses)."""
    from tui.screens import MODES

    lines = ["## Keys", "", "| where | key | does |", "|---|---|---|"]
    for binding in APP_BINDINGS:
        if isinstance(binding, Binding):
            lines.append(f"| everywhere | `{key_name(binding)}` | {binding.description} |")
    titles = {mode: title for mode, _, title in SCREENS}
    for mode, screen in MODES.items():
        seen: set[tuple[str, str]] = set()
        for item in vars(screen).get("BINDINGS", []):
            key = key_name(item) if isinstance(item, Binding) else ""
            if isinstance(item, Binding) and (key, item.description) not in seen:
                seen.add((key, item.description))
                lines.append(f"| {titles[mode]} | `{key}` | {item.description} |")
    lines.append("| everywhere | `ctrl+p` | command palette |")
    return "\n".join(lines)


def commands_markdown() -> str:
    lines = ["## Command palette (ctrl+p)", "", "| command | does |", "|---|---|"]
    lines += [f"| {c.title} | {c.help} |" for c in COMMANDS]
    return "\n".join(lines)


def glossary_markdown() -> str:
    """Every KPI the engine computes in plain words with its unit, its meaning and its code name
    (the name files and JSON use)."""
    lines = ["## Glossary of KPIs", "", "| KPI | meaning | in files |", "|---|---|---|"]
    lines += [f"| {k.label} | {k.meaning} | `{k.name}` |" for k in KPIS]
    return "\n".join(lines)


class HelpScreen(WorkbenchScreen):
    """How to use the workbench, its keys, and what each KPI means."""

    MODE = "help"

    def compose_body(self) -> ComposeResult:
        text = "\n\n".join([INTRO, keys_markdown(), commands_markdown(), glossary_markdown()])
        with VerticalScroll(id="help-scroll"):
            yield Static(Markdown(text), id="help")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#help-scroll").focus()
