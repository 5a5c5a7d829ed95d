"""Dated rules: values that change on a date, written either as a schedule or as a `rules:` list.

A schedule replaces a value with dates as keys:

    miners:
      sale_share:
        2024-01-01: 0.5
        2025-01-01: 0.75

Entries dated on or before `run.start_date` set the starting value; later ones become `rules:`
entries that the regulator applies at 00:00 of their date. Every rule's values are validated when
the scenario loads, so a bad value fails before the run, with its file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, clip
from sim.scenario import RunSection, Scenario

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KeyPath = tuple[str, ...]

FIXED_AT_START = {
    "run.": "the run's start date, length, seed and replications are set when it starts",
    "population.scale_factor": "every agent stands for the same number of people all run long",
    "population.locale": "the country the people come from is set when the run starts",
    "market.": "the price path and the tenge rate are drawn when the run starts",
}
"""Values a dated rule may not change (a path, or a prefix ending in '.'), and why."""


def fixed_at_start(dotted: str) -> str | None:
    """Why a dated rule cannot change this value, or None when it can."""
    for path, why in FIXED_AT_START.items():
        if dotted == path or (path.endswith(".") and dotted.startswith(path)):
            return why
    return None


def _is_schedule(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(_DATE.match(str(k)) for k in value)


def _get(data: Mapping[str, Any], path: KeyPath) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def extract_schedules(
    data: dict[str, Any], sources: MutableMapping[KeyPath, str], leaves: list[str]
) -> dict[str, Any]:
    """Turn every date-keyed value into a starting value plus `rules:` entries."""
    start = _date(_get(data, ("run", "start_date")), sources, ("run", "start_date"))
    start = start or RunSection().start_date
    given = data.get("rules") or []
    if not isinstance(given, list):
        return data  # validation says that `rules` must be a list, with its place
    rules = list(given)
    for dotted in leaves:
        path = tuple(dotted.split("."))
        schedule = _get(data, path)
        if not _is_schedule(schedule):
            continue
        parent: dict[str, Any] = _get(data, path[:-1]) if len(path) > 1 else data
        dated = sorted((_schedule_date(k, sources, path), k, v) for k, v in schedule.items())
        before = [item for item in dated if item[0] <= start]
        if before:
            parent[path[-1]] = before[-1][2]
        else:
            del parent[path[-1]]
        for when, key, value in dated[len(before) :]:
            sources[("rules", str(len(rules)), "values")] = sources.get((*path, str(key)), "")
            rules.append({"date": when.isoformat(), "values": {dotted: value}, "note": "schedule"})
    if rules:
        data["rules"] = rules
    return data


def _date(text: Any, sources: Mapping[KeyPath, str], where: KeyPath) -> dt.date | None:
    """A date from its text (None when absent); an impossible date is a scenario error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        place = sources.get(where, "scenario")
        raise ScenarioError(
            [f"{'.'.join(where)}: not a date (YYYY-MM-DD), got {text!r} ({place})"]
        ) from None


def _schedule_date(key: Any, sources: Mapping[KeyPath, str], path: KeyPath) -> dt.date:
    when = _date(key, sources, (*path, str(key)))
    assert when is not None  # a schedule's keys are never empty
    return when


def apply_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with these dotted-path values changed (validated)."""
    from sim.loader import apply_override

    data = scenario.model_dump(mode="json")
    for dotted, value in values.items():
        data = apply_override(data, tuple(dotted.split(".")), value)
    data["rules"] = []
    return Scenario.model_validate(data)


def states(scenario: Scenario) -> list[tuple[dt.date, Scenario]]:
    """The scenario as it stands from its start date and after each dated rule, in date order."""
    start = scenario.run.start_date
    current = scenario.model_copy(update={"rules": ()})
    found = [(start, current)]
    for rule in sorted(scenario.rules, key=lambda r: r.date):
        current = apply_values(current, rule.values)
        found.append((max(start, rule.date), current))
    return found


def check_rules(scenario: Scenario, sources: Mapping[KeyPath, str], leaves: list[str]) -> list[str]:
    """Problems with the scenario's dated rules: unknown paths and values that do not validate."""
    from sim.loader import _locate, _message, _suggest

    problems = []
    current = scenario.model_copy(update={"rules": ()})
    for index, rule in sorted(enumerate(scenario.rules), key=lambda item: item[1].date):
        where = _locate(("rules", str(index), "values"), sources)
        unknown = [p for p in rule.values if p not in leaves]
        fixed = [(p, why) for p in rule.values if p in leaves and (why := fixed_at_start(p))]
        for dotted in unknown:
            hint = _suggest(dotted, leaves)
            problems.append(f"rules: unknown path '{clip(dotted, 60)}'{hint} ({where})")
        for dotted, why in fixed:
            problems.append(f"{dotted} from {rule.date}: cannot change mid-run; {why} ({where})")
        if unknown or fixed:
            continue
        try:
            current = apply_values(current, rule.values)
        except ValidationError as error:
            for item in error.errors():
                loc = tuple(str(p) for p in item["loc"])
                problems.append(
                    f"{'.'.join(loc)} from {rule.date}: {_message(item, loc)} ({where})"
                )
    return problems
