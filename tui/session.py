"""The what-if being worked on: its baseline file, the edits typed so far, and their validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sim import Scenario, ScenarioError, load_scenario
from sim.errors import clip
from sim.fields import FIELD_BY_PATH, changes, field_value, validate_edits, whatif_yaml
from sim.files import safe_name
from tui.fieldtext import as_text

DEFAULT_SCENARIO = Path("configs/aifc_pilot_2022.yaml")
WHATIF_DIR = Path("whatifs")
RUNS_DIR = Path("runs")


def slug(text: str) -> str:
    """A file-name-safe version of a scenario name (no folders, at most 80 characters)."""
    return safe_name(text, "whatif")


def failure(error: BaseException) -> str:
    """What went wrong writing a file, in one or two plain lines (no traceback)."""
    if isinstance(error, ScenarioError):
        return "\n".join(error.problems)
    if isinstance(error, OSError):
        where = f" ({clip(str(error.filename), 80)})" if error.filename else ""
        return f"{error.strerror or type(error).__name__}{where}"
    return clip(str(error) or type(error).__name__, 200)


ROOM_READS: list[Path] = []
"""In a served workshop, once the participant has joined: their space and the room's scenario."""


def readable_folders() -> list[Path]:
    """Folders a scenario opened in the TUI may read besides the library and its own folder: the
    folder the TUI was started in (where saved what-ifs find their baseline); for a participant in
    a served workshop, only their space and the room's scenario (`confine`)."""
    return list(ROOM_READS) if ROOM_READS else [Path.cwd()]


def confine(paths: list[Path]) -> None:
    """From now on this process (one served participant) lets a scenario read only `paths`
    besides the library: `extends:` anywhere else (another space, an absolute path) is refused."""
    ROOM_READS[:] = [p.resolve() for p in paths]


def extends_of(path: Path) -> Path | None:
    """The file a scenario `extends:`, resolved against its own folder (None if it extends none)."""
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except Exception:  # an unreadable file is reported by load_scenario, not here
        return None
    parent = data.get("extends") if isinstance(data, dict) else None
    return (path.parent / parent).resolve() if isinstance(parent, str) else None


def check_edits(base_path: Path, edits: dict[str, str]) -> tuple[Scenario | None, dict[str, str]]:
    """`sim.fields.validate_edits`, with every problem keyed by an edited field, never raising."""
    try:
        scenario, problems = validate_edits(base_path, edits)
    except ScenarioError as error:
        return None, {"": "; ".join(error.problems)}
    except Exception:  # e.g. a date the YAML reader rejects: find the field that caused it
        problems = {}
        for path, text in edits.items():
            try:
                validate_edits(base_path, {path: text})
            except Exception as error:
                problems[path] = str(error) or type(error).__name__
        return None, problems or {"": "the edits could not be read together"}
    keyed: dict[str, str] = {}
    for where, message in problems.items():
        owners = [p for p in edits if p == where or p.startswith(where + ".")] or [where]
        for owner in owners:
            keyed[owner] = message
    return scenario, keyed


FRAME = ("run.days", "run.start_date", "population.scale_factor")
"""What both sides of a comparison must share: they are not policy (`check_comparable`)."""


def frame(scenario: Scenario) -> tuple[int, Any, float]:
    """What a comparison must share: the simulated days, the first day and the sampling scale."""
    return scenario.run.days, scenario.run.start_date, scenario.population.scale_factor


