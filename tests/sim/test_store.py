"""The run history: every run is recorded, concurrent writers lose nothing, a kill leaves no half
entry, and `sandbox runs` shows and compares entries without re-running."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.store import Entry, KpiRow, RunStore
from tests.conftest import BASELINE, ROOT, SMALL

WRITES = 40


WRITER = """
import sys
from pathlib import Path
from sim.store import Entry, KpiRow, RunStore

store, writer = RunStore(Path(sys.argv[1])), sys.argv[2]
for i in range(int(sys.argv[3])):
    rows = [KpiRow("", f"kpi_{k}", float(i * 10 + k)) for k in range(5)]
    store.record(Entry(kind="run", name=f"writer{writer}-{i}", status="ok"), rows)
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    RunStore(path).entries()  # create the schema first, as any first use does
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w), str(WRITES)], cwd=ROOT)
        for w in (1, 2)
    ]
    assert [process.wait(120) for process in writers] == [0, 0]
    entries = RunStore(path).entries()
    assert len(entries) == 2 * WRITES
    assert {e.name for e in entries} == {f"writer{w}-{i}" for w in (1, 2) for i in range(WRITES)}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM kpis").fetchone()[0] == 2 * WRITES * 5
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


KILLED = """
import os, sys
from pathlib import Path
import sim.store as store

class Dying(store.RunStore):
    def record(self, entry, kpis=()):
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO entries (kind, name, started, status) "
                "VALUES ('run', 'half', 'x', 'ok')"
            )
            os._exit(9)  # killed before the KPI rows and the commit

Dying(Path(sys.argv[1])).record(store.Entry(kind="run", name="half", status="ok"))
"""


