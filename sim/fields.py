"""The scenario's parameters as data: for editors (the TUI), what-if files and "what changed" views.

Every settable leaf of `Scenario` becomes a `FieldSpec` with its section, unit, bounds and the
docstring written beside it in `sim.scenario`. Edits are kept as text keyed by dotted path,
validated together, and saved as a small YAML file that `extends:` the baseline with only the
changes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.checks import check_scenario
from sim.loader import (
    KeyPath,
    ScenarioError,
    apply_override,
    leaf_paths,
    load_data,
    parse_override,
    to_yaml,
    validate,
)
from sim.rules import check_rules, extract_schedules
from sim.scenario import Scenario
from sim.units import Money, Unit, format_duration

SCHEDULED_ELSEWHERE = frozenset({"rules"})
"""Fields not edited as one value: dated rules are edited on the fields they change."""


@dataclass(frozen=True)
class FieldSpec:
    path: str
    """Dotted path, as used by `--set`: `kyc.working_hours.start_hour`."""
    section: str
    label: str
    """The path inside its section: `working_hours.start_hour`."""
    kind: str
    """int, float, share, duration, money, bool, choice, date or text."""
    unit: str
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low = high = None
    for item in info.metadata:
        if isinstance(item, Ge | Gt):
            low = float(item.ge if isinstance(item, Ge) else item.gt)  # type: ignore[arg-type]
        if isinstance(item, Le | Lt):
            high = float(item.le if isinstance(item, Le) else item.lt)  # type: ignore[arg-type]
    return low, high


def _kind(
    annotation: Any, info: FieldInfo, low: float | None, high: float | None
) -> tuple[str, str]:
    for item in (*info.metadata, *getattr(annotation, "__metadata__", ())):
        if isinstance(item, Unit):
            return item.kind, item.label
    if annotation is Money:
        return "money", "KZT/USD"
    if annotation is bool:
        return "bool", "yes/no"
    if typing.get_origin(annotation) is typing.Literal:
        return "choice", "choice"
    if annotation is dt.date:
        return "date", "date"
    if annotation is int:
        return "int", "count"
    if annotation is float:
        return ("share", "0-1") if (low, high) == (0.0, 1.0) else ("float", "number")
    return "text", "text"


def _walk(model: type[BaseModel], prefix: KeyPath, section: str) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        annotation, nullable = _unwrap(info.annotation)
        path = (*prefix, name)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            specs.extend(_walk(annotation, path, section or name))
            continue
        low, high = _bounds(info)
        kind, unit = _kind(annotation, info, low, high)
        choices = tuple(typing.get_args(annotation)) if kind == "choice" else ()
        specs.append(
            FieldSpec(
                ".".join(path),
                section or "scenario",
                ".".join(path[1:]) or name,
                kind,
                unit,
                (info.description or "").strip(),
                choices,
                low,
                high,
                nullable,
            )
        )
    return specs


FIELDS: tuple[FieldSpec, ...] = tuple(_walk(Scenario, (), ""))
FIELD_BY_PATH: dict[str, FieldSpec] = {f.path: f for f in FIELDS}


@dataclass(frozen=True)
class Scheduled:
    """A value that changes on dates: the starting value, then (date, value) steps in date order."""

    start: Any
    steps: tuple[tuple[dt.date, Any], ...]


def field_value(scenario: Scenario, path: str) -> Any:
    """The value at `path`, or a `Scheduled` when dated rules change it during the run."""
    start = value_at(scenario, path)
    steps: dict[dt.date, Any] = {}
    for rule in sorted(scenario.rules, key=lambda r: r.date):
        if path in rule.values:
            steps[rule.date] = rule.values[path]
    kept, current = [], start
    for when, value in sorted(steps.items()):
        if value != current:  # a step to the value already in effect changes nothing
            kept.append((when, value))
        current = value
    return Scheduled(start, tuple(kept)) if kept else start


_DATED = re.compile(r"^\s*(?:from\s+)?(\d{4}(?:-\d{1,2}){0,2})\s*:\s*(.*?)\s*$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[;,]\s*(?=(?:from\s+)?\d{4}(?:-\d{1,2}){0,2}\s*:)|\s*;\s*", re.IGNORECASE)


def _full_date(text: str) -> dt.date:
    """`2023`, `2023-4` or `2023-04-01` as a date (the first of the year or month)."""
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def parse_schedule(text: str) -> tuple[str | None, list[tuple[dt.date, str]]] | None:
    """`0.3, from 2023-01-01: 0.9` to ("0.3", [(2023-01-01, "0.9")]); None if not a schedule.

    The starting value may be left out (None: the baseline's stays). Dates may be a year or a
    month (`from 2023: 0.9`). Raises ValueError for a schedule with an impossible date.
    """
    if text.lstrip().startswith("{") or not _DATED.match(_SPLIT.split(text.strip())[-1] or ""):
        return None  # a plain value, or a YAML mapping (read as such)
    start: str | None = None
    steps: list[tuple[dt.date, str]] = []
    for index, part in enumerate(p for p in _SPLIT.split(text.strip()) if p.strip()):
        match = _DATED.match(part)
        if match is None:
            if index:
                raise ValueError(f"expected 'from YYYY-MM-DD: value', got {part!r}")
            start = part.strip()
            continue
        try:
            steps.append((_full_date(match.group(1)), match.group(2)))
        except ValueError:
            raise ValueError(f"not a date: {match.group(1)!r} (YYYY-MM-DD)") from None
    return start, sorted(steps, key=lambda step: step[0])


def schedule_text(spec: FieldSpec, value: Any) -> str:
    """A value as a person types it; a schedule reads `0.3, from 2023-01-01: 0.9`."""
    if isinstance(value, Scheduled):
        steps = ", ".join(f"from {d.isoformat()}: {display_value(spec, v)}" for d, v in value.steps)
        return f"{display_value(spec, value.start)}, {steps}"
    return display_value(spec, value)


def describe_change(spec: FieldSpec, old: Any, new: Any) -> str:
    """`0.3 → 0.9 from 2023-01-01`: a change in words, never a Python repr.

    When the two start alike, the start is said once and the baseline's own dates follow in
    brackets: `0.3 → 0.9 from 2023-01-01 (baseline: 0.5 from 2023-04-01)`.
    """
    old_start = old.start if isinstance(old, Scheduled) else old
    new_start = new.start if isinstance(new, Scheduled) else new
    if isinstance(new, Scheduled) and new_start == old_start:
        text = f"{display_value(spec, new_start)} → {_steps_text(spec, new)}"
        return text + (
            f" (baseline: {_steps_text(spec, old)})" if isinstance(old, Scheduled) else ""
        )
    return f"{_words(spec, old)} → {_words(spec, new)}"


def _steps_text(spec: FieldSpec, value: Scheduled) -> str:
    return ", ".join(f"{display_value(spec, v)} from {d.isoformat()}" for d, v in value.steps)


def _words(spec: FieldSpec, value: Any) -> str:
    """`0.3`, or a schedule as `0.3, then 0.9 from 2023-01-01`."""
    if isinstance(value, Scheduled):
        return f"{display_value(spec, value.start)}, then {_steps_text(spec, value)}"
    return display_value(spec, value)


def _yaml_value(path: str, text: str, data: Mapping[str, Any]) -> str:
    """The YAML for an edit: a schedule typed in words becomes a date-keyed mapping.

    The starting value defaults to the base's, and every date the base schedules for this field
    stays in the mapping with the value the new schedule gives it, so the what-if's schedule
    replaces the base's rather than mixing with it.
    """
    spec = FIELD_BY_PATH.get(path)
    if spec is not None and spec.nullable:
        text = _null_if_empty(text)
    parsed = parse_schedule(text)
    if parsed is not None and spec is not None and spec.nullable:
        first, dated = parsed
        parsed = (
            None if first is None else _null_if_empty(first),
            [(d, _null_if_empty(v)) for d, v in dated],
        )
    scheduled = any(path in (rule.get("values") or {}) for rule in data.get("rules") or ())
    if parsed is None and (text.lstrip().startswith("{") or not scheduled):
        return text
    start_text, steps = parsed or (text.strip(), [])  # a plain value replaces the base's schedule
    run = data.get("run") if isinstance(data.get("run"), Mapping) else {}
    start = _full_date(str((run or {}).get("start_date") or "2022-07-01"))
    base = data
    for part in path.split("."):
        base = base.get(part) if isinstance(base, Mapping) else None  # type: ignore[assignment]
    if start_text is None:
        start_text = json.dumps(base, default=str) if base is not None else "null"
    entries = {start: start_text, **{d: v for d, v in steps}}
    for rule in data.get("rules") or ():
        when = _full_date(str(rule.get("date")))
        if path in (rule.get("values") or {}) and when not in entries:
            earlier = [d for d in entries if d <= when]
            entries[when] = entries[max(earlier)] if earlier else start_text
    items = ", ".join(f"{d.isoformat()}: {v}" for d, v in sorted(entries.items()))
    return "{" + items + "}"


def _null_if_empty(text: str) -> str:
    """`not set` (or `none`, `null`, `~`) as YAML's null; any other text as it is."""
    return "null" if text.strip().lower() in EMPTY_WORDS else text


def value_at(scenario: BaseModel | None, path: str) -> Any:
    """The value at a dotted path (None where an optional section is null)."""
    node: Any = scenario
    for part in path.split("."):
        if node is None:
            return None
        node = getattr(node, part)
    return node


def format_value(value: Any) -> str:
    """A field value as a person would type it back."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


NOT_SET = "not set"
"""How an empty optional value reads (YAML's null); typed back, it empties the field."""

EMPTY_WORDS = frozenset({NOT_SET, "none", "null", "~"})
"""What a person may type into an optional field to empty it."""


def display_value(spec: FieldSpec, value: Any) -> str:
    """Like `format_value`, but in words: durations read as 2h / 3d, an empty value as `not set`."""
    if value is None:
        return NOT_SET
    if spec.kind == "duration" and isinstance(value, float):
        return format_duration(value)
    return format_value(value)


def validate_edits(base: Path, edits: Mapping[str, str]) -> tuple[Scenario | None, dict[str, str]]:
    """Apply text edits (path -> text) to a scenario file; the result and each field's problem."""
    data, sources = load_data(base)
    problems: dict[str, str] = {}
    base_data = data
    for path, text in edits.items():
        try:
            key_path, value = parse_override(f"{path}={_yaml_value(path, text, base_data)}")
        except (ScenarioError, ValueError) as error:
            message = error.problems[0] if isinstance(error, ScenarioError) else str(error)
            problems[path] = message.split(": ", 1)[-1] if "--set" in message else message
            continue
        data = apply_override(data, key_path, value)
    if problems:
        return None, problems
    try:
        data = extract_schedules(data, dict(sources), leaf_paths())
    except ScenarioError as error:
        return None, _owned(error.problems, edits)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError:
        scenario = None
    if scenario is not None:  # then the dated rules, then across fields, as a file loads
        problem_lines = check_rules(scenario, sources, leaf_paths())
        if not problem_lines:
            problem_lines = check_scenario(scenario, sources)
        return (None, _owned(problem_lines, edits)) if problem_lines else (scenario, {})
    try:
        validate(data, sources)
    except ScenarioError as error:
        for line in error.problems:
            path, _, message = line.partition(": ")
            owner = next((p for p in edits if path == p or path.startswith(p + ".")), path)
            problems[owner] = message.rsplit(" (", 1)[0]
    return None, problems


def _owned(problems: list[str], edits: Mapping[str, str]) -> dict[str, str]:
    """Problems keyed by the edited field they name (or by "" when none)."""
    out: dict[str, str] = {}
    for line in problems:
        owner = next((p for p in edits if p in line), "")
        out[owner] = line.rsplit(" (", 1)[0] if owner else line
    return out


def changes(base: Scenario, other: Scenario) -> dict[str, tuple[Any, Any]]:
    """Every field whose value differs (schedules included): path -> (baseline, other)."""
    out = {}
    for spec in FIELDS:
        if spec.path in {"name", "description", "targets"} | SCHEDULED_ELSEWHERE:
            continue
        a, b = field_value(base, spec.path), field_value(other, spec.path)
        if a != b:
            out[spec.path] = (a, b)
    return out


def whatif_yaml(
    base_file: Path, target: Path, edits: Mapping[str, str], name: str, description: str = ""
) -> str:
    """A scenario file that extends `base_file` with only the edited values."""
    data: dict[str, Any] = {
        "extends": os.path.relpath(base_file.resolve(), target.resolve().parent),
        "name": name,
        "description": description or f"What-if on {base_file.name}: " + ", ".join(edits),
    }
    base, _ = load_data(base_file)
    for path, text in edits.items():
        key_path, value = parse_override(f"{path}={_yaml_value(path, text, base)}")
        data = apply_override(data, key_path, value)
    header = f"# What-if saved by Exchange Sandbox on {dt.date.today().isoformat()}.\n"
    return header + to_yaml(data)


def _plain(path: str, value: Any) -> str:
    """A value as text: through its field's display when it has one, else as typed."""
    spec = FIELD_BY_PATH.get(path)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec is not None and spec.kind == "duration" and number:
        return format_duration(float(value))
    return format_value(value)


def _schedule(scenario: Scenario, path: str) -> tuple[Any, list[tuple[dt.date, Any]]]:
    """A value's starting value and its dated changes from `rules:`, in date order."""
    value = field_value(scenario, path)  # steps that change nothing are left out
    if isinstance(value, Scheduled):
        return value.start, list(value.steps)
    return value, []


def _render(path: str, start: Any, dated: list[tuple[dt.date, Any]]) -> str:
    text = _plain(path, start)
    for date, value in dated:
        text += f" → {_plain(path, value)} from {date.isoformat()}"
    return text


def _shock(shock: Any) -> str:
    where = f" at exchange {shock.exchange}" if shock.kind in {"bank_exit", "exchange_hack"} else ""
    size = f" (size {shock.size:g})" if shock.size is not None else ""
    return f"{shock.kind.replace('_', ' ')}{where}{size} on {shock.date.isoformat()}"


def change_items(base: Scenario, other: Scenario) -> list[tuple[str, str, str]]:
    """What `other` changes, in plain text: (path, "old → new" line, the new value alone).

    Dated rules read as schedules ("0.3 → 0.9 from 2023-01-01"), shocks as events; never a repr.
    """
    items = []
    for path, (old, new) in changes(base, other).items():
        if path in {"rules", "shocks"} or isinstance(old, Scheduled) or isinstance(new, Scheduled):
            continue  # schedules: below
        spec = FIELD_BY_PATH[path]
        shown = display_value(spec, new)
        items.append((path, f"{display_value(spec, old)} → {shown}", shown))
    paths = sorted({p for s in (base, other) for r in s.rules for p in r.values})
    for path in paths:
        (start_a, dated_a), (start_b, dated_b) = _schedule(base, path), _schedule(other, path)
        if dated_a == dated_b:
            continue
        now = _render(path, start_b, dated_b)
        was = _render(path, start_a, dated_a)
        line = now if not dated_a and start_a == start_b else f"{was}; now {now}"
        items.append((path, line, now))
    for shock in other.shocks:
        if shock not in base.shocks:
            items.append(("shocks", f"added: {_shock(shock)}", _shock(shock)))
    for shock in base.shocks:
        if shock not in other.shocks:
            items.append(("shocks", f"removed: {_shock(shock)}", f"no {_shock(shock)}"))
    return items


def describe_changes(base: Scenario, other: Scenario) -> list[str]:
    """One plain line per change: `kyc.reviewers: 4 → 8`, `x: 0.3 → 0.9 from 2023-01-01`."""
    return [f"{path}: {line}" for path, line, _ in change_items(base, other)]
