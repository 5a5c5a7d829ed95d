"""A run folder is one run: built aside, moved into place whole, never mixed or outside --out."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.files import RunFolder, write_text_atomic
from sim.store import RunStore
from tests.conftest import BASELINE, SMALL

runner = CliRunner()


def promptly() -> float:
    """2 s, the promise, stretched by how many times over the machine is booked right now."""
    return 2.0 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


PRIORS = BASELINE.parent / "priors" / "kz.yaml"
SETS = [arg for s in [*SMALL, "run.days=10"] for arg in ("--set", s)]


def sandbox(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_run_folder_holds_exactly_one_runs_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sandbox("run", str(BASELINE), *SETS, "--out", str(out), "--trace")[0] == 0
    assert (out / "events.csv").exists()
    assert sandbox("run", str(BASELINE), *SETS, "--out", str(out))[0] == 0
    assert not (out / "events.csv").exists()
    # scorecard.csv only when the run raised AML alerts (ten days of the baseline raise none)
    assert sorted(p.name for p in out.iterdir() if p.name != "scorecard.csv") == [
        "scenario.resolved.yaml",
        "summary.json",
        "timeseries.csv",
    ]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_a_second_run_aimed_at_the_same_out_is_refused_while_the_first_writes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with RunFolder(out):
        code, output = sandbox("run", str(BASELINE), *SETS, "--out", str(out))
    assert code == 2
    assert "another run is writing there" in output
    assert not out.exists()


def test_keep_moves_the_existing_run_folder_aside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sandbox("run", str(BASELINE), *SETS, "--out", str(out))[0] == 0
    first = json.loads((out / "summary.json").read_text())
    assert sandbox("run", str(BASELINE), *SETS, "--seed", "9", "--out", str(out), "--keep")[0] == 0
    (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith("out.")]
    assert json.loads((aside / "summary.json").read_text()) == first
    assert json.loads((out / "summary.json").read_text())["seed"] == 9


@pytest.mark.parametrize("kind", ["empty", "file", "under_a_file", "not_a_run_folder"])
def test_out_is_checked_before_the_simulation_starts(tmp_path: Path, kind: str) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    out = {
        "empty": "",
        "file": str(tmp_path / "afile"),
        "under_a_file": str(tmp_path / "afile" / "out"),
        "not_a_run_folder": str(tmp_path / "mine"),
    }[kind]
    started = time.perf_counter()
    code, output = sandbox("run", str(BASELINE), "--out", out)  # a full year, were it to run
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert output.startswith("error: --out ")
    assert time.perf_counter() - started < 10
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_output_folder_names_from_scenario_names_stay_under_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = work / "x.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: ../../escape/../..\n")
    assert sandbox("run", str(scenario), *SETS)[0] == 0
    # the run history (SANDBOX_STORE, set by conftest) is the only other file the run writes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite", "work"]
    (folder,) = [p for p in (work / "runs").iterdir() if not p.name.startswith(".")]
    assert folder.name == "escape" and (folder / "summary.json").exists()


def test_sweep_folder_names_from_scenario_names_stay_under_sweeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = work / "x.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: ../../escape/../..\n")
    result = runner.invoke(
        app, ["sweep", str(scenario), "--vary", "kyc.reviewers=1", "--workers", "1", *SETS]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite", "work"]
    assert (work / "sweeps" / "escape" / "cells.csv").exists()


def test_outputs_are_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_text_atomic(path, "one")
    write_text_atomic(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


# --- processes ----------------------------------------------------------------------------------


def _start(out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_simulating(out: Path, process: subprocess.Popen[str]) -> None:
    """The temporary folder appears once the scenario loaded, the folder was checked and the
    signals are caught (no sleep racing the run: a signal from here on is always heard)."""
    _wait_for(lambda: bool(list(out.parent.glob(f".{out.name}.tmp-*"))), process)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        if time.monotonic() > deadline:
            process.kill()  # never leave a ten-year run behind (its workers die with it)
            process.communicate()
            raise AssertionError("timed out waiting for the process")
        time.sleep(0.02)


def _workers_of(process: subprocess.Popen[str]) -> list[int]:
    _wait_for(lambda: bool(_children(process.pid)), process)
    return _children(process.pid)


def _all_ended(pids: list[int]) -> bool:
    deadline = time.monotonic() + 5
    while [p for p in pids if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    return not [p for p in pids if _alive(p)]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_run_within_two_seconds_and_keeps_the_summary(
    tmp_path: Path, signal_number: int
) -> None:
    out = tmp_path / "out"
    process = _start(out, "--set", "run.days=3650", "--trace")
    _wait_until_simulating(out, process)
    process.send_signal(signal_number)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < promptly(), stderr
    assert process.returncode == 130
    assert "stopping" in stderr and "interrupted" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed"
    reached = re.fullmatch(r"replication 0: interrupted on day (\d+) of 3650", summary["error"])
    assert reached, summary["error"]
    rows = (out / "timeseries.csv").read_text().splitlines()[1:]
    assert len(rows) == int(reached[1])  # every day it reached, and no more


def test_a_signal_stops_a_parallel_run_and_its_workers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start(out, "-r", "4", "--workers", "2", "--set", "run.days=3650")
    _wait_until_simulating(out, process)
    workers = _workers_of(process)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    process.communicate(timeout=30)
    assert time.monotonic() - sent < promptly()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and "interrupted" in summary["error"]
    assert _all_ended(workers)


def test_worker_processes_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = _start(out, "-r", "4", "--workers", "2", "--set", "run.days=3650")
    _wait_until_simulating(out, process)
    workers = _workers_of(process)
    process.kill()
    process.communicate(timeout=30)
    assert _all_ended(workers)
    assert not out.exists()


def test_a_parent_killed_but_not_yet_waited_for_counts_as_gone() -> None:
    """Workers watch their parent: killed, it stays a zombie until its own parent waits for it
    (the test above waits for its output first), and a worker that took that for life ran on."""
    from sim.processes import gone

    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not gone(parent.pid)
        parent.kill()
        deadline = time.monotonic() + 10
        while not _zombie(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _zombie(parent.pid)  # killed, not waited for
        assert gone(parent.pid)
    finally:
        parent.wait()
    assert gone(parent.pid)


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"


def test_replications_on_the_command_line_are_capped_like_in_files(tmp_path: Path) -> None:
    code, output = sandbox("run", str(BASELINE), "-r", "1001", "--out", str(tmp_path / "o"))
    assert code == 2
    assert output.strip() == "error: run.replications: must be <= 1000, got 1001 (-r 1001)"


def _interrupted(*args: str) -> tuple[str, int, bool]:
    """Start `sandbox ARGS`, send Ctrl-C once its workers exist: (stderr, exit code, whether it
    stopped promptly and every worker ended)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = _workers_of(process)  # the pool starts once the signals are caught
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    prompt = time.monotonic() - sent < promptly()
    return stderr, process.returncode, prompt and _all_ended(workers)


