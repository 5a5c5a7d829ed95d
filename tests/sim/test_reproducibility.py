"""Determinism: same scenario and seed, same numbers, in one process or many."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim import load_scenario, run
from sim.cli import app
from sim.components.market import Market
from tests.conftest import BASELINE, SMALL

runner = CliRunner()


def _summary(out: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["run", str(BASELINE), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "summary.json").read_text())
    document.pop("wall_seconds")
    return document


def _small(*extra: str) -> list[str]:
    return [arg for item in SMALL for arg in ("--set", item)] + list(extra)


def test_seed_stability_same_seed_gives_the_same_summary_json(tmp_path: Path) -> None:
    first = _summary(tmp_path / "a", *_small("--seed", "11"))
    second = _summary(tmp_path / "b", *_small("--seed", "11"))
    assert first == second
    assert (tmp_path / "a" / "timeseries.csv").read_text() == (
        tmp_path / "b" / "timeseries.csv"
    ).read_text()


def test_another_seed_gives_different_numbers(tmp_path: Path) -> None:
    first = _summary(tmp_path / "a", *_small("--seed", "11"))
    second = _summary(tmp_path / "b", *_small("--seed", "12"))
    assert first["kpis"] != second["kpis"]


def test_parallel_equals_sequential() -> None:
    scenario = load_scenario(BASELINE, SMALL)
    sequential = run(scenario, replications=3, workers=1)
    parallel = run(scenario, replications=3, workers=2)
    # repr, not ==: an undefined KPI is NaN, and NaN != NaN
    assert repr([r.kpis for r in sequential.replications]) == repr(
        [r.kpis for r in parallel.replications]
    )
    assert repr([r.rows for r in sequential.replications]) == repr(
        [r.rows for r in parallel.replications]
    )


def test_replications_differ_from_each_other() -> None:
    result = run(load_scenario(BASELINE, SMALL), replications=2, workers=1)
    first, second = (r.kpis for r in result.replications)
    assert first["applicants"] != second["applicants"]


def test_the_price_path_is_the_same_on_a_processor_whose_numpy_exp_rounds_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """numpy's exp takes an AVX-512 route on some processors and may then differ from the C
    library's in the last bit (about one price in twenty): a seed's prices must not depend on
    it. Here it is made one unit in the last place off, as such a processor may make it."""
    config = load_scenario(BASELINE).market
    before = Market(config, 365, np.random.default_rng(5)).btc_usd
    exp = np.exp
    monkeypatch.setattr(np, "exp", lambda x, *a, **k: np.nextafter(exp(x, *a, **k), np.inf))
    assert Market(config, 365, np.random.default_rng(5)).btc_usd == before
