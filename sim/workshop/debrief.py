"""The debrief of a workshop: what each participant tried, what it changed, how they answered.

Reads a workshop folder (`sandbox serve --workshop DIR`): each participant's space holds their
saved what-ifs (`whatifs/`), the comparisons the app kept (`runs/*/comparison.json`, `summary.json`)
and their lesson answers (`runs/lesson-*/answers.json`). Writes Markdown and a self-contained HTML
page (inline styles and charts, nothing fetched), and ranks the room on the lesson's goal.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from sim.formatting import format_interval, format_value, label
from sim.loader import ScenarioError
from sim.workshop.lessons import Goal, Lesson, find_lesson
from sim.workshop.space import spaces

HEADLINES = 6
"""KPIs shown per comparison: the goal's, then the largest significant changes."""


@dataclass
class Participant:
    name: str
    folder: Path
    whatifs: list[str] = field(default_factory=list)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    """Oldest first; each comparison.json, with its plain summary under `sentences`."""
    answers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Lesson name -> [{question, answer}]."""

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.comparisons[-1] if self.comparisons else None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_room(workshop: Path) -> list[Participant]:
    """Every participant of the workshop folder, with what they left in their space."""
    room = []
    for space in spaces(workshop):
        person = Participant(space.display, space.root)
        person.whatifs = sorted(p.stem for p in (space.root / "whatifs").glob("*.yaml"))
        found = sorted(
            (space.root / "runs").glob("*/comparison.json"), key=lambda p: p.stat().st_mtime
        )
        for path in found:
            document = _json(path)
            if isinstance(document, dict):
                summary = _json(path.parent / "summary.json") or {}
                document["sentences"] = summary.get("sentences", [])
                person.comparisons.append(document)
        for path in sorted((space.root / "runs").glob("lesson-*/answers.json")):
            document = _json(path)
            if isinstance(document, dict):
                person.answers[str(document.get("lesson", path.parent.name))] = list(
                    document.get("answers", [])
                )
        room.append(person)
    return room


def lesson_of(room: list[Participant], name: str | None) -> Lesson | None:
    """The lesson named, or the one the room answered, or None."""
    names = [name] if name else sorted({n for p in room for n in p.answers})
    for candidate in names:
        try:
            return find_lesson(candidate)
        except ScenarioError:
            if name:
                raise
    return None


def _value(document: dict[str, Any], kpi: str, key: str = "reform") -> float | None:
    value = document.get("kpis", {}).get(kpi, {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def scoreboard(room: list[Participant], goal: Goal) -> list[tuple[int | None, Participant, str]]:
    """(rank or None, participant, why) ranked on each one's latest comparison."""
    scored, unranked = [], []
    for person in room:
        latest = person.latest
        value = _value(latest, goal.kpi) if latest else None
        if value is None:
            unranked.append((None, person, "no comparison yet"))
            continue
        if goal.limit_kpi and goal.at_most is not None:
            limit = _value(latest, goal.limit_kpi) if latest else None
            if limit is None or limit > goal.at_most:
                shown = format_value(goal.limit_kpi, limit)
                unranked.append((None, person, f"{label(goal.limit_kpi)} {shown}: over the limit"))
                continue
        scored.append((value, person))
    scored.sort(key=lambda item: item[0] if goal.better == "down" else -item[0])
    ranked = [
        (rank, person, format_value(goal.kpi, value))
        for rank, (value, person) in enumerate(scored, 1)
    ]
    return [*ranked, *unranked]


def headlines(document: dict[str, Any], goal: Goal | None) -> list[str]:
    """The KPIs to show of a comparison: the goal's, then the largest significant changes."""
    kpis: dict[str, dict[str, Any]] = document.get("kpis", {})
    first = [k for k in (goal.kpi, goal.limit_kpi) if goal and k and k in kpis] if goal else []
    significant = sorted(
        (k for k, v in kpis.items() if v.get("significant") and k not in first),
        key=lambda k: -abs(kpis[k].get("relative_change") or 0.0),
    )
    return (first + significant)[:HEADLINES]


