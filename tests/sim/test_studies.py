"""Studies over the assumptions: priors files, uncertainty, sensitivity (SALib wiring), tornado and
robust comparison."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.experiments import LocalExecutor, ScenarioBuilder, parse_vary
from sim.experiments.priors import default_priors, load_priors, marked_paths, regime_of
from sim.experiments.studies import design_points, indices, robust_compare, tornado, uncertainty
from sim.fields import FIELD_BY_PATH
from sim.library import NOT_SCENARIOS
from sim.loader import leaf_paths, load_scenario
from tests.conftest import BASELINE, CONFIGS, SMALL

SHIPPED = sorted(
    p for p in CONFIGS.glob("*.yaml") if not {"validation", *NOT_SCENARIOS} & set(p.parts)
)
runner = CliRunner()


@pytest.mark.parametrize("regime", ["kz", "tm"])
def test_every_prior_names_a_settable_path_and_gives_a_reason(regime: str) -> None:
    priors = load_priors(CONFIGS / "priors" / f"{regime}.yaml")
    paths = set(leaf_paths())
    assert priors.priors
    for prior in priors.priors:
        assert prior.path in paths
        assert len(prior.reason) > 10


def test_every_numeric_assumption_in_the_library_has_a_prior() -> None:
    missing = []
    for path in SHIPPED:
        priors = load_priors(default_priors(load_scenario(path)))
        covered = {p.path for p in priors.priors}
        for marked in marked_paths(path):
            numeric = FIELD_BY_PATH[marked].kind in {"int", "float", "share", "duration", "money"}
            if numeric and marked not in covered:
                missing.append(f"{path.name}: {marked}")
    assert not missing, f"add a prior to configs/priors/<regime>.yaml for: {missing}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_sampled_worlds_are_valid_scenarios_around_their_own_values(path: Path) -> None:
    builder = ScenarioBuilder(path, SMALL)
    priors = load_priors(default_priors(builder.base))
    assert priors.regime == regime_of(builder.base)
    for world in priors.sample(builder.base, 3, seed=7):
        scenario = builder.build(world)
        for prior in priors.priors:
            bounds = prior.bounds(builder.base)
            if bounds is not None and prior.path in world:
                value = (
                    float(world[prior.path].split()[0])
                    if isinstance(world[prior.path], str)
                    else float(world[prior.path])
                )
                assert bounds[0] - 0.5 <= value <= bounds[1] + 0.5
        assert scenario.run.seed == builder.base.run.seed


def test_a_bad_priors_file_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "regime: kz\npriors:\n"
        "  kyc.reviewrs: {low: 1, high: 3, reason: staff}\n"
        "  kyc.review_time_mean: {low: 2h, high: 1h, reason: handling}\n"
        "  population.bad_actor_share: {low: 0.1, high: 0.3}\n"
    )
    result = runner.invoke(
        app, ["uncertainty", str(BASELINE), "--priors", str(bad), "--samples", "2"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 3
    assert "kyc.reviewrs" in lines[0] and "line 3" in lines[0]
    assert "Traceback" not in result.output


def test_uncertainty_gives_each_kpi_a_median_inside_its_90_percent_interval(
    tmp_path: Path,
) -> None:
    builder = ScenarioBuilder(BASELINE, ["run.days=20", "population.scale_factor=250"])
    priors = load_priors(CONFIGS / "priors" / "kz.yaml")
    result, spreads = uncertainty(builder, priors, 5, tmp_path, LocalExecutor(1))
    assert len(result.cells) == 5 and not result.failures
    outflow = spreads["capital_outflow_kzt"]
    assert outflow.p05 <= outflow.median <= outflow.p95 and outflow.p05 < outflow.p95
    saved = json.loads((tmp_path / "uncertainty.json").read_text())
    assert saved["kpis"]["capital_outflow_kzt"]["n"] == 5
    again, _ = uncertainty(builder, priors, 5, tmp_path, LocalExecutor(1))
    assert (again.ran, again.skipped) == (0, 5)


def test_sobol_wiring_recovers_the_ishigami_indices() -> None:
    x = design_points("sobol", 3, 1024, seed=3)
    y = Ishigami.evaluate(-math.pi + 2 * math.pi * x)
    found = {i.name: i for i in indices("sobol", ["x1", "x2", "x3"], x, y, seed=3)}
    for name, first, total in (("x1", 0.314, 0.558), ("x2", 0.442, 0.442), ("x3", 0.0, 0.244)):
        assert found[name].second == pytest.approx(first, abs=0.06)
        assert found[name].value == pytest.approx(total, abs=0.06)


def test_morris_ranks_a_linear_toy_by_its_slopes() -> None:
    x = design_points("morris", 3, 20, seed=1)
    y = 10 * x[:, 0] + 1 * x[:, 1] + 0 * x[:, 2]
    ranked = indices("morris", ["big", "small", "none"], x, y, seed=1)
    assert [i.name for i in ranked] == ["big", "small", "none"]
    assert ranked[0].value == pytest.approx(10, rel=1e-6)
    assert ranked[2].value == pytest.approx(0, abs=1e-9)
    assert np.isfinite(ranked[0].conf)


def test_tornado_shows_blocking_unlicensed_payments_cuts_outflow(tmp_path: Path) -> None:
    builder = ScenarioBuilder(BASELINE, ["run.days=30", "population.scale_factor=250"])
    with pytest.raises(ScenarioError, match="exactly two values"):
        three = [parse_vary("kyc.reviewers=1,2,3")]
        tornado(builder, three, "capital_outflow_kzt", tmp_path / "x", LocalExecutor(1))
    levers = [parse_vary("banks.unlicensed_block_prob=0.1,0.9")]
    base, swings = tornado(builder, levers, "capital_outflow_kzt", tmp_path, LocalExecutor(1))
    (swing,) = swings
    assert swing.at_high < base < swing.at_low


def test_robust_comparison_counts_worlds_and_leaves_the_reforms_levers_alone(
    tmp_path: Path,
) -> None:
    small = ["run.days=20", "population.scale_factor=250"]
    baseline = ScenarioBuilder(BASELINE, small)
    reform = ScenarioBuilder(BASELINE, [*small, "banks.unlicensed_block_prob=0.9"])
    priors = load_priors(CONFIGS / "priors" / "kz.yaml")
    result, found, left_out = robust_compare(
        baseline, reform, priors, 4, tmp_path, LocalExecutor(1)
    )
    assert left_out == ["banks.unlicensed_block_prob"]
    assert all("banks.unlicensed_block_prob" not in c.values for c in result.cells)
    outflow = next(r for r in found if r.kpi == "capital_outflow_kzt")
    assert outflow.worlds == 4 and outflow.falls == 1.0 and outflow.rises == 0.0
    saved = json.loads((tmp_path / "robust.json").read_text())
    assert saved["kpis"]["capital_outflow_kzt"]["falls"] == 1.0
    # the reform shares the baseline's name: it is named by its change (not "X vs X")
    assert saved["reform_name"] == "aifc_pilot_2022 + banks.unlicensed_block_prob=0.9"


def test_a_sensitivity_study_says_where_it_wrote_each_file(tmp_path: Path) -> None:
    # it said "wrote OUT/ (sensitivity.json, …)" for files in OUT/morris/ and OUT/tornado/
    args = ["sensitivity", str(BASELINE), "--kpi", "capital_outflow_kzt", "--samples", "2"]
    args += ["--days", "5", "--set", "population.scale_factor=250", "--workers", "1"]
    args += ["--lever", "banks.unlicensed_block_prob=0.1,0.9", "--out", str(tmp_path / "s")]
    result = runner.invoke(app, args, env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("wrote ")]
    written = [Path(path) for path in line.removeprefix("wrote ").split(", ")]
    assert [p.name for p in written] == [
        "sensitivity.json", "sensitivity.png", "tornado.json", "tornado.png"
    ]  # fmt: skip
    assert all(path.is_file() for path in written), written
