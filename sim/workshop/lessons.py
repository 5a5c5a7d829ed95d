"""Workshop lessons: `configs/lessons/NN_name.yaml` (a short scenario) + `NN_name.md` (the text).

The Markdown file starts with a YAML block between `---` lines: a title, the minutes it takes, the
variants a participant is asked to try (`set`: --set paths and values; `expect`: KPI -> up/down, the
direction the facilitator expects and the tests check) and the room's goal (a KPI to push one way,
optionally under a limit on another), which ranks the scoreboard. The rest is the lesson text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sim.formatting import label
from sim.library import library_root
from sim.loader import ScenarioError, load_scenario
from sim.scenario import Scenario
from sim.summary import KPI_BY_NAME

DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class Variant:
    """A change a lesson asks for, and which way it should move the KPIs."""

    name: str
    set: dict[str, str]
    expect: dict[str, str]

    def overrides(self) -> list[str]:
        return [f"{path}={value}" for path, value in self.set.items()]


@dataclass(frozen=True)
class Goal:
    """What the room competes on: `kpi` pushed `better` (up/down), with `limit_kpi <= at_most`."""

    kpi: str
    better: str
    limit_kpi: str | None = None
    at_most: float | None = None

    def describe(self) -> str:
        """In words: `lowest KYC abandoned (people) with KYC wait, mean (h) at most 24`."""
        text = f"{'lowest' if self.better == 'down' else 'highest'} {label(self.kpi)}"
        if self.limit_kpi and self.at_most is not None:
            text += f" with {label(self.limit_kpi)} at most {self.at_most:g}"
        return text


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    minutes: int
    scenario_path: Path
    text: str
    variants: tuple[Variant, ...]
    goal: Goal

    def scenario(self, overrides: list[str] | None = None) -> Scenario:
        return load_scenario(self.scenario_path, overrides or [])

    def questions(self) -> list[str]:
        """The numbered questions of the lesson text (under its **Questions.** heading)."""
        found, inside = [], False
        for line in self.text.splitlines():
            if line.startswith("**Questions"):
                inside = True
            elif inside and line.startswith("**"):
                break
            elif inside and line[:1].isdigit() and ". " in line[:4]:
                found.append(line.split(". ", 1)[1].strip())
            elif inside and found and line.startswith("   "):
                found[-1] += " " + line.strip()
        return found


def lessons_root() -> Path:
    return library_root() / "lessons"


def _text(value: Any) -> str:
    return str(value).strip()


def parse_lesson(markdown: Path) -> Lesson:
    """Read `NN_name.md` and its scenario `NN_name.yaml`; ScenarioError with every problem."""
    where = str(markdown)
    raw = markdown.read_text(encoding="utf-8")
    if not raw.startswith("---\n") or "\n---\n" not in raw[4:]:
        raise ScenarioError([f"{where}: a lesson starts with a YAML block between '---' lines"])
    head, body = raw[4:].split("\n---\n", 1)
    data = YAML(typ="safe").load(head) or {}
    problems: list[str] = []
    scenario_path = markdown.with_suffix(".yaml")
    if not scenario_path.is_file():
        problems.append(f"{where}: no scenario {scenario_path.name} beside it")
    variants = []
    for index, item in enumerate(data.get("variants") or []):
        values = {str(k): _text(v) for k, v in (item.get("set") or {}).items()}
        expect = {str(k): _text(v) for k, v in (item.get("expect") or {}).items()}
        for kpi, direction in expect.items():
            if kpi not in KPI_BY_NAME:
                problems.append(f"{where}: variants[{index}].expect: unknown KPI '{kpi}'")
            if direction not in DIRECTIONS:
                problems.append(f"{where}: variants[{index}].expect.{kpi}: up or down")
        variants.append(Variant(_text(item.get("name", f"variant {index + 1}")), values, expect))
    if not variants:
        problems.append(f"{where}: no variants (what a participant is asked to change)")
    goal_data = data.get("goal") or {}
    limit = goal_data.get("limit") or {}
    goal = Goal(
        _text(goal_data.get("kpi", "")),
        _text(goal_data.get("better", "down")),
        _text(limit["kpi"]) if limit.get("kpi") else None,
        float(limit["at_most"]) if limit.get("at_most") is not None else None,
    )
    for named in (goal.kpi, goal.limit_kpi):
        if named is not None and named not in KPI_BY_NAME:
            problems.append(f"{where}: goal: unknown KPI '{named}'")
    if goal.better not in DIRECTIONS:
        problems.append(f"{where}: goal.better: up or down")
    if problems:
        raise ScenarioError(problems)
    lesson = Lesson(
        markdown.stem,
        _text(data.get("title", markdown.stem)),
        int(data.get("minutes", 15)),
        scenario_path,
        body.strip() + "\n",
        tuple(variants),
        goal,
    )
    for variant in variants:  # every change must be one a participant can make
        try:
            lesson.scenario(variant.overrides())
        except ScenarioError as error:
            problems += [f"{where}: {variant.name}: {p}" for p in error.problems]
    if problems:
        raise ScenarioError(problems)
    return lesson


def lessons(root: Path | None = None) -> list[Lesson]:
    """Every lesson under `configs/lessons/`, in order."""
    return [parse_lesson(p) for p in sorted((root or lessons_root()).glob("[0-9]*_*.md"))]


def find_lesson(name: str, root: Path | None = None) -> Lesson:
    """A lesson by its file name (`01_kyc_bottleneck`), the part after the number, or the number."""
    root = root or lessons_root()
    wanted = name.removesuffix(".md").removesuffix(".yaml")
    paths = sorted(root.glob("[0-9]*_*.md"))
    for path in paths:
        number, _, rest = path.stem.partition("_")
        if wanted in {path.stem, rest} or (wanted.isdigit() and int(wanted) == int(number)):
            return parse_lesson(path)
    known = ", ".join(p.stem for p in paths) or "none"
    raise ScenarioError([f"no lesson '{name}' (lessons: {known})"])