def markdown(workshop: Path, room: list[Participant], lesson: Lesson | None) -> str:
    """The debrief as Markdown."""
    today = dt.date.today().isoformat()
    lines = [f"# Workshop debrief: {workshop.name}", "", f"Exchange Sandbox, {today}.", ""]
    goal = lesson.goal if lesson else None
    if lesson is not None:
        lines += [f"## Lesson: {lesson.title}", "", f"Goal of the room: {lesson.goal.describe()}."]
        lines += ["", "Questions:", ""]
        lines += [f"{n}. {q}" for n, q in enumerate(lesson.questions(), 1)] + [""]
    if goal is not None:
        lines += ["## Scoreboard", "", f"Ranked on {goal.describe()} (latest comparison).", ""]
        lines += ["| rank | participant | result |", "|---:|---|---|"]
        for rank, person, why in scoreboard(room, goal):
            lines.append(f"| {rank or '-'} | {person.name} | {why} |")
        lines.append("")
    lines += [f"## Participants ({len(room)})", ""]
    for person in room:
        lines += [f"### {person.name}", ""]
        if person.whatifs:
            lines += [f"Saved what-ifs: {', '.join(person.whatifs)}.", ""]
        if not person.comparisons:
            lines += ["No comparison yet.", ""]
        for document in person.comparisons:
            lines += [f"**{document.get('label') or document.get('reform')}**", ""]
            changes = document.get("changes") or []
            lines += [f"- changed: {c}" for c in changes] or ["- no change to the scenario"]
            lines += [f"- {sentence}" for sentence in document.get("sentences", [])]
            lines += [
                "",
                "| KPI | baseline | what-if | change | 95% CI |",
                "|---|---:|---:|---:|---:|",
            ]
            for kpi in headlines(document, goal):
                entry = document["kpis"][kpi]
                ci = entry.get("ci95")
                lines.append(
                    f"| {label(kpi)} | {format_value(kpi, entry.get('baseline'))} | "
                    f"{format_value(kpi, entry.get('reform'))} | "
                    f"{format_value(kpi, entry.get('change'), signed=True)} | "
                    f"{format_interval(kpi, tuple(ci) if ci else None)} |"
                )
            lines.append("")
        for lesson_name, answers in person.answers.items():
            lines += [f"Answers ({lesson_name}):", ""]
            for n, pair in enumerate(answers, 1):
                answer = pair.get("answer", "").strip() or "(no answer)"
                lines += [f"{n}. *{pair.get('question', '')}*", f"   {answer}", ""]
    return "\n".join(lines)


def _bars(room: list[Participant], goal: Goal) -> str:
    """An inline SVG bar chart of each participant's change in the goal KPI."""
    found = [(p.name, _value(p.latest, goal.kpi, "change")) for p in room if p.latest]
    values = [(n, v) for n, v in found if v is not None and math.isfinite(v)]
    if not values:
        return ""
    widest = max(abs(v) for _, v in values) or 1.0
    row, width, middle = 26, 640, 400
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{row * len(values) + 30}">'
    ]
    parts.append(
        f'<text x="4" y="16" font-size="13">change in {html.escape(label(goal.kpi))}</text>'
    )
    for i, (name, value) in enumerate(values):
        y = 26 + i * row
        length = abs(value) / widest * (width - middle - 10)
        x = middle if value >= 0 else middle - length
        good = (value < 0) == (goal.better == "down")
        colour = "#2e7d32" if good else "#c62828"
        parts.append(f'<text x="4" y="{y + 15}" font-size="13">{html.escape(name)}</text>')
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="18" fill="{colour}"/>'
        )
        shown = html.escape(format_value(goal.kpi, value))
        parts.append(
            f'<text x="{middle + 4 - (80 if value < 0 else 0)}" y="{y - 2}" '
            f'font-size="11">{shown}</text>'
        )
    parts.append(
        f'<line x1="{middle}" y1="22" x2="{middle}" y2="{26 + row * len(values)}" stroke="#555"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
td:not(:first-child) { text-align: right; }
h1, h2, h3 { line-height: 1.2; }
"""


def html_page(workshop: Path, room: list[Participant], lesson: Lesson | None) -> str:
    """The debrief as one self-contained HTML page (inline style and chart)."""
    body = MarkdownIt("commonmark").enable("table").render(markdown(workshop, room, lesson))
    chart = _bars(room, lesson.goal) if lesson else ""
    if chart:
        body = body.replace("<h2>Participants", f"<figure>{chart}</figure>\n<h2>Participants", 1)
    title = html.escape(f"Workshop debrief: {workshop.name}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n"
    )


def write_debrief(
    workshop: Path, lesson_name: str | None = None, out: Path | None = None
) -> list[Path]:
    """debrief.md and debrief.html for the workshop folder; returns their paths."""
    if not workshop.is_dir():
        raise ScenarioError([f"{workshop}: no such workshop folder"])
    room = read_room(workshop)
    lesson = lesson_of(room, lesson_name)
    folder = out or workshop
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "debrief.md", folder / "debrief.html"
    md.write_text(markdown(workshop, room, lesson), encoding="utf-8")
    page.write_text(html_page(workshop, room, lesson), encoding="utf-8")
    return [md, page]
