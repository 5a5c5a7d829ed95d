"""Fuzzing the loader: random YAML and mutated library files give a scenario or a ScenarioError.

`make test` runs a bounded number of examples; a longer campaign:
`SANDBOX_FUZZ_EXAMPLES=2000 .venv/bin/pytest -m fuzz -n 0`.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sim.loader import ScenarioError, leaf_paths, load_scenario
from tests.conftest import CONFIGS

EXAMPLES = int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "40"))
BUDGET_S = 10.0
"""Most CPU seconds a single load may take."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

LIBRARY = sorted(CONFIGS.rglob("*.yaml"))
TOKENS = [
    ":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!int ", "!!omap ", "!!float ", "!!str ",
    "!!python/object:os.system ", "!x ", "\n", "\n  ", "  ", "'", '"', "#", "? ", "|", ">", "<<: ",
    "1e400", "-1", "0.99", "true", "null", "~", "\t", "\x00", "é", "2022-02-30", "9999-12-31",
    "0001-01-01", "inf", "nan", "-inf", "1e13 KZT", "99999999999999999999", "1.5", "0", "3650",
    "extends: ", "/etc/passwd", "../", "rules", "shocks", "date: ", "values: ", "kind: bank_exit",
]  # fmt: skip
KEYS = sorted({part for path in leaf_paths() for part in path.split(".")} | {"extends", "x"})


def _absolute_extends(text: str, origin: Path) -> str:
    """Library files extend by relative name; the mutated copy lives elsewhere."""
    return re.sub(
        r"^extends:\s*(\S+)", lambda m: f"extends: {origin.parent / m.group(1)}", text, flags=re.M
    )


@st.composite
def mutated_library_file(draw: st.DrawFn) -> str:
    origin = draw(st.sampled_from(LIBRARY))
    text = _absolute_extends(origin.read_text(encoding="utf-8"), origin)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace_value", "duplicate_line"]))
        if action == "insert":
            text = text[:where] + draw(st.sampled_from(TOKENS)) + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + draw(st.integers(1, 40)) :]
        elif action == "duplicate_line":
            lines = text.splitlines(keepends=True) or [""]
            i = draw(st.integers(0, len(lines) - 1))
            text = "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
        else:
            lines = text.splitlines(keepends=True) or [""]
            i = draw(st.integers(0, len(lines) - 1))
            key, colon, _ = lines[i].partition(":")
            if colon:
                lines[i] = f"{key}: {draw(st.sampled_from(TOKENS)).strip() or '1'}\n"
            text = "".join(lines)
    return text


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2h", "1e13 KZT", "1000 USD", "2022-07-01", "inf", "-3", "0.5"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5),
    ),
    max_leaves=30,
)


def _dump(document: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe").dump(document, stream)
    return stream.getvalue()


def _load_within_budget(path: Path) -> None:
    started = time.process_time()
    try:
        load_scenario(path)
    except ScenarioError as error:
        assert error.problems, "a ScenarioError names at least one problem"
        for line in error.problems:
            assert "\n" not in line and len(line) < 600, line
    assert time.process_time() - started < BUDGET_S


@pytest.mark.fuzz
@FUZZ
@given(text=mutated_library_file())
def test_a_mutated_library_file_loads_or_raises_the_scenario_error(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_within_budget(path)


@pytest.mark.fuzz
@FUZZ
@given(document=documents)
@example(document={"rules": True})  # found by this test: rules that are not a list
@example(document={"none": None})  # found by this test: an unknown key named like a union tag
def test_a_random_yaml_document_loads_or_raises_the_scenario_error(
    tmp_path: Path, document: Any
) -> None:
    path = tmp_path / "random.yaml"
    path.write_text(_dump(document), encoding="utf-8", errors="surrogatepass")
    _load_within_budget(path)


@pytest.mark.fuzz
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_load_or_raise_the_scenario_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(data)
    _load_within_budget(path)
