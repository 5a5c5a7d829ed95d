"""History: the run history the CLI writes, listed newest first with headline KPIs; opening an
entry shows its results without re-running anything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from sim import compare, load_scenario, run
from sim.formatting import format_value, label
from sim.history import comparison_entry, remember, run_entry
from sim.store import Entry, KpiRow, RunStore
from tests.tui.conftest import TINY, wait_for
from tui.app import SandboxApp
from tui.screens.history import HistoryScreen
from tui.widgets.entry import EntryView, Opened
from tui.widgets.footer import KeyBar
from tui.widgets.tiles import KpiTile

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "aifc_pilot_2022.yaml"


def store() -> RunStore:
    return RunStore(Path(os.environ["SANDBOX_STORE"]))


def cli_run(*overrides: str) -> int:
    """A run recorded as `sandbox run` records one (through the `sim` API)."""
    scenario = load_scenario(BASELINE, [*TINY, *overrides])
    entry_id = remember(run_entry(run(scenario, 2)))
    assert entry_id is not None
    return entry_id


def cli_comparison() -> int:
    """Twice the KYC reviewers vs the baseline, recorded as `sandbox compare` records it."""
    baseline = load_scenario(BASELINE, TINY)
    reform = load_scenario(BASELINE, [*TINY, "channel.licensed_awareness=0.6"])
    entry_id = remember(comparison_entry(compare(baseline, reform, 3, workers=1)))
    assert entry_id is not None
    return entry_id


async def show_history(pilot: Pilot[Any], rows: int) -> DataTable[Any]:
    await pilot.press("7")
    table = pilot.app.screen.query_one("#history-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == rows and table.size.width > 0)
    return table


async def open_first_entry(pilot: Pilot[Any]) -> EntryView:
    """Open the only entry of the History screen and wait until its view shows it."""
    await show_history(pilot, 1)
    await pilot.press("enter")
    view = pilot.app.screen.query_one(EntryView)
    await wait_for(pilot, lambda: view.display and pilot.app.screen.opened is not None)
    return view


def cells(table: DataTable[Any], row: int) -> dict[str, str]:
    columns = [str(c.key.value) for c in table.ordered_columns]
    return dict(zip(columns, map(str, table.get_row_at(row)), strict=True))


def title(app: SandboxApp) -> str:
    return str(app.screen.query_one("#history-title", Static).render())


def nothing_may_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation or comparison started from here on fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a simulation was started")

    monkeypatch.setattr("tui.runner.SimulationRunner.start", refuse)
    monkeypatch.setattr("tui.comparer.compare", refuse)


async def test_history_lists_a_run_made_here_and_one_made_by_the_cli_with_headline_kpis(
    banked_tiny: Path,
) -> None:
    cli_id = cli_run("name=from the cli")
    headline = store().headline([cli_id], ["capital_outflow_kzt"])[cli_id]
    app = SandboxApp(banked_tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "finished", timeout=120)
        await wait_for(pilot, lambda: len(store().entries()) == 2, timeout=60)
        table = await show_history(pilot, 2)
        here, cli = cells(table, 0), cells(table, 1)  # newest first
        assert here["kind"] == cli["kind"] == "run"
        assert here["scenario"] == "tiny" and cli["scenario"] == "from the cli"
        assert here["status"] == "ok" and here["wall"].endswith(" s")
        assert cli["capital_outflow_kzt"] == format_value(
            "capital_outflow_kzt", headline["capital_outflow_kzt"]
        )
        assert here["capital_outflow_kzt"].endswith((" bn", " M", " tn"))  # words, not a repr
        assert "Capital\noutflow (KZT)" in [str(c.label) for c in table.ordered_columns]
        recorded = store().entries()[0]
        assert recorded.command == "sandbox tui (Run screen)" and recorded.seed is not None
        assert str(Path(os.environ["SANDBOX_STORE"])) in title(app)


async def test_a_comparison_made_here_is_recorded_with_its_three_arms(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=2, workers=1, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.edit("kyc.reviewers", "100")
        await wait_for(pilot, lambda: app.session.valid and app.session.is_whatif)
        await pilot.press("ctrl+g")
        # a comparison under load takes longer than the default 20 s
        await wait_for(
            pilot, lambda: app.comparison is not None and app.compare_job is None, timeout=120
        )
        await wait_for(pilot, lambda: store().entries(), timeout=60)
        entry = store().entries()[0]
        assert entry.kind == "compare" and entry.command == "sandbox tui (Compare screen)"
        assert {r.arm for r in store().kpis(entry.id or 0)} == {"baseline", "reform", "change"}
        table = await show_history(pilot, 1)
        assert cells(table, 0)["kind"] == "compare"


async def test_opening_a_run_shows_its_kpis_without_running_anything(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = cli_run()
    recorded = {r.kpi: r for r in store().kpis(entry_id)}
    nothing_may_run(monkeypatch)
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_first_entry(pilot)
        tile = view.query_one("#tile-capital_outflow_kzt", KpiTile)
        assert tile.text() == format_value(
            "capital_outflow_kzt", recorded["capital_outflow_kzt"].mean
        )
        kpis = view.query_one("#entry-kpis", DataTable)
        rows = [[str(c) for c in kpis.get_row_at(i)] for i in range(kpis.row_count)]
        wait = next(r for r in rows if r[0] == label("kyc_wait_mean_h"))
        assert wait[1] == format_value("kyc_wait_mean_h", recorded["kyc_wait_mean_h"].mean)
        manifest = str(view.query_one("#entry-manifest", Static).render())
        assert "seed: 1" in manifest and "replications: 2" in manifest and "version:" in manifest
        assert app.runner.status == "idle" and app.compare_job is None  # nothing ran
        await pilot.press("escape")
        assert app.screen.query_one("#history-table").display and not view.display


async def test_opening_a_comparison_shows_its_table_and_what_the_whatif_changes(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_comparison()
    nothing_may_run(monkeypatch)
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_first_entry(pilot)
        kpis = view.query_one("#entry-kpis", DataTable)
        headers = [str(c.label) for c in kpis.ordered_columns]
        assert headers == ["KPI", "baseline", "what-if", "change", "95% CI of change"]
        rows = {
            str(r[0]).strip(" ★"): [str(c) for c in r]
            for r in map(kpis.get_row_at, range(kpis.row_count))
        }
        applicants = rows[label("applicants")]
        assert applicants[0].startswith("★") and applicants[3].startswith("+")
        notes = str(view.query_one("#entry-manifest", Static).render())
        assert "channel.licensed_awareness:" in notes and "→ 0.6" in notes
        assert app.runner.status == "idle" and app.compare_job is None


async def test_an_opened_entry_shows_its_kpi_table_even_when_laid_out_before_the_rows_are_measured(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine the screen could be laid out after the table got its rows and before it
    measured them (on its next idle); the table then kept the height it had without them: none."""
    fixed_history()
    show = EntryView.show

    def show_then_lay_out(view: EntryView, opened: Opened) -> None:
        show(view, opened)
        view.screen._refresh_layout()  # as the screen's update timer may, before the table's idle

    monkeypatch.setattr(EntryView, "show", show_then_lay_out)
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_history(pilot, 2)
        await pilot.press("enter")
        view = app.screen.query_one(EntryView)
        table = view.query_one("#entry-kpis", DataTable)
        await wait_for(pilot, lambda: view.display and table.virtual_size.height > table.row_count)
        await wait_for(pilot, lambda: table.size.height == table.virtual_size.height, timeout=5)


