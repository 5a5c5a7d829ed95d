"""The editor: every parameter is there; bad input is explained at the field and blocks a run."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from textual.widgets import Button, Input, OptionList

from sim.fields import FIELDS
from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.fieldtext import IDENTITY, sections
from tui.screens.editor import EditorScreen
from tui.widgets.changes import ChangesPanel
from tui.widgets.field import FieldEditor


async def type_into(app: SandboxApp, pilot: object, path: str, text: str) -> FieldEditor:
    screen = app.screen
    assert isinstance(screen, EditorScreen)
    editor = await screen.show_field(path)
    field = editor.query_one(Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: not app.validating)
    await pilot.pause()  # type: ignore[attr-defined]
    return editor


def test_every_parameter_has_a_place_in_the_editor() -> None:
    placed = {spec.path for _, specs in sections() for spec in specs}
    assert placed == {spec.path for spec in FIELDS if spec.path not in IDENTITY}


async def test_invalid_value_shows_message_at_field_and_disables_run(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await type_into(app, pilot, "kyc.reviewers", "-3")
        assert "must be >= 0" in editor.problem
        assert editor.has_class("-invalid")
        assert app.screen.query_one("#run", Button).disabled
        assert app.check_action("run_restart", ()) is None  # shown, but disabled
        await pilot.press("ctrl+r")
        assert app.runner.status == "idle"
        sections_list = app.screen.query_one("#sections", OptionList)
        kyc = next(i for i, (name, _) in enumerate(sections()) if name == "kyc")
        assert "✗" in str(sections_list.get_option_at_index(kyc).prompt)


async def test_nothing_typed_is_lost_when_moving_between_sections(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "lots")
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        await screen.show_field("banks.partner_banks")
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "lots"
        assert app.session.edits == {"kyc.reviewers": "lots"}


async def test_fixing_the_value_enables_run_and_lists_the_change(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "-3")
        await type_into(app, pilot, "kyc.reviewers", "5")
        assert not app.screen.query_one("#run", Button).disabled
        assert app.session.changed() == {"kyc.reviewers": (2, 5)}
        panel = str(app.screen.query_one(ChangesPanel).render())
        assert "reviewers" in panel and "2 → 5" in panel


async def test_saved_whatif_extends_baseline_with_only_changes_and_reloads(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "5")
        await type_into(app, pilot, "population.patience_mean", "2d")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        app.screen.query_one("#save-name", Input).value = ""
        await pilot.press(*"more reviewers", "enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        path = workdir / "whatifs" / "more-reviewers.yaml"
        assert app.session.saved_to == Path("whatifs/more-reviewers.yaml")
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert (workdir / "whatifs" / data["extends"]).resolve() == tiny.resolve()
        assert data["kyc"] == {"reviewers": 5}
        assert data["population"] == {"patience_mean": "2d"}
        assert set(data) == {"extends", "name", "description", "kyc", "population"}

        app.session.reset()
        assert app.open_scenario(path)
        await pilot.pause()
        assert app.session.base_path.resolve() == tiny.resolve()
        assert app.session.edits == {"kyc.reviewers": "5", "population.patience_mean": "2d"}
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "5"


async def test_opening_another_scenario_shows_its_values_as_the_baseline(
    tiny: Path, workdir: Path
) -> None:
    other = workdir / "other.yaml"
    other.write_text(tiny.read_text().replace("reviewers: 2", "reviewers: 7"), encoding="utf-8")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        await screen.show_field("kyc.reviewers")
        assert app.open_scenario(other)
        await pilot.pause(0.3)
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "7"
        assert editor.baseline == "7"


async def test_run_button_runs_the_whatif_on_the_dashboard(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "4")
        await pilot.click("#run")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        assert app.current_mode == "dashboard"
        assert app.runner.scenario is not None and app.runner.scenario.kyc.reviewers == 4