def test_a_writer_killed_mid_entry_leaves_no_half_entry(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    RunStore(path).record(Entry(kind="run", name="whole", status="ok"), [KpiRow("", "a", 1.0)])
    done = subprocess.run([sys.executable, "-c", KILLED, str(path)], cwd=ROOT, check=False)
    assert done.returncode == 9
    store = RunStore(path)
    assert [e.name for e in store.entries()] == ["whole"]
    store.record(Entry(kind="run", name="after", status="ok"))
    assert [e.name for e in store.entries()] == ["after", "whole"]


def test_runs_and_comparisons_are_recorded_and_shown_without_rerunning(tmp_path: Path) -> None:
    runner = CliRunner()
    small = [x for s in SMALL for x in ("--set", s)]
    first = runner.invoke(app, ["run", str(BASELINE), *small, "--out", "a"])
    second = runner.invoke(app, ["run", str(BASELINE), *small, "--set", "kyc.reviewers=125"])
    small_file = tmp_path / "small.yaml"
    small_file.write_text(
        f"extends: {BASELINE}\nrun: {{days: 45}}\npopulation: {{scale_factor: 250}}\n"
    )
    compared = runner.invoke(
        app, ["compare", str(small_file), str(small_file), "-r", "2", "--set", "kyc.reviewers=9"]
    )
    assert first.exit_code == second.exit_code == compared.exit_code == 0
    store = RunStore(Path(os.environ["SANDBOX_STORE"]))
    assert [e.kind for e in store.entries()] == ["compare", "run", "run"]
    listing = runner.invoke(app, ["runs", "list"])
    assert listing.exit_code == 0 and "compare" in listing.output
    shown = runner.invoke(app, ["runs", "show", "1"])
    assert shown.exit_code == 0
    assert "licensed_share" in shown.output and str((tmp_path / "a").resolve()) in shown.output
    diff = runner.invoke(app, ["runs", "diff", "1", "2"])
    assert diff.exit_code == 0
    assert "kyc.reviewers: 50 → 125" in diff.output
    kpis = {r.arm for r in store.kpis(3)}
    assert kpis == {"baseline", "reform", "change"}
    entry = store.get(3)  # listed by what it changed, not "aifc_pilot_2022 vs aifc_pilot_2022"
    assert entry is not None
    assert entry.name == "aifc_pilot_2022 + kyc.reviewers=9 vs aifc_pilot_2022"


def test_the_historys_headline_columns_show_kpi_levels_only(tmp_path: Path) -> None:
    # a robust comparison records shares of worlds and a sensitivity study indices: listed
    # under "outflow (KZT)" they read as "1" or "0.000" tenge
    store = RunStore(tmp_path / "history.sqlite")
    arms = {
        "run": [""],
        "compare": ["baseline", "reform", "change"],
        "uncertainty": ["median", "p05", "p95"],
        "sweep": ["cell 0: kyc.reviewers=10", "cell 1: kyc.reviewers=20"],
        "robust": ["falls", "median change"],
        "sensitivity": ["kyc.reviewers", "banks.unlicensed_block_prob"],
    }
    ids = {}
    for kind, names in arms.items():
        rows = [KpiRow(arm, "capital_outflow_kzt", float(i + 1)) for i, arm in enumerate(names)]
        ids[kind] = store.record(Entry(kind=kind, name=kind, status="ok"), rows)
    headline = store.headline(list(ids.values()), ["capital_outflow_kzt"])
    shown = {kind: headline.get(ids[kind], {}).get("capital_outflow_kzt") for kind in arms}
    assert shown == {
        "run": 1.0,
        "compare": 2.0,  # the reform
        "uncertainty": 1.0,  # the median
        "sweep": None,  # a figure per cell: none is the sweep's (as in the TUI's History)
        "robust": None,
        "sensitivity": None,
    }


def test_store_option_moves_the_history(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    small = [x for s in SMALL for x in ("--set", s)]
    result = CliRunner().invoke(app, ["--store", str(elsewhere), "run", str(BASELINE), *small])
    assert result.exit_code == 0
    assert [e.kind for e in RunStore(elsewhere).entries()] == ["run"]


def test_an_unknown_run_id_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(app, ["runs", "show", "42"])
    assert result.exit_code == 2
    assert "no run 42" in result.output and "Traceback" not in result.output


def test_the_history_writes_only_where_the_user_chose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, small = CliRunner(), [arg for s in SMALL for arg in ("--set", s)]
    precious = tmp_path / "thesis.tex"
    precious.write_text("precious")
    monkeypatch.setenv("SANDBOX_STORE", str(precious))
    result = runner.invoke(app, ["run", str(BASELINE), *small, "--out", "a"])
    assert result.exit_code == 0 and "not a run history" in result.output
    assert precious.read_text() == "precious"
    assert runner.invoke(app, ["runs", "list"]).exit_code == 2
    monkeypatch.setenv("SANDBOX_STORE", "off")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    assert runner.invoke(app, ["run", str(BASELINE), *small, "--out", "b"]).exit_code == 0
    assert not (tmp_path / "home").exists()
    result = runner.invoke(app, ["runs", "list"])
    assert result.exit_code == 2 and "the run history is off" in result.output
    seen = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert seen == ["a", "b", "thesis.tex"]  # beside each run folder, only its lock


def test_runs_show_gives_shares_of_worlds_as_percentages_and_changes_signed(
    tmp_path: Path,
) -> None:
    store = RunStore(tmp_path / "history.sqlite")
    rows = [
        KpiRow("falls", "capital_outflow_kzt", 1.0),
        KpiRow("median change", "capital_outflow_kzt", 8.08e9),
    ]
    entry = store.record(Entry(kind="robust", name="robust", status="ok"), rows)
    result = CliRunner().invoke(
        app, ["runs", "show", str(entry), "--store", str(store.path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "capital_outflow_kzt" in line]
    assert [cell.strip() for cell in line.strip("│ ").split("│")] == [
        "capital_outflow_kzt", "100%", "+8.08 bn"
    ]  # fmt: skip
