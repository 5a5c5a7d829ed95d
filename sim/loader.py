"""Scenario files: YAML with `extends:`, `--set path=value` overrides, errors naming file and line.

Every problem becomes one line such as
`kyc.reviewers: must be >= 0, got -3 (configs/x.yaml line 14)`; all of a file's problems are
reported together in a `ScenarioError`, never as a traceback.
"""

from __future__ import annotations

import difflib
import io
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from sim.errors import ScenarioError as ScenarioError  # re-exported: the public home
from sim.rules import check_rules, extract_schedules
from sim.scenario import Scenario

KeyPath = tuple[str, ...]


class _Constructor(RoundTripConstructor):
    """Reads dates as text: the scenario model parses them, so a bad date is a clear error."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


def _where(path: Path, line: int | None) -> str:
    return f"{path} line {line + 1}" if line is not None else str(path)


def _plain(node: Any, path: Path, prefix: KeyPath, sources: dict[KeyPath, str]) -> Any:
    """Plain Python data from ruamel nodes, recording the file and line of every key."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            line = node.lc.key(key)[0] if key in node.lc.data else None
            sources[(*prefix, str(key))] = _where(path, line)
            out[str(key)] = _plain(value, path, (*prefix, str(key)), sources)
        return out
    if isinstance(node, CommentedSeq):
        return [_plain(item, path, (*prefix, str(i)), sources) for i, item in enumerate(node)]
    return node