def test_a_signal_stops_a_comparison_keeping_the_pairs_done() -> None:
    args = ["compare", str(BASELINE), str(BASELINE), "-r", "6", "--workers", "2"]
    stderr, code, stopped = _interrupted(*args, "--set", "kyc.reviewers=9", "--days", "3650")
    assert stopped, stderr
    assert code == 130 and "Traceback" not in stderr
    assert "stopping" in stderr and "error: interrupted" in stderr


@pytest.mark.parametrize(
    "study",
    [
        ["uncertainty", str(BASELINE), "--samples", "4"],
        ["compare", str(BASELINE), str(BASELINE), "--priors", str(PRIORS), "--samples", "2"],
    ],
    ids=["uncertainty", "robust-compare"],
)
def test_a_signal_stops_a_study_keeping_the_finished_jobs(study: list[str], tmp_path: Path) -> None:
    out = ["--out", str(tmp_path / "study")]
    stderr, code, stopped = _interrupted(*study, "--workers", "2", "--days", "3650", *out)
    assert stopped, stderr
    assert code == 130 and "Traceback" not in stderr
    assert "stopping" in stderr and "the same command resumes" in stderr
    assert list((tmp_path / "study").rglob("cells.csv"))


def test_a_signal_stops_a_targets_check_without_a_verdict() -> None:
    args = ["targets", str(BASELINE), "-r", "4", "--workers", "2", "--set", "run.days=3650"]
    stderr, code, stopped = _interrupted(*args)
    assert stopped, stderr
    assert code == 130 and "Traceback" not in stderr
    assert "no verdict" in stderr


def test_a_signal_stops_a_sweep_keeping_the_finished_jobs(tmp_path: Path) -> None:
    args = ["sweep", str(BASELINE), "--vary", "kyc.reviewers=1,2,3,4", "--workers", "2"]
    out = ["--out", str(tmp_path / "sweep")]
    stderr, code, stopped = _interrupted(*args, "--days", "3650", *out)
    assert stopped, stderr
    assert code == 130 and "Traceback" not in stderr
    assert "the same command resumes" in stderr
    assert (tmp_path / "sweep" / "cells.csv").exists()


def test_robust_comparisons_of_different_changes_get_folders_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a scenario against itself plus a --set: its default folder is named by the change, so a
    # second what-if does not find the first's folder "holding a different study"
    monkeypatch.chdir(tmp_path)
    robust = ["compare", str(BASELINE), str(BASELINE), "--priors", str(PRIORS), "--samples", "2"]
    small = ["--days", "10", "--workers", "1"]
    for block in ("0.9", "0.1"):
        code, output = sandbox(*robust, *small, "--set", f"banks.unlicensed_block_prob={block}")
        assert code == 0, output
    assert sorted(p.name for p in (tmp_path / "studies").iterdir()) == [
        "aifc_pilot_2022-banks.unlicensed_block_prob-0.1-vs-aifc_pilot_2022-robust",
        "aifc_pilot_2022-banks.unlicensed_block_prob-0.9-vs-aifc_pilot_2022-robust",
    ]
    listed = [e.name for e in RunStore(Path(os.environ["SANDBOX_STORE"])).entries(kind="robust")]
    assert listed == [
        "aifc_pilot_2022 + banks.unlicensed_block_prob=0.1 vs aifc_pilot_2022",
        "aifc_pilot_2022 + banks.unlicensed_block_prob=0.9 vs aifc_pilot_2022",
    ]  # the history lists them by their changes too, newest first