async def test_two_marked_entries_diff_their_scenarios_and_kpis(tiny: Path) -> None:
    cli_run()
    cli_run("kyc.reviewers=150")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_history(pilot, 2)
        await pilot.press("space", "down", "space")
        assert app.screen.marked == [2, 1]
        await pilot.press("d")
        view = app.screen.query_one(EntryView)
        await wait_for(pilot, lambda: view.display and app.screen.opened is not None)
        kpis = view.query_one("#entry-kpis", DataTable)
        assert [str(c.label) for c in kpis.ordered_columns] == ["KPI", "#1", "#2", "change"]
        notes = str(view.query_one("#entry-manifest", Static).render())
        assert "kyc.reviewers: 50 → 150" in notes


async def test_an_empty_history_says_so_and_names_its_file(tiny: Path) -> None:
    path = Path(os.environ["SANDBOX_STORE"])
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await wait_for(pilot, lambda: "No runs recorded yet" in title(app))
        assert str(path) in title(app).replace("\n", "")
        assert app.screen.check_action("open_entry", ()) is False
        assert not path.exists()  # reading an empty history creates nothing


async def test_a_history_turned_off_says_so(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_STORE", "off")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await wait_for(pilot, lambda: "SANDBOX_STORE=off" in title(app))


def fixed_history() -> None:
    """A run and a comparison with fixed stamps and figures (snapshots must not move)."""
    history = store()
    common = dict(seed=1, days=20, version="0.1.0", scenario_hash="3ec49931c4d3", status="ok")
    history.record(
        Entry(
            kind="run",
            name="aifc_pilot_2022",
            started="2026-11-29T18:02:00+00:00",
            wall_seconds=3.2,
            replications=1,
            command="sandbox run configs/aifc_pilot_2022.yaml",
            **common,
        ),  # type: ignore[arg-type]
        [
            KpiRow("", "licensed_share", 0.2351),
            KpiRow("", "capital_outflow_kzt", 1.83e12),
            KpiRow("", "kyc_wait_mean_h", 14.8),
            KpiRow("", "kyc_abandoned", 7605),
        ],
    )
    rows = []
    for name, base, reform, low, high in (
        ("licensed_share", 0.2351, 0.3102, 0.061, 0.089),
        ("capital_outflow_kzt", 1.83e12, 1.61e12, -0.31e12, -0.13e12),
        ("kyc_wait_mean_h", 14.8, 16.1, -0.4, 3.0),
    ):
        rows += [KpiRow("baseline", name, base), KpiRow("reform", name, reform)]
        rows += [KpiRow("change", name, reform - base, low, high)]
    history.record(
        Entry(
            kind="compare",
            name="aifc_pilot_2022 + 1 change vs aifc_pilot_2022",
            started="2026-11-29T18:10:00+00:00",
            wall_seconds=41.5,
            replications=5,
            command="sandbox tui (Compare screen)",
            details={
                "baseline": "aifc_pilot_2022",
                "significant": ["licensed_share", "capital_outflow_kzt"],
            },
            **common,
        ),  # type: ignore[arg-type]
        rows,
    )


SNAP_SIZES = [(80, 24), (120, 40)]


def snap_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SNAP_SIZES, ids=snap_id)
def test_history_list(
    snap_compare: Any, tiny: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDBOX_STORE", "history.sqlite")  # the title shows the path: keep it short
    fixed_history()

    async def listed(pilot: Pilot[Any]) -> None:
        await show_history(pilot, 2)
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: screen.fitted_width == screen.size.width)
        await pilot.pause(0.3)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=listed)


@pytest.mark.parametrize("size", SNAP_SIZES, ids=snap_id)
def test_history_opened_comparison(
    snap_compare: Any, tiny: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDBOX_STORE", "history.sqlite")
    fixed_history()

    async def opened(pilot: Pilot[Any]) -> None:
        await show_history(pilot, 2)
        await pilot.press("enter")
        app, view = pilot.app, pilot.app.screen.query_one(EntryView)
        table = view.query_one("#entry-kpis", DataTable)
        keys = app.screen.query_one(KeyBar)

        def shown() -> bool:
            """The entry read (a worker), its table laid out with all its rows (after the table
            measured them, on its idle) and the key bar showing the way back."""
            return bool(
                view.display
                and table.size.height > table.row_count > 0
                and "Back to the list" in {description for _, description, _ in keys.shown}
                and all(worker.is_finished for worker in app.workers)
            )

        await wait_for(pilot, shown, timeout=60)  # however long a loaded machine takes

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=opened)