def _read(path: Path) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    if not path.is_file():
        raise ScenarioError([f"{path}: no such scenario file"])
    try:
        document = _yaml().load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = (error.problem or error.context or "invalid YAML").strip()
        raise ScenarioError(
            [f"YAML syntax error: {problem} ({_where(path, mark.line if mark else None)})"]
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not a text file"]) from None
    if document is None:
        document = CommentedMap()
    if not isinstance(document, CommentedMap):
        raise ScenarioError([f"{path}: a scenario must be a mapping of keys to values"])
    sources: dict[KeyPath, str] = {(): str(path)}
    return _plain(document, path, (), sources), sources


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else in `override` replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """A file's data with its `extends:` chain applied, and where each key came from."""
    if path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise ScenarioError([f"{path}: extends itself in a cycle ({cycle})"])
    data, sources = _read(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, sources
    if not isinstance(parent, str):
        raise ScenarioError([f"extends: must be a file name ({sources[('extends',)]})"])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(
            [f"extends: no such scenario file '{parent}' ({sources[('extends',)]})"]
        )
    base, base_sources = _resolve(parent_path, (*chain, path.resolve()))
    base_sources.update(sources)
    return merge(base, data), base_sources


# --- knowing the shape of a scenario ------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `WorkingHours | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if (model := _model_of(arg)) is not None:
                return model
    return None


def leaf_paths(model: type[BaseModel] = Scenario, prefix: KeyPath = ()) -> list[str]:
    """Every settable dotted path of a scenario, e.g. `kyc.working_hours.start_hour`."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        paths.append(".".join(path))
        if (sub := _model_of(field.annotation)) is not None:
            paths.extend(leaf_paths(sub, path))
    return paths


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    for part in path:
        if model is None or part not in model.model_fields:
            return None
        model = _model_of(model.model_fields[part].annotation)
    return model


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# --- overrides ----------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """`kyc.reviewers=5` to (("kyc", "reviewers"), 5); the value is read as YAML."""
    path_text, sep, value_text = text.partition("=")
    path_text = path_text.strip()
    if not sep or not path_text:
        raise ScenarioError([f"--set {text}: expected path=value, e.g. kyc.reviewers=5"])
    known = leaf_paths()
    if path_text not in known:
        raise ScenarioError(
            [f"--set {text}: unknown path '{path_text}'{_suggest(path_text, known)}"]
        )
    try:
        value = _yaml().load(io.StringIO(value_text)) if value_text.strip() else None
    except MarkedYAMLError as error:
        raise ScenarioError([f"--set {text}: cannot read the value ({error.problem})"]) from None
    return tuple(path_text.split(".")), _plain(value, Path("--set"), (), {})


def apply_override(data: dict[str, Any], path: KeyPath, value: Any) -> dict[str, Any]:
    nested: Any = value
    for part in reversed(path):
        nested = {part: nested}
    return merge(data, nested)


# --- validation and messages --------------------------------------------------------------------


def _message(error: Mapping[str, Any], loc: KeyPath) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    bounds = {
        "greater_than_equal": ">=",
        "greater_than": ">",
        "less_than_equal": "<=",
        "less_than": "<",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {limit}, got {given!r}"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        hint = _suggest(loc[-1], parent.model_fields) if parent else ""
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return "is required"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {given!r}"
    if kind in {"value_error", "assertion_error"}:
        return str(ctx.get("error", error["msg"]))
    if kind.endswith(("_parsing", "_type")):
        wanted = kind.split("_")[0].replace("int", "a whole number").replace("float", "a number")
        wanted = {"bool": "true or false", "model": "a mapping of keys", "dict": "a mapping"}.get(
            wanted, wanted
        )
        return f"expected {wanted}, got {given!r}"
    return str(error["msg"])


def _locate(loc: KeyPath, sources: Mapping[KeyPath, str]) -> str:
    for end in range(len(loc), -1, -1):
        if loc[:end] in sources:
            return sources[loc[:end]]
    return "scenario"


def _line_order(where: str) -> tuple[str, int]:
    file, _, line = where.partition(" line ")
    return file, int(line) if line.isdigit() else 0


def validate(data: Mapping[str, Any], sources: Mapping[KeyPath, str]) -> Scenario:
    """A `Scenario` from plain data, or a `ScenarioError` listing every problem with its place."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(str(p) for p in error["loc"] if not str(p).startswith("function-"))
            loc = tuple(p for p in loc if p not in {"WorkingHours", "none"})
            problems.append((_locate(loc, sources), f"{'.'.join(loc)}: {_message(error, loc)}"))
        problems.sort(key=lambda item: _line_order(item[0]))
        raise ScenarioError([f"{text} ({where})" for where, text in problems]) from None


def load_data(
    path: str | Path, overrides: Sequence[str] = ()
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """The merged, overridden plain data of a scenario file, and where each key came from."""
    path = Path(path)
    data, sources = _resolve(path, ())
    problems: list[str] = []
    for text in overrides:
        try:
            key_path, value = parse_override(text)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        data = apply_override(data, key_path, value)
        sources[key_path] = f"--set {text.strip()}"
    if problems:
        raise ScenarioError(problems)
    data = extract_schedules(data, sources, leaf_paths())
    data.setdefault("name", path.stem)
    csv = data.get("market", {}).get("btc_csv") if isinstance(data.get("market"), dict) else None
    if isinstance(csv, str) and not Path(csv).is_absolute():
        origin = sources.get(("market", "btc_csv"), str(path)).split(" line ")[0]
        base = Path(origin).parent if not origin.startswith("--set") else Path.cwd()
        data["market"] = {**data["market"], "btc_csv": str((base / csv).resolve())}
    targets = data.get("targets")
    if isinstance(targets, str) and not Path(targets).is_absolute():
        origin = sources.get(("targets",), str(path)).split(" line ")[0]
        base = Path(origin).parent if not origin.startswith("--set") else Path.cwd()
        data["targets"] = str((base / targets).resolve())
    return data, sources


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file (dated rules included)."""
    data, sources = load_data(path, overrides)
    scenario = validate(data, sources)
    problems = check_rules(scenario, sources, leaf_paths())
    if problems:
        raise ScenarioError(problems)
    return scenario


def dump_yaml(scenario: Scenario) -> str:
    """The full effective scenario, defaults included, as YAML that loads back to the same."""
    return to_yaml(scenario.model_dump(mode="json"))


def to_yaml(data: Mapping[str, Any]) -> str:
    """Plain data as block-style YAML, keys in their given order."""
    yaml = _yaml()
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(dict(data), stream)
    return stream.getvalue()