@dataclass
class Session:
    """The baseline, the what-if typed on top of it, and the outcome of validating it."""

    base_path: Path
    baseline: Scenario
    edits: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    whatif: Scenario | None = None
    name: str = ""
    saved_to: Path | None = None
    owner: str = ""
    """The served participant (or session) the what-if belongs to; names its default save."""

    @classmethod
    def open(cls, path: Path) -> Session:
        """A session on a scenario file; a saved what-if reopens on its baseline with its edits."""
        scenario = load_scenario(path, (), readable_folders())
        parent = extends_of(path)
        if parent is not None and parent.exists():
            try:
                base = load_scenario(parent, (), readable_folders())
            except ScenarioError:
                base = None
            if base is not None:
                edits = {
                    p: as_text(FIELD_BY_PATH[p], new)
                    for p, (_, new) in changes(base, scenario).items()
                }
                session = cls(parent, base, edits, name=scenario.name, saved_to=path)
                session.apply(*check_edits(parent, edits))
                return session
        session = cls(path, scenario)
        session.apply(scenario, {})
        return session

    @classmethod
    def baseline_of(cls, path: Path) -> Session:
        """A session whose baseline is `path` itself, even if it extends another file (a lesson)."""
        scenario = load_scenario(path)
        session = cls(path, scenario)
        session.apply(scenario, {})
        return session

    @property
    def is_whatif(self) -> bool:
        return bool(self.edits)

    @property
    def valid(self) -> bool:
        return self.whatif is not None and not self.problems

    def baseline_text(self, path: str) -> str:
        return as_text(FIELD_BY_PATH[path], field_value(self.baseline, path))

    def text(self, path: str) -> str:
        """What the field shows: the edit, or the baseline value."""
        return self.edits.get(path, self.baseline_text(path))

    def set_text(self, path: str, text: str) -> bool:
        """Record what was typed; returns whether the edits changed."""
        before = self.edits.get(path)
        if text.strip() == self.baseline_text(path):
            self.edits.pop(path, None)
        else:
            self.edits[path] = text
        return self.edits.get(path) != before

    def reset(self, path: str | None = None) -> None:
        """Forget one edit, or all of them."""
        if path is None:
            self.edits.clear()
        else:
            self.edits.pop(path, None)

    def default_name(self) -> str:
        owner = f"{self.owner}-" if self.owner else ""
        return self.name or f"{owner}{self.baseline.name}-whatif"

    def apply(self, scenario: Scenario | None, problems: dict[str, str]) -> None:
        """Take the result of validating the current edits."""
        self.problems = problems
        if scenario is not None and not problems:
            name = self.default_name() if self.edits else self.baseline.name
            self.whatif = scenario.model_copy(update={"name": name}) if self.edits else scenario
        else:
            self.whatif = None

    def changed(self) -> dict[str, tuple[Any, Any]]:
        """Every value the what-if changes (path -> (baseline, what-if)), once it is valid."""
        return changes(self.baseline, self.whatif) if self.whatif is not None else {}

    def aligned_baseline(self) -> tuple[Scenario, str | None]:
        """The baseline over the what-if's horizon and scale, and a note if moved.

        A comparison of two different run lengths would report the extra days as the reform's
        effect, and one of two scales the sampling's; so both sides run the what-if's.
        """
        base, whatif = self.baseline, self.whatif
        if whatif is None or frame(whatif) == frame(base):
            return base, None
        edits = {p: t for p, t in self.edits.items() if p in FRAME}
        aligned, problems = check_edits(self.base_path, edits)
        if aligned is None or problems or frame(aligned) != frame(whatif):
            run = base.run.model_copy(
                update={"days": whatif.run.days, "start_date": whatif.run.start_date}
            )
            population = base.population.model_copy(
                update={"scale_factor": whatif.population.scale_factor}
            )
            aligned = base.model_copy(update={"run": run, "population": population})
        aligned = aligned.model_copy(update={"name": base.name})
        scale = whatif.population.scale_factor
        note = (
            f"Both sides run the what-if's {whatif.run.days} days from "
            f"{whatif.run.start_date.isoformat()}, one agent for {scale:g} people (the "
            f"baseline's own: {base.run.days} days from {base.run.start_date.isoformat()}, "
            f"one for {base.population.scale_factor:g})."
        )
        return aligned, note

    def save(self, name: str, folder: Path = WHATIF_DIR, description: str = "") -> Path:
        """Write the what-if as a YAML file that extends the baseline with only the changes."""
        if not self.valid:
            raise ValueError("the what-if has invalid values; fix them before saving")
        changed = self.changed()
        edits = {p: t for p, t in self.edits.items() if p in changed}
        target = folder / f"{slug(name)}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            whatif_yaml(self.base_path, target, edits, name, description), encoding="utf-8"
        )
        self.name, self.saved_to = name, target
        if self.whatif is not None:
            self.whatif = self.whatif.model_copy(update={"name": name})
        return target
