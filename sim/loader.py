"""Scenario files: YAML with `extends:`, `--set path=value` overrides, errors naming file and line.

Every problem becomes one line such as
`kyc.reviewers: must be >= 0, got -3 (configs/x.yaml line 14)`; all of a file's problems are
reported together in a `ScenarioError`, never as a traceback.
"""

from __future__ import annotations

import copy
import difflib
import functools
import io
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from sim.checks import check_scenario
from sim.errors import ScenarioError as ScenarioError  # re-exported: the public home
from sim.errors import clip
from sim.files import Access, find_scenario, in_library, read_text
from sim.rules import check_rules, extract_schedules
from sim.scenario import Scenario

KeyPath = tuple[str, ...]


MAX_DEPTH = 50
"""Deepest nesting of mappings and lists a scenario file may have."""
MAX_VALUES = 100_000
"""Most keys and values a scenario file may hold once its aliases are expanded."""

_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge")}


class _Constructor(RoundTripConstructor):
    """Plain YAML only: dates are read as text (the scenario model parses them, so a bad date is a
    clear error), other tags (`!!omap`, `!!binary`, `!!python/...`, `!custom`) are refused, and a
    value that does not read as its tag (`!!int 1.5`) is an error at its line, never a crash."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        tag = str(node.tag)
        if tag == _CORE + "timestamp":
            return self.construct_yaml_str(node)
        if tag not in _PLAIN_TAGS:
            raise ConstructorError(
                None,
                None,
                f"the tag {clip(tag.replace(_CORE, '!!'))} is not allowed",
                node.start_mark,
            )
        try:
            return super().construct_object(node, deep)
        except MarkedYAMLError:
            raise
        except Exception:  # ruamel's own converters fail with many kinds on odd values
            shown = clip(str(node.value)) if isinstance(node.value, str) else "this value"
            raise ConstructorError(
                None,
                None,
                f"cannot read {shown!r} as {tag.replace(_CORE, '!!')}",
                node.start_mark,
            ) from None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    return yaml


def _where(path: Path, line: int | None) -> str:
    return f"{path} line {line + 1}" if line is not None else str(path)


class _Budget:
    """Counts the values copied out of a YAML document, so that an alias bomb stops early."""

    def __init__(self, path: Path) -> None:
        self.path, self.left = path, MAX_VALUES
        self.line: int | None = None

    def spend(self, node: Any) -> None:
        self.left -= 1
        if hasattr(node, "lc"):
            self.line = node.lc.line
        if self.left < 0:
            line = self.line
            raise ScenarioError(
                [
                    f"{self.path}: more than {MAX_VALUES:,} values once its aliases are expanded "
                    f"({_where(self.path, line)})"
                ]
            )


def _plain(
    node: Any,
    path: Path,
    prefix: KeyPath,
    sources: dict[KeyPath, str],
    budget: _Budget | None = None,
) -> Any:
    """Plain Python data from ruamel nodes, recording the file and line of every key."""
    budget = budget or _Budget(path)
    budget.spend(node)
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            line = node.lc.key(key)[0] if key in node.lc.data else None
            name = str(key)
            sources[(*prefix, name)] = _where(path, line)
            out[name] = _plain(value, path, (*prefix, name), sources, budget)
        return out
    if isinstance(node, CommentedSeq):
        return [
            _plain(item, path, (*prefix, str(i)), sources, budget) for i, item in enumerate(node)
        ]
    return node


def _parse(text: str, path: Path) -> Any:
    """A YAML document from text, every failure a one-line `ScenarioError` naming the line."""
    try:
        return _yaml().load(text)
    except MaxDepthExceededError as error:
        where = _where(path, error.problem_mark.line if error.problem_mark else None)
        raise ScenarioError(
            [f"{path}: nested more than {MAX_DEPTH} levels deep ({where})"]
        ) from None
    except ConstructorError as error:
        mark = error.problem_mark
        problem = clip((error.problem or "cannot read a value").strip(), 100)
        raise ScenarioError(
            [f"{path}: {problem} ({_where(path, mark.line if mark else None)})"]
        ) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = clip((error.problem or error.context or "invalid YAML").strip(), 100)
        raise ScenarioError(
            [f"YAML syntax error: {problem} ({_where(path, mark.line if mark else None)})"]
        ) from None
    except ReaderError as error:
        line = text.count("\n", 0, error.position)
        raise ScenarioError(
            [f"{path}: a character YAML does not allow, {error.character!r} ({_where(path, line)})"]
        ) from None
    except YAMLError as error:
        raise ScenarioError([f"{path}: not a YAML document ({clip(str(error))})"]) from None


def _read(path: Path) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """A file's data and where each key came from (the file is read, and checked, every time)."""
    data, sources = _document(str(path), read_text(path))
    return copy.deepcopy(data), dict(sources)


