"""The scenario's parameters as data: for editors (the TUI), what-if files and "what changed" views.

Every settable leaf of `Scenario` becomes a `FieldSpec` with its section, unit, bounds and the
docstring written beside it in `sim.scenario`. Edits are kept as text keyed by dotted path,
validated together, and saved as a small YAML file that `extends:` the baseline with only the
changes.
"""

from __future__ import annotations

import datetime as dt
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.loader import (
    KeyPath,
    ScenarioError,
    apply_override,
    load_data,
    parse_override,
    to_yaml,
    validate,
)
from sim.scenario import Scenario
from sim.units import Money, Unit, format_duration


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


def display_value(spec: FieldSpec, value: Any) -> str:
    """Like `format_value`, but durations read as 2h / 3d."""
    if spec.kind == "duration" and isinstance(value, float):
        return format_duration(value)
    return format_value(value)


def validate_edits(base: Path, edits: Mapping[str, str]) -> tuple[Scenario | None, dict[str, str]]:
    """Apply text edits (path -> text) to a scenario file; the result and each field's problem."""
    data, sources = load_data(base)
    problems: dict[str, str] = {}
    for path, text in edits.items():
        try:
            key_path, value = parse_override(f"{path}={text}")
        except ScenarioError as error:
            problems[path] = error.problems[0].split(": ", 1)[-1]
            continue
        data = apply_override(data, key_path, value)
    if problems:
        return None, problems
    try:
        return Scenario.model_validate(data), {}
    except ValidationError:
        pass
    try:
        validate(data, sources)
    except ScenarioError as error:
        for line in error.problems:
            path, _, message = line.partition(": ")
            owner = next((p for p in edits if path == p or path.startswith(p + ".")), path)
            problems[owner] = message.rsplit(" (", 1)[0]
    return None, problems


def changes(base: Scenario, other: Scenario) -> dict[str, tuple[Any, Any]]:
    """Every field whose value differs: path -> (baseline value, other value)."""
    out = {}
    for spec in FIELDS:
        if spec.path in {"name", "description", "targets"}:
            continue
        a, b = value_at(base, spec.path), value_at(other, spec.path)
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
    for path, text in edits.items():
        key_path, value = parse_override(f"{path}={text}")
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
    dated = [(r.date, r.values[path]) for r in scenario.rules if path in r.values]
    return value_at(scenario, path), sorted(dated, key=lambda item: item[0])


def _render(path: str, start: Any, dated: list[tuple[dt.date, Any]]) -> str:
    text = _plain(path, start)
    for date, value in dated:
        text += f" → {_plain(path, value)} from {date.isoformat()}"
    return text


def _shock(shock: Any) -> str:
    return (
        f"{shock.kind.replace('_', ' ')} at exchange {shock.exchange} on {shock.date.isoformat()}"
    )


def change_items(base: Scenario, other: Scenario) -> list[tuple[str, str, str]]:
    """What `other` changes, in plain text: (path, "old → new" line, the new value alone).

    Dated rules read as schedules ("0.3 → 0.9 from 2023-01-01"), shocks as events; never a repr.
    """
    items = []
    for path, (old, new) in changes(base, other).items():
        if path in {"rules", "shocks"}:
            continue
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
