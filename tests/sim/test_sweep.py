"""Sweeps: tidy rows streamed to disk, resume, failures recorded, Dask equal to local processes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.experiments.jobs as jobs
from sim.cli import app
from sim.engine import run_replication
from sim.experiments import DaskExecutor, LocalExecutor, ScenarioBuilder, parse_vary, sweep
from sim.experiments.sweep import CELLS, SWEEP
from sim.summary import KPIS
from tests.conftest import BASELINE

SHORT = ["run.days=15", "population.scale_factor=250"]
FACTORS = ["kyc.reviewers=1,4", "banks.unlicensed_block_prob=0.3,0.9"]


def _builder() -> ScenarioBuilder:
    return ScenarioBuilder(BASELINE, SHORT)


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / CELLS).open(newline="", encoding="utf-8") as handle:
        return sorted(
            csv.DictReader(handle), key=lambda r: (int(r["cell"]), int(r["replication"]), r["kpi"])
        )


def test_sweep_writes_a_row_per_cell_replication_and_kpi(tmp_path: Path) -> None:
    factors = [parse_vary(text) for text in FACTORS]
    result = sweep(_builder(), factors, tmp_path, LocalExecutor(1), replications=2)
    rows = _rows(tmp_path)
    assert len(rows) == 4 * 2 * len(KPIS)
    assert {(r["kyc.reviewers"], r["banks.unlicensed_block_prob"]) for r in rows} == {
        ("1", "0.3"),
        ("1", "0.9"),
        ("4", "0.3"),
        ("4", "0.9"),
    }
    design = json.loads((tmp_path / SWEEP).read_text())
    assert design["status"] == "done" and len(design["cells"]) == 4
    assert result.ran == 8 and result.skipped == 0 and not result.failures


def test_cells_run_on_common_random_numbers(tmp_path: Path) -> None:
    builder = _builder()
    sweep(builder, [parse_vary("kyc.reviewers=2,6")], tmp_path, LocalExecutor(1))
    direct = run_replication(builder.build({"kyc.reviewers": 6}), 0).kpis
    swept = {r["kpi"]: float(r["value"]) for r in _rows(tmp_path) if r["kyc.reviewers"] == "6"}
    assert swept["licensed_volume_kzt"] == direct["licensed_volume_kzt"]
    assert swept["kyc_wait_mean_h"] == direct["kyc_wait_mean_h"]


def test_rerun_after_a_kill_does_no_finished_job_twice(tmp_path: Path) -> None:
    factors = [parse_vary(text) for text in FACTORS]
    sweep(_builder(), factors, tmp_path / "whole", LocalExecutor(1))
    full = _rows(tmp_path / "whole")
    killed = tmp_path / "killed"
    sweep(_builder(), factors, killed, LocalExecutor(1))
    text = (killed / CELLS).read_text()
    lines = text.splitlines(keepends=True)
    keep = 1 + 2 * len(KPIS) + 5  # header, two whole jobs, part of a third
    (killed / CELLS).write_text("".join(lines[:keep]) + lines[keep][:7])
    result = sweep(_builder(), factors, killed, LocalExecutor(1))
    assert (result.ran, result.skipped) == (2, 2)
    assert _rows(killed) == full
    again = sweep(_builder(), factors, killed, LocalExecutor(1))
    assert (again.ran, again.skipped) == (0, 4)


def test_a_failing_cell_is_recorded_and_the_others_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs.run_replication

    def broken_when_four_reviewers(scenario, replication):  # type: ignore[no-untyped-def]
        if scenario.kyc.reviewers == 4:
            raise RuntimeError("injected failure")
        return real(scenario, replication)

    monkeypatch.setattr(jobs, "run_replication", broken_when_four_reviewers)
    factors = [parse_vary(text) for text in FACTORS]
    result = sweep(_builder(), factors, tmp_path, LocalExecutor(1))
    assert set(result.failures) == {(2, 0), (3, 0)}
    assert all("injected failure" in e for e in result.failures.values())
    assert set(result.estimates) == {0, 1}
    failed = [r for r in _rows(tmp_path) if r["status"] == "failed"]
    assert len(failed) == 2 and all(r["kyc.reviewers"] == "4" for r in failed)


def test_dask_gives_the_same_cells_as_local_processes(tmp_path: Path) -> None:
    factors = [parse_vary(text) for text in FACTORS]
    sweep(_builder(), factors, tmp_path / "local", LocalExecutor(2), replications=2)
    dask = DaskExecutor("local", workers=2, processes=False)
    sweep(_builder(), factors, tmp_path / "dask", dask, replications=2)
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "local")


def test_a_local_dask_clusters_workers_do_not_profile_the_jobs() -> None:
    with DaskExecutor("local", workers=1, processes=False) as dask:
        workers = dask._cluster.workers.values()
        assert workers and not any("profile" in w.periodic_callbacks for w in workers)


def test_latin_hypercube_cells_stay_in_their_ranges_and_repeat(tmp_path: Path) -> None:
    factors = [parse_vary("kyc.reviewers=1..6"), parse_vary("kyc.review_time_mean=30m..2h")]
    first = sweep(_builder(), factors, tmp_path / "a", LocalExecutor(1), "lhs", samples=5)
    again = sweep(_builder(), factors, tmp_path / "b", LocalExecutor(1), "lhs", samples=5)
    cells = [c.values for c in first.cells]
    assert cells == [c.values for c in again.cells]
    assert all(1 <= c["kyc.reviewers"] <= 6 and isinstance(c["kyc.reviewers"], int) for c in cells)
    assert all(0.5 <= c["kyc.review_time_mean"] <= 2.0 for c in cells)
    assert len({c["kyc.review_time_mean"] for c in cells}) == 5


def test_another_study_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["sweep", str(BASELINE), "--days", "5", "--set", "population.scale_factor=250"]
    first = runner.invoke(app, [*args, "--vary", "kyc.reviewers=1,2", "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    other = runner.invoke(app, [*args, "--vary", "kyc.reviewers=3,5", "--out", str(tmp_path)])
    assert other.exit_code == 2
    assert "holds a different study" in other.output


def test_bad_vary_values_are_one_line_each_and_exit_2() -> None:
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(BASELINE),
            "--vary",
            "kyc.reviewrs=1,2",
            "--vary",
            "banks.unlicensed_block_prob=0.3,7",
        ],
    )
    assert result.exit_code == 2
    assert "did you mean 'kyc.reviewers'" in result.output
    assert "Traceback" not in result.output
