"""How scenario fields read in the editor: sections in order, labels, unit hints, values as text."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from sim.fields import (
    FIELDS,
    NOT_SET,
    SCHEDULED_ELSEWHERE,
    FieldSpec,
    Scheduled,
    display_value,
    schedule_text,
)
from sim.units import format_duration

SECTION_ORDER = (
    "population",
    "channel",
    "kyc",
    "banks",
    "exchanges",
    "unlicensed",
    "aml",
    "miners",
    "payments",
    "regulator",
    "market",
    "run",
)
"""Parts of the world in the order a policy reader meets them; unknown sections follow."""

IDENTITY = frozenset({"name", "description"})
"""Fields that name a scenario rather than describe the world: set when saving, not edited."""

_TITLES = {"kyc": "KYC", "aml": "AML"}

_UNIT_HINTS = {
    "duration": "duration",
    "money": "KZT/USD",
    "share": "0–1",
    "bool": "yes/no",
    "choice": "choice",
    "date": "YYYY-MM-DD",
    "int": "count",
    "float": "number",
    "text": "text",
}


TEAMS = {"kyc.reviewers": "KYC analysts", "aml.analysts": "AML analysts"}
"""Team sizes, in real analysts: the sampled world keeps one per `population.scale_factor`."""


def simulated_count(count: Any, scale: float) -> float | None:
    """The simulated analysts a real team works as (None for a schedule or bad text)."""
    try:
        return float(count) / scale
    except (TypeError, ValueError):
        return None


def section_title(section: str) -> str:
    return _TITLES.get(section, section.replace("_", " ").capitalize())


def sections(specs: Iterable[FieldSpec] = FIELDS) -> list[tuple[str, list[FieldSpec]]]:
    """The editable fields grouped by section, known sections first in `SECTION_ORDER`."""
    groups: dict[str, list[FieldSpec]] = {}
    for spec in specs:
        if spec.path in IDENTITY | SCHEDULED_ELSEWHERE:
            continue
        groups.setdefault(spec.section, []).append(spec)
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    ordered = sorted(groups, key=lambda name: (rank.get(name, len(rank)), list(groups).index(name)))
    return [(name, groups[name]) for name in ordered]


def field_label(spec: FieldSpec) -> str:
    """`working_hours.start_hour` reads as `working hours › start hour`."""
    return spec.label.replace("_", " ").replace(".", " › ")


def kind(spec: FieldSpec) -> str:
    """The field's kind (int, float, share, duration, money, bool, choice, date or text)."""
    return spec.kind


def unit_hint(spec: FieldSpec) -> str:
    """What to type: the unit, or the form a value takes."""
    k = kind(spec)
    if spec.path in TEAMS:
        return "real"
    if k in {"int", "float"} and spec.unit not in {"count", "number", ""}:
        return spec.unit
    return _UNIT_HINTS.get(k, spec.unit)


def as_text(spec: FieldSpec, value: Any) -> str:
    """A value as a person would type it (durations as 2h / 3d, money as `1_000 USD`, schedules
    as `0.3, from 2023-01-01: 0.9`)."""
    if isinstance(value, Scheduled):
        return schedule_text(spec, value)
    if kind(spec) == "duration" and isinstance(value, float):
        return format_duration(value) if not math.isnan(value) else "nan"
    if isinstance(value, tuple | list):  # e.g. dated rules: JSON is YAML that reads back
        items = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
        return json.dumps(items, ensure_ascii=False, default=str)
    return display_value(spec, value)


def bounds_text(spec: FieldSpec) -> str:
    """The range or the form of a valid value (`0 to 10`, `type e.g. 2h`), or nothing."""
    low, high = spec.minimum, spec.maximum
    k = kind(spec)
    if k == "duration":
        return "type e.g. 30m, 2h, 3d or 1w"
    if k == "money":
        return "type e.g. 500000 KZT, 2.5M KZT or 1000 USD"
    if k == "share":
        return "a share from 0 to 1"
    if k in {"bool", "choice", "date", "text"}:
        return ""
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"at least {low:g}"
    if high is not None:
        return f"at most {high:g}"
    return ""


def choices(spec: FieldSpec) -> tuple[str, ...]:
    """The options of a choice or yes/no field (with `not set` when the field may be empty)."""
    k = kind(spec)
    options: tuple[str, ...] = ()
    if k == "bool":
        options = ("true", "false")
    elif k == "choice":
        options = tuple(str(c) for c in spec.choices)
    if options and spec.nullable:
        options = (*options, NOT_SET)
    return options