@functools.lru_cache(maxsize=32)
def _document(where: str, text: str) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """The parsed text, kept for the same file and text: YAML round-trip parsing is most of a
    load, and a session, a sweep or a test suite loads the same few library files again and
    again. Callers get copies (`_read`)."""
    path = Path(where)
    document = _parse(text, path)
    if document is None:
        document = CommentedMap()
    if not isinstance(document, CommentedMap):
        raise ScenarioError([f"{path}: not a scenario (a scenario is a mapping of keys to values)"])
    sources: dict[KeyPath, str] = {(): where}
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


def _resolve(
    path: Path, chain: tuple[Path, ...], access: Access
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """A file's data with its `extends:` chain applied, and where each key came from."""
    if path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise ScenarioError([f"{path}: extends itself in a cycle ({cycle})"])
    data, sources = _read(path)
    refuse_foreign(path, data, (*Scenario.model_fields, "extends"), "scenario")
    parent = data.pop("extends", None)
    if parent is None:
        return data, sources
    where = sources[("extends",)]
    if not isinstance(parent, str):
        raise ScenarioError([f"extends: must be a file name ({where})"])
    parent_path = access.resolve(parent, path.absolute().parent, "extends", where)
    if not parent_path.is_file():  # a library scenario by name, from a file anywhere
        parent_path = in_library(parent) or parent_path
    if not parent_path.is_file():
        raise ScenarioError([f"extends: no such scenario file '{clip(parent)}' ({where})"])
    base, base_sources = _resolve(parent_path, (*chain, path.resolve()), access)
    base_sources.update(sources)
    return merge(base, data), base_sources


def refuse_foreign(path: Path, data: Mapping[str, Any], keys: Sequence[str], kind: str) -> None:
    """Refuse a mapping none of whose top-level keys is one of a `kind` of file's `keys` as one
    error that quotes none of them: a file named by mistake (a password file, a service's
    settings) is not echoed key by key as "unknown keys". A file with any such key is one with
    typos, and its unknown keys are named (clipped). Only the kind's own key names are quoted
    back: the one a key is closest to, if any."""
    if not data or any(key in keys for key in data):
        return
    hint = next(filter(None, (_suggest(str(key), keys) for key in data)), "")
    raise ScenarioError(
        [f"{path}: not a {kind} (none of its keys is a {kind}'s: {', '.join(keys)}){hint}"]
    )


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
    return list(_leaf_paths(model, prefix))


@functools.cache
def _leaf_paths(model: type[BaseModel], prefix: KeyPath) -> tuple[str, ...]:
    """The paths, walked once per model: every `--set`, rule and sweep cell asks for them."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        paths.append(".".join(path))
        if (sub := _model_of(field.annotation)) is not None:
            paths.extend(_leaf_paths(sub, path))
    return tuple(paths)


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
        return f"must be {bounds[kind]} {limit}, got {clip(repr(given))}"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        hint = _suggest(loc[-1], parent.model_fields) if parent else ""
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return "is required"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {clip(repr(given))}"
    if kind in {"value_error", "assertion_error"}:
        return clip(str(ctx.get("error", error["msg"])), 160)
    if kind.endswith(("_parsing", "_type")):
        wanted = kind.split("_")[0].replace("int", "a whole number").replace("float", "a number")
        wanted = {"bool": "true or false", "model": "a mapping of keys", "dict": "a mapping"}.get(
            wanted, wanted
        )
        return f"expected {wanted}, got {clip(repr(given))}"
    return clip(str(error["msg"]), 160)


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
            loc = tuple(p for p in loc if p not in {"WorkingHours", "none"}) or loc[-1:]
            shown = tuple(clip(p, 40) for p in loc)
            problems.append((_locate(loc, sources), f"{'.'.join(shown)}: {_message(error, shown)}"))
        problems.sort(key=lambda item: _line_order(item[0]))
        raise ScenarioError([f"{text} ({where})" for where, text in problems]) from None


def _data_path(
    data: dict[str, Any], key: KeyPath, sources: Mapping[KeyPath, str], access: Access
) -> None:
    """Resolve a file named in the scenario (`market.btc_csv`, `targets`) against the file naming
    it, refusing it unless a scenario may read there."""
    parent: Any = data
    for part in key[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    value = parent.get(key[-1]) if isinstance(parent, dict) else None
    if not isinstance(value, str):
        return
    where = sources.get(key, sources.get((), "scenario"))
    origin, _, _ = where.rpartition(" line ")
    base = Path.cwd() if where.startswith("--set") else Path(origin or where).absolute().parent
    parent[key[-1]] = str(access.resolve(value, base, ".".join(key), where))


def load_data(
    path: str | Path, overrides: Sequence[str] = (), allow: Sequence[str | Path] = ()
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """The merged, overridden plain data of a scenario file, and where each key came from.

    Files the scenario names are read only inside the allowed folders (`sim.files.Access`): the
    library, the naming file's folder, `allow` and the `SANDBOX_ALLOW_DIRS` setting.
    """
    path = find_scenario(path)
    access = Access.default(allow)
    data, sources = _resolve(path, (), access)
    problems: list[str] = []
    for text in overrides:
        try:
            key_path, value = parse_override(text)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        data = apply_override(data, key_path, value)
        sources[key_path] = f"--set {clip(text.strip(), 100)}"
    if problems:
        raise ScenarioError(problems)
    data = extract_schedules(data, sources, leaf_paths())
    data.setdefault("name", path.stem)
    _data_path(data, ("market", "btc_csv"), sources, access)
    _data_path(data, ("targets",), sources, access)
    return data, sources


def load_scenario(
    path: str | Path, overrides: Sequence[str] = (), allow: Sequence[str | Path] = ()
) -> Scenario:
    """Read, merge, override and validate a scenario file (dated rules included).

    `allow`: more folders the scenario may read files from (`extends:`, `market.btc_csv`).
    """
    data, sources = load_data(path, overrides, allow)
    return finish(data, sources)


def finish(data: Mapping[str, Any], sources: Mapping[KeyPath, str]) -> Scenario:
    """Validate plain data: every field, then the dated rules, then across fields."""
    scenario = validate(data, sources)
    problems = check_rules(scenario, sources, leaf_paths())
    if problems:
        raise ScenarioError(problems)
    problems = check_scenario(scenario, sources)
    if problems:
        raise ScenarioError(problems)
    return scenario


def dump_yaml(scenario: Scenario) -> str:
    """The full effective scenario, defaults included, as YAML that loads back to the same."""
    return to_yaml(scenario.model_dump(mode="json"))


_LINE_BREAKS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
"""Characters a plain or single-quoted YAML string cannot carry as they are (NEL reads back as a
space, for one): strings holding any are written double-quoted, with escapes."""


def _represent_str(representer: Any, data: str) -> Any:
    style = '"' if _LINE_BREAKS.search(data) else None
    return representer.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def to_yaml(data: Mapping[str, Any]) -> str:
    """Plain data as block-style YAML, keys in their given order."""
    yaml = _yaml()
    yaml.default_flow_style = False
    yaml.representer.add_representer(str, _represent_str)
    stream = io.StringIO()
    yaml.dump(dict(data), stream)
    return stream.getvalue()
