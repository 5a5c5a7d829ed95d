"""Exports: the run's results are the same files `sandbox run` writes; each export says its path."""

from __future__ import annotations

import json
from pathlib import Path

import sim
from sim import load_scenario
from sim.outputs import write_run
from tests.tui.conftest import wait_for
from tui.app import SandboxApp


async def test_exported_results_are_the_files_sandbox_run_writes(tiny: Path, workdir: Path) -> None:
    headless = workdir / "headless"
    write_run(headless, sim.run(load_scenario(tiny), replications=1))
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        await pilot.press("e")
        folder = workdir / "runs" / "tiny"
        await wait_for(pilot, lambda: (folder / "timeseries.csv").exists() and app._notifications)
        await wait_for(
            pilot, lambda: any("timeseries.csv" in str(n.message) for n in app._notifications)
        )
    for name in ("timeseries.csv", "scenario.resolved.yaml"):
        assert (folder / name).read_text() == (headless / name).read_text(), name
    ours, theirs = (json.loads((d / "summary.json").read_text()) for d in (folder, headless))
    for document in (ours, theirs):
        document.pop("wall_seconds")
    assert ours == theirs


async def test_scenario_export_writes_the_full_effective_scenario(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("export_scenario")
        await pilot.pause()
    written = workdir / "runs" / "tiny" / "scenario.resolved.yaml"
    assert load_scenario(written) == load_scenario(tiny)


async def test_an_export_that_fails_is_a_message_on_screen_and_the_app_goes_on(
    tiny: Path, workdir: Path
) -> None:
    (workdir / "runs").write_text("a file where the runs folder should be")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("export_scenario")
        await pilot.pause()
        await wait_for(pilot, lambda: any(n.title == "Export failed" for n in app._notifications))
        assert app.is_running
