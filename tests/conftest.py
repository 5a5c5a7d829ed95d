"""Shared fixtures: paths to the scenario library and small, fast variants of it."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
BASELINE = CONFIGS / "aifc_pilot_2022.yaml"

BANKED = ["exchanges.roster=[]", "exchanges.licensed=6", "exchanges.integrated=3"]
"""The baseline's six pilot exchanges as unnamed ones, three with tenge from day 0: short runs
see licensed trading (in the baseline itself tenge starts on 28 Sept 2022, day 89)."""

SMALL = ["run.days=45", "population.scale_factor=250", *BANKED]
"""Overrides that make any shipped scenario run in well under a second, with licensed trading."""


class WorkerNiceness:
    """The niceness of each worker process this process starts after this is made, by pid: `look`
    (a progress callback) notes it while they live, and the last look counts (after every worker
    has started, so after each ran its initializer)."""

    def __init__(self) -> None:
        self.before = {child.pid for child in multiprocessing.active_children()}
        self.seen: dict[int, int] = {}

    def look(self, *_: object) -> None:
        for child in multiprocessing.active_children():
            if child.pid is None or child.pid in self.before or child.name.startswith("simulation"):
                continue  # not a worker of this experiment (the TUI's run is named "simulation N")
            with contextlib.suppress(ProcessLookupError):
                self.seen[child.pid] = os.getpriority(os.PRIO_PROCESS, child.pid)


@pytest.fixture
def baseline_path() -> Path:
    return BASELINE


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write into the checkout or the user's run history: both go to a fresh temporary
    directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SANDBOX_STORE", str(tmp_path / "history.sqlite"))
