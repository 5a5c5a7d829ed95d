"""Remembered replications: comparing one what-if after another against the same baseline runs the
baseline's replications once, and the answers are the ones a fresh comparison gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import sim.engine
import sim.experiment
import sim.remembered
from sim import ReplicationResult, compare, load_scenario
from sim.remembered import Remembered, to_json
from tests.conftest import BASELINE

SMALL = ["run.days=20", "population.scale_factor=200"]


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every replication actually run in this process: (scenario name, replication)."""
    ran: list[tuple[str, int]] = []
    real = sim.experiment.run_replication

    def counted(scenario, replication=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append((scenario.name, replication))
        return real(scenario, replication, *args, **kwargs)

    monkeypatch.setattr(sim.experiment, "run_replication", counted)
    return ran


def _kpis(result: sim.experiment.RunResult) -> list[dict[str, float]]:
    return [r.kpis for r in result.replications]


def test_a_second_what_if_runs_only_its_own_side_and_answers_as_a_fresh_comparison(
    runs: list[tuple[str, int]],
) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    first = load_scenario(BASELINE, [*SMALL, "name=first", "kyc.reviewers=100"])
    second = load_scenario(BASELINE, [*SMALL, "name=second", "channel.licensed_awareness=0.6"])
    memory = Remembered()

    compare(base, first, 3, workers=1, remembered=memory)
    assert sorted(runs) == sorted((name, k) for name in ("base", "first") for k in range(3))
    runs.clear()
    again = compare(base, second, 3, workers=1, remembered=memory)
    assert runs == [("second", 0), ("second", 1), ("second", 2)]
    assert again.remembered == 3

    fresh = compare(base, second, 3, workers=1)
    assert fresh.remembered == 0
    assert _kpis(again.baseline) == _kpis(fresh.baseline)
    assert _kpis(again.reform) == _kpis(fresh.reform)
    assert again.changes.keys() == fresh.changes.keys()
    for name, change in again.changes.items():
        assert change.difference == fresh.changes[name].difference, name


def test_a_changed_baseline_is_run_again(runs: list[tuple[str, int]]) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    moved = load_scenario(BASELINE, [*SMALL, "name=base", "kyc.reviewers=41"])
    reform = load_scenario(BASELINE, [*SMALL, "name=reform", "kyc.reviewers=100"])
    memory = Remembered()
    compare(base, reform, 2, workers=1, remembered=memory)
    runs.clear()
    again = compare(moved, reform, 2, workers=1, remembered=memory)
    assert runs == [("base", 0), ("base", 1)]  # one value differs: not the same baseline
    assert again.remembered == 2  # the what-if's side is the same scenario on the same seed


def _result(replication: int, status: str = "ok") -> ReplicationResult:
    return ReplicationResult(replication, 1, status, None, 20, 0.1, {"x": 1.0}, {}, [])


def test_only_finished_replications_are_remembered_and_the_oldest_go_first() -> None:
    memory = Remembered(limit=2)
    memory.keep(("a", 0), replace(_result(0), status="failed", error="interrupted on day 3"))
    assert memory.recall(("a", 0)) is None
    for k in range(3):
        memory.keep(("a", k), _result(k))
    assert memory.recall(("a", 0)) is None and len(memory) == 2
    assert memory.recall(("a", 1)) is not None  # used: now the most recent
    memory.keep(("a", 3), _result(3))
    assert memory.recall(("a", 2)) is None and memory.recall(("a", 1)) is not None


def _same(a: sim.experiment.RunResult, b: sim.experiment.RunResult) -> bool:
    """The same replications bit for bit, NaN included (JSON writes floats exactly), but for how
    long each took."""

    def text(result: sim.experiment.RunResult) -> list[str]:
        return [to_json(replace(r, wall_seconds=0.0)) for r in result.replications]

    return text(a) == text(b)


def test_a_baseline_shared_through_a_folder_is_not_run_again_by_another_process(
    runs: list[tuple[str, int]], tmp_path: Path
) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    first = load_scenario(BASELINE, [*SMALL, "name=first", "kyc.reviewers=100"])
    second = load_scenario(BASELINE, [*SMALL, "name=second", "channel.licensed_awareness=0.6"])
    compare(base, first, 2, workers=1, remembered=Remembered(folder=tmp_path))
    assert len(list(tmp_path.rglob("*.json"))) == 2  # the baseline's only: what a room shares
    runs.clear()
    other = Remembered(folder=tmp_path)  # another participant's app: nothing in its memory
    shared = compare(base, second, 2, workers=1, remembered=other)
    assert runs == [("second", 0), ("second", 1)] and shared.remembered == 2
    fresh = compare(base, second, 2, workers=1)
    assert _same(shared.baseline, fresh.baseline) and _same(shared.reform, fresh.reform)


def test_another_engines_or_a_damaged_file_is_run_again(
    runs: list[tuple[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    reform = load_scenario(BASELINE, [*SMALL, "name=reform", "kyc.reviewers=100"])
    compare(base, reform, 2, workers=1, remembered=Remembered(folder=tmp_path))
    (written,) = tmp_path.rglob("*-0.json")
    written.write_text('{"replication": 0, "seed"', encoding="utf-8")  # cut off mid-write
    with monkeypatch.context() as patch:
        patch.setattr(sim.remembered, "engine_fingerprint", lambda: "an-older-engine")
        runs.clear()
        compare(base, reform, 2, workers=1, remembered=Remembered(folder=tmp_path))
        assert sorted(runs) == [("base", 0), ("base", 1), ("reform", 0), ("reform", 1)]
    runs.clear()
    compare(base, reform, 2, workers=1, remembered=Remembered(folder=tmp_path))
    assert sorted(runs) == [("base", 0), ("reform", 0), ("reform", 1)]  # 0's file is damaged


def test_sandbox_compare_remember_runs_the_baseline_once_across_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.loader import dump_yaml

    base = tmp_path / "base.yaml"
    base.write_text(dump_yaml(load_scenario(BASELINE, [*SMALL, "name=base"])), encoding="utf-8")
    folder = tmp_path / "remembered"

    def compare_with(change: str, *more: str, remember: Path = folder, code: int = 0) -> str:
        command = ["compare", str(base), str(base), "--set", change, "-r", "2", "--workers", "1"]
        result = CliRunner().invoke(app, [*command, "--remember", str(remember), *more])
        assert result.exit_code == code, result.output
        return result.output

    assert "taken from" not in compare_with("kyc.reviewers=100")
    assert len(list(folder.rglob("*.json"))) == 2
    assert f"2 replications taken from {folder}" in compare_with("kyc.reviewers=7")
    adaptive = compare_with("kyc.reviewers=7", "--until-ci", "licensed_share:0.01", code=2)
    assert "--remember works with a fixed -r" in adaptive
    assert "not a folder" in compare_with("kyc.reviewers=7", remember=base, code=2)


def test_a_baseline_run_ahead_leaves_a_comparison_only_its_what_if_side_with_the_same_answer(
    runs: list[tuple[str, int]],
) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    whatif = load_scenario(BASELINE, [*SMALL, "name=whatif", "kyc.reviewers=100"])
    memory, told = Remembered(), []

    assert sim.experiment.run_ahead(base, 2, memory, workers=1, on_result=told.append) == 2
    assert told == [0, 1, 2]
    assert sim.experiment.run_ahead(base, 3, memory, workers=1, on_result=told.append) == 1
    assert told[3:] == [2, 3]  # the two already there are not run again
    assert runs == [("base", 0), ("base", 1), ("base", 2)]
    runs.clear()

    ahead = compare(base, whatif, 3, workers=1, remembered=memory)
    assert runs == [("whatif", 0), ("whatif", 1), ("whatif", 2)]
    assert ahead.remembered == 3
    fresh = compare(base, whatif, 3, workers=1)
    assert _kpis(ahead.baseline) == _kpis(fresh.baseline)
    for name, change in ahead.changes.items():
        assert change.difference == fresh.changes[name].difference, name


def test_a_stopped_run_ahead_keeps_what_it_finished(runs: list[tuple[str, int]]) -> None:
    base = load_scenario(BASELINE, [*SMALL, "name=base"])
    memory = Remembered()

    with pytest.raises(sim.engine.Cancelled):
        sim.experiment.run_ahead(base, 3, memory, workers=1, should_stop=lambda: len(runs) > 1)
    assert len(memory) == 1  # replication 0 finished; 1 was stopped part-way and is not kept
    assert sim.experiment.run_ahead(base, 3, memory, workers=1) == 2
