"""The debrief of a role-play: the teams, every move round by round, and the world it made.

Written by the facilitator's screen (from the live world) or by `sandbox debrief DIR` on a
role-play folder (from `scenario.yaml` and `moves.json`, replayed to the same numbers), as
Markdown and a self-contained HTML page.
"""

from __future__ import annotations

import html
from pathlib import Path

from markdown_it import MarkdownIt

from sim.formatting import format_value, label
from sim.workshop.debrief import STYLE
from sim.workshop.roleplay import ROLES, WORLD_KPIS, RolePlay

ROUND_KPIS = (
    "capital_outflow_kzt",
    "licensed_share",
    "kyc_wait_mean_h",
    "exchange_days_without_bank",
)
"""The world at the end of each round, in the round-by-round table."""


def markdown(play: RolePlay, name: str) -> str:
    """The role-play's debrief as Markdown (`name`: the room folder's)."""
    scenario = play.scenario
    played = len(play.history)
    lines = [
        f"# Role-play debrief: {name}",
        "",
        f"One shared world: scenario `{scenario.name}`, seed {scenario.run.seed}; {played} of "
        f"{play.rounds} rounds of {play.round_days} days played, from "
        f"{scenario.run.start_date} to {play.date}.",
        "",
        "## Teams",
        "",
        "| team | institution | levers |",
        "|---|---|---|",
    ]
    for team, role in sorted(play.teams.items()):
        levers = ", ".join(f"`{lever.path}`" for lever in ROLES[role].levers)
        lines.append(f"| {team} | {ROLES[role].title} | {levers} |")
    lines += ["", "## Round by round", ""]
    header = " | ".join(label(k) for k in ROUND_KPIS)
    lines += [f"| round | ended | moves | {header} |", "|---:|---|---|" + "---:|" * len(ROUND_KPIS)]
    for number, ended, kpis in play.history:
        moves = [e.describe().split(": ", 1)[1] for e in play.entries if e.round == number]
        values = " | ".join(format_value(k, kpis.get(k)) for k in ROUND_KPIS)
        lines.append(f"| {number} | {ended} | {'; '.join(moves) or '—'} | {values} |")
    waiting = [e for e in play.entries if e.round > played]
    if waiting:
        lines += ["", "Made for the next round, not played yet:", ""]
        lines += [f"- {e.describe()}" for e in waiting]
    lines += ["", "## The world now", "", "| KPI | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in play.kpis(WORLD_KPIS)]
    for role in sorted(set(play.teams.values())):
        lines += ["", f"## What {ROLES[role].title} saw", "", "| KPI | value |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in play.kpis(ROLES[role].kpis)]
    lines += [
        "",
        "## Reproduce it",
        "",
        f"`{name}/scenario.yaml` and `{name}/moves.json` hold the world and every "
        f"move; `sandbox debrief {name}` plays them again and reaches these numbers.",
        "",
    ]
    return "\n".join(lines)


def write_debrief(play: RolePlay, folder: Path, name: str | None = None) -> list[Path]:
    """debrief.md and debrief.html in `folder` (the room's, named `name`); returns their paths."""
    name = name or folder.name
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(play, name)
    body = MarkdownIt("commonmark").enable("table").render(text)
    title = html.escape(f"Role-play debrief: {name}")
    md, page = folder / "debrief.md", folder / "debrief.html"
    md.write_text(text, encoding="utf-8")
    page.write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        encoding="utf-8",
    )
    return [md, page]
