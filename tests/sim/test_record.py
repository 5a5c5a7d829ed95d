"""A run's record reproduces it: scenario.resolved.yaml holds every value exactly as used."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment import config_hash
from sim.fields import FIELDS, FieldSpec
from sim.loader import ScenarioError, dump_yaml, load_scenario
from tests.conftest import BASELINE, CONFIGS, SMALL
from tests.sim.test_fuzz_loading import EXAMPLES

runner = CliRunner()
ODD = [
    "banks.card_latency=61.7s",
    "population.income_median_month=320123.45 KZT",
    "kyc.review_time_mean=45.55m",
    "population.arrivals_per_day=4384.123456789",
]


def _decimal_text(low: float, high: float) -> st.SearchStrategy[str]:
    return (
        st.integers(0, 7)
        .flatmap(lambda places: st.decimals(Decimal(str(low)), Decimal(str(high)), places=places))
        .map(lambda d: format(d, "f"))
    )


def value_text(spec: FieldSpec) -> st.SearchStrategy[str]:
    """A text a user could type for this field, within its schema range."""
    low, high = spec.minimum or 0.0, spec.maximum
    if spec.kind == "int":
        return st.integers(int(low), int(high if high is not None else 10**6)).map(str)
    if spec.kind in {"float", "share"}:
        top = high if high is not None else 1e7
        return st.floats(low, top, allow_nan=False).map(repr) | _decimal_text(low, top)
    if spec.kind == "duration":
        units = st.sampled_from(["s", "m", "h", "d", "w"])
        return st.tuples(_decimal_text(0, 5000), units).map("".join) | st.just("inf")
    if spec.kind == "money":
        return st.tuples(_decimal_text(0, 1e9), st.sampled_from([" KZT", " USD", ""])).map("".join)
    if spec.kind == "bool":
        return st.sampled_from(["true", "false"])
    if spec.kind == "choice":
        return st.sampled_from([str(c) for c in spec.choices])
    if spec.kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    return st.text(max_size=30).map(json.dumps)


SETTABLE = [s for s in FIELDS if s.kind != "text" or s.path in {"name", "description"}]
overrides = st.lists(
    st.sampled_from(SETTABLE).flatmap(lambda s: value_text(s).map(lambda v: f"{s.path}={v}")),
    min_size=1,
    max_size=8,
)


@pytest.mark.fuzz
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(base=st.sampled_from(sorted(CONFIGS.glob("*.yaml"))), sets=overrides)
def test_resolved_scenario_reloads_to_an_equal_model_with_the_same_hash(
    tmp_path: Path, base: Path, sets: list[str]
) -> None:
    try:
        scenario = load_scenario(base, sets)
    except ScenarioError:
        reject()
    resolved = tmp_path / "scenario.resolved.yaml"
    resolved.write_text(dump_yaml(scenario), encoding="utf-8")
    again = load_scenario(resolved)
    assert again == scenario
    assert dump_yaml(again) == dump_yaml(scenario)
    assert config_hash(again) == config_hash(scenario)


def test_odd_values_survive_the_resolved_file_exactly() -> None:
    scenario = load_scenario(BASELINE, ODD)
    text = dump_yaml(scenario)
    assert "card_latency: 61.7s" in text
    assert "income_median_month: 320_123.45 KZT" in text
    assert "arrivals_per_day: 4384.123456789" in text


def test_configs_that_differ_in_any_value_have_different_hashes() -> None:
    one = load_scenario(BASELINE, ["population.income_median_month=320123.45 KZT"])
    two = load_scenario(BASELINE, ["population.income_median_month=320123.46 KZT"])
    assert config_hash(one) != config_hash(two)
    assert config_hash(one) == config_hash(load_scenario(BASELINE, [*ODD[1:2]]))


def test_rerunning_the_resolved_file_gives_identical_kpis(tmp_path: Path) -> None:
    sets = [arg for s in [*ODD, *SMALL, "run.days=20"] for arg in ("--set", s)]
    first = runner.invoke(app, ["run", str(BASELINE), *sets, "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    resolved = tmp_path / "a" / "scenario.resolved.yaml"
    second = runner.invoke(app, ["run", str(resolved), "--out", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    a, b = (json.loads((tmp_path / d / "summary.json").read_text()) for d in "ab")
    assert a["kpis"] == b["kpis"]
    assert a["config_hash"] == b["config_hash"]
    assert (tmp_path / "b" / "scenario.resolved.yaml").read_text() == resolved.read_text()
